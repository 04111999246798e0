"""SARIF 2.1.0 rendering of a scan report (for GitHub code scanning and other CI tools).

Every catalogue rule is listed with OWASP LLM 2025 and MITRE ATLAS tags and a
``security-severity``; results carry stable ``partialFingerprints``. A finding inside an
archive points at the archive file and names the member in a logical location.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from aisec_sdk.posture.models import ScanFinding, ScanReport, Severity, valid_json
from aisec_sdk.posture.rules import OWASP_NAMES, RULES, SECURITY_SEVERITY, Rule

__all__ = ["SARIF_SCHEMA_URI", "to_sarif"]

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_LEVEL: dict[Severity, str] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
}
_BASE = "SRCROOT"
_RULE_INDEX = {rule_id: index for index, rule_id in enumerate(RULES)}


def _rule(rule: Rule) -> dict[str, Any]:
    owasp = ", ".join(f"{o} {OWASP_NAMES[o]}" for o in rule.owasp)
    atlas = ", ".join(rule.atlas) or "none"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {
            "text": f"{rule.remedy} OWASP LLM 2025: {owasp}. MITRE ATLAS: {atlas}.",
            "markdown": f"{rule.remedy}\n\n**OWASP LLM 2025:** {owasp}\n\n**MITRE ATLAS:** {atlas}",
        },
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "tags": [
                "security",
                *(f"owasp-{o.lower()}" for o in rule.owasp),
                *(f"{o}:2025" for o in rule.owasp),
                *(f"atlas-{a}" for a in rule.atlas),
            ],
            "precision": rule.precision,
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def _folder_uri(folder: Path) -> str:
    """``file:///work/`` for a folder; the root stays ``file:///`` (not ``file:////``)."""
    uri = folder.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _location(finding: ScanFinding) -> dict[str, Any]:
    file = Path(finding.file)
    artifact: dict[str, Any]
    if file.is_absolute():
        try:
            file = file.relative_to(Path.cwd())
        except ValueError:
            artifact = {"uri": file.as_uri()}
    if not file.is_absolute():
        uri = quote(file.as_posix(), errors="surrogateescape")
        artifact = {"uri": uri, "uriBaseId": _BASE}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if finding.file_line:  # not a notebook cell's line
        region: dict[str, Any] = {"startLine": finding.file_line}
        if finding.column:
            region["startColumn"] = finding.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.path != finding.file:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "member"}]
    return location


def _result(finding: ScanFinding) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "severity": finding.severity,
        "security-severity": SECURITY_SEVERITY[finding.severity],
        "path": finding.path,
    }
    if finding.details:
        properties["details"] = finding.details
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": _RULE_INDEX[finding.rule_id],
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [_location(finding)],
        "partialFingerprints": {"aisecFindingHash/v1": finding.fingerprint},
        "properties": properties,
    }


def to_sarif(report: ScanReport) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a JSON-ready dict)."""
    from aisec_sdk import __version__

    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aisec",
                        "fullName": "aisec_sdk posture scanner",
                        "semanticVersion": __version__,
                        "rules": [_rule(rule) for rule in RULES.values()],
                    }
                },
                "originalUriBaseIds": {_BASE: {"uri": _folder_uri(Path.cwd())}},
                "invocations": [{"executionSuccessful": True}],
                "results": valid_json([_result(f) for f in report.findings]),
                "properties": {"strict": report.strict, "files": len(report.files)},
            }
        ],
    }
