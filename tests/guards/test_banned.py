"""banned: user terms (word boundaries, obfuscation) and regexes with a timeout."""

from __future__ import annotations

from typing import Any

import pytest

from aisec_sdk.engine import scan
from aisec_sdk.errors import PolicyError
from aisec_sdk.policy import Policy


def test_terms_match_whole_words_case_insensitively(run_guard: Any) -> None:
    scan_ = run_guard("banned", terms=["Project Falcon", "acme"])
    text = "About PROJECT FALCON: ask ACME, not acmeCorp."
    assert [text[f.start : f.end] for f in scan_(text)] == ["PROJECT FALCON", "ACME"]


def test_obfuscated_terms_are_found_with_original_offsets(run_guard: Any) -> None:
    text = "ask about pro\u200bject fаlcon"  # zero-width space, Cyrillic a
    (finding,) = run_guard("banned", terms=["project falcon"])(text)
    assert text[finding.start : finding.end] == "pro\u200bject fаlcon"


def test_a_finding_names_the_term_by_number_not_by_its_words(run_guard: Any) -> None:
    (finding,) = run_guard("banned", terms=["acme", "project falcon"])("about Project Falcon")
    assert finding.message == "banned term #2"


def test_case_sensitive_and_substrings(run_guard: Any) -> None:
    assert run_guard("banned", terms=["Acme"], case_sensitive=True)("acme") == []
    assert run_guard("banned", terms=["acme"], whole_words=False)("acmeCorp")


def test_regexes(run_guard: Any) -> None:
    (finding,) = run_guard("banned", regexes=[r"ticket-\d{4}"])("see TICKET-1234 now")
    assert finding.message == "banned pattern #1"


def test_catastrophic_regex_times_out_naming_the_pattern() -> None:
    guards = {
        "prompt_injection": {"enabled": False},
        "banned": {"regexes": [r"(x+x+)+y"], "timeout": 0.05},
    }
    verdict = scan("x" * 5000, policy=Policy(guards=guards))
    assert verdict.errors and "TimeoutError" in verdict.errors[0]
    assert "(x+x+)+y" in verdict.errors[0] and "timeout" in verdict.errors[0]
    assert verdict.action == "block"  # on_error defaults to block
    assert scan("x" * 5000, policy=Policy(guards=guards, on_error="allow")).action == "allow"


def test_off_until_configured_and_blocks_by_default() -> None:
    assert (
        scan("acme", policy=Policy(guards={"prompt_injection": {"enabled": False}})).findings == []
    )
    policy = Policy(guards={"prompt_injection": {"enabled": False}, "banned": {"terms": ["acme"]}})
    assert scan("acme", direction="output", policy=policy).action == "block"


def test_bad_options() -> None:
    with pytest.raises(PolicyError, match="does not compile"):
        Policy(guards={"banned": {"regexes": ["("]}})
    with pytest.raises(PolicyError, match="must not be empty"):
        Policy(guards={"banned": {"terms": [" "]}})


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("projéct fâlcon", "Project Falcon"),
        ("Cafe Noir", "Café Noir"),
        ("Cafe\u0301 Noir", "Café Noir"),
        ("Zoë", "zoe"),
        ("STRASSE", "straße"),
        ("Straße", "strasse"),
        ("Project   Falcon", "project falcon"),
        ("Project\nFalcon", "project falcon"),
        ("Prо\u200bject\tFаlcon", "project falcon"),
    ],
)
def test_accents_and_white_space_do_not_hide_terms(run_guard: Any, text: str, term: str) -> None:
    (found,) = run_guard("banned", terms=[term])(text)
    assert (found.start, found.end) == (0, len(text))


def test_accents_count_when_asked_and_letters_of_other_scripts_stay(run_guard: Any) -> None:
    assert run_guard("banned", terms=["zoe"], fold_diacritics=False)("Zoë") == []
    assert run_guard("banned", terms=["мои"])("это мой дом") == []
    output = "the cafe\u0301 opened"
    (found,) = run_guard("banned", terms=["café"])(output)
    assert output[found.start : found.end] == "cafe\u0301"


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("这是机密文件", "机密"),
        ("新しいプロジェクトXについて", "プロジェクトX"),
        ("เอกสารลับมาก", "ลับ"),
    ],
)
def test_terms_inside_scripts_written_without_spaces(run_guard: Any, text: str, term: str) -> None:
    (found,) = run_guard("banned", terms=[term])(text)
    assert text[found.start : found.end] == term
    assert run_guard("banned", terms=["acme"])("acme2 acmecorp") == []
