"""Automated red teaming: probes, converters, targets, scorers, runner and reports.

    from aisec_sdk import redteam

    result = redteam.run(my_chat_function, budget=100, seed=1)
    print(result.attack_success_rate, result.families["jailbreak"].ci)
    redteam.write_html(result.to_dict(), "redteam.html")

Names load lazily, so importing this package (as ``aisec redteam --help`` does) is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aisec_sdk._lazy import lazy_exports

if TYPE_CHECKING:
    from aisec_sdk.redteam.comparison import Change, Comparison, compare
    from aisec_sdk.redteam.converters import CONVERTERS, Converter
    from aisec_sdk.redteam.probes import FAMILIES, Family, Plant, Probe, all_probes
    from aisec_sdk.redteam.refusal import Refusal, detect_refusal
    from aisec_sdk.redteam.report_html import render_html, write_html
    from aisec_sdk.redteam.report_json import jsonl_records, load_report, write_json, write_jsonl
    from aisec_sdk.redteam.report_sarif import build_sarif, write_sarif
    from aisec_sdk.redteam.results import Attempt, RunResult, Stats
    from aisec_sdk.redteam.runner import arun, run
    from aisec_sdk.redteam.scorers import Judge, JudgeInput
    from aisec_sdk.redteam.stats import wilson_interval
    from aisec_sdk.redteam.targets import (
        CallableTarget,
        Conversation,
        LangChainTarget,
        OpenAITarget,
        Target,
        TargetError,
        as_target,
    )

_EXPORTS: dict[str, str] = {
    "Attempt": "results",
    "CONVERTERS": "converters",
    "CallableTarget": "targets",
    "Change": "comparison",
    "Comparison": "comparison",
    "Conversation": "targets",
    "Converter": "converters",
    "FAMILIES": "probes",
    "Family": "probes",
    "Judge": "scorers",
    "JudgeInput": "scorers",
    "LangChainTarget": "targets",
    "OpenAITarget": "targets",
    "Plant": "probes",
    "Probe": "probes",
    "Refusal": "refusal",
    "RunResult": "results",
    "Stats": "results",
    "Target": "targets",
    "TargetError": "targets",
    "all_probes": "probes",
    "arun": "runner",
    "as_target": "targets",
    "build_sarif": "report_sarif",
    "compare": "comparison",
    "detect_refusal": "refusal",
    "jsonl_records": "report_json",
    "load_report": "report_json",
    "render_html": "report_html",
    "run": "runner",
    "wilson_interval": "stats",
    "write_html": "report_html",
    "write_json": "report_json",
    "write_jsonl": "report_json",
    "write_sarif": "report_sarif",
}

__all__ = [
    "CONVERTERS",
    "FAMILIES",
    "Attempt",
    "CallableTarget",
    "Change",
    "Comparison",
    "Conversation",
    "Converter",
    "Family",
    "Judge",
    "JudgeInput",
    "LangChainTarget",
    "OpenAITarget",
    "Plant",
    "Probe",
    "Refusal",
    "RunResult",
    "Stats",
    "Target",
    "TargetError",
    "all_probes",
    "arun",
    "as_target",
    "build_sarif",
    "compare",
    "detect_refusal",
    "jsonl_records",
    "load_report",
    "render_html",
    "run",
    "wilson_interval",
    "write_html",
    "write_json",
    "write_jsonl",
    "write_sarif",
]


__getattr__, __dir__ = lazy_exports(
    __name__, {name: f"{__name__}.{module}" for name, module in _EXPORTS.items()}, globals()
)
