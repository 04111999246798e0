"""Reports: JSON contract, garak-style JSONL, SARIF 2.1.0 (schema-validated), HTML, compare."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import weak_assistant

from aisec_sdk.redteam.comparison import compare
from aisec_sdk.redteam.probes import FAMILIES
from aisec_sdk.redteam.report_html import render_html
from aisec_sdk.redteam.report_json import jsonl_records, load_report, write_json, write_jsonl
from aisec_sdk.redteam.report_sarif import build_sarif, rule_id
from aisec_sdk.redteam.runner import run
from aisec_sdk.redteam.stats import wilson_interval

SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")


@cache
def _weak_report() -> dict[str, Any]:
    return run(weak_assistant.chat, budget=30, seed=11).to_dict()


@cache
def _guarded_report() -> dict[str, Any]:
    return run(weak_assistant.guarded_chat, budget=30, seed=11).to_dict()


def test_json_report_contract(tmp_path: Path) -> None:
    report = _weak_report()
    assert 0.0 <= report["attack_success_rate"] <= 1.0
    assert set(report["families"]) == set(FAMILIES)
    for name, fam in report["families"].items():
        assert {"attempts", "successes", "asr", "ci_low", "ci_high"} <= set(fam), name
        assert fam["asr"] == pytest.approx(fam["successes"] / fam["attempts"])
        low, high = wilson_interval(fam["successes"], fam["attempts"])
        assert (fam["ci_low"], fam["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert report["converters"] and report["seed"] == 11
    attempt = report["attempts"][0]
    assert {"prompt", "response", "scores", "probe", "converter", "owasp", "atlas"} <= set(attempt)
    path = tmp_path / "r.json"
    write_json(report, path)
    assert load_report(path) == json.loads(json.dumps(report))


def test_load_report_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"runs": []}')
    with pytest.raises(ValueError, match="not an aisec red-team JSON report"):
        load_report(bad)
    with pytest.raises(ValueError, match="cannot read"):
        load_report(tmp_path / "missing.json")


def test_jsonl_follows_garak_record_layout(tmp_path: Path) -> None:
    report = _weak_report()
    path = tmp_path / "r.jsonl"
    write_jsonl(report, path)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert records == list(jsonl_records(report))
    kinds = [r["entry_type"] for r in records]
    assert kinds[0] == "start_run setup" and kinds[1] == "init" and kinds[-1] == "completion"
    attempts = [r for r in records if r["entry_type"] == "attempt"]
    evals = [r for r in records if r["entry_type"] == "eval"]
    assert len(attempts) == len(report["attempts"])
    for record in attempts:
        assert {
            "uuid",
            "seq",
            "status",
            "probe_classname",
            "prompt",
            "outputs",
            "detector_results",
            "notes",
            "goal",
            "conversations",
        } <= set(record)
        assert record["probe_classname"].startswith("aisec.")
        assert record["prompt"]["turns"][0]["role"] == "user"
        assert all(isinstance(v, list) for v in record["detector_results"].values())
    for record in evals:
        assert {
            "probe",
            "detector",
            "passed",
            "fails",
            "nones",
            "total_evaluated",
            "total_processed",
        } <= set(record)
        assert record["passed"] + record["fails"] == record["total_evaluated"]
    verdicts = [r for r in evals if r["detector"] == "aisec.verdict"]
    assert sum(r["fails"] for r in verdicts) == report["successes"]


def test_sarif_validates_and_points_at_the_target() -> None:
    report = _weak_report()
    log = build_sarif(report, fail_above=0.5, base=Path(__file__).parent)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [rule_id(f) for f in FAMILIES]
    for rule in rules:
        tags = rule["properties"]["tags"]
        assert "security" in tags and any(t.startswith("owasp-llm") for t in tags)
        assert any(t.startswith("atlas-AML.T") for t in tags)
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
    results = run_["results"]
    broken = [f for f, s in report["families"].items() if s["successes"]]
    assert sorted(r["ruleId"] for r in results) == sorted(rule_id(f) for f in broken)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == "weak_assistant.py"
        assert location["region"]["startLine"] > 1
        assert result["level"] in ("error", "warning")


def test_sarif_uri_of_a_target_in_a_folder_with_spaces_is_percent_encoded(tmp_path: Path) -> None:
    report = _weak_report()
    target = tmp_path / "my app" / "bot ü.py"
    report = {**report, "target": {**report["target"], "file": str(target)}}
    log = build_sarif(report, fail_above=0.5, base=tmp_path)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {"my%20app/bot%20%C3%BC.py"}


def test_sarif_of_a_clean_run_has_rules_but_no_results() -> None:
    def refuses(prompt: str) -> str:
        return "I can't help with that."

    report = run(refuses, budget=10).to_dict()
    log = build_sarif(report)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert log["runs"][0]["results"] == [] and len(log["runs"][0]["tool"]["driver"]["rules"]) == 5


def test_html_is_self_contained_and_escaped() -> None:
    report = _weak_report()
    page = render_html(report, baseline=_guarded_report())
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 3  # per family, per converter, before/after
    for external in ("<script", "<link", " src=", "@import", "url("):
        assert external not in page
    assert "Direct prompt injection" in page and "Before / after" in page
    assert "<document>" not in page  # prompts and answers are escaped


def test_compare_before_and_after_a_guard() -> None:
    comparison = compare(_weak_report(), _guarded_report())
    assert comparison.overall.delta < 0
    assert comparison.improvements, "the guard's effect is beyond the noise somewhere"
    assert not comparison.regressions
    data = comparison.to_dict()
    assert set(data["families"]) == set(FAMILIES)
    assert "->" in comparison.summary()


def test_worst_attempts_cover_several_families() -> None:
    result = run(weak_assistant.chat, budget=30, seed=11)
    top = result.worst(5)
    assert len({a.family for a in top}) == 5
    assert all(a.success for a in top)
    assert any(v >= 1.0 for v in top[0].scores.values())  # a proof comes first
