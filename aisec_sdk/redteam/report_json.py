"""JSON and JSONL reports.

The JSON report is `RunResult.to_dict`. The JSONL report follows garak's report layout so
tools that read garak's ``report.jsonl`` can read ours: one object per line with an
``entry_type`` -- ``start_run setup``, ``init``, one ``attempt`` per attempt (``uuid``,
``seq``, ``status``, ``probe_classname``, ``prompt``, ``outputs``, ``detector_results``,
``notes``, ``goal``, ``conversations``), one ``eval`` per probe x detector (``probe``,
``detector``, ``passed``, ``fails``, ``nones``, ``total_evaluated``, ``total_processed``) and
a closing ``completion``. Scores are 0..1 where 1 is a hit (the attack succeeded), as in
garak.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from aisec_sdk._json import loads

__all__ = [
    "STDOUT",
    "jsonl_records",
    "load_report",
    "output_path",
    "write_json",
    "write_jsonl",
    "write_text",
]

STDOUT = "-"
"""The report path that means standard output (``--json -``)."""

_ATTEMPT_COMPLETE = 2  # garak's status for an attempt with a response and an evaluation
_VERDICT_DETECTOR = "aisec.verdict"


def output_path(path: str | Path) -> Path:
    """``path`` as a `Path`, its missing parent folders created (``--json out/r.json``)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` (its folders created), or to standard output for ``-``."""
    if str(path) == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output_path(path).write_text(text, "utf-8")


def write_json(report: Mapping[str, Any], path: str | Path) -> None:
    """Write the JSON report (``RunResult.to_dict()``) to ``path`` (``-``: standard output)."""
    write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def load_report(path: str | Path) -> dict[str, Any]:
    """Read a JSON report; `ValueError` when the file is not one."""
    try:
        data = loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8 or not JSON
        raise ValueError(f"cannot read red-team report {str(path)!r}: {exc}") from exc
    if not isinstance(data, dict) or "families" not in data or "attack_success_rate" not in data:
        raise ValueError(f"{str(path)!r} is not an aisec red-team JSON report")
    return data


def _classname(attempt: Mapping[str, Any]) -> str:
    return f"aisec.{attempt['probe']}"


def _turn(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "content": {"text": text, "lang": "*", "data_path": None, "notes": {}}}


def _attempt_record(attempt: Mapping[str, Any]) -> dict[str, Any]:
    turns = [_turn("user", attempt["prompt"])]
    if attempt.get("document") is not None:
        turns.append(_turn("tool", attempt["document"]))
    answered = attempt["outcome"] in ("success", "resisted")
    output = {"text": attempt["response"], "lang": "*", "data_path": None, "notes": {}}
    detector_results = {f"aisec.{k}": [v] for k, v in attempt["scores"].items()}
    if attempt["outcome"] != "error":
        detector_results[_VERDICT_DETECTOR] = [1.0 if attempt["success"] else 0.0]
    return {
        "entry_type": "attempt",
        "uuid": attempt["uuid"],
        "seq": attempt["seq"],
        "status": _ATTEMPT_COMPLETE,
        "probe_classname": _classname(attempt),
        "probe_params": {"converter": attempt["converter"], "intent": attempt["intent"]},
        "targets": [],
        "prompt": {"turns": turns, "notes": {}},
        "outputs": [output if answered else None],
        "detector_results": detector_results,
        "notes": {
            "family": attempt["family"],
            "converter": attempt["converter"],
            "outcome": attempt["outcome"],
            "reason": attempt["reason"],
            "refusal": attempt["refusal"],
            "error": attempt["error"],
            "owasp": attempt["owasp"],
            "atlas": attempt["atlas"],
            "latency_ms": attempt["latency_ms"],
        },
        "goal": attempt["goal"],
        "conversations": [
            {"turns": [*turns, *([_turn("assistant", attempt["response"])] if answered else [])]}
        ],
    }


def _eval_records(attempts: list[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    tallies: dict[tuple[str, str], list[int]] = {}
    for attempt in attempts:
        probe = _classname(attempt)
        detectors = {f"aisec.{k}": v for k, v in attempt["scores"].items()}
        if attempt["outcome"] == "error":
            detectors = {_VERDICT_DETECTOR: None}
        else:
            detectors[_VERDICT_DETECTOR] = 1.0 if attempt["success"] else 0.0
        for detector, score in detectors.items():
            counts = tallies.setdefault((probe, detector), [0, 0, 0])
            counts[2 if score is None else 1 if score >= 0.5 else 0] += 1
    for (probe, detector), (passed, fails, nones) in sorted(tallies.items()):
        yield {
            "entry_type": "eval",
            "probe": probe,
            "detector": detector,
            "passed": passed,
            "fails": fails,
            "nones": nones,
            "total_evaluated": passed + fails,
            "total_processed": passed + fails + nones,
        }


def jsonl_records(report: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The garak-style JSONL records of a JSON report, in file order."""
    run_id = report["attempts"][0]["uuid"] if report["attempts"] else "empty"
    yield {
        "entry_type": "start_run setup",
        "aisec.seed": report["seed"],
        "aisec.target": report["target"],
        "aisec.settings": report["settings"],
    }
    yield {
        "entry_type": "init",
        "generator": "aisec-sdk",
        "start_time": report["started_at"],
        "run": run_id,
    }
    yield from (_attempt_record(a) for a in report["attempts"])
    yield from _eval_records(report["attempts"])
    yield {
        "entry_type": "completion",
        "duration_s": report["duration_s"],
        "run": run_id,
        "attack_success_rate": report["attack_success_rate"],
        "families": report["families"],
    }


def write_jsonl(report: Mapping[str, Any], path: str | Path) -> None:
    """Write the garak-style JSONL records of ``report`` to ``path`` (``-``: standard output)."""
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in jsonl_records(report))
    write_text(path, "".join(lines))
