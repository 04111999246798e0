"""Normalise text once per scan, keeping a map back to offsets in the original.

Guards match on ``Text.normalized``: Unicode NFKC, zero-width and other invisible format
characters removed, Unicode tag characters decoded to the ASCII they smuggle (a space keeps
a decoded run apart from a visible word it touches), and common confusables (Cyrillic/Greek
look-alikes inside Latin words) folded to Latin. Every guard reports offsets through
`Text.span`, which maps a normalised span back to the original.

Pure-ASCII text (the common case) is returned as is, without copying or per-character work.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import re2  # type: ignore[import-untyped]

__all__ = [
    "COMBINING_MARKS",
    "CONFUSABLES",
    "INVISIBLE_KINDS",
    "MARK_RUN",
    "SMALL_CAPITALS",
    "UNSPACED",
    "UNSPACED_RANGES",
    "Text",
    "char_spans",
    "invisible_kind",
    "lower_keeping_offsets",
    "normalize",
    "re2_options",
]

UNSPACED_RANGES = (
    "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
)
"""Character ranges of the scripts written without spaces between words (Thai, Lao,
Tibetan, Myanmar, Khmer, kana, Han): each character is a word there."""
UNSPACED = re.compile(f"[{UNSPACED_RANGES}]")
"""One character of those scripts."""
COMBINING_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
"""Character ranges of the combining marks drawn over letters (accents, strokes, Zalgo
stacks): the diacritical-mark blocks, their extension and supplement, the marks for
symbols and the half marks; not the vowel signs of other scripts."""
MARK_RUN = re.compile(f"[{COMBINING_MARKS}]+")
"""A run of those marks."""

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
    "İ": "I",
    "ȷ": "j",
    "ɑ": "a",
}
# Latin small capitals ("ɪɢɴᴏʀᴇ ᴀʟʟ"): phonetic letters that read as lower case. Latin
# already, no word of another script is spelt with them, so they fold wherever they are.
# (Not those of the U+A7xx block, ꜰ ꜱ ꞯ: their lead byte is Korean's, whose text would
# then be read character by character.)
SMALL_CAPITALS: dict[str, str] = {
    "ᴀ": "a",
    "ʙ": "b",
    "ᴄ": "c",
    "ᴅ": "d",
    "ᴇ": "e",
    "ɢ": "g",
    "ʜ": "h",
    "ɪ": "i",
    "ᴊ": "j",
    "ᴋ": "k",
    "ʟ": "l",
    "ᴍ": "m",
    "ɴ": "n",
    "ᴏ": "o",
    "ᴘ": "p",
    "ʀ": "r",
    "ᴛ": "t",
    "ᴜ": "u",
    "ᴠ": "v",
    "ᴡ": "w",
    "ʏ": "y",
    "ᴢ": "z",
}

_ZERO_WIDTH = (
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u180e\u00ad\u034f"
    # deprecated format controls, Khmer inherent vowels, musical and shorthand format controls
    "\u206a\u206b\u206c\u206d\u206e\u206f\u17b4\u17b5"
    "\U0001d173\U0001d174\U0001d175\U0001d176\U0001d177\U0001d178\U0001d179\U0001d17a"
    "\U0001bca0\U0001bca1\U0001bca2\U0001bca3"
)
# Fillers render as blank space; they are reported (kind "filler") but not removed.
_FILLER = "\u115f\u1160\u3164\uffa0\ufff9\ufffa\ufffb"
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
    if 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180F:
        return "variation_selector"  # U+180B-180F: Mongolian (180E, above, is zero width)
    if ch in _FILLER:
        return "filler"
    return None


INVISIBLE_KINDS = ("tag", "zero_width", "bidi", "variation_selector", "filler")

_INVISIBLE = re.compile(
    f"[{_ZERO_WIDTH}{_BIDI}{_FILLER}\ufe00-\ufe0f\u180b-\u180d\u180f\U000e0000-\U000e01ef]"
)
_CONFUSABLE_CHARS = "".join(CONFUSABLES)
# A run of confusables; folded when it touches a Latin letter ("ignоre", "ѕуѕtem").
_CONFUSABLE_RUN = re.compile(f"[{_CONFUSABLE_CHARS}]+")
_FOLD_TABLE = str.maketrans(CONFUSABLES)
# The most common NFKC changes in real text, each to one ASCII character: no-break spaces
# and, in Chinese and Japanese (over a tenth of a sample of the text), the full-width
# punctuation and ideographic space, about one every 20 characters. Replaced first, one
# C-speed pass each with offsets unchanged, they are not an edit each (about 3 µs apiece).
# None is a look-alike or invisible character: the result is NFKC character by character.
_CJK_FOLDS = tuple((char, unicodedata.normalize("NFKC", char)) for char in "\u3000，：；！？（）")
_CJK_SAMPLE = 61  # every this many characters one is looked at for CJK script
_CJK_CLASS = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
# Runs of CJK characters (the class written twice, not "+": re skips ahead at C speed only
# to a pattern that opens with a plain class); counted by their lengths, one match a run.
_CJK_RUN = re.compile(f"{_CJK_CLASS}{_CJK_CLASS}*")
_MAX_CONTACTS = 256
_SHORT = 1 << 14  # bytes: a text this short is worth one more pass to skip the RE2 call
_ASCII_BYTES = bytes(range(128))


@cache
def _nfkc_unstable() -> re.Pattern[str]:
    """A character class of every code point NFKC changes (built once, on first need)."""
    ranges: list[str] = []
    run_start = -1
    planes = [range(0x80, 0x10000), range(0x1D400, 0x1D800), range(0x1F100, 0x1F300)]
    for cp in (c for plane in planes for c in plane):
        unstable = not unicodedata.is_normalized("NFKC", chr(cp))
        if unstable and run_start < 0:
            run_start = cp
        elif not unstable and run_start >= 0:
            ranges.append(f"{re.escape(chr(run_start))}-{re.escape(chr(cp - 1))}")
            run_start = -1
    if run_start >= 0:
        ranges.append(f"{re.escape(chr(run_start))}-{re.escape(chr(0x1F2FF))}")
    ranges.append("\U0002f800-\U0002fa1f")  # CJK compatibility ideographs supplement
    return re.compile("[" + "".join(ranges) + "]")


# RE2's memory cap for every pattern and set of the SDK: a cap, not an allocation. A DFA that
# outgrows it falls back to RE2's NFA, about a thousand times slower: the prompt-injection
# gate's accent-tolerant phrases need more than RE2's 8 MB default and a former 64 MB.
_RE2_MAX_MEM = 256 << 20


def re2_options() -> Any:
    """RE2 options for the SDK's patterns and sets: room for large keyword alternations and
    classes (`_RE2_MAX_MEM`), and no log lines for a pattern that does not compile (callers
    catch ``re2.error``)."""
    options = re2.Options()
    options.max_mem = _RE2_MAX_MEM
    options.log_errors = False
    return options


@cache
def _as_runs(pattern: str) -> Any:
    """An RE2 pattern (over UTF-8 bytes) of runs of the characters of class ``pattern``
    (RE2 turns a class into a DFA; the ``re`` module tests a class of hundreds of ranges
    one range at a time, up to ~100 ns per wide character)."""
    return re2.compile((pattern + "+").encode("utf-8"), re2_options())


def char_spans(
    pattern: Any, text: str, errors: str = "strict", data: bytes | None = None
) -> list[tuple[int, int]]:
    """Spans, in characters, of the matches of the compiled RE2 bytes ``pattern`` in
    ``text``: one UTF-8 encoding and one pass, byte offsets turned into character offsets
    as the matches come (the ``re2`` module's ``str`` interface measures every match from
    the start of the text again). ``errors`` is the encoding's error handler (``strict``
    raises `UnicodeEncodeError` on lone surrogates); ``data``, when given, is ``text``
    already encoded so."""
    if data is None:
        data = text.encode("utf-8", errors)
    spans = [m.span() for m in pattern.finditer(data)]
    if len(data) == len(text):  # ASCII: byte offsets are character offsets
        return spans
    found: list[tuple[int, int]] = []
    chars = done = 0
    for a, b in spans:
        chars += len(data[done:a].decode("utf-8", errors))
        width = len(data[a:b].decode("utf-8", errors))
        found.append((chars, chars + width))
        chars, done = chars + width, b
    return found


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
    norm_starts: Sequence[int] = ()
    orig_starts: Sequence[int] = ()
    orig_ends: Sequence[int] = ()
    invisible: Sequence[tuple[int, int, str]] = ()
    _utf8: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _ascii: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _lower: str | None = field(default=None, init=False, repr=False, compare=False)

    def utf8(self) -> bytes:
        """The normalised text in UTF-8 (lone surrogates passed through), encoded once for
        every guard that reads bytes."""
        data = self._utf8
        if data is None:
            data = self.normalized.encode("utf-8", "surrogatepass")
            object.__setattr__(self, "_utf8", data)
        return data

    def ascii_bytes(self) -> bytes:
        """The normalised text with one byte per character, ``?`` for each non-ASCII one, so
        that byte offsets are character offsets: for the guards whose patterns are ASCII
        (encoded once; on ASCII text it is `utf8`)."""
        data = self._ascii
        if data is None:
            data = self.utf8()
            if len(data) != len(self.normalized):
                data = self.normalized.encode("ascii", "replace")
            object.__setattr__(self, "_ascii", data)
        return data

    def lowered(self) -> str:
        """The normalised text lower-cased with every offset kept (`lower_keeping_offsets`),
        made once for every guard that matches without case."""
        low = self._lower
        if low is None:
            low = lower_keeping_offsets(self.normalized)
            object.__setattr__(self, "_lower", low)
        return low

    @property
    def is_identity(self) -> bool:
        """True when offsets in the normalised text equal offsets in the original."""
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


_Edit = tuple[int, int, str, int, int]
"""A replacement: ``source[start:end]`` becomes the text; the last two numbers are that
span in the UTF-8 of ``source`` (-1, -1 when unknown)."""

_Place = tuple[int, str, int, int]
"""A character that may change: its offset, itself, and its span in the UTF-8 of the text
(-1, -1 when unknown)."""


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
        """Append text that maps one to one onto the original from ``orig_start``."""
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
        """Append ``out`` standing for the whole original span ``[orig_start, orig_end)``."""
        self.pending = False
        if not out:
            return
        self.norm_starts.append(self.norm_len)
        self.orig_starts.append(orig_start)
        self.orig_ends.append(orig_end)
        self.parts.append(out)
        self.norm_len += len(out)


def _changes(
    source: str, search: bytes, data: bytes | None
) -> tuple[list[_Edit], list[tuple[int, int, str]]] | None:
    """Replacements to apply (see `_Edit`) and the invisible characters found; None when
    no character of ``source`` may change. ``search`` is ``source`` in UTF-8
    with ``?`` for lone surrogates, ``data`` its exact UTF-8 (None with lone surrogates).

    In text that is mostly ASCII, the characters normalisation may change are looked for
    without the ASCII bytes (a C-speed ``bytes.translate``; prose has a few bytes per KB
    left). Look-alikes fold where they touch a Latin letter; when they are many (Cyrillic
    or Greek text), `_folds` finds those places in the whole text instead.
    """
    extra = len(search) - len(source)  # bytes beyond one per character
    if extra <= len(source) and len(search) <= _SHORT and search.count(b"\xc3") == extra:
        # every non-ASCII character is two bytes, led by C3: accented Latin-1 letters
        # (U+00C0-U+00FF), none of which changes (a prompt in German, French, Spanish)
        return None
    dense = len(search) >= 2 * len(source)
    wide = search if dense else search.translate(None, _ASCII_BYTES)
    if dense and b"\x01" not in wide.translate(_flag_leads()) and _nfkc_stable(source):
        return None  # e.g. Chinese prose: no invisible character or look-alike, NFKC as is
    found = _scan(source, wide, data, _changeable(), _MAX_CONTACTS, dense)
    if found is None:  # many look-alikes (Cyrillic, Greek): found where they meet Latin
        found = _scan(source, wide, data, _unfolded(), len(source), dense) or ([], [], [])
        edits, invisible, _ = found
        edits += _folds(source, data)
    else:
        edits, invisible, look_alikes = found
        if not (edits or invisible or look_alikes):
            return None
        edits += _folded(source, _runs(look_alikes))
    edits.sort()
    return edits, invisible


def _scan(
    source: str, wide: bytes, data: bytes | None, chars: str, cap: int, whole: bool
) -> tuple[list[_Edit], list[tuple[int, int, str]], list[_Place]] | None:
    """The one-for-one edits, the invisible characters and the look-alikes (see `_Place`)
    among the characters of the class ``chars`` in ``source``; None once more than ``cap``
    are look-alikes. ``wide`` is ``source`` in UTF-8 (``?`` for lone surrogates) when
    ``whole``, else just its non-ASCII bytes; ``data`` is its exact UTF-8."""
    edits: list[_Edit] = []
    invisible: list[tuple[int, int, str]] = []
    look_alikes: list[_Place] = []
    runs = (
        _in_whole(wide, data is not None, chars)
        if whole
        else _in_stripped(source, wide, data, chars)
    )
    for at, run, byte_at in runs:
        for ch in run:
            byte_end = byte_at + len(ch.encode("utf-8")) if byte_at >= 0 else -1
            if ch in CONFUSABLES:
                look_alikes.append((at, ch, byte_at, byte_end))
                if len(look_alikes) > cap:
                    return None
            else:
                kind, outs = _change_of(ch)
                if kind is not None:
                    invisible.append((at, at + 1, kind))
                for out in outs:
                    edits.append((at, at + 1, out, byte_at, byte_end))
            at += 1
            byte_at = byte_end
    return edits, invisible, look_alikes


def _in_whole(wide: bytes, known: bool, chars: str) -> Iterator[tuple[int, str, int]]:
    """Runs of the characters of ``chars`` in ``wide``, the whole text in UTF-8: offset,
    text and byte offset (-1 unless ``known``, ``wide`` being the text's exact UTF-8). RE2
    gives the byte offsets; decoding the bytes in between counts the characters."""
    offset = done = 0
    for m in _as_runs(chars).finditer(wide):
        start, end = m.span()
        offset += len(wide[done:start].decode("utf-8"))
        run = wide[start:end].decode("utf-8")
        yield offset, run, (start if known else -1)
        offset += len(run)
        done = end


def _in_stripped(
    source: str, wide: bytes, data: bytes | None, chars: str
) -> Iterator[tuple[int, str, int]]:
    """The characters of ``chars`` in ``source`` one by one (offset, character, byte offset
    in ``data`` or -1), found by RE2 in ``wide`` (the text's non-ASCII bytes only), then
    placed by ``find`` from the last one's place in ``source`` and in ``data`` (every
    earlier occurrence of the character is one already placed; at least one byte a
    character lies in between)."""
    pos = byte_end = 0
    for m in _as_runs(chars).finditer(wide):
        for ch in m.group().decode("utf-8"):
            at = source.find(ch, pos)
            byte_at = -1
            if data is not None:
                encoded = ch.encode("utf-8")
                byte_at = data.find(encoded, byte_end + at - pos)
                byte_end = byte_at + len(encoded)
            pos = at + 1
            yield at, ch, byte_at


def _nfkc_stable(source: str) -> bool:
    """Whether NFKC leaves ``source`` as it is (C speed; a character NFKC changes on its
    own can never stand in NFKC text, so then ``source`` has none)."""
    return unicodedata.is_normalized("NFKC", source)


@cache
def _flag_leads() -> bytes:
    """A ``bytes.translate`` table that marks with 1 the UTF-8 lead bytes of invisible
    characters (all in the BMP and the tag block) and look-alikes that NFKC keeps (those it
    changes, `_nfkc_stable` sees)."""
    planes = map(chr, [*range(0x80, 0xD800), *range(0xE000, 0x10000), *range(0xE0000, 0xE01F0)])
    chars = [*filter(_INVISIBLE.match, planes), *CONFUSABLES, *SMALL_CAPITALS]
    leads = {c.encode()[0] for c in chars if unicodedata.is_normalized("NFKC", c)}
    return bytes(int(b in leads) for b in range(256))


@cache
def _change_of(ch: str) -> tuple[str | None, tuple[str, ...]]:
    """How normalisation treats ``ch``, one of the characters it may change: its invisible
    kind (or None) and what may replace it one for one: nothing, or the ASCII a tag
    character smuggles, for an invisible character other than a filler; its NFKC form,
    folded, where NFKC changes it; its letter, for a small capital. (Look-alikes fold by
    runs, elsewhere.)"""
    kind = None
    outs: list[str] = []
    if _INVISIBLE.match(ch):
        kind = invisible_kind(ch) or "zero_width"
        if kind != "filler":
            cp = ord(ch)
            outs.append(chr(cp - 0xE0000) if 0xE0020 <= cp <= 0xE007E else "")
    if _nfkc_unstable().match(ch):
        outs.append(unicodedata.normalize("NFKC", ch).translate(_FOLD_TABLE))
    if ch in SMALL_CAPITALS:
        outs.append(SMALL_CAPITALS[ch])
    return kind, tuple(outs)


def _runs(placed: list[_Place]) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive characters among ``placed`` (see `_Place`): their spans in
    characters and in bytes."""
    runs: list[tuple[int, int, int, int]] = []
    for at, _, byte_at, byte_end in placed:
        if runs and runs[-1][1] == at:
            runs[-1] = (runs[-1][0], at + 1, runs[-1][2], byte_end)
        else:
            runs.append((at, at + 1, byte_at, byte_end))
    return runs


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _folds(source: str, data: bytes | None) -> list[_Edit]:
    """Whole runs of look-alikes in ``source``, a text with many, that touch a Latin letter,
    folded to Latin (linear time)."""
    runs = _runs_at_contacts(source, data)
    if runs is None:
        runs = [m.span() for m in _CONFUSABLE_RUN.finditer(source)]
    return _folded(source, [(a, b, -1, -1) for a, b in runs])


def _folded(source: str, runs: Iterable[tuple[int, int, int, int]]) -> list[_Edit]:
    """The runs of look-alikes among ``runs`` (spans in characters and bytes) that touch a
    Latin letter, folded to Latin."""
    last = len(source) - 1
    return [
        (a, b, source[a:b].translate(_FOLD_TABLE), byte_at, byte_end)
        for a, b, byte_at, byte_end in runs
        if (a and _is_latin(source[a - 1])) or (b <= last and _is_latin(source[b]))
    ]


def _runs_at_contacts(source: str, data: bytes | None) -> list[tuple[int, int]] | None:
    """The runs of look-alikes that touch a Latin letter, found from the places where a
    look-alike meets one (RE2, one linear pass; in Cyrillic or Greek text the run-by-run
    walk would visit every run). None when RE2 cannot read the text (lone surrogates) or
    the contacts are many (each costs a Python step here, more than the walk's per-run
    cost)."""
    contacts: list[int] = []
    try:
        for at, _ in char_spans(_latin_contact(), source, data=data):
            if source[at] in CONFUSABLES:  # confusable, then Latin
                contacts.append(at)
                if source[at + 2 : at + 3] in CONFUSABLES:  # Latin, then confusable: overlapped
                    contacts.append(at + 2)
            else:
                contacts.append(at + 1)
            if len(contacts) > _MAX_CONTACTS:  # mixed-script text: walk it instead
                return None
    except UnicodeEncodeError:
        return None
    runs: list[tuple[int, int]] = []
    for at in sorted(set(contacts)):
        if runs and at < runs[-1][1]:
            continue  # inside the run found last
        start = end = at
        while start > 0 and source[start - 1] in CONFUSABLES:
            start -= 1
        while end < len(source) and source[end] in CONFUSABLES:
            end += 1
        runs.append((start, end))
    return runs


@cache
def _latin_contact() -> Any:
    return re2.compile(f"[A-Za-z][{_CONFUSABLE_CHARS}]|[{_CONFUSABLE_CHARS}][A-Za-z]".encode())


@cache
def _unfolded() -> str:
    """A class of the characters normalisation may change or report one by one: invisible
    and NFKC-unstable characters, small capitals."""
    return f"[{_INVISIBLE.pattern[1:-1]}{_nfkc_unstable().pattern[1:-1]}{''.join(SMALL_CAPITALS)}]"


@cache
def _changeable() -> str:
    """A class of every character normalisation may change or report: invisible,
    NFKC-unstable and look-alike characters."""
    return f"{_unfolded()[:-1]}{_CONFUSABLE_CHARS}]"


def _with_utf8(text: Text, data: bytes | None) -> Text:
    """``text`` with its normalised form's UTF-8 (``data``) already known."""
    if data is not None:
        object.__setattr__(text, "_utf8", data)
    return text


def lower_keeping_offsets(text: str) -> str:
    """``text.lower()`` with every offset kept: the one character whose lower case is two
    characters (U+0130, dotted capital I) becomes a plain ``i``, any other such character
    stays as it is."""
    low = text.lower()
    if len(low) == len(text):
        return low
    low = text.replace("\u0130", "i").lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def normalize(source: str) -> Text:
    """Normalise ``source`` for matching; see the module docstring for what changes."""
    if source.isascii():
        return Text(source, source)
    work = source.replace("\xa0", " ") if "\xa0" in source else source
    sample = work[::_CJK_SAMPLE]
    if sum(map(len, _CJK_RUN.findall(sample))) * 10 > len(sample):  # Chinese or Japanese
        for char, ascii_form in _CJK_FOLDS:
            if char in work:
                work = work.replace(char, ascii_form)
    if work.isascii():
        return Text(source, work)
    data: bytes | None
    try:
        data = search = work.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        data, search = None, work.encode("utf-8", "replace")
    found = _changes(work, search, data)
    if found is None:
        return _with_utf8(Text(source, work), data)
    edits, invisible = found
    if not edits:
        return _with_utf8(Text(source, work, invisible=invisible), data)
    applied: list[_Edit] = []
    pos = 0
    same_length = True
    for edit in edits:
        if edit[0] >= pos:  # overlapping edits: the first one wins
            applied.append(edit)
            pos = edit[1]
            same_length = same_length and pos - edit[0] == len(edit[2])
    if b"\xf3" in search:  # a lead byte of tag characters (one byte: memchr, ~15 µs a MB)
        separated = _separated(work, applied)
        same_length = same_length and len(separated) == len(applied)
        applied = separated
    utf8 = _edited(data, applied)
    if same_length:
        # same-length replacements (folded look-alikes): offsets stay one to one
        pieces: list[str] = []
        pos = 0
        for start, end, out, _, _ in applied:
            pieces += (work[pos:start], out)
            pos = end
        pieces.append(work[pos:])
        return _with_utf8(Text(source, "".join(pieces), invisible=invisible), utf8)
    builder = _Builder()
    pos = 0
    for start, end, out, _, _ in applied:
        builder.copy(work[pos:start], pos)
        if len(out) == end - start:
            builder.copy(out, start)
        else:
            builder.replace(out, start, end)
        pos = end
    builder.copy(work[pos:], pos)
    text = Text(
        source,
        "".join(builder.parts),
        builder.norm_starts,
        builder.orig_starts,
        builder.orig_ends,
        invisible,
    )
    return _with_utf8(text, utf8)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _separated(work: str, applied: list[_Edit]) -> list[_Edit]:
    """``applied`` (sorted, apart) with a space inserted, as an edit of an empty span at the
    run's edge, where a run of decoded tag characters meets a word character of the visible
    text on either side: the smuggled ASCII never merges with a visible word (``key: `` +
    tag ``A`` + ``AKIA...`` reads ``key: A AKIA...``, the key's word boundary kept).
    Characters removed in between (zero-width) do not count."""
    out: list[_Edit] = []
    held: list[_Edit] = []  # removals after a tag run, until the space after it is known
    last = ""  # the last normalised character so far
    in_tags = False  # whether it was decoded from a tag character
    edge = (0, 0)  # where the last tag run ends, in characters and bytes
    pos = 0
    for edit in applied:
        start, end, replacement, byte_at, byte_end = edit
        if start > pos:  # visible text copied up to this edit
            if in_tags and _is_word(last) and _is_word(work[pos]):
                out.append((edge[0], edge[0], " ", edge[1], edge[1]))
            out += held
            held.clear()
            last, in_tags = work[start - 1], False
        if replacement:
            tag = end - start == 1 and "\U000e0020" <= work[start] <= "\U000e007e"
            if tag != in_tags and _is_word(last) and _is_word(replacement[0]):
                at, byte = edge if in_tags else (start, byte_at)
                out.append((at, at, " ", byte, byte))
            out += held
            held.clear()
            last, in_tags = replacement[-1], tag
            if tag:
                edge = (end, byte_end)
        (held if in_tags and not replacement else out).append(edit)
        pos = end
    if in_tags and pos < len(work) and _is_word(last) and _is_word(work[pos]):
        out.append((edge[0], edge[0], " ", edge[1], edge[1]))
    return out + held


def _edited(data: bytes | None, applied: list[_Edit]) -> bytes | None:
    """``data`` with the ``applied`` edits made in UTF-8 (the normalised text's `Text.utf8`
    by copying bytes instead of encoding the text again); None when a span is unknown."""
    if data is None or len(applied) > len(data) >> 10 or any(e[3] < 0 for e in applied):
        return None  # (more than an edit a KB: encoding the text again costs less)
    pieces: list[bytes] = []
    pos = 0
    for _, _, out, byte_at, byte_end in applied:
        pieces += (data[pos:byte_at], out.encode("utf-8", "surrogatepass"))
        pos = byte_end
    pieces.append(data[pos:])
    return b"".join(pieces)
