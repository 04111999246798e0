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

import re
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any, ClassVar

import ahocorasick  # type: ignore[import-not-found]
from pydantic import Field, field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import UNSPACED, UNSPACED_RANGES, Text, lower_keeping_offsets, normalize
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["SystemPromptLeakGuard", "SystemPromptLeakSettings"]

_WORD = re.compile(f"[{UNSPACED_RANGES}]|[^\\W_{UNSPACED_RANGES}]+")  # letters and digits
_CHAR_WEIGHT = 0.5
# Escapes of a JSON or code string (``\n`` between two lines) are not part of a word.
_ESCAPE = re.compile(r"\\[nrtbf\"\\/]")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")
# The same words in ASCII text, found faster: every byte but a letter or digit becomes a
# space, then split (a sixth of the time of the regex on 1 KB).
_ASCII_SEPARATORS = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))


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
        self.settings = settings = settings_as(settings, SystemPromptLeakSettings)
        # One automaton over every prompt's shingles, each written " w1 ... wn " so that
        # matches in the output (written the same way) fall on word boundaries.
        owners: dict[str, list[tuple[int, int]]] = {}  # shingle -> [(prompt, shingle id)]
        self._prompts: list[tuple[int, int]] = []  # (words per shingle, distinct shingles)
        for index, prompt in enumerate(settings.system_prompt):
            # normalised as the output is (NFKC, look-alikes, invisible characters)
            words = _words(lower_keeping_offsets(normalize(prompt).normalized))
            n = min(settings.ngram, len(words))
            keys = {" " + " ".join(words[i : i + n]) + " " for i in range(len(words) - n + 1)}
            for sid, key in enumerate(sorted(keys)):
                owners.setdefault(key, []).append((index, sid))
            self._prompts.append((n, len(keys)))
        self._automaton: Any = ahocorasick.Automaton()
        for key, owned in owners.items():
            self._automaton.add_word(key, (len(key), tuple(owned)))
        if owners:
            self._automaton.make_automaton()

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        if not any(total for _, total in self._prompts):
            return []
        low = text.lowered()
        if "\\" in low:
            low = _UNICODE_ESCAPE.sub("      ", _ESCAPE.sub("  ", low))
        words = _words(low)
        padded = " " + " ".join(words) + " "
        hits: dict[int, list[tuple[int, int]]] = {}
        for end, (length, owned) in self._automaton.iter(padded):
            for index, sid in owned:
                hits.setdefault(index, []).append((end - length + 1, sid))
        if not hits:
            return []
        spans = [m.span() for m in _WORD.finditer(low)]
        weight = _weigher(words, low.isascii())
        findings: list[Finding] = []
        for index, found in hits.items():
            n, total = self._prompts[index]
            coverage = len({sid for _, sid in found}) / total
            runs = _runs(_word_indices(padded, sorted(p for p, _ in found)), n)
            longest = max(weight(a, b) for a, b in runs)
            score = min(1.0, max(coverage, longest / self.settings.run_words))
            for a, b in runs:
                message = (
                    f"output repeats the system prompt ({b - a} words in a row, "
                    f"{coverage:.0%} of the prompt)"
                )
                findings.append(
                    finding_at(
                        self,
                        text,
                        (spans[a][0], spans[b - 1][1]),
                        score,
                        message,
                        replacement="",
                        entity="system_prompt",
                    )
                )
        return findings


def _words(low: str) -> list[str]:
    """The words of lower-cased text: runs of letters and digits, single characters of the
    scripts written without spaces."""
    if low.isascii():
        return low.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
    return _WORD.findall(low)


def _weigher(words: list[str], ascii_only: bool) -> Callable[[int, int], float]:
    """The length in words of the run ``[a, b)`` of ``words``, a character of a script
    written without spaces counting half a word (Chinese: two characters a word, about)."""
    if ascii_only:
        return lambda a, b: float(b - a)
    prefix = list(
        accumulate((_CHAR_WEIGHT if UNSPACED.fullmatch(w) else 1.0 for w in words), initial=0.0)
    )
    return lambda a, b: prefix[b] - prefix[a]


def _word_indices(padded: str, positions: list[int]) -> list[int]:
    """Word numbers of the (sorted) positions of the spaces that open shingles."""
    out, count, last = [], 0, 0
    for pos in positions:
        count += padded.count(" ", last, pos)
        last = pos
        out.append(count)
    return out


def _runs(hits: list[int], n: int) -> list[tuple[int, int]]:
    """Merge shingle starts into word ranges ``[a, b)``."""
    runs: list[tuple[int, int]] = []
    for i in hits:
        if runs and i <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], i + n))
        else:
            runs.append((i, i + n))
    return runs
