"""What a scan found, as sorted (rule id, severity) pairs: the shape posture tests compare."""

from __future__ import annotations

from aisec_sdk.posture import ScanReport


def rule_ids(report: ScanReport) -> list[tuple[str, str]]:
    """The report's findings as sorted (rule id, severity) pairs."""
    return sorted((f.rule_id, f.severity) for f in report.findings)
