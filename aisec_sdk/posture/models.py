"""The result types of a posture scan: `ScanFinding`, `FileResult` and `ScanReport`."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "SEVERITIES",
    "FileResult",
    "ScanFinding",
    "ScanReport",
    "Severity",
    "severity_rank",
    "valid_json",
    "valid_text",
]

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")


def severity_rank(severity: str) -> int:
    """0 for ``low`` up to 3 for ``critical``; `ValueError` names the valid values."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(
            f"severity must be one of {', '.join(SEVERITIES)}; got {severity!r}"
        ) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def valid_text(text: str) -> str:
    """``text`` without lone surrogates, so it encodes as UTF-8 and strict JSON parsers
    take it. A byte of a file name that is not UTF-8 (which Python reads as U+DC80-U+DCFF)
    becomes ``\\xff``, as ``bytes.decode(errors="backslashreplace")`` writes it; any other
    surrogate becomes ``\\ud800``."""
    return _SURROGATE.sub(_escape, text)


def valid_json(value: Any) -> Any:
    """A JSON-ready value (dicts, lists, scalars) with every string, keys too, through
    `valid_text`."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        return {valid_json(k): valid_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [valid_json(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One problem in one file (or one member of an archive, ``archive.zip!member``).

    ``key`` is what makes the finding unique within its file (a global name, a line's
    code, a rule for a dataset); it feeds the fingerprint and is never raw sensitive data.
    """

    rule_id: str
    severity: Severity
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    key: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def file(self) -> str:
        """The file on disk (the archive when the finding is in one of its members)."""
        return self.path.split("!", 1)[0]

    @property
    def file_line(self) -> int | None:
        """The line within the file itself: None for a line counted within a notebook cell
        (the message names the cell and its line)."""
        return None if "cell" in self.details else self.line

    @property
    def fingerprint(self) -> str:
        """A stable id for this finding across runs: rule, path and key, hashed (a file name
        that is not UTF-8 reaches here with lone surrogates, kept as they are)."""
        text = f"{self.rule_id}\0{self.path}\0{self.key}"
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (contract fields first); strings are `valid_text`."""
        from aisec_sdk.posture.rules import RULES

        rule = RULES[self.rule_id]
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "path": self.path,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "rule": rule.name,
            "category": rule.owasp[0],
            "owasp": [f"{o}:2025" for o in rule.owasp],
            "atlas": list(rule.atlas),
            "fingerprint": self.fingerprint,
        }
        if self.details:
            out["details"] = self.details
        valid: dict[str, Any] = valid_json(out)
        return valid


@dataclass(slots=True)
class FileResult:
    """What was found out about one scanned file: its kind, format, size and hash."""

    path: str
    kind: str
    format: str
    size: int
    sha256: str | None = None
    findings: int = 0
    stats: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view; strings are `valid_text`."""
        out: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind,
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "findings": self.findings,
        }
        if self.stats:
            out["stats"] = self.stats
        valid: dict[str, Any] = valid_json(out)
        return valid


@dataclass(slots=True)
class ScanReport:
    """Findings over every scanned file, with per-file facts."""

    findings: list[ScanFinding] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    strict: bool = False
    skipped: int = 0

    def at_or_above(self, severity: str) -> list[ScanFinding]:
        """The findings whose severity is ``severity`` or worse."""
        floor = severity_rank(severity)
        return [f for f in self.findings if severity_rank(f.severity) >= floor]

    @property
    def max_severity(self) -> Severity | None:
        """The worst severity found, or None when there is no finding."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=severity_rank)

    def counts(self) -> dict[str, int]:
        """Number of findings per severity."""
        out: dict[str, int] = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            out[f.severity] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``findings`` plus a summary and the per-file facts."""
        from aisec_sdk import __version__

        return {
            "tool": {"name": "aisec", "version": __version__},
            "strict": self.strict,
            "summary": {
                "files": len(self.files),
                "skipped": self.skipped,
                "findings": len(self.findings),
                "by_severity": self.counts(),
            },
            "findings": [f.to_dict() for f in self.findings],
            "files": [f.to_dict() for f in self.files],
        }
