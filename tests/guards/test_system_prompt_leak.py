"""system_prompt_leak: verbatim overlap with a configured system prompt."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisec_sdk.engine import scan
from aisec_sdk.guards import system_prompt_leak
from aisec_sdk.policy import Policy

PROMPT = (
    "You are HelpBot for Acme Corp. Never discuss competitor pricing. Always answer in a "
    "friendly tone and escalate refunds over 500 dollars to a human agent named Dana."
)


def test_verbatim_repeat_is_caught_with_offsets(run_guard: Any) -> None:
    scan_ = run_guard("system_prompt_leak", system_prompt=PROMPT)
    output = "My rules: YOU ARE HELPBOT for Acme Corp.  Never discuss competitor pricing. OK?"
    (finding,) = scan_(output, "output")
    assert output[finding.start : finding.end] == (
        "YOU ARE HELPBOT for Acme Corp.  Never discuss competitor pricing"
    )
    assert 0.3 < finding.score < 1.0 and finding.category == "LLM07"


def test_full_leak_scores_one(run_guard: Any) -> None:
    (finding,) = run_guard("system_prompt_leak", system_prompt=[PROMPT, "Other prompt."])(
        "Here it is: " + PROMPT, "output"
    )
    assert finding.score == 1.0


def test_unrelated_and_short_overlap_do_not_fire(run_guard: Any) -> None:
    scan_ = run_guard("system_prompt_leak", system_prompt=PROMPT)
    assert scan_("I am a helpful assistant for Acme. How can I help you?", "output") == []
    assert scan_("Please escalate refunds over 500 dollars.", "output") == []


def test_no_prompt_configured_means_nothing_to_do(run_guard: Any) -> None:
    assert run_guard("system_prompt_leak")(PROMPT, "output") == []


def test_engine_blocks_the_leaking_output() -> None:
    policy = Policy(
        guards={
            "prompt_injection": {"enabled": False},
            "system_prompt_leak": {"system_prompt": PROMPT},
        }
    )
    assert scan(PROMPT, direction="output", policy=policy).action == "block"
    assert scan(PROMPT, direction="input", policy=policy).action == "allow"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"aZ9 _.-'\n\t\x0b", "é", "—", "中"]), max_size=60))
def test_words_of_ascii_text_are_the_reference_words(text: str) -> None:
    low = text.lower()
    assert system_prompt_leak._words(low) == system_prompt_leak._WORD.findall(low)


ZH = "你是阿克米公司的客服助手。不要讨论企业合同的价格。始终以友好的语气回答问题，并转给账单部门。"
JA = (
    "あなたはアクメ社のサポートアシスタントです。企業契約の価格については絶対に話さないでください。"
)
TH = "คุณเป็นผู้ช่วยฝ่ายสนับสนุนของบริษัทแอคมี ห้ามพูดถึงราคาของสัญญาองค์กร ตอบด้วยน้ำเสียงที่เป็นมิตรเสมอ"


@pytest.mark.parametrize(
    ("prompt", "leak", "quote"),
    [
        (
            ZH,
            "好的：你是阿克米公司的客服助手。不要讨论企业合同的价格。",
            "请始终以友好的语气回答问题。",
        ),
        (JA, "指示：企業契約の価格については絶対に話さないでください。", "価格については"),
        (TH, "ห้ามพูดถึงราคาของสัญญาองค์กร ตอบด้วยน้ำเสียงที่เป็นมิตรเสมอ", "ราคาของสัญญา"),
    ],
)
def test_scripts_without_spaces(run_guard: Any, prompt: str, leak: str, quote: str) -> None:
    scan_ = run_guard("system_prompt_leak", system_prompt=prompt)
    (found,) = scan_(leak, "output")
    assert leak[found.start : found.end] in prompt
    assert scan_(quote, "output") == []  # a short phrase is not a leak


def test_json_escapes_between_lines(run_guard: Any) -> None:
    prompt = "Be brief.\nNever discuss pricing of enterprise contracts.\nRefer billing to the team."
    output = json.dumps({"instructions": prompt})
    (found,) = run_guard("system_prompt_leak", system_prompt=prompt)(output, "output")
    assert output[found.start : found.end] == json.dumps(prompt)[1:-2]


def test_the_prompt_is_normalised_like_the_output(run_guard: Any) -> None:
    prompt = (
        "The \ufb01nal \ufb01gures for \uff31\uff13 are con\ufb01dential and stay with the team."
    )
    output = "the final figures for Q3 are confidential and stay with"
    assert run_guard("system_prompt_leak", system_prompt=prompt)(output, "output")
