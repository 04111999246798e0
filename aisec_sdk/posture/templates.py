"""Chat templates (Jinja) that reach Python internals: server-side template injection."""

from __future__ import annotations

import re

from aisec_sdk.posture.models import ScanFinding

__all__ = ["template_findings"]

_SSTI = re.compile(
    r"__(?:class|globals|subclasses|builtins|import|init|mro|base|bases|getattribute|code|"
    r"func|self)__|\bos\.(?:popen|system)|\bsubprocess\b|\beval\s*\(|\bexec\s*\(",
)


def template_findings(template: str, path: str, key: str) -> list[ScanFinding]:
    """One finding when the template named ``key`` uses a sandbox-escape construct."""
    match = _SSTI.search(template)
    if match is None:
        return []
    return [
        ScanFinding(
            "AISEC-TPL001",
            "critical",
            path,
            f"{key} uses {match.group(0)!r}: Jinja template injection",
            key=key,
        )
    ]
