"""``banned``: terms and patterns a policy forbids (code names, competitors, topics).

Off until configured. ``terms`` are matched in one Aho-Corasick pass over the normalised
text (so zero-width splits, homoglyphs and full-width letters do not hide them),
case-insensitively and on word boundaries by default. ``regexes`` use the ``regex`` module
with a time limit per pattern and scan: a pattern that takes longer raises
`TimeoutError`, which the engine records as a guard failure (``on_error`` decides).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import ahocorasick  # type: ignore[import-not-found]
import regex
from pydantic import Field, field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import Text, lower_keeping_offsets
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["BannedGuard", "BannedSettings"]


class BannedSettings(GuardSettings):
    """Options of the ``banned`` guard."""

    terms: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    """Patterns in ``regex`` module syntax."""
    case_sensitive: bool = False
    whole_words: bool = True
    """Terms match only where they are not part of a longer word."""
    timeout: float = Field(default=0.25, gt=0.0)
    """Seconds one pattern may run over one text."""
    category: str = "LLM02"
    """OWASP LLM category of the findings."""

    @field_validator("terms")
    @classmethod
    def _non_empty(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        if any(not t.strip() for t in terms):
            raise ValueError("banned terms must not be empty")
        return terms

    @field_validator("regexes")
    @classmethod
    def _compilable(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                regex.compile(pattern)
            except regex.error as exc:
                raise ValueError(f"banned regex {pattern!r} does not compile: {exc}") from None
        return patterns


class BannedGuard:
    """User-defined banned terms and regular expressions."""

    id: ClassVar[str] = "banned"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "block"
    default_enabled: ClassVar[bool] = False
    Settings: ClassVar[type[GuardSettings]] = BannedSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, BannedSettings)
        self._automaton: Any = None
        if settings.terms:
            self._automaton = ahocorasick.Automaton()
            for index, term in enumerate(settings.terms):
                key = term if settings.case_sensitive else lower_keeping_offsets(term)
                self._automaton.add_word(key, (index, len(key)))
            self._automaton.make_automaton()
        flags = 0 if settings.case_sensitive else regex.IGNORECASE
        self._regexes = [regex.compile(p, flags) for p in settings.regexes]

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        found: list[tuple[int, int, str]] = []
        if self._automaton is not None:
            haystack = s if self.settings.case_sensitive else lower_keeping_offsets(s)
            for last, (index, length) in self._automaton.iter(haystack):
                start, end = last - length + 1, last + 1
                if self.settings.whole_words and not _whole(s, start, end):
                    continue
                found.append((start, end, f"banned term {self.settings.terms[index]!r}"))
        for index, pattern in enumerate(self._regexes):
            for m in pattern.finditer(s, timeout=self.settings.timeout):
                if m.end() > m.start():
                    found.append((m.start(), m.end(), f"banned pattern #{index + 1}"))
        return [
            finding_at(
                self,
                text,
                (a, b),
                1.0,
                message,
                replacement="<BANNED>",
                entity="banned",
                category=self.settings.category,
            )
            for a, b, message in found
        ]


def _whole(s: str, start: int, end: int) -> bool:
    """Whether ``s[start:end]`` is not glued to letters or digits on either side."""
    inner_first, inner_last = s[start], s[end - 1]
    before, after = s[start - 1 : start], s[end : end + 1]
    glued_left = inner_first.isalnum() and before.isalnum()
    glued_right = inner_last.isalnum() and after.isalnum()
    return not (glued_left or glued_right)
