"""The engine's copy of each finding: the guard's fields kept, the policy's action and the
scan's direction set."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from aisec_sdk import Policy
from aisec_sdk.engine import Engine
from aisec_sdk.verdict import Direction, Finding


def _every_field_set() -> Finding:
    """A finding whose every field differs from its default and from the engine's values."""
    values: dict[str, Any] = {
        "guard": "pii",
        "category": "LLM99",
        "score": 0.77,
        "start": 1,
        "end": 4,
        "message": "found",
        "action": "warn",
        "replacement": "<X>",
        "entity": "thing",
        "message_index": 7,
        "direction": "output",
        "part_index": 2,
    }
    assert set(values) == {f.name for f in dataclasses.fields(Finding)}, "new Finding field"
    return Finding(**values)


@pytest.mark.parametrize("direction", ["input", "context"])
def test_findings_keep_the_guards_fields_with_policy_action_and_direction(
    pii_scanning: Callable[..., None], direction: Direction
) -> None:
    pii_scanning(lambda text, d: [_every_field_set()])
    policy = Policy(guards={"pii": {"action": "block"}})
    verdict = Engine(policy).scan("abcdef", direction)
    found = [f for f in verdict.findings if f.guard == "pii"]
    expected = dataclasses.replace(_every_field_set(), action="block", direction=direction)
    assert found == [expected]
