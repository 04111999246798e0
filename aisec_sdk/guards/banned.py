"""``banned``: terms and patterns a policy forbids (code names, competitors, topics).

Off until configured. ``terms`` are matched in one Aho-Corasick pass over the normalised
text (so zero-width splits, homoglyphs and full-width letters do not hide them),
case-insensitively, without diacritics (``café`` matches ``cafe`` and ``CAFÉ``, composed or
not) and on word boundaries by default; any run of white space matches the space between
the words of a term. ``regexes`` use the ``regex`` module with a time limit per pattern and
scan: a pattern that takes longer raises `TimeoutError` naming it, which the engine records
as a guard failure (``on_error`` decides).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, ClassVar

import ahocorasick  # type: ignore[import-not-found]
import regex
from pydantic import Field, field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import COMBINING_MARKS, MARK_RUN, UNSPACED, Text, lower_keeping_offsets
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["BannedGuard", "BannedSettings"]


_OWASP = regex.compile(r"(?i)LLM(?:0[1-9]|10)")


class BannedSettings(GuardSettings):
    """Options of the ``banned`` guard."""

    terms: tuple[str, ...] = ()
    regexes: tuple[str, ...] = ()
    """Patterns in ``regex`` module syntax."""
    case_sensitive: bool = False
    fold_diacritics: bool = True
    """Terms match whatever accents the text or the term carries (``zoe`` finds ``Zoë``)."""
    whole_words: bool = True
    """Terms match only where they are not part of a longer word."""
    timeout: float = Field(default=0.25, gt=0.0)
    """Seconds one pattern may run over one text."""
    category: str = "LLM02"
    """OWASP LLM category of the findings (``LLM01`` to ``LLM10``, any case)."""

    @field_validator("category")
    @classmethod
    def _owasp(cls, category: str) -> str:
        if _OWASP.fullmatch(category) is None:
            raise ValueError(
                f"{category!r} is no OWASP Top 10 for LLM Applications category; "
                "use one of LLM01 ... LLM10"
            )
        return category.upper()

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
        # A one-word term is looked up whole; a longer one by its first word and a space,
        # the other words checked after the hit (any run of white space between them).
        heads: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for index, term in enumerate(settings.terms):
            for words in self._forms(term):
                head = words[0] + " " if len(words) > 1 else words[0]
                heads.setdefault(head, []).append((index, words[1:]))
        self._spaced = any(" " in head for head in heads)
        if heads:
            self._automaton = ahocorasick.Automaton()
            for head, owners in heads.items():
                self._automaton.add_word(head, (len(head), owners))
            self._automaton.make_automaton()
        flags = 0 if settings.case_sensitive else regex.IGNORECASE
        self._regexes = [regex.compile(p, flags) for p in settings.regexes]

    def _forms(self, term: str) -> set[tuple[str, ...]]:
        """The words of ``term`` as they appear in the folded text (see `_fold`)."""
        key = unicodedata.normalize("NFC", " ".join(term.split()))
        if not self.settings.case_sensitive:
            key = lower_keeping_offsets(key)
        key = _fold(key, self.settings.fold_diacritics, False)[0]
        keys = {key}
        if "ß" in key or "ss" in key:  # German sharp s, also written ss (STRASSE)
            keys |= {key.replace("ß", "ss"), key.replace("ss", "ß")}
        return {tuple(k.split(" ")) for k in keys}

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        found: list[tuple[int, int, str]] = []
        if self._automaton is not None:
            haystack = s if self.settings.case_sensitive else text.lowered()
            folded, back = _fold(haystack, self.settings.fold_diacritics, self._spaced)
            for last, (length, owners) in self._automaton.iter(folded):
                start = last - length + 1
                for index, rest in owners:
                    end = _rest_end(folded, last + 1, rest) if rest else last + 1
                    if end < 0 or (self.settings.whole_words and not _whole(folded, start, end)):
                        continue
                    a, b = back(start, end)
                    # the term's number, not the term: messages reach spans and logs, and a
                    # banned term (a project's code name) may itself be confidential
                    found.append((a, b, f"banned term #{index + 1}"))
        for index, pattern in enumerate(self._regexes):
            try:
                for m in pattern.finditer(s, timeout=self.settings.timeout):
                    if m.end() > m.start():
                        found.append((m.start(), m.end(), f"banned pattern #{index + 1}"))
            except TimeoutError:
                raise TimeoutError(
                    f"banned pattern #{index + 1} ({pattern.pattern!r}) ran past its "
                    f"{self.settings.timeout:g} s limit; simplify it or raise 'timeout'"
                ) from None
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


def _rest_end(s: str, pos: int, words: tuple[str, ...]) -> int:
    """Where ``words`` end when they follow ``pos`` in ``s`` (a run of spaces before
    each, the first run already begun); -1 when they do not."""
    for number, word in enumerate(words):
        if number and not s.startswith(" ", pos):
            return -1
        spaces = _SPACES.match(s, pos)
        pos = spaces.end() if spaces else pos
        if not s.startswith(word, pos):
            return -1
        pos += len(word)
    return pos


def _whole(s: str, start: int, end: int) -> bool:
    """Whether ``s[start:end]`` is not glued to letters or digits on either side (in
    scripts written without spaces, such as Chinese or Thai, every letter is a boundary)."""
    return not (_glued(s[start - 1 : start], s[start]) or _glued(s[end - 1], s[end : end + 1]))


def _glued(left: str, right: str) -> bool:
    pair = left + right
    return pair.isalnum() and len(pair) == 2 and UNSPACED.search(pair) is None


_SPACES = re.compile(" *")
_ASCII_WHITE_CHARS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"
_ASCII_WHITE = str.maketrans(_ASCII_WHITE_CHARS, " " * len(_ASCII_WHITE_CHARS))


def _is_mark(ch: str) -> bool:
    return MARK_RUN.match(ch) is not None


@cache
def _folds(diacritics: bool, white: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    """A class of the non-ASCII characters `_fold` changes, and what each becomes: accented
    Latin and Greek letters their base letter (Cyrillic letters such as й are letters of their
    own), white space a plain space, combining accents nothing."""
    table: dict[str, str] = {}
    if white:
        table.update((chr(c), " ") for c in range(0x80, 0x10000) if chr(c).isspace())
    if diacritics:
        for cp in (*range(0xC0, 0x400), *range(0x1E00, 0x2000)):
            parts = unicodedata.normalize("NFD", chr(cp))
            if len(parts) > 1 and all(_is_mark(c) for c in parts[1:]):
                table[chr(cp)] = parts[0]
    accents = COMBINING_MARKS if diacritics else ""
    if not (table or accents):
        return re.compile("(?!)"), table
    return re.compile("[" + re.escape("".join(table)) + accents + "]"), table


def _fold(
    s: str, diacritics: bool, white: bool
) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """``s`` with accents stripped (when ``diacritics``) and every white-space character
    made a plain space (when ``white``), and a function mapping a span of the result back
    to ``s``."""
    if s.isascii():
        return (s.translate(_ASCII_WHITE) if white else s), _same
    pattern, table = _folds(diacritics, white)
    if white:  # a few common characters: one C-speed replace each
        for ch in _ASCII_WHITE_CHARS:
            if ch in s:
                s = s.replace(ch, " ")
    marks = False

    def fold_one(m: re.Match[str]) -> str:
        nonlocal marks
        ch = m.group()
        folded = table.get(ch)
        if folded is None:  # a combining accent: removed below, with an offset map
            marks = True
            return ch
        return folded

    # the rest are rare in any one text: a Python step for each found, none elsewhere
    s = pattern.sub(fold_one, s)
    if not marks:
        return s, _same
    pieces: list[str] = []
    fold_starts, orig_starts = [0], [0]
    done = length = 0
    for m in MARK_RUN.finditer(s):
        pieces.append(s[done : m.start()])
        length += m.start() - done
        fold_starts.append(length)
        orig_starts.append(m.end())
        done = m.end()
    pieces.append(s[done:])

    def back(start: int, end: int) -> tuple[int, int]:
        k = bisect.bisect_right(fold_starts, start) - 1
        a = orig_starts[k] + start - fold_starts[k]
        k = bisect.bisect_right(fold_starts, end - 1) - 1
        b = orig_starts[k] + end - fold_starts[k]
        while b < len(s) and _is_mark(s[b]):  # the accents of the last letter
            b += 1
        return a, b

    return "".join(pieces), back


def _same(start: int, end: int) -> tuple[int, int]:
    return start, end
