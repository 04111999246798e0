"""SARIF 2.1.0 for code scanning: one rule per probe family, one result per family that
the red team broke, located at the file that defines the target.

Red-team findings have no source line of their own, so each result points at the target's
definition (the function or runnable under test) and carries the rates, the confidence
interval, OWASP / ATLAS ids and the worst examples in ``properties``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aisec_sdk.redteam.probes import FAMILIES, Family
from aisec_sdk.redteam.report_json import write_text

__all__ = ["SARIF_SCHEMA_URI", "build_sarif", "rule_id", "write_sarif"]

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_INFO_URI = "https://owasp.org/www-project-top-10-for-large-language-model-applications/"
_REMEDIATION = {
    "direct_injection": "Screen user input with the prompt_injection guard, keep secrets out of "
    "the system prompt, and never let the model's output drive privileged actions unchecked.",
    "indirect_injection": "Scan retrieved documents and tool results as context "
    "(aisec_sdk.scan(text, 'context')) before they reach the model, and mark them as data, "
    "not instructions.",
    "jailbreak": "Enable the prompt_injection guard on input and the output guards; a persona "
    "must not change what the application allows.",
    "system_prompt_extraction": "Plant a canary (aisec_sdk.canary()) in the system prompt and "
    "block answers that contain it; keep real secrets out of prompts.",
    "data_exfiltration": "Block or redact PII and secrets in output, and strip markdown images "
    "and links to hosts you do not trust before rendering answers.",
}


def rule_id(family: str) -> str:
    """The stable SARIF rule id of a probe family."""
    return f"aisec-redteam/{family}"


def _rule(family: Family) -> dict[str, Any]:
    tags = ["security", "ai-red-team"]
    tags += [f"owasp-{o.lower()}" for o in family.owasp] + [f"atlas-{a}" for a in family.atlas]
    help_text = f"{family.description} Remediation: {_REMEDIATION.get(family.id, '')}".strip()
    return {
        "id": rule_id(family.id),
        "name": "".join(part.title() for part in family.id.split("_")),
        "shortDescription": {"text": family.title},
        "fullDescription": {"text": family.description},
        "help": {"text": help_text, "markdown": f"**{family.title}**. {help_text}"},
        "helpUri": _INFO_URI,
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": f"{family.severity:.1f}",
            "owasp-llm-2025": list(family.owasp),
            "mitre-atlas": list(family.atlas),
        },
    }


def _location(target: Mapping[str, Any], base: Path) -> list[dict[str, Any]]:
    path = target.get("file")
    if not path:
        return []
    file = Path(path).resolve()
    try:
        uri = quote(file.relative_to(base.resolve()).as_posix())  # a URI: no raw spaces
    except ValueError:
        uri = file.as_uri()
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if target.get("line"):
        physical["region"] = {"startLine": int(target["line"])}
    return [{"physicalLocation": physical}]


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def _result(
    family: str,
    stats: Mapping[str, Any],
    attempts: list[Mapping[str, Any]],
    report: Mapping[str, Any],
    index: int,
    fail_above: float | None,
    base: Path,
) -> dict[str, Any]:
    hits = [a for a in attempts if a["family"] == family and a["success"]]
    target = report["target"]
    examples = [
        {"probe": a["probe"], "converter": a["converter"], "reason": a["reason"]} for a in hits[:5]
    ]
    worst = ""
    if hits:
        worst = f" Example: {hits[0]['probe']} via {hits[0]['converter']} ({hits[0]['reason']})."
    title = FAMILIES[family].title if family in FAMILIES else family
    message = (
        f"{title}: {stats['successes']} of {stats['attempts']} attacks succeeded against "
        f"{target.get('name')} (ASR {_percent(stats['asr'])}, 95% CI "
        f"{_percent(stats['ci_low'])}-{_percent(stats['ci_high'])}).{worst}"
    )
    level = "error" if fail_above is None or stats["asr"] > fail_above else "warning"
    fingerprint = hashlib.sha256(f"{rule_id(family)}|{target.get('name')}".encode()).hexdigest()
    converters = sorted({a["converter"] for a in hits})
    result: dict[str, Any] = {
        "ruleId": rule_id(family),
        "ruleIndex": index,
        "level": level,
        "message": {"text": message},
        "partialFingerprints": {"aisecRedteamTarget/v1": fingerprint},
        "properties": {
            "attack_success_rate": stats["asr"],
            "ci_low": stats["ci_low"],
            "ci_high": stats["ci_high"],
            "attempts": stats["attempts"],
            "successes": stats["successes"],
            "converters": converters,
            "examples": examples,
            "seed": report["seed"],
        },
    }
    locations = _location(target, base)
    if locations:
        result["locations"] = locations
    return result


def build_sarif(
    report: Mapping[str, Any],
    *,
    fail_above: float | None = None,
    base: str | Path | None = None,
    tool_version: str = "0.1.0",
) -> dict[str, Any]:
    """The SARIF log of a JSON report. ``base`` is the directory locations are relative to
    (default: the working directory); results above ``fail_above`` are errors, others
    warnings (all errors when no threshold is given)."""
    base_path = Path(base) if base is not None else Path(os.getcwd())
    families = list(FAMILIES) + [f for f in report["families"] if f not in FAMILIES]
    rules = [_rule(FAMILIES[f]) for f in families if f in FAMILIES]
    index = {f: i for i, f in enumerate(f for f in families if f in FAMILIES)}
    results = [
        _result(f, stats, report["attempts"], report, index[f], fail_above, base_path)
        for f, stats in report["families"].items()
        if stats["successes"] > 0 and f in index
    ]
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aisec-redteam",
                        "fullName": "aisec_sdk automated red team",
                        "semanticVersion": tool_version,
                        "informationUri": _INFO_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"aisec-redteam/{report['target'].get('name')}/"},
                "results": results,
                "properties": {
                    "attack_success_rate": report["attack_success_rate"],
                    "seed": report["seed"],
                    "attempts": report["evaluated"],
                },
            }
        ],
    }


def write_sarif(report: Mapping[str, Any], path: str | Path, **options: Any) -> None:
    """Write `build_sarif` of ``report`` to ``path`` (``-``: standard output)."""
    log = build_sarif(report, **options)
    write_text(path, json.dumps(log, indent=2, ensure_ascii=False) + "\n")
