"""Wilson score interval."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aisec_sdk.redteam.stats import rate, wilson_interval


@pytest.mark.parametrize(
    ("successes", "attempts", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (1, 100, 0.0018, 0.0545),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_known_values(successes: int, attempts: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(successes, attempts)
    assert got_low == pytest.approx(low, abs=5e-4)
    assert got_high == pytest.approx(high, abs=5e-4)


def test_no_attempts_is_the_whole_interval() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert rate(0, 0) == 0.0


@pytest.mark.parametrize(("successes", "attempts"), [(-1, 3), (4, 3), (0, -1)])
def test_rejects_impossible_counts(successes: int, attempts: int) -> None:
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(successes, attempts)


@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    )
)
def test_interval_contains_the_rate_and_stays_in_bounds(pair: tuple[int, int]) -> None:
    successes, attempts = pair
    low, high = wilson_interval(successes, attempts)
    assert 0.0 <= low <= successes / attempts <= high <= 1.0


def test_interval_narrows_with_more_data() -> None:
    widths = [wilson_interval(n // 4, n) for n in (8, 80, 800)]
    spans = [high - low for low, high in widths]
    assert spans[0] > spans[1] > spans[2]
