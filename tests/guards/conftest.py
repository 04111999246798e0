"""Fixtures for guard tests: run one guard on one text, realistic random tokens."""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from aisec_sdk.guards import guard_class
from aisec_sdk.text import normalize
from aisec_sdk.verdict import Direction, Finding

Scan = Callable[..., list[Finding]]


@pytest.fixture
def run_guard() -> Callable[..., Scan]:
    """``run_guard("pii", redaction="mask")(text, direction)``: the guard's findings at or
    above its effective threshold (what the engine would keep)."""

    def build(guard_id: str, **options: Any) -> Scan:
        cls: Any = guard_class(guard_id)
        settings = cls.Settings.model_validate(options)
        guard: Any = cls(settings)
        threshold = settings.threshold if settings.threshold is not None else cls.default_threshold

        def scan(text: str, direction: Direction = "input") -> list[Finding]:
            found: Sequence[Finding] = guard.scan(normalize(text), direction)
            return [f for f in found if f.score >= threshold]

        return scan

    return build


Entities = Callable[..., list[tuple[str, str]]]


def _entities(run_guard: Callable[..., Scan], guard_id: str) -> Entities:
    """(entity, matched text) of each finding of ``guard_id`` on a text."""

    def entities(text: str, **options: Any) -> list[tuple[str, str]]:
        return [(f.entity, text[f.start : f.end]) for f in run_guard(guard_id, **options)(text)]

    return entities


@pytest.fixture
def find(run_guard: Callable[..., Scan]) -> Entities:
    """``find(text, **pii_options)``: the pii findings as (entity, matched text)."""
    return _entities(run_guard, "pii")


@pytest.fixture
def kinds(run_guard: Callable[..., Scan]) -> Entities:
    """``kinds(text, **secrets_options)``: the secrets findings as (entity, matched text)."""
    return _entities(run_guard, "secrets")


@pytest.fixture
def rand() -> Callable[[int, str], str]:
    """Random strings from a fixed seed: ``rand(36, alphabet)``."""
    rng = random.Random(1234)

    def make(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return make
