"""The pytest plugin: fixture, marker, failure message, xdist, and inert by default."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

RunPytest = Callable[..., subprocess.CompletedProcess[str]]

TESTS = """
import pytest
import weak_assistant


def refuses(prompt):
    return "I'm sorry, but I can't help with that."


def test_weak_assistant_fails(aisec_redteam):
    aisec_redteam(weak_assistant.chat, max_asr=0.1, budget=10)


def test_refusing_target_passes(aisec_redteam):
    result = aisec_redteam(refuses, budget=10)
    assert result.attack_success_rate == 0.0


@pytest.mark.aisec_redteam(target=weak_assistant.chat, max_asr=0.1, budget=8, seed=2)
def test_marker_alone_fails():
    pass


@pytest.mark.aisec_redteam(budget=6, families=["jailbreak"])
def test_marker_sets_fixture_defaults(aisec_redteam):
    result = aisec_redteam(refuses)
    assert result.overall.attempts == 6
    assert {a.family for a in result.attempts} == {"jailbreak"}

"""

INERT = """
import sys


def test_plugin_is_inert_until_asked():
    assert "aisec_sdk.redteam.runner" not in sys.modules
"""


def _summary(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout.strip().splitlines()[-1]


def test_fixture_and_marker(run_pytest: RunPytest) -> None:
    # test_a_inert.py runs first, before any red team has been imported
    done = run_pytest({"test_a_inert.py": INERT, "test_rt.py": TESTS}, "-q")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "2 failed, 3 passed" in _summary(done), out
    assert "attack success rate" in out and "is above max_asr 10.0%" in out
    assert "worst attempts:" in out and "prompt:" in out and "answer:" in out
    assert "aisec red team" in out and "FAIL ASR" in out  # the terminal summary


def test_works_under_xdist(run_pytest: RunPytest) -> None:
    done = run_pytest({"test_rt.py": TESTS}, "-q", "-n", "2", "test_rt.py")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "2 failed, 2 passed" in _summary(done), out
    assert "worst attempts:" in out
    assert "FAIL ASR" in out and "ok   ASR" in out  # rates travel back from the workers


def test_usage_errors(run_pytest: RunPytest) -> None:
    bad = """
import pytest


def test_no_target(aisec_redteam):
    aisec_redteam()


@pytest.mark.aisec_redteam(max_asr=0.2)
def test_marker_without_target():
    pass


def test_unknown_option(aisec_redteam):
    aisec_redteam(print, bugdet=3)
"""
    done = run_pytest({"test_bad.py": bad}, "-q", "test_bad.py")
    assert done.returncode != 0
    text = done.stdout + done.stderr
    assert "needs a target" in text and "unknown option(s) bugdet" in text


def test_importing_the_plugin_loads_nothing_heavy(imported_by: Callable[[str], set[str]]) -> None:
    heavy = (
        "aisec_sdk.redteam",
        "aisec_sdk.engine",
        "openai",
        "langchain",
        "transformers",
        "torch",
    )
    assert [m for m in imported_by("aisec_sdk.pytest_plugin") if m.startswith(heavy)] == []
