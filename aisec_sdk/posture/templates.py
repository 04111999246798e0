"""Chat templates (Jinja) that reach Python internals: server-side template injection.

Jinja decodes escapes in string literals (``'\\x5f\\x5fclass\\x5f\\x5f'``) and joins them
(``'__cla' ~ 'ss__'``), and the ``attr`` filter looks up a computed name, so the template
is also read with its escapes decoded and adjacent literals joined, and an ``attr`` whose
argument is not a plain literal name counts as an escape attempt.
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
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3})")
_JOINED = re.compile(r"""['"]\s*[~+,]\s*['"]""")  # 'a' ~ 'b', 'a' + 'b', ['a', 'b']|join
_COMPUTED_ATTR = re.compile(r"""\|\s*attr\s*\((?!\s*(['"])[A-Za-z][A-Za-z0-9_]*\1\s*\))""")


def _unescape(match: re.Match[str]) -> str:
    code = match.group()[1:]
    value = int(code[1:], 16) if code[0] in "xuU" else int(code, 8)
    return chr(value) if value < 0x110000 else match.group()


def _escape_attempt(template: str) -> str | None:
    """The construct that reaches Python internals, as written or once decoded."""
    match = _SSTI.search(template)
    if match is not None:
        return repr(match.group())
    decoded = _JOINED.sub("", _ESCAPE.sub(_unescape, template))
    match = _SSTI.search(decoded)
    if match is not None:
        return f"{match.group()!r} (spelt with escapes or joined strings)"
    match = _COMPUTED_ATTR.search(template)
    if match is not None:
        return "an attr filter with a computed name"
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
