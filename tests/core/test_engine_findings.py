"""The engine's copy of each finding: the guard's fields kept, the policy's action and the
scan's direction set."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import pytest

from aisec_sdk import Policy
from aisec_sdk.engine import Engine
from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction


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


class _Fixed:
    id: ClassVar[str] = "pii"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = GuardSettings

    def __init__(self, settings: GuardSettings) -> None:
        pass

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        return [_every_field_set()]


@pytest.mark.parametrize("direction", ["input", "context"])
def test_findings_keep_the_guards_fields_with_policy_action_and_direction(
    monkeypatch: pytest.MonkeyPatch, direction: Direction
) -> None:
    import aisec_sdk.engine as engine_module

    real = engine_module.build_guard
    monkeypatch.setattr(
        engine_module, "build_guard", lambda gid, s: _Fixed(s) if gid == "pii" else real(gid, s)
    )
    policy = Policy(guards={"pii": {"action": "block"}})
    verdict = Engine(policy).scan("abcdef", direction)
    found = [f for f in verdict.findings if f.guard == "pii"]
    expected = dataclasses.replace(_every_field_set(), action="block", direction=direction)
    assert found == [expected]
