"""token_limit and aisec_sdk.tokens: offline encodings, budgets, truncation."""

from __future__ import annotations

from typing import Any

import pytest

from aisec_sdk import tokens
from aisec_sdk.engine import scan
from aisec_sdk.errors import PolicyError
from aisec_sdk.guards.token_limit import TokenLimitSettings
from aisec_sdk.policy import Policy


def test_shipped_encodings_match_tiktoken_ids() -> None:
    assert tokens.encoding("cl100k_base").encode("hello world") == [15339, 1917]
    assert tokens.encoding("o200k_base").encode("hello world") == [24912, 2375]
    enc = tokens.encoding("o200k_base")
    text = "Grüße, 世界! <|endoftext|> 😀"
    assert enc.decode(enc.encode_ordinary(text)) == text


def test_model_mapping() -> None:
    assert tokens.encoding_name_for_model("gpt-4o-mini") == "o200k_base"
    assert tokens.encoding_name_for_model("openai/gpt-4") == "cl100k_base"
    assert tokens.encoding_for_model("gpt-3.5-turbo").name == "cl100k_base"
    with pytest.raises(tokens.UnknownModelError, match="no tiktoken encoding is known"):
        tokens.encoding_name_for_model("my-llama")


@pytest.mark.parametrize(
    ("model", "name"),
    [("openai:gpt-4o", "o200k_base"), ("GPT-4O", "o200k_base"), ("openai/GPT-4", "cl100k_base")],
)
def test_public_helpers_read_models_as_configuration_writes_them(model: str, name: str) -> None:
    assert tokens.encoding_for_model(model).name == name
    assert tokens.count_tokens("hello world", model=model) == 2


def test_an_unknown_model_is_a_lookup_error_naming_it_and_the_encodings() -> None:
    with pytest.raises(LookupError) as caught:
        tokens.encoding_for_model("openai:my-llama")
    assert not isinstance(caught.value, KeyError)  # str() of a KeyError is a quoted repr
    assert str(caught.value) == (
        "no tiktoken encoding is known for model 'openai:my-llama'; set the encoding "
        "explicitly (cl100k_base, o200k_base)"
    )


def test_missing_encoding_is_named() -> None:
    with pytest.raises(tokens.MissingEncodingError, match=r"'p50k_base'.*cl100k_base, o200k_base"):
        tokens.encoding("p50k_base")
    with pytest.raises(PolicyError, match="r50k_base"):
        Policy(guards={"token_limit": {"max_tokens": 10, "encoding": "r50k_base"}})
    with pytest.raises(PolicyError, match="no tiktoken encoding"):
        Policy(guards={"token_limit": {"max_tokens": 10, "model": "davinci-9"}})


def test_corrupt_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tokens._Spec("0" * 64, "x", {})
    monkeypatch.setitem(tokens._SPECS, "cl100k_test", bad)
    monkeypatch.setattr(tokens, "_cache", {})
    with pytest.raises(tokens.MissingEncodingError):
        tokens._read_ranks("cl100k_base", bad)


def test_count_tokens() -> None:
    assert tokens.count_tokens("hello world") == 2
    assert tokens.count_tokens("hello world", model="gpt-4o") == 2


def test_off_by_default_and_without_budget(run_guard: Any) -> None:
    long = "word " * 5000
    assert scan(long, policy=Policy(guards={"prompt_injection": {"enabled": False}})).findings == []
    assert run_guard("token_limit")(long) == []


def test_over_budget_finding_starts_at_the_first_token_past_it(run_guard: Any) -> None:
    text = "one two three four five six seven"
    (finding,) = run_guard("token_limit", max_tokens=5)(text)
    assert text[finding.start :] == " six seven" and finding.end == len(text)
    assert finding.category == "LLM10" and "7 tokens" in finding.message
    assert run_guard("token_limit", max_tokens=7)(text) == []


def test_non_ascii_offsets(run_guard: Any) -> None:
    text = "😀" * 10
    (finding,) = run_guard("token_limit", max_tokens=3, model="gpt-4o")(text)
    assert 0 < finding.start < len(text)


@pytest.mark.parametrize("text", ["🦜" * 30, "𠀀𠀁𠀂" * 10, "a🦜b🦜c" * 10, "한국어 텍스트 " * 10])
@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4"])
def test_budget_ending_inside_a_character_cuts_before_it(
    run_guard: Any, text: str, model: str
) -> None:
    for limit in range(1, 12):
        (finding,) = run_guard("token_limit", max_tokens=limit, model=model)(text)
        kept = text[: finding.start]
        assert tokens.count_tokens(kept, model=model) <= limit
        assert tokens.count_tokens(text[: finding.start + 1], model=model) > limit


def test_redact_cuts_multibyte_text_on_a_character() -> None:
    policy = Policy(
        on_error="allow",
        guards={
            "prompt_injection": {"enabled": False},
            "token_limit": {"max_tokens": 3, "model": "gpt-4o", "action": "redact"},
        },
    )
    verdict = scan("🦜" * 30, policy=policy)
    assert verdict.errors == [] and verdict.action == "redact" and verdict.text == "🦜"


def test_redact_truncates_and_block_blocks() -> None:
    base = {"prompt_injection": {"enabled": False}}
    truncate = Policy(guards={**base, "token_limit": {"max_tokens": 5, "action": "redact"}})
    assert (
        scan("one two three four five six seven", policy=truncate).text == "one two three four five"
    )
    block = Policy(guards={**base, "token_limit": {"max_tokens": 5}})
    assert scan("one two three four five six seven", policy=block).action == "block"


def test_tiktoken_is_never_asked_to_fetch_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken.load

    def no_network(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("tiktoken tried to read or download a BPE file")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", no_network)
    monkeypatch.setattr(tokens, "_cache", {})
    assert tokens.encoding("o200k_base").encode("hello world") == [24912, 2375]


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("GPT-4o", "o200k_base"),
        ("openai:gpt-4.1-mini", "o200k_base"),
        ("azure_openai:gpt-35-turbo", "cl100k_base"),
        ("ft:gpt-3.5-turbo:acme::abc123", "cl100k_base"),
        ("o3-mini", "o200k_base"),
        ("text-embedding-3-small", "cl100k_base"),
    ],
)
def test_models_as_configuration_writes_them(model: str, name: str) -> None:
    assert TokenLimitSettings(max_tokens=5, model=model).encoding_name() == name


def test_unknown_and_unshipped_models_are_named() -> None:
    with pytest.raises(ValueError, match="anthropic:claude-3-opus"):
        TokenLimitSettings(max_tokens=5, model="anthropic:claude-3-opus")
    with pytest.raises(ValueError, match="o200k_harmony"):
        TokenLimitSettings(max_tokens=5, model="gpt-oss-120b")
