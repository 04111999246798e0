"""``invisible_text``: characters that render as nothing but can carry instructions (LLM01).

Unicode tag characters (ASCII smuggling), zero-width characters, bidirectional overrides
("Trojan Source"), variation selectors used to smuggle bytes, and fillers such as the Hangul
filler. `aisec_sdk.text.normalize` already records where they are; this guard groups them
into runs, scores each run and, with the default ``redact`` action, strips them.

Legitimate uses score low and are not reported by default: a variation selector right
after an emoji (``❤️``), a zero-width joiner inside an emoji sequence, the tag sequence of a
subdivision flag (🏴 + tags + cancel tag), a single soft hyphen or direction mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import regex
from pydantic import field_validator

from aisec_sdk.guards.base import GuardSettings, known_only, settings_as
from aisec_sdk.text import INVISIBLE_KINDS, UNSPACED, Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["InvisibleTextGuard", "InvisibleTextSettings"]

_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\u20e3]")
_EMOJI_GLUE = frozenset("\ufe0f\u200d")
_IDEOGRAPH = regex.compile(r"\p{Ideographic}")
_LETTER = regex.compile(r"[\p{L}\p{M}]{2}")
_BLACK_FLAG = "\U0001f3f4"
_CANCEL_TAG = "\U000e007f"
_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KIND_SCORES = {
    "tag": 1.0,
    "bidi": 0.9,
    "variation_selector": 0.8,
    "zero_width": 0.6,
    "filler": 0.7,
}


class InvisibleTextSettings(GuardSettings):
    """Options of the ``invisible_text`` guard."""

    kinds: tuple[str, ...] = INVISIBLE_KINDS
    """Kinds to report: ``tag``, ``zero_width``, ``bidi``, ``variation_selector``, ``filler``."""

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        known_only(kinds, INVISIBLE_KINDS, "kind")
        return kinds


class InvisibleTextGuard:
    """Runs of invisible characters, scored by kind and length; redaction strips them."""

    id: ClassVar[str] = "invisible_text"
    category: ClassVar[str] = "LLM01"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = InvisibleTextSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, InvisibleTextSettings)
        self._kinds = frozenset(settings.kinds)

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        if not text.invisible:  # ASCII, and most other text
            return []
        s = text.original
        marks = sorted(m for m in text.invisible if m[2] in self._kinds)
        if not marks:
            return []
        findings: list[Finding] = []
        run_start = run_end = -1
        kinds: list[str] = []
        for start, end, kind in marks:
            if start != run_end:
                if run_start >= 0:
                    findings.append(self._finding(s, run_start, run_end, kinds))
                run_start, kinds = start, []
            run_end = end
            kinds.append(kind)
        findings.append(self._finding(s, run_start, run_end, kinds))
        return findings

    def _finding(self, s: str, start: int, end: int, kinds: list[str]) -> Finding:
        score = max(_KIND_SCORES[k] for k in kinds)
        length = end - start
        if _benign(s, start, end, kinds):
            score = 0.1
        elif length >= 4:
            score = max(score, 0.9)
        names = ", ".join(sorted(set(kinds)))
        return Finding(
            guard=self.id,
            category=self.category,
            score=score,
            start=start,
            end=end,
            message=f"{length} invisible character(s): {names}",
            replacement="",
            entity=kinds[0] if len(set(kinds)) == 1 else "mixed",
        )


def _benign(s: str, start: int, end: int, kinds: list[str]) -> bool:
    """Invisible characters doing their ordinary typographic job."""
    before = s[start - 1 : start]
    after = s[end : end + 1]
    run = s[start:end]
    if set(kinds) == {"tag"}:
        return before == _BLACK_FLAG and run.endswith(_CANCEL_TAG) and end - start <= 7
    between_emoji = bool(_EMOJI.match(before)) and bool(_EMOJI.match(after))
    if set(run) <= _EMOJI_GLUE and between_emoji:  # ❤️‍🔥: selector and joiner inside emoji
        return True
    if end - start != 1:
        return False
    kind = kinds[0]
    if kind == "variation_selector":
        if run >= "\U000e0100":  # ideographic variation sequence: a Han character's glyph
            return bool(_IDEOGRAPH.match(before))
        if run in "\ufe0e\ufe0f" and after == "\u20e3":  # keycap (1️⃣)
            return True
        # emoji or text presentation, standardized variants (math symbols, CJK, Myanmar)
        return bool(before) and not before.isascii()
    if kind == "zero_width":
        if run == "\ufeff":  # byte order mark, or a no-break word joiner next to a space
            return start == 0 or before.isspace() or after.isspace()
        if run == "\u200d":  # joiner: emoji sequences, Indic scripts
            return bool(_EMOJI.match(before)) or (bool(before) and not before.isascii())
        if run == "\u00ad":  # soft hyphen: a hyphenation point in any word
            return before.isalpha() and after.isalpha()
        if run == "\u200c":  # non-joiner: Persian, Arabic, Indic words
            return _letter_pair(before, after) and not (before.isascii() or after.isascii())
        if run == "\u200b":  # a word break in scripts written without spaces
            return bool(UNSPACED.match(before)) and bool(UNSPACED.match(after))
        return False
    if kind == "bidi":
        return run not in _OVERRIDES  # a single LRM/RLM/ALM mark
    return False


def _letter_pair(before: str, after: str) -> bool:
    """Whether letters (with their marks, as in Indic and Thai words) stand on both sides."""
    return bool(before) and bool(after) and _LETTER.match(before + after) is not None
