"""Fixtures of the core tests: a stand-in for the ``pii`` guard whose scan the test writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

import aisec_sdk.engine as engine_module
from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.guards.pii import PiiGuard
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding

PiiScan = Callable[[Text, Direction], Sequence[Finding]]


@pytest.fixture
def pii_scanning(monkeypatch: pytest.MonkeyPatch) -> Callable[[PiiScan], None]:
    """Install ``scan`` as the ``pii`` guard of every engine built after the call."""

    def install(scan: PiiScan) -> None:
        class StandIn(PiiGuard):
            """The ``pii`` guard's id, category and defaults, with the test's scan and no
            prefilter (the scan must see every text)."""

            prefilter = None

            def __init__(self, settings: GuardSettings) -> None:
                self.scan = scan  # type: ignore[method-assign,assignment]

        real = engine_module.build_guard
        monkeypatch.setattr(
            engine_module,
            "build_guard",
            lambda gid, settings: StandIn(settings) if gid == "pii" else real(gid, settings),
        )

    return install
