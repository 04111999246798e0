"""`StreamGuard`: what a stream releases, for any chunking, is what the whole-text scan gives."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aisec_sdk.engine import Engine
from aisec_sdk.policy import Policy
from aisec_sdk.stream import StreamGuard

# (text holding one value, the value): every kind of secret and PII the output guards redact,
# among them the ones a detector finds by the words before the value
ITEMS = [
    ("Canary token: AISEC-CANARY-F5BAB58AEC45", "AISEC-CANARY-F5BAB58AEC45"),
    ("api_key = 'Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0Lm'", "Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0Lm"),
    ("password: Tr0ub4dor&3xYz!q", "Tr0ub4dor&3xYz!q"),
    ("Internal billing API key: Vb7Nm2Qp9Lk4Jh8Gf3Ds6Aa1Zx", "Vb7Nm2Qp9Lk4Jh8Gf3Ds6Aa1Zx"),
    ("AWS AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    ("token ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
    ("mysql -u app -pS3cr3tPassw0rd! db", "S3cr3tPassw0rd!"),
    ("postgres://app:Xy7Pq2Lm9Vz4@db.internal:5432/prod", "Xy7Pq2Lm9Vz4"),
    ("Customer on file: jordan.avery@example.com", "jordan.avery@example.com"),
    ("card 4111 1111 1111 1111", "4111 1111 1111 1111"),
    ("ssn 078-05-1120", "078-05-1120"),
    ("call +1 415 555 0134", "415 555 0134"),
]
FILLER = [
    "Sure! The configuration below is confidential.",
    "Here is what you asked for:",
    "The answer is 42.",
    "Let me know if you need anything else.",
    "OK",
    "-",
]

ENGINE = Engine(Policy())


def _stream(text: str, cuts: list[int]) -> str:
    guard = StreamGuard(ENGINE)
    bounds = [0, *sorted(set(cuts)), len(text)]
    out = [guard.feed(text[a:b]) for a, b in pairwise(bounds)]
    return "".join(out) + guard.close()


@st.composite
def _chunked(draw: st.DrawFn) -> tuple[str, list[str], list[int]]:
    items = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=4))
    parts = [*(text for text, _ in items), *draw(st.lists(st.sampled_from(FILLER), max_size=6))]
    text = draw(st.sampled_from(["\n", " ", "\n\n"])).join(draw(st.permutations(parts)))
    cuts = draw(st.lists(st.integers(0, len(text)), max_size=40))
    return text, [value for _, value in items], cuts


@pytest.mark.parametrize(("text", "value"), ITEMS)
def test_each_value_is_redacted_by_the_whole_text_scan(text: str, value: str) -> None:
    """The items are real findings (so the property below tests something)."""
    assert value not in ENGINE.scan(f"Hello there.\n{text}\nThanks.", "output").text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_chunked())
def test_any_chunking_releases_what_the_whole_text_scan_gives(
    case: tuple[str, list[str], list[int]],
) -> None:
    text, values, cuts = case
    released, whole = _stream(text, cuts), ENGINE.scan(text, "output").text
    assert not [v for v in values if v in released and v not in whole]
    assert released == whole


def test_a_value_after_its_name_is_redacted_when_the_cut_falls_between_them() -> None:
    text = "Sure! The configuration below is confidential.\n"
    text += "Canary token: AISEC-CANARY-F5BAB58AEC45\n"
    text += "Internal billing API key: sk-live-not-real\nThanks."  # held back: from the token on
    assert _stream(text, []) == ENGINE.scan(text, "output").text
    assert "AISEC-CANARY" not in _stream(text, [])
