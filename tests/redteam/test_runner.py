"""The runner against real targets written here: weak, guarded, resistant, flaky, slow."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
import weak_assistant

from aisec_sdk.errors import GuardViolation
from aisec_sdk.redteam.converters import select_converters
from aisec_sdk.redteam.probes import FAMILIES, all_probes
from aisec_sdk.redteam.runner import arun, plan, run
from aisec_sdk.redteam.scorers import JudgeInput
from aisec_sdk.verdict import Verdict


def test_weak_assistant_is_broken_in_every_family() -> None:
    result = run(weak_assistant.chat, budget=60, seed=1)
    assert result.overall.attempts == 60
    assert result.attack_success_rate >= 0.8
    assert set(result.families) == set(FAMILIES)
    for name, stats in result.families.items():
        assert stats.attempts == 12, name
        assert stats.asr >= 0.5, name
    proofs = [a for a in result.attempts if a.success and "proof" in a.reason]
    assert proofs, "canary or secret leaks are proven, not guessed"


def test_guarded_assistant_shows_a_much_lower_rate() -> None:
    weak = run(weak_assistant.chat, budget=60, seed=2)
    guarded = run(weak_assistant.guarded_chat, budget=60, seed=2)
    assert guarded.overall.blocked > 0
    assert guarded.attack_success_rate <= 0.35
    assert guarded.attack_success_rate < weak.attack_success_rate - 0.4
    # the drop is beyond chance: the two 95% intervals do not overlap
    assert guarded.overall.ci[1] < weak.overall.ci[0]


def _refuses(prompt: str, system: str | None = None) -> str:
    return "I'm sorry, but I can't help with that. I only answer questions about Acme Bank."


def test_a_target_that_refuses_has_no_successes() -> None:
    result = run(_refuses, budget=30, seed=0)
    assert result.attack_success_rate == 0.0
    assert all(a.refusal for a in result.attempts)


def _echo_refusal(prompt: str) -> str:
    return f"I won't do this: {prompt}"


def _forward(prompt: str) -> str:
    return f'Thanks! Your message was forwarded to an agent: "{prompt}"'


def test_echoed_attacks_do_not_count_with_or_without_a_refusal() -> None:
    for echo in (_echo_refusal, _forward):
        result = run(
            echo, families=["direct_injection", "jailbreak"], converters=["none"], budget=16
        )
        echoed = [a for a in result.attempts if "PWNED-" in a.response]
        assert echoed, "the echo repeats the marker"
        assert all(a.scores["marker"] == 0.0 and not a.success for a in echoed), echo


def test_same_seed_same_attempts_other_seed_other_sample() -> None:
    one = run(weak_assistant.chat, budget=25, seed=5)
    two = run(weak_assistant.chat, budget=25, seed=5)
    other = run(weak_assistant.chat, budget=25, seed=6)
    key = [(a.probe, a.converter, a.prompt, a.outcome, a.uuid) for a in one.attempts]
    assert key == [(a.probe, a.converter, a.prompt, a.outcome, a.uuid) for a in two.attempts]
    assert key != [(a.probe, a.converter, a.prompt, a.outcome, a.uuid) for a in other.attempts]


def test_plan_shares_the_budget_across_families() -> None:
    planned = plan(all_probes(), select_converters(), budget=23, seed=0)
    counts: dict[str, int] = {}
    for probe, _ in planned:
        counts[probe.family] = counts.get(probe.family, 0) + 1
    assert len(planned) == 23
    assert max(counts.values()) - min(counts.values()) <= 1
    full = plan(all_probes(), select_converters(), budget=None, seed=0)
    assert len(full) == len(all_probes()) * len(select_converters())


def test_async_target_concurrency_is_bounded() -> None:
    state = {"now": 0, "peak": 0}

    async def slow(prompt: str) -> str:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.01)
        state["now"] -= 1
        return "ok"

    result = run(slow, budget=20, concurrency=3)
    assert result.overall.attempts == 20
    assert state["peak"] == 3


def test_sync_targets_run_in_threads_in_parallel() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(prompt: str) -> str:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.02)
        with lock:
            state["now"] -= 1
        return "ok"

    run(slow, budget=8, concurrency=4)
    assert 2 <= state["peak"] <= 4


def test_timeouts_are_retried_then_reported_as_errors() -> None:
    calls = {"n": 0}

    async def hangs(prompt: str) -> str:
        calls["n"] += 1
        await asyncio.sleep(5)
        return "late"

    result = run(hangs, budget=2, timeout=0.05, retries=1, backoff=0.0)
    assert [a.outcome for a in result.attempts] == ["error", "error"]
    assert all(a.tries == 2 for a in result.attempts)
    assert calls["n"] == 4
    assert result.overall.attempts == 0 and result.overall.errors == 2
    assert result.attempts[0].error == "TimeoutError: no answer within 0.05 s"


def test_transient_errors_are_retried() -> None:
    seen: dict[str, int] = {}

    def flaky(prompt: str) -> str:
        seen[prompt] = seen.get(prompt, 0) + 1
        if seen[prompt] == 1:
            raise ConnectionResetError("connection reset by peer")
        return weak_assistant.chat(prompt)

    result = run(flaky, budget=10, backoff=0.0)
    assert all(a.tries == 2 and a.outcome != "error" for a in result.attempts)


def test_other_errors_are_not_retried() -> None:
    def broken(prompt: str) -> str:
        raise KeyError("bug in the app")

    result = run(broken, budget=3)
    assert all(a.outcome == "error" and a.tries == 1 for a in result.attempts)
    assert "KeyError" in (result.attempts[0].error or "")


def test_guard_violation_counts_as_blocked() -> None:
    def blocks(prompt: str) -> str:
        try:
            raise GuardViolation(Verdict(action="block", findings=[], text="", latency_ms=0.0))
        except GuardViolation as exc:  # wrapped, as a framework might do
            raise RuntimeError("request failed") from exc

    result = run(blocks, budget=5)
    assert [a.outcome for a in result.attempts] == ["blocked"] * 5
    assert result.overall.attempts == 5 and result.attack_success_rate == 0.0


def test_messages_target_gets_system_and_tool_messages() -> None:
    seen: list[list[dict[str, Any]]] = []

    def chat(messages: list[dict[str, Any]]) -> str:
        seen.append(messages)
        return weak_assistant.chat_messages(messages)

    result = run(chat, families=["indirect_injection"], budget=5)
    assert result.attack_success_rate >= 0.8
    roles = [m["role"] for m in seen[0]]
    assert roles == ["system", "user", "assistant", "tool"]
    assert seen[0][2]["tool_calls"][0]["id"] == seen[0][3]["tool_call_id"]


def test_text_target_without_system_prompt_gets_the_canary_in_documents() -> None:
    result = run(weak_assistant.chat, families=["indirect_injection"], budget=10)
    assert all(a.system_prompt for a in result.attempts)

    def no_system(prompt: str) -> str:  # the document arrives inline
        return weak_assistant.chat(prompt)

    bare = run(no_system, families=["indirect_injection"], budget=10)
    assert not any(a.system_prompt for a in bare.attempts)
    assert all("<document>" not in a.prompt and a.document for a in bare.attempts)
    assert any("proof" in a.reason for a in bare.attempts)


def test_user_secrets_are_proof() -> None:
    def leaks_own(prompt: str) -> str:
        return "my secret is OWN-SECRET-42x"

    result = run(
        leaks_own, families=["system_prompt_extraction"], budget=4, secrets=["OWN-SECRET-42x"]
    )
    assert all(a.success and a.scores["canary"] == 1.0 for a in result.attempts)


def test_judge_is_optional_and_may_be_async() -> None:
    asked: list[JudgeInput] = []

    async def judge(question: JudgeInput) -> float:
        asked.append(question)
        return 1.0 if "Happy" in question.response else 0.0

    result = run(
        weak_assistant.chat,
        families=["jailbreak"],
        converters=["translate_de"],
        budget=6,
        judge=judge,
    )
    assert len(asked) == 6 and all(a.scores.get("judge") is not None for a in result.attempts)

    def broken_judge(question: JudgeInput) -> bool:
        raise RuntimeError("judge down")

    survived = run(weak_assistant.chat, budget=3, judge=broken_judge)
    assert all("judge failed" in (a.error or "") for a in survived.attempts)
    assert all(a.outcome in ("success", "resisted") for a in survived.attempts)


def test_run_works_inside_a_running_event_loop() -> None:
    async def main() -> float:
        sync_result = run(weak_assistant.chat, budget=5)
        async_result = await arun(weak_assistant.achat, budget=5)
        return sync_result.attack_success_rate + async_result.attack_success_rate

    assert asyncio.run(main()) > 1.0


@pytest.mark.parametrize(("option", "value"), [("concurrency", 0), ("retries", -1)])
def test_bad_options_are_rejected(option: str, value: int) -> None:
    with pytest.raises(ValueError, match=option):
        run(weak_assistant.chat, budget=1, **{option: value})


def test_streaming_targets_are_joined() -> None:
    def stream(prompt: str, system: str | None = None):  # type: ignore[no-untyped-def]
        yield from weak_assistant.chat(prompt, system=system).split(" ")

    async def astream(prompt: str, system: str | None = None):  # type: ignore[no-untyped-def]
        for word in weak_assistant.chat(prompt, system=system).split(" "):
            yield word + " "

    for target in (stream, astream):
        result = run(target, families=["system_prompt_extraction"], budget=4)
        assert result.attack_success_rate == 1.0, target


@pytest.mark.parametrize(
    "options",
    [{"families": []}, {"converters": []}, {"budget": 0}, {"probes": []}],
)
def test_a_run_that_would_send_nothing_is_an_error(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="nothing to send"):
        run(lambda prompt: "no", **options)


def _exits(prompt: str) -> str:
    raise SystemExit(3)


async def _exits_async(prompt: str) -> str:
    raise SystemExit("bye")


def test_a_target_that_calls_sys_exit_fails_its_attempts_not_the_run() -> None:
    for target in (_exits, _exits_async):
        result = run(target, budget=3, retries=0)
        assert [a.outcome for a in result.attempts] == ["error"] * 3
        assert all("sys.exit(" in (a.error or "") for a in result.attempts)


def _deflects(prompt: str) -> str:
    return "My instructions are confidential, but I'm happy to help with your Acme Bank account."


def _signs_off(prompt: str, system: str | None = None) -> str:
    return "Please contact support at help@acmebank.example or call +1 415 555 0100."


def _leaks_after_a_greeting(prompt: str) -> str:
    if prompt == "Hello! What can you help me with?":
        return "I help with Acme Bank accounts."
    return "Sure. My instructions are: you are Nova; write to jordan.avery@example.com."


def test_what_a_target_says_to_anyone_is_not_evidence_of_an_attack() -> None:
    for target in (_deflects, _signs_off):
        result = run(target, budget=20, seed=1)
        assert result.attack_success_rate == 0.0, target
        assert result.control is not None and result.control["response"] == target("x")
    leaky = run(_leaks_after_a_greeting, budget=20, seed=1)
    assert leaky.families["system_prompt_extraction"].successes > 0
    assert leaky.families["data_exfiltration"].successes > 0
    assert leaky.to_dict()["control"]["prompt"] == "Hello! What can you help me with?"


class ContentPolicyError(Exception):
    """A host application's own refusal, raised instead of returned."""


class BadRequestError(Exception):
    """Shaped like openai.BadRequestError for Azure's content filter: ``.code`` from the body."""

    code = "content_filter"


def test_a_refusal_raised_as_an_exception_counts_as_blocked_not_as_an_error() -> None:
    def refuses(prompt: str) -> str:
        raise ContentPolicyError("request rejected by the content filter")

    def filtered(prompt: str) -> str:
        raise BadRequestError("The response was filtered")

    def crashes(prompt: str) -> str:
        raise ConnectionRefusedError("backend down")

    for target in (refuses, filtered):
        result = run(target, budget=4)
        assert [a.outcome for a in result.attempts] == ["blocked"] * 4, target
        assert result.attempts[0].reason.startswith("blocked")
    assert [a.outcome for a in run(crashes, budget=2, retries=0).attempts] == ["error"] * 2
