"""Fixtures of the core tests: a stand-in for the ``pii`` guard whose scan the test writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import pytest

import aisec_sdk.engine as engine_module
from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

PiiScan = Callable[[Text, Direction], Sequence[Finding]]


@pytest.fixture
def pii_scanning(monkeypatch: pytest.MonkeyPatch) -> Callable[[PiiScan], None]:
    """Install ``scan`` as the ``pii`` guard of every engine built after the call."""

    def install(scan: PiiScan) -> None:
        class StandIn:
            id: ClassVar[str] = "pii"
            category: ClassVar[str] = "LLM02"
            default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
            default_threshold: ClassVar[float] = 0.5
            default_action: ClassVar[FindingAction] = "redact"
            default_enabled: ClassVar[bool] = True
            Settings: ClassVar[type[GuardSettings]] = GuardSettings

            def __init__(self, settings: GuardSettings) -> None:
                self.scan = scan

        real = engine_module.build_guard
        monkeypatch.setattr(
            engine_module,
            "build_guard",
            lambda gid, settings: StandIn(settings) if gid == "pii" else real(gid, settings),
        )

    return install
