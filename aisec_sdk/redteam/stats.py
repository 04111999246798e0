"""Attack success rates with a Wilson score confidence interval."""

from __future__ import annotations

import math

__all__ = ["rate", "wilson_interval"]

_Z95 = 1.959963984540054


def rate(successes: int, attempts: int) -> float:
    """``successes / attempts``, or 0.0 when nothing was evaluated."""
    return successes / attempts if attempts else 0.0


def wilson_interval(successes: int, attempts: int, z: float = _Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (95% by default).

    Unlike the normal approximation it stays inside [0, 1] and is sensible for small samples
    and for rates of 0 or 1. With no attempts the interval is the whole of [0, 1].
    """
    if attempts < 0 or successes < 0 or successes > attempts:
        raise ValueError(f"need 0 <= successes <= attempts, got {successes}/{attempts}")
    if attempts == 0:
        return 0.0, 1.0
    p = successes / attempts
    z2 = z * z
    denominator = 1.0 + z2 / attempts
    centre = (p + z2 / (2 * attempts)) / denominator
    half = z * math.sqrt(p * (1 - p) / attempts + z2 / (4 * attempts * attempts)) / denominator
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    if successes == 0:
        low = 0.0
    if successes == attempts:
        high = 1.0
    return low, high
