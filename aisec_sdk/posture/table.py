"""Plain-text table rendering of a scan report, worst findings first."""

from __future__ import annotations

import textwrap

from aisec_sdk.posture.models import ScanReport, severity_rank, valid_text

__all__ = ["to_table"]

_MESSAGE_WIDTH = 80


def _printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (``\\x1b``): names
    come from the scanned files (zip members, pickle imports), and a terminal must not
    act on an escape sequence or a newline hidden in one. The bytes of a name that is not
    UTF-8 are ``\\xff`` as in the JSON report (`valid_text`)."""
    text = valid_text(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def to_table(report: ScanReport) -> str:
    """A human-readable table of the findings and a one-line summary."""
    rows = sorted(report.findings, key=lambda f: (-severity_rank(f.severity), f.path, f.line or 0))
    lines: list[str] = []
    if rows:
        header = ("SEVERITY", "RULE", "LOCATION", "MESSAGE")
        cells = [
            (
                f.severity.upper(),
                f.rule_id,
                _printable(f.path) + (f":{f.file_line}" if f.file_line else ""),
                _printable(f.message),
            )
            for f in rows
        ]
        width = [max(len(c[i]) for c in [*cells, header]) for i in range(3)]
        lines.append(
            "  ".join(h.ljust(w) for h, w in zip(header, [*width, 0], strict=True)).rstrip()
        )
        indent = " " * (sum(width) + 6)
        for cell in cells:
            wrapped = textwrap.wrap(cell[3], _MESSAGE_WIDTH) or [""]
            lead = "  ".join(c.ljust(w) for c, w in zip(cell[:3], width, strict=True))
            lines.append(f"{lead}  {wrapped[0]}")
            lines.extend(indent + more for more in wrapped[1:])
        lines.append("")
    counts = report.counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low"))
    lines.append(
        f"{len(report.files)} file(s) scanned, {len(report.findings)} finding(s): {summary}"
        + (" [strict]" if report.strict else "")
    )
    return "\n".join(lines) + "\n"
