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

When jinja2 is installed, the template is also parsed (never rendered) and its syntax tree
walked: every name a lookup uses (a subscript, ``attr()``, ``map(attribute=...)``) is
folded as Jinja's own optimiser folds constants, through ``{% set %}`` variables and
``{% filter %}`` blocks (``'__slabolg__'|reverse``, ``'__GLOBALS__'|lower``), and checked
with the sandbox's rules; a lookup on one of Jinja's callables (``lipsum``, ``cycler``,
``self``, a macro ...) or on a literal whose name is not a literal at all (a variable, the
messages), and a call of what a computed lookup returned, count as escape attempts.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

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
    return _lexical_escape(template) or _parsed_escape(template)


def _lexical_escape(template: str) -> str | None:
    """`_escape_attempt` read from the tags' text, without a Jinja parser."""
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


# Jinja's globals (and transformers' helpers), the template itself and the loop: functions
# and objects whose attributes lead to Python's internals (``lipsum.__globals__``)
_CALLABLES = frozenset(
    {
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
        "range",
        "dict",
        "self",
        "loop",
        "caller",
        "varargs",
        "kwargs",
        "raise_exception",
        "strftime_now",
    }
)
_NUMERIC_FILTERS = frozenset({"length", "count", "int", "abs", "round", "float"})
_UNSAFE_NAMES = frozenset(
    {"mro", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_code", "ag_frame"}
)


def _unsafe(name: object) -> bool:
    """Whether the sandbox refuses looking ``name`` up (or Python hides an internal there)."""
    return isinstance(name, str) and (
        name.startswith("__") or name in _UNSAFE_NAMES or _SSTI.search(name) is not None
    )


@dataclass(frozen=True)
class _Folded:
    """What an expression folds to: the values found, whether it is always one of them
    (every variable it reads is only ever set to constants), and the first unsafe one."""

    values: tuple[object, ...]
    complete: bool
    unsafe: object = None


def _folded(values: list[object], complete: bool) -> _Folded:
    """A `_Folded` of ``values`` without repeats."""
    unique = tuple({repr(v): v for v in values}.values())
    return _Folded(unique, complete and bool(unique), next(filter(_unsafe, unique), None))


_NOT_CONSTANT = _Folded((), False)


class _Tree:
    """A parsed template's lookups, with the constants its variables and blocks hold."""

    def __init__(self, root: Any, jinja: Any, environment: Any) -> None:
        self.nodes, self.ctx = jinja.nodes, jinja.nodes.EvalContext(environment)
        self.root = root
        self.values: dict[str, list[Any]] = {}  # variable -> the expressions set into it
        self._memo: dict[tuple[str, frozenset[str]], _Folded] = {}
        self.callables = set(_CALLABLES) | {m.name for m in root.find_all(self.nodes.Macro)}
        for assign in root.find_all(self.nodes.Assign):
            for target in self._names(assign.target):
                self.values.setdefault(target, []).append(assign.node)
        for block in root.find_all(self.nodes.AssignBlock):
            for target in self._names(block.target):
                self.values.setdefault(target, []).append(block)
        self.counters: set[str] = set()  # {% for i in range(n) %}
        for loop in root.find_all(self.nodes.For):  # {% for g in ['__slabolg__'|reverse] %}
            if not isinstance(loop.target, self.nodes.Name):
                continue
            if isinstance(loop.iter, self.nodes.List | self.nodes.Tuple):
                self.values.setdefault(loop.target.name, []).extend(loop.iter.items)
            elif isinstance(loop.iter, self.nodes.Call) and self._names(loop.iter.node) == {
                "range"
            }:
                self.counters.add(loop.target.name)
        containers = (self.nodes.Dict, self.nodes.List, self.nodes.Tuple)
        for _ in range(3):  # aliases of aliases: {% set f = lipsum %}{% set g = f %}
            for name, values in self.values.items():
                if any(
                    self._from_callable(v)
                    or (isinstance(v, containers) and self._names(v) & self.callables)
                    for v in values
                ):
                    self.callables.add(name)

    def _names(self, node: Any) -> set[str]:
        """The variables ``node`` is or holds."""
        if isinstance(node, self.nodes.Name):
            return {node.name}
        return {n.name for n in node.find_all(self.nodes.Name)}

    def constant(self, node: Any, seen: frozenset[str] = frozenset()) -> _Folded:
        """What ``node`` folds to, reading each variable as its first constant value."""
        if isinstance(node, self.nodes.AssignBlock | self.nodes.FilterBlock):
            return self._block(node, seen)
        names = self._names(node)
        if names & seen or not names <= self.values.keys():
            return _NOT_CONSTANT
        if isinstance(node, self.nodes.Name):
            return self._variable(node.name, seen)
        if not names:
            return self._evaluate(node, complete=True)
        # a copy to fold (the environment the parser set on each node is shared, not copied)
        folded = copy.deepcopy(node, {id(self.ctx.environment): self.ctx.environment})
        complete = True
        for name in names:
            variable = self._variable(name, seen)
            if not variable.values:
                return _NOT_CONSTANT
            complete = complete and variable.complete and len(variable.values) == 1
            self._substitute(folded, name, variable.values[0])
        return self._evaluate(folded, complete)

    def _evaluate(self, node: Any, complete: bool) -> _Folded:
        """``node`` folded by Jinja's optimiser (pure filters run on constants)."""
        try:
            return _folded([node.as_const(self.ctx)], complete)
        except Exception:  # nodes.Impossible, or a filter that fails on these values
            return _NOT_CONSTANT

    def _variable(self, name: str, seen: frozenset[str]) -> _Folded:
        """The values set into ``name`` (complete when every assignment is a constant)."""
        key = (name, seen)
        if key not in self._memo:
            self._memo[key] = _NOT_CONSTANT  # while it is worked out: a loop is no constant
            folds = [self.constant(value, seen | {name}) for value in self.values[name]]
            values = [v for fold in folds for v in fold.values]
            self._memo[key] = _folded(values, all(fold.complete for fold in folds))
        return self._memo[key]

    def _block(self, block: Any, seen: frozenset[str]) -> _Folded:
        """The text a ``{% set x %}`` or ``{% filter %}`` block produces."""
        text, complete = "", True
        for output in block.body:
            children = output.nodes if isinstance(output, self.nodes.Output) else [output]
            for child in children:
                if not isinstance(child, self.nodes.Expr | self.nodes.FilterBlock):
                    return _NOT_CONSTANT  # an if, a loop ...
                fold = self.constant(child, seen)
                if not fold.values:
                    return _NOT_CONSTANT
                text, complete = text + str(fold.values[0]), complete and fold.complete
        chain = copy.deepcopy(block.filter)
        if chain is None:
            return _folded([text], complete)
        inner = chain
        while isinstance(inner.node, self.nodes.Filter):
            inner = inner.node
        inner.node = self.nodes.Const(text)
        return self._evaluate(chain, complete)

    def _from_callable(self, node: Any) -> bool:
        """Whether ``node`` starts from a callable or a literal string, list or tuple
        (``lipsum[...]``, ``''[...]``; not a dict literal: a type map keyed by the data)."""
        while isinstance(node, self.nodes.Getattr | self.nodes.Getitem | self.nodes.Call):
            node = node.node
        while isinstance(node, self.nodes.Filter | self.nodes.Test) and node.node is not None:
            node = node.node
        literal = (self.nodes.Const, self.nodes.List, self.nodes.Tuple)
        return isinstance(node, literal) or (
            isinstance(node, self.nodes.Name) and node.name in self.callables
        )

    def _numeric(self, node: Any, seen: frozenset[str] = frozenset()) -> bool:
        """A key that can only be a number or a slice (``messages[loop.index0 - 1]``, a
        variable only ever set to such a key or counting through a ``range``)."""
        n = self.nodes
        if isinstance(node, n.Const):
            return isinstance(node.value, int | float)
        if isinstance(node, n.Slice):
            return True
        if isinstance(node, n.Name):  # within its own assignments (i = i + 1): as assumed
            values = self.values.get(node.name, [])
            inner = seen | {node.name}
            return node.name in self.counters | seen or (
                bool(values) and all(self._numeric(v, inner) for v in values)
            )
        if isinstance(node, n.Getattr):
            return isinstance(node.node, n.Name) and node.node.name == "loop"
        if isinstance(node, n.Filter):
            return node.name in _NUMERIC_FILTERS
        if isinstance(node, n.Neg | n.Pos):
            return self._numeric(node.node, seen)
        if isinstance(node, n.Add | n.Sub | n.Mul | n.Div | n.FloorDiv | n.Mod | n.Pow):
            return self._numeric(node.left, seen) and self._numeric(node.right, seen)
        return False

    def lookups(self) -> list[tuple[Any, Any, Any]]:
        """Each lookup whose name may not be a number: (the lookup, its object, the name)."""
        n = self.nodes
        found: list[tuple[Any, Any, Any]] = [
            (g, g.node, g.arg) for g in self.root.find_all(n.Getitem) if not self._numeric(g.arg)
        ]
        for f in self.root.find_all(n.Filter):
            if f.name == "attr" and f.args:
                found.append((f, f.node, f.args[0]))
            found += [(f, f.node, kw.value) for kw in f.kwargs if kw.key == "attribute"]
        return found

    def escape(self) -> str | None:
        """What reaches Python internals, or None."""
        n = self.nodes
        computed: set[int] = set()  # lookups whose name is not a constant
        for lookup, obj, name in self.lookups():
            fold = self.constant(name)
            if fold.unsafe is not None:
                return f"a lookup of {fold.unsafe!r} (a name computed by filters or variables)"
            if fold.complete:
                continue
            if self._from_callable(obj):
                return "a lookup on a Jinja callable or a literal with a name that is not a literal"
            computed.add(id(lookup))
        for call in self.root.find_all(n.Call):  # x[k](), (x|attr(k))(), x[k].mro()
            callee = call.node
            if isinstance(callee, n.Getattr) and _unsafe(callee.attr):
                callee = callee.node
            if id(callee) in computed:
                return "a call of what a lookup with a computed name returned"
        return None

    def _substitute(self, tree: Any, name: str, value: object) -> None:
        """Put the constant ``value`` wherever ``tree`` reads the variable ``name``."""
        const = self.nodes.Const(value)
        for node in [tree, *tree.find_all(self.nodes.Node)]:
            for field, child in node.iter_fields():
                if isinstance(child, self.nodes.Name) and child.name == name:
                    setattr(node, field, const)
                elif isinstance(child, list):
                    child[:] = [
                        const if isinstance(c, self.nodes.Name) and c.name == name else c
                        for c in child
                    ]


def _parsed_escape(template: str) -> str | None:
    """`_escape_attempt` from jinja2's syntax tree; None without jinja2 or when the
    template does not parse (no renderer runs it then)."""
    try:
        import jinja2
        import jinja2.nodes
    except ImportError:
        return None
    try:
        environment = jinja2.Environment(extensions=["jinja2.ext.loopcontrols"])
        return _Tree(environment.parse(template), jinja2, environment).escape()
    except (jinja2.TemplateSyntaxError, RecursionError):
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
