"""TorchScript archives (``torch.jit.save``): the operators their code calls.

``torch.jit.load`` compiles the Python-syntax source under ``code/`` and runs it: a
class's ``__setstate__`` while the archive loads, ``forward`` and the other methods when
the model is called. In that source ``torch.X`` and ``torch.autograd.X`` name the ATen
operator ``aten::X``, ``ops.NS.X`` the operator ``NS::X`` (``getattr(ops, "NS")`` and
names bound to these values resolve the same way), and ``__torch__.torch.classes.NS.C``
a custom class. The scanner resolves those names; it never imports torch. The source is
first read as torch's lexer reads it: comments dropped, lines continued by a backslash
joined, string literals decoded (``'\\163ave'``) and adjacent ones joined
(``getattr(torch, 'sa' 've')``).

Two things are reported: operators that read or write files at a path the code chooses
(``torch.save`` is ``aten::save``, ``torch.from_file`` is ``aten::from_file``), and
operators or classes from namespaces torch does not ship, which load only after
``torch.ops.load_library`` (native code) or an import registered them.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import pickletools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from aisec_sdk.posture import archives
from aisec_sdk.posture.models import ScanFinding

__all__ = ["scan_torchscript"]

_CODE = re.compile(r"(?:^|/)code/.+\.py$")
# The lite interpreter (torch.jit.mobile) runs bytecode.pkl, not code/: its operator
# tables name each operator as a "NS::name" string.
_BYTECODE = re.compile(r"(?:^|/)bytecode\.pkl$")
_OPERATOR_NAME = re.compile(r"([A-Za-z_]\w*)::([A-Za-z_]\w*)")
_CLASS_NAME = re.compile(r"__torch__\.torch\.classes\.([A-Za-z_]\w*)\.([A-Za-z_]\w*)")
_MAX_CODE = 16 << 20
# Operators that touch files at a path given as an argument. ATen's are in torch itself;
# torchvision's io operators (image::read_file / image::write_file) are registered when
# torchvision is imported, as many serving processes do.
_FILE_OPS: dict[tuple[str, str], str] = {
    ("aten", "save"): "writes a file at a path the code gives",
    ("aten", "from_file"): "maps a file at a path the code gives into a tensor (reads it; "
    "shared=True writes changes back)",
    ("image", "read_file"): "reads a file at a path the code gives (torchvision.io)",
    ("image", "write_file"): "writes a file at a path the code gives (torchvision.io)",
}
# Operator namespaces registered by torch 2.x itself (CPU and CUDA builds), and
# torchvision's compute kernels (nms, roi_align, ...), which detection models script.
_BUILTIN_OPS = frozenset(
    {
        "aten",
        "prim",
        "prims",
        "quantized",
        "_quantized",
        "quantization",
        "mkldnn",
        "mkldnn_prepacked",
        "onednn",
        "mkl",
        "sparse",
        "cuda",
        "c10d",
        "_c10d_functional",
        "_c10d_functional_autograd",
        "_dtensor",
        "_native",
        "profiler",
        "debugprims",
        "rngprims",
        "inductor",
        "inductor_prims",
        "export",
        "onnx",
        "static_runtime",
        "symm_mem",
        "debug_mode_ops",
        "torchvision",
    }
)
# Custom-class namespaces registered by torch itself (packed quantized weights, ...).
_BUILTIN_CLASSES = frozenset(
    {
        "quantized",
        "sparse",
        "rnn",
        "mkldnn",
        "onednn",
        "xnnpack",
        "cuda",
        "c10d",
        "dist_rpc",
        "profiling",
        "backendutils",
        "aten",
        "_nnapi",
    }
)
_ROOTS = frozenset({"torch", "ops", "__torch__"})
_CLASS_FILE = re.compile(r"(?:^|/)code/__torch__/torch/classes/([^/]+)\.py$")
_NAME = r"[A-Za-z_]\w*"
_LINK = rf"\s*\.\s*{_NAME}"
# A dotted path from a root; from a name bound to one (an alias) too, with no link.
_ROOTED = re.compile(rf"(?<![\w.])(torch|ops|__torch__)((?:{_LINK})+)")
_ANY_PATH = re.compile(rf"(?<![\w.])({_NAME})((?:{_LINK})*)")
# What torch's lexer reads (torch/csrc/jit/frontend/lexer.h): a string literal (three
# quotes may span lines; a backslash escapes any character), a comment, a backslash that
# continues the line, a quote that opens no string (the lexer rejects the source), else.
_LEXEME = re.compile(
    r"""(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|"""
    r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|(?P<comment>#[^\n]*)"""
    r"""|(?P<continued>\\\r?\n)|(?P<open>['"])|(?P<other>[^'"#\\]+|\\)""",
    re.S,
)
# Escapes torch's parseStringLiteral decodes; \x and \u it rejects.
_STRING_ESCAPE = re.compile(r"\\(?:([0-7]{3})|(.))", re.S)
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "v": "\v", "t": "\t"} | {
    c: c for c in "\\'\"\n"
}
# Characters a normalised literal cannot hold (its quotes stay the only ones).
_UNQUOTED = re.compile(r"['\"\\\r\n]")
# getattr(X, "y") is X.y to the TorchScript compiler, nested ones too; "y" may be adjacent
# literals, which its parser joins ('sa' 've').
_GETATTR = re.compile(rf"getattr\(\s*({_NAME}(?:{_LINK})*)\s*,((?:\s*'[^']*')+)\s*\)")
_ALIAS = re.compile(
    rf"^[ \t]*({_NAME})[ \t]*=[ \t]*({_NAME}(?:[ \t]*\.[ \t]*{_NAME})*)[ \t]*$", re.M
)
_DEF = re.compile(rf"^[ \t]*def[ \t]+({_NAME})", re.M)
_MAX_LISTED = 8
_MAX_NAMESPACES = 32  # findings per kind (operators, classes)


@dataclass(frozen=True, slots=True)
class _Ref:
    """One resolved name: an operator (``namespace``, ``name``) or a custom class."""

    kind: str  # "op" or "class"
    namespace: str
    name: str
    line: int | None
    function: str


def _resolve(path: tuple[str, ...]) -> tuple[str, str, str] | None:
    """(kind, namespace, name) for a dotted path, as the TorchScript importer reads it."""
    root, rest = path[0], list(path[1:])
    if root == "__torch__":
        if rest[:2] == ["torch", "classes"] and len(rest) >= 3:
            return ("class", rest[2], rest[3] if len(rest) > 3 else "")
        return None
    if root == "torch":
        while rest[:1] == ["autograd"]:
            rest = rest[1:]
        if rest[:1] != ["ops"]:
            return ("op", "aten", rest[0]) if rest else None
        rest = rest[1:]  # torch.ops.NS.X, as in Python
    if not rest:
        return None
    return ("op", rest[0], rest[1] if len(rest) > 1 else "")


def _split(chain: str) -> tuple[str, ...]:
    """``"torch . save"`` -> ``("torch", "save")``."""
    return tuple(part.strip() for part in chain.split("."))


def _unescape(match: re.Match[str]) -> str:
    """One escape's character, as torch's parseStringLiteral decodes it."""
    octal, char = match.groups()
    if octal is not None and int(octal, 8) < 256:
        return chr(int(octal, 8))
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char]
    raise ValueError(match.group())


def _string_value(literal: str) -> str:
    """A string literal's value, without the characters a normalised literal cannot hold;
    one with an escape torch rejects stays as written."""
    quotes = 3 if literal[:3] in ("'''", '"""') else 1
    body = literal[quotes:-quotes]
    with contextlib.suppress(ValueError):  # else torch's parser rejects the literal
        body = _STRING_ESCAPE.sub(_unescape, body)
    return _UNQUOTED.sub(" ", body)


def _normalised(text: str) -> str:
    """``text`` as torch's lexer reads it: comments dropped, lines continued by a backslash
    joined, each string literal written ``'value'``. Line breaks removed are put back at
    the next one, so a line number is that of the statement's first line."""
    out: list[str] = []
    held = 0  # line breaks removed and not yet put back
    for lexeme in _LEXEME.finditer(text):
        kind, piece = lexeme.lastgroup, lexeme.group()
        if kind == "open":  # an unterminated string: torch rejects the source
            out.append(text[lexeme.start() :])
            break
        if kind == "string":
            held += piece.count("\n")
            piece = f"'{_string_value(piece)}'"
        elif kind == "comment":
            continue
        elif kind == "continued":
            held, piece = held + 1, ""
        elif held and "\n" in piece:
            piece, held = piece.replace("\n", "\n" * (held + 1), 1), 0
        out.append(piece)
    return "".join(out) + "\n" * held


def _flatten_getattr(text: str) -> str:
    """``getattr(X, 'y')`` rewritten ``X.y``, innermost first; the line breaks a call
    spanned are kept after it, so line numbers stay right."""

    def flat(match: re.Match[str]) -> str:
        name = "".join(match.group(2).split("'")[1::2])
        if re.fullmatch(_NAME, name) is None:
            return match.group(0)
        return f"{match.group(1)}.{name}" + "\n" * match.group(0).count("\n")

    for _ in range(16):  # each round removes one level of nesting
        text, count = _GETATTR.subn(flat, text)
        if not count:
            break
    return text


def _aliases(text: str) -> dict[str, tuple[str, ...]]:
    """Names bound to a path from a root (``f = torch.save``, ``t = torch``), through
    other such names too; the TorchScript compiler lets a name hold a module or builtin."""
    assigns = [(m.group(1), _split(m.group(2))) for m in _ALIAS.finditer(text)]
    aliases: dict[str, tuple[str, ...]] = {}
    for _ in range(4):  # aliases of aliases, a few deep
        changed = False
        for name, path in assigns:
            base = path[0]
            target = path if base in _ROOTS else None
            if base in aliases and base != name:
                target = aliases[base] + path[1:]
            if target is not None and aliases.get(name) != target:
                aliases[name], changed = target, True
        if not changed:
            break
    return aliases


def _references(text: str) -> list[_Ref]:
    """Every operator and custom class the source names, with its line and function.

    Read with patterns (linear, whatever the size), not Python's parser: a string that
    spells an operator path counts too, a false positive real serialized code avoids."""
    text = _flatten_getattr(_normalised(text))
    aliases = _aliases(text)
    defs = [(m.start(), m.group(1)) for m in _DEF.finditer(text)]
    starts = [start for start, _ in defs]
    refs: dict[tuple[str, str, str, str], _Ref] = {}  # the first use of each name
    line, seen = 1, 0
    for match in (_ANY_PATH if aliases else _ROOTED).finditer(text):
        path = _split(match.group(0))
        if path[0] in aliases:
            path = aliases[path[0]] + path[1:]
        elif path[0] not in _ROOTS or len(path) < 2:
            continue
        target = _resolve(path)
        if target is None:
            continue
        line, seen = line + text.count("\n", seen, match.start()), match.start()
        at = bisect.bisect_right(starts, match.start()) - 1
        ref = _Ref(*target, line, defs[at][1] if at >= 0 else "")
        refs.setdefault((ref.kind, ref.namespace, ref.name, ref.function), ref)
    return list(refs.values())


def _bytecode_references(data: bytes) -> list[_Ref]:
    """The operators and custom classes a bytecode.pkl names, from its strings (read with
    pickletools, never unpickled; a damaged stream gives what came before the damage)."""
    refs: list[_Ref] = []
    try:
        for _, arg, _ in pickletools.genops(io.BytesIO(data)):  # ends at STOP
            if not isinstance(arg, str):
                continue
            op = _OPERATOR_NAME.fullmatch(arg)
            if op is not None:
                refs.append(_Ref("op", op.group(1), op.group(2), None, ""))
            for cls in _CLASS_NAME.finditer(arg):
                refs.append(_Ref("class", cls.group(1), cls.group(2), None, ""))
    except (ValueError, EOFError, UnicodeDecodeError):
        pass  # the pickle scan of the same member reports the damage
    return list(dict.fromkeys(refs))  # each name once, as `_references` gives them


def _when(function: str) -> str:
    if function == "__setstate__":
        return "while the archive loads (in __setstate__)"
    return f"when {function or 'the code'} runs"


def _file_findings(refs: Iterable[_Ref], where: str) -> list[ScanFinding]:
    """One AISEC-JIT001 per file operator in ``refs`` (each name once per function)."""
    findings: list[ScanFinding] = []
    for ref in refs:
        what = _FILE_OPS.get((ref.namespace, ref.name))
        if ref.kind != "op" or what is None:
            continue
        op = f"{ref.namespace}::{ref.name}"
        message = f"TorchScript code calls {op}, which {what}, {_when(ref.function)}"
        findings.append(
            ScanFinding(
                "AISEC-JIT001",
                "high",
                where,
                message,
                line=ref.line,
                key=f"{op}:{ref.function}",
                details={"operator": op, "function": ref.function},
            )
        )
    return findings


def _foreign_findings(
    ops: dict[str, set[str]], classes: dict[str, set[str]], display: str
) -> list[ScanFinding]:
    findings: list[ScanFinding] = []
    for kind, table in (("operators", ops), ("custom classes", classes)):
        for namespace in sorted(table)[:_MAX_NAMESPACES]:
            names = sorted(n for n in table[namespace] if n)
            listed = ", ".join(repr(n[:80]) for n in names[:_MAX_LISTED])
            more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
            message = (
                f"TorchScript code uses {kind} of namespace {namespace[:80]!r}"
                f"{f' ({listed}{more})' if listed else ''}, which torch does not ship: "
                "torch.jit.load fails unless a library registering them is loaded first "
                "(torch.ops.load_library: native code) or a package imported"
            )
            findings.append(
                ScanFinding(
                    "AISEC-JIT002",
                    "medium",
                    display,
                    message,
                    key=f"{kind}:{namespace}",
                    details={"namespace": namespace, "names": names[:_MAX_LISTED]},
                )
            )
    return findings


def scan_torchscript(
    fh: IO[bytes], display: str, members: Iterable[archives.ZipMember]
) -> list[ScanFinding]:
    """Findings for the TorchScript source members of the torch zip ``fh``."""
    findings: list[ScanFinding] = []
    ops: dict[str, set[str]] = {}
    classes: dict[str, set[str]] = {}
    for member in members:
        bytecode = _BYTECODE.search(member.name) is not None
        if not bytecode and _CODE.search(member.name) is None:
            continue  # neither TorchScript source nor lite interpreter bytecode
        where = f"{display}!{member.name}"
        class_file = _CLASS_FILE.search(member.name)
        if class_file is not None and class_file.group(1) not in _BUILTIN_CLASSES:
            classes.setdefault(class_file.group(1), set())
        if member.data_offset < 0 or member.method not in archives.METHODS:
            continue  # an anomaly the archive listing reports
        try:
            data = archives.open_member(fh, member).read(_MAX_CODE + 1)
        except Exception as exc:  # a damaged member must not hide the others
            message = f"TorchScript code could not be read: {type(exc).__name__}: {exc}"
            findings.append(ScanFinding("AISEC-MOD001", "medium", where, message, key="crash"))
            continue
        if len(data) > _MAX_CODE:
            message = f"TorchScript code over {_MAX_CODE >> 20} MiB; its operators were not checked"
            findings.append(ScanFinding("AISEC-MOD001", "high", where, message, key="too-large"))
            continue
        if bytecode:
            refs = _bytecode_references(data)
        else:
            refs = _references(data.decode("utf-8", "replace"))
        findings += _file_findings(refs, where)
        if any(r.kind == "op" and (r.namespace, r.name) == ("prim", "PythonOp") for r in refs):
            message = (
                "TorchScript code calls prim::PythonOp, which no saved archive holds "
                "(torch.jit.save refuses Python calls): torch.jit.load of such code crashed "
                "with a segmentation fault in torch 2.13"
            )
            findings.append(ScanFinding("AISEC-MOD001", "high", where, message, key="pythonop"))
        for ref in refs:
            if ref.kind == "op" and ref.namespace not in _BUILTIN_OPS:
                ops.setdefault(ref.namespace, set()).add(ref.name)
            elif ref.kind == "class" and ref.namespace not in _BUILTIN_CLASSES:
                classes.setdefault(ref.namespace, set()).add(ref.name)
    return findings + _foreign_findings(ops, classes, display)
