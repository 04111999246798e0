"""Normalise text once per scan, keeping a map back to offsets in the original.

Guards match on ``Text.normalized``: Unicode NFKC, zero-width and other invisible format
characters removed, Unicode tag characters decoded to the ASCII they smuggle, and common
confusables (Cyrillic/Greek look-alikes inside Latin words) folded to Latin. Every guard
reports offsets through `Text.span`, which maps a normalised span back to the original.

Pure-ASCII text (the common case) is returned as is, without copying or per-character work.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass, field

import regex

__all__ = ["CONFUSABLES", "INVISIBLE_KINDS", "Text", "invisible_kind", "normalize"]

# Look-alikes of Latin letters (a subset of Unicode's confusables.txt: Cyrillic, Greek,
# Armenian and a few Latin-extended letters that attackers use for homoglyph smuggling).
CONFUSABLES: dict[str, str] = {
    # Cyrillic lower case
    "а": "a",
    "в": "b",
    "е": "e",
    "ё": "e",
    "һ": "h",
    "і": "i",
    "ї": "i",
    "ј": "j",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "ѕ": "s",
    "т": "t",
    "у": "y",
    "х": "x",
    "ԁ": "d",
    "ԛ": "q",
    "ԝ": "w",
    "ɡ": "g",
    "ӏ": "l",
    # Cyrillic upper case
    "А": "A",
    "В": "B",
    "Е": "E",
    "Ё": "E",
    "Н": "H",
    "І": "I",
    "Ї": "I",
    "Ј": "J",
    "К": "K",
    "М": "M",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Ѕ": "S",
    "Т": "T",
    "У": "Y",
    "Х": "X",
    "Ԁ": "D",
    "Ԛ": "Q",
    "Ԝ": "W",
    "Ӏ": "I",
    # Greek
    "α": "a",
    "ο": "o",
    "ρ": "p",
    "ν": "v",
    "τ": "t",
    "υ": "u",
    "ι": "i",
    "κ": "k",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    # Armenian and Latin extended
    "օ": "o",
    "ս": "u",
    "հ": "h",
    "ո": "n",
    "ı": "i",
    "ȷ": "j",
    "ʏ": "y",
    "ɑ": "a",
}

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f"
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def invisible_kind(ch: str) -> str | None:
    """Classify a character that renders as nothing, or return None."""
    cp = ord(ch)
    if 0xE0000 <= cp <= 0xE007F:
        return "tag"
    if ch in _ZERO_WIDTH:
        return "zero_width"
    if ch in _BIDI:
        return "bidi"
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF:
        return "variation_selector"
    return None


INVISIBLE_KINDS = ("tag", "zero_width", "bidi", "variation_selector")

_NON_ASCII_RUN = regex.compile(r"[^\x00-\x7f]+")
_SPECIAL = regex.compile(
    "[" + _ZERO_WIDTH + _BIDI + "".join(CONFUSABLES) + r"\ufe00-\ufe0f\U000e0000-\U000e01ef]"
)
_CONFUSABLE_SET = frozenset(CONFUSABLES)


@dataclass(frozen=True, slots=True)
class Text:
    """A text and its normalised form, with a map between their offsets.

    The map is a list of segments: segment *k* starts at ``norm_starts[k]`` in the
    normalised text and at ``orig_starts[k]`` in the original. A *copy* segment maps
    character for character; a *replaced* segment (``orig_ends[k] >= 0``) maps every
    normalised character to the whole original span ``[orig_starts[k], orig_ends[k])``.
    """

    original: str
    normalized: str
    norm_starts: list[int] = field(default_factory=list)
    orig_starts: list[int] = field(default_factory=list)
    orig_ends: list[int] = field(default_factory=list)
    invisible: list[tuple[int, int, str]] = field(default_factory=list)

    @property
    def is_identity(self) -> bool:
        """True when normalisation changed nothing."""
        return not self.norm_starts

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the normalised text to the matching span of the original."""
        if not self.norm_starts:
            return start, end
        if end <= start:
            o = self._start(start)
            return o, o
        return self._start(start), self._end(end - 1)

    def _start(self, pos: int) -> int:
        if pos >= len(self.normalized):
            return len(self.original)
        k = bisect.bisect_right(self.norm_starts, pos) - 1
        if self.orig_ends[k] >= 0:
            return self.orig_starts[k]
        return self.orig_starts[k] + (pos - self.norm_starts[k])

    def _end(self, pos: int) -> int:
        """Original end offset of the normalised character at ``pos`` (exclusive)."""
        k = bisect.bisect_right(self.norm_starts, pos) - 1
        if self.orig_ends[k] >= 0:
            return self.orig_ends[k]
        return self.orig_starts[k] + (pos - self.norm_starts[k]) + 1


class _Builder:
    __slots__ = ("norm_len", "norm_starts", "orig_ends", "orig_starts", "parts", "pending")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.norm_len = 0
        self.norm_starts: list[int] = []
        self.orig_starts: list[int] = []
        self.orig_ends: list[int] = []
        self.pending = False  # last segment is a copy that can be extended

    def copy(self, chunk: str, orig_start: int) -> None:
        if not chunk:
            return
        if not self.pending:
            self.norm_starts.append(self.norm_len)
            self.orig_starts.append(orig_start)
            self.orig_ends.append(-1)
            self.pending = True
        self.parts.append(chunk)
        self.norm_len += len(chunk)

    def replace(self, out: str, orig_start: int, orig_end: int) -> None:
        self.pending = False
        if not out:
            return
        self.norm_starts.append(self.norm_len)
        self.orig_starts.append(orig_start)
        self.orig_ends.append(orig_end)
        self.parts.append(out)
        self.norm_len += len(out)


def _fold_run(source: str, start: int, end: int) -> bool:
    """Whether confusables in ``source[start:end]`` sit in a Latin word (and should fold)."""
    before = source[start - 1] if start > 0 else ""
    after = source[end] if end < len(source) else ""
    if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
        return True
    letters = [c for c in source[start:end] if c.isalpha()]
    return bool(letters) and all(c in _CONFUSABLE_SET for c in letters)


def normalize(source: str) -> Text:
    """Normalise ``source`` for matching; see the module docstring for what changes."""
    if source.isascii():
        return Text(source, source)
    builder = _Builder()
    invisible: list[tuple[int, int, str]] = []
    pos = 0
    for match in _NON_ASCII_RUN.finditer(source):
        run_start, run_end = match.span()
        builder.copy(source[pos:run_start], pos)
        run = match.group()
        if _SPECIAL.search(run) is None and unicodedata.is_normalized("NFKC", run):
            builder.copy(run, run_start)
        else:
            fold = _fold_run(source, run_start, run_end)
            for offset, ch in enumerate(run):
                at = run_start + offset
                kind = invisible_kind(ch)
                if kind is not None:
                    invisible.append((at, at + 1, kind))
                    cp = ord(ch)
                    decoded = chr(cp - 0xE0000) if 0xE0020 <= cp <= 0xE007E else ""
                    builder.replace(decoded, at, at + 1)
                    continue
                out = unicodedata.normalize("NFKC", ch)
                if fold:
                    out = "".join(CONFUSABLES.get(c, c) for c in out)
                if out == ch:
                    builder.copy(ch, at)
                else:
                    builder.replace(out, at, at + 1)
        pos = run_end
    builder.copy(source[pos:], pos)
    normalized = "".join(builder.parts)
    if normalized == source and not invisible:
        return Text(source, source)
    return Text(
        source,
        normalized,
        builder.norm_starts,
        builder.orig_starts,
        builder.orig_ends,
        invisible,
    )
