"""Third-party guards through the ``aisec_sdk.guards`` entry-point group."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from aisec_sdk import Policy, scan
from aisec_sdk.guards import _third_party, available_guards, guard_class

GUARD_MODULE = """
from typing import ClassVar
from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.verdict import Finding


class ShoutSettings(GuardSettings):
    min_run: int = 8


class ShoutGuard:
    id: ClassVar[str] = "shouting"
    category: ClassVar[str] = "LLM05"
    default_directions = ("output",)
    default_threshold = 0.5
    default_action = "warn"
    default_enabled = True
    Settings = ShoutSettings

    def __init__(self, settings):
        self.min_run = settings.min_run

    def scan(self, text, direction):
        words = [w for w in text.normalized.split() if w.isupper() and len(w) >= self.min_run]
        return [
            Finding(self.id, self.category, 0.9, text.original.index(w),
                    text.original.index(w) + len(w), "shouting")
            for w in words
        ]
"""


@pytest.fixture
def plugin(tmp_path: Path) -> Iterator[None]:
    (tmp_path / "shout_guard.py").write_text(textwrap.dedent(GUARD_MODULE))
    info = tmp_path / "shout_guard-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shout-guard\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[aisec_sdk.guards]\nshouting = shout_guard:ShoutGuard\n"
    )
    sys.path.insert(0, str(tmp_path))
    _third_party.cache_clear()
    guard_class.cache_clear()
    yield
    sys.path.remove(str(tmp_path))
    sys.modules.pop("shout_guard", None)
    _third_party.cache_clear()
    guard_class.cache_clear()


def test_entry_point_guard_is_registered_configured_and_run(plugin: None) -> None:
    assert "shouting" in available_guards()
    v = scan("this is REALLYLOUD text", direction="output", policy=Policy())
    assert [(f.guard, f.start, f.end, f.action) for f in v.findings] == [
        ("shouting", 8, 18, "warn")
    ]
    quiet = Policy(guards={"shouting": {"min_run": 20}})
    assert scan("this is REALLYLOUD text", direction="output", policy=quiet).findings == []
    with pytest.raises(ValueError, match=r"guards\.shouting\.min_rnu"):
        Policy(guards={"shouting": {"min_rnu": 1}})
