"""``system_prompt_leak``: model output that repeats the system prompt (OWASP LLM07).

Runs only when the policy knows the system prompt (``system_prompt`` option). Both texts
are reduced to lower-case words; the output's word n-grams (shingles) are looked up in the
prompt's. The score is the larger of the share of the prompt's shingles that the output
repeats and the length of the longest repeated run of words over ``run_words`` (a single
verbatim passage of that many words counts as a full leak). Paraphrases that share no run
of ``ngram`` words are out of reach by design; canary tokens (`aisec_sdk.canary`) cover
rewritten leaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import regex
from pydantic import Field, field_validator

from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["SystemPromptLeakGuard", "SystemPromptLeakSettings"]

_WORD = regex.compile(r"[\p{L}\p{N}]+")


class SystemPromptLeakSettings(GuardSettings):
    """Options of the ``system_prompt_leak`` guard."""

    system_prompt: tuple[str, ...] = ()
    """The system prompt(s) the output must not repeat (a string or a list of strings)."""
    ngram: int = Field(default=5, ge=2, le=20)
    """Words per shingle."""
    run_words: int = Field(default=20, ge=2)
    """A repeated run of this many words scores 1.0."""

    @field_validator("system_prompt", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value


class SystemPromptLeakGuard:
    """Verbatim overlap between model output and a known system prompt."""

    id: ClassVar[str] = "system_prompt_leak"
    category: ClassVar[str] = "LLM07"
    default_directions: ClassVar[tuple[Direction, ...]] = ("output",)
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "block"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = SystemPromptLeakSettings

    def __init__(self, settings: GuardSettings) -> None:
        if not isinstance(settings, SystemPromptLeakSettings):
            settings = SystemPromptLeakSettings.model_validate(
                settings.model_dump(exclude_unset=True)
            )
        self.settings = settings
        self._prompts: list[tuple[int, frozenset[tuple[str, ...]]]] = []
        for prompt in settings.system_prompt:
            words = [w.lower() for w in _WORD.findall(prompt)]
            n = min(settings.ngram, len(words))
            if n:
                shingles = frozenset(_shingles(words, n))
                self._prompts.append((n, shingles))

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        if not self._prompts:
            return []
        s = text.normalized
        matches = list(_WORD.finditer(s))
        words = [m.group().lower() for m in matches]
        findings: list[Finding] = []
        for n, shingles in self._prompts:
            seen = _shingles(words, n)
            hits = [i for i, sh in enumerate(seen) if sh in shingles]
            if not hits:
                continue
            coverage = len({seen[i] for i in hits}) / len(shingles)
            runs = _runs(hits, n)
            longest = max(b - a for a, b in runs)
            score = min(1.0, max(coverage, longest / self.settings.run_words))
            for a, b in runs:
                start, end = text.span(matches[a].start(), matches[b - 1].end())
                findings.append(
                    Finding(
                        guard=self.id,
                        category=self.category,
                        score=score,
                        start=start,
                        end=end,
                        message=(
                            f"output repeats the system prompt ({b - a} words in a row, "
                            f"{coverage:.0%} of the prompt)"
                        ),
                        replacement="",
                        entity="system_prompt",
                    )
                )
        return findings


def _shingles(words: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def _runs(hits: list[int], n: int) -> list[tuple[int, int]]:
    """Merge shingle starts into word ranges ``[a, b)``."""
    runs: list[tuple[int, int]] = []
    for i in hits:
        if runs and i <= runs[-1][1]:
            runs[-1] = (runs[-1][0], i + n)
        else:
            runs.append((i, i + n))
    return runs
