"""``invisible_text``: characters that render as nothing but can carry instructions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["InvisibleTextGuard"]

_SCORES = {"tag": 1.0, "bidi": 0.9, "variation_selector": 0.7, "zero_width": 0.6}


class InvisibleTextGuard:
    """Reports runs of invisible characters (tag block, zero-width, bidi, variation
    selectors); redaction strips them."""

    id: ClassVar[str] = "invisible_text"
    category: ClassVar[str] = "LLM01"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = GuardSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        findings: list[Finding] = []
        run_start = run_end = -1
        kinds: set[str] = set()
        for start, end, kind in text.invisible:
            if start != run_end:
                if run_start >= 0:
                    findings.append(self._finding(run_start, run_end, kinds))
                run_start, kinds = start, set()
            run_end = end
            kinds.add(kind)
        if run_start >= 0:
            findings.append(self._finding(run_start, run_end, kinds))
        return findings

    def _finding(self, start: int, end: int, kinds: set[str]) -> Finding:
        score = max(_SCORES[k] for k in kinds)
        if end - start >= 4:
            score = max(score, 0.8)
        return Finding(
            guard=self.id,
            category=self.category,
            score=score,
            start=start,
            end=end,
            message=f"{end - start} invisible character(s): {', '.join(sorted(kinds))}",
            replacement="",
        )
