"""Chat templates (Jinja) that reach Python internals: server-side template injection.

Only the code inside ``{{ }}`` and ``{% %}`` tags runs: text between tags, comments and
``{% raw %}`` blocks are dropped first (but for the text of a block ``set``, ``macro``,
``call``, ``filter`` or ``block``, which becomes a value a lookup can use), by a lexer
that reads the tags' string literals and brackets as Jinja's does (a ``}}`` in a string
or inside an open bracket does not end a tag). Jinja decodes escapes in string literals
(``'\\x5f\\x5fclass\\x5f\\x5f'``, ``'\\N{LOW LINE}'``), its parser joins adjacent literals
(``'__in' 'it__'``), templates join them (``'__cla' ~ 'ss__'``), and ``attr``,
``map(attribute=...)`` and subscripts look up a computed name, so the tags' code is also
read with every run of literals replaced by its value (decoded as Jinja's lexer decodes
it: all of Python's string escapes), and a lookup whose name is built by a string filter
or ``~`` counts as an escape attempt.
"""

from __future__ import annotations

import re

from aisec_sdk.posture.models import ScanFinding

__all__ = ["template_findings"]

_SSTI = re.compile(
    r"__(?:class|globals|subclasses|builtins|import|init|mro|base|bases|getattribute|code|"
    r"func|self|dict|getitem|loader|spec|closure|reduce|reduce_ex)__|\bos\.(?:popen|system)|"
    r"\bsubprocess\b|\beval\s*\(|\bexec\s*\(",
)
_STRING = r"'(?:[^'\\]|\\.)*'" r'|"(?:[^"\\]|\\.)*"'
_STRINGS = re.compile(_STRING, re.S)
# adjacent literals ('a' 'b', joined by Jinja's parser), 'a' ~ 'b', 'a' + 'b', ['a', 'b']|join
_LITERAL_RUN = re.compile(rf"(?:{_STRING})(?:\s*[~+,]?\s*(?:{_STRING}))*", re.S)
_COMPUTED_ATTR = re.compile(
    r"""\|\s*attr\s*\((?!\s*(['"])[A-Za-z][A-Za-z0-9_]*\1\s*\))"""
    r"""|\battribute\s*=(?!\s*(['"])[A-Za-z][A-Za-z0-9_.]*\2\s*[,)])"""
)
# obj[...] (a subscript falls back to getattr) with a name built by ~ or a string filter
_COMPUTED_ITEM = re.compile(
    r"""[\w)\]'"]\s*\[[^\[\]]*?(?:~|\|\s*(?:replace|join|format|reverse|lower|upper|"""
    r"string|capitalize|title|center|first|last|list|safe)\b)"
)
_TAG = re.compile(r"\{([{%#])")
# inside a tag: a string literal, one bracket, or a run of anything else
_TOKEN = re.compile(rf"""{_STRING}|[^'"()\[\]{{}}%]+|.""", re.S)
_CAPTURING = frozenset({"macro", "call", "filter", "block"})
_RAW = re.compile(r"\s*[-+]?\s*raw\s*[-+]?\s*")
_END_RAW = re.compile(r"\{%\s*[-+]?\s*endraw\s*[-+]?\s*%\}")


def _capture_change(body: str) -> int:
    """+1 when a statement opens a block whose text becomes a value (a block ``set``, a
    ``macro``, ``call``, ``filter`` or ``block``, callable as ``self.name()``), -1 when
    it closes one, else 0."""
    words = body.strip("-+ \t\r\n").split(None, 1)
    word = words[0] if words else ""
    if word in _CAPTURING or (word == "set" and "=" not in body):
        return 1
    return -1 if word.startswith("end") and word[3:] in (*_CAPTURING, "set") else 0


def _pieces(template: str) -> list[tuple[str, bool]]:
    """The code inside the template's tags, one piece a tag (``True``), and the text of
    blocks whose text becomes a value (``{% set x %}__class__{% endset %}``, ``False``).
    An unterminated tag, string or comment (which Jinja rejects) keeps the rest of the
    template as code."""
    pieces: list[tuple[str, bool]] = []
    pos, size, capturing = 0, len(template), 0
    while (tag := _TAG.search(template, pos)) is not None:
        if capturing > 0:
            pieces.append((template[pos : tag.start()], False))
        start = tag.end()
        if tag.group(1) == "#":
            end = template.find("#}", start)
            if end < 0:
                pieces.append((template[start:], True))
                break
            pos = end + 2
            continue
        close = "}}" if tag.group(1) == "{" else "%}"
        depth, i = 0, start
        while i < size and not (depth == 0 and template.startswith(close, i)):
            token = _TOKEN.match(template, i)
            assert token is not None  # the last alternative matches any character
            text = token.group()
            if text in ("'", '"'):  # a string that never ends: keep the rest, stop here
                pieces.append((template[start:], True))
                return pieces
            if text in ("(", "[", "{"):
                depth += 1
            elif text in (")", "]", "}"):
                depth = max(0, depth - 1)
            i = token.end()
        body = template[start:i]
        pieces.append((body, True))
        pos = i + 2
        if close == "%}":
            capturing = max(0, capturing + _capture_change(body))
            if _RAW.fullmatch(body):
                end_raw = _END_RAW.search(template, pos)
                if capturing > 0:
                    pieces.append((template[pos : end_raw.start() if end_raw else size], False))
                pos = end_raw.end() if end_raw else size
    if capturing > 0:
        pieces.append((template[pos:], False))
    return pieces


def _value(literal: str) -> str:
    """A string literal's value as Jinja's lexer decodes it (Python's string escapes,
    ``\\x5f``, ``\\u005f``, ``\\137``, ``\\N{LOW LINE}`` ...); one Jinja rejects stays as
    written."""
    body = literal[1:-1]
    try:
        return body.encode("ascii", "backslashreplace").decode("unicode-escape")
    except UnicodeDecodeError:
        return body


def _evaluated(code: str) -> str:
    """``code`` with every run of joined string literals replaced by its value."""
    return _LITERAL_RUN.sub(
        lambda run: repr("".join(_value(s.group()) for s in _STRINGS.finditer(run.group()))),
        code,
    )


def _escape_attempt(template: str) -> str | None:
    """The construct that reaches Python internals, as written or once evaluated."""
    pieces = _pieces(template)
    code = "\n".join(text for text, _ in pieces)
    match = _SSTI.search(code)
    if match is not None:
        return repr(match.group())
    evaluated = "\n".join(_evaluated(text) if is_tag else text for text, is_tag in pieces)
    match = _SSTI.search(evaluated)
    if match is not None:
        return f"{match.group()!r} (spelt with escapes or joined strings)"
    if _COMPUTED_ATTR.search(code) is not None:
        return "an attr filter with a computed name"
    if _COMPUTED_ITEM.search(code) is not None:
        return "a subscript with a computed name"
    return None


def template_findings(template: str, path: str, key: str) -> list[ScanFinding]:
    """One finding when the template named ``key`` uses a sandbox-escape construct."""
    what = _escape_attempt(template)
    if what is None:
        return []
    return [
        ScanFinding(
            "AISEC-TPL001",
            "critical",
            path,
            f"{key} uses {what}: Jinja template injection",
            key=key,
        )
    ]
