"""Undo the encodings attackers use to slip instructions past filters.

Two halves: `encoded_forms` spells a keyword the way each obfuscation family would (so a
cheap keyword automaton can notice an encoded payload without decoding anything), and
`decode` turns a suspicious piece of text back into plain text for one family.

Families: ``base64``, ``hex``, ``rot13``, ``reversed``, ``leetspeak``, ``spaced`` (letters
split by spaces or punctuation), ``morse`` (International Morse letters and digits),
``base32`` (RFC 4648) and ``diacritics`` (accents or stacked combining marks on the letters
of a keyword: "ignóre", "i̸g̸n̸o̸r̸e̸"; the keyword automaton is written to see through them,
see `accent_tolerant`). Unicode tag characters, zero-width splits, homoglyphs and
full-width forms are undone earlier, by `aisec_sdk.text.normalize`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.text import COMBINING_MARKS, MARK_RUN, re2_options

__all__ = [
    "BYTE_FAMILIES",
    "FAMILIES",
    "accent_class",
    "accent_tolerant",
    "accents_obfuscate",
    "decode",
    "encoded_forms",
    "has_accents",
    "rot13",
    "strip_diacritics",
    "to_morse",
    "unleet",
]

FAMILIES = (
    "base64", "hex", "rot13", "reversed", "leetspeak", "spaced", "morse", "base32", "diacritics"
)
BYTE_FAMILIES = ("base64", "hex", "base32")
"""Byte encodings: decoded from the text as written, not lower-cased (base64 and base32
tell letters apart by case)."""

_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM",
)
# One reading per leet character (lower-case output); ambiguous ones pick the common letter.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
         "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "(": "c"}
_UNLEET = str.maketrans(_LEET)
_LEET_OF: dict[str, tuple[str, ...]] = {}
for _digit, _letter in _LEET.items():
    _LEET_OF[_letter] = (*_LEET_OF.get(_letter, ()), _digit)
_LEET_OF["l"] = ("1", "|")

# Latin letters with a stroke or bar, which Unicode does not decompose into letter + mark.
_STROKED = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "\u0131": "i", "ƀ": "b", "ɨ": "i",
            "ƚ": "l", "ɍ": "r", "ʉ": "u", "ɏ": "y", "ƶ": "z", "ǥ": "g", "ȼ": "c", "ɇ": "e"}
_UNSTROKE = str.maketrans({**_STROKED, **{k.upper(): v.upper() for k, v in _STROKED.items()}})
_INFLECTED = 3  # a word's last letters, where languages put the marks of their endings
_WORD_TAIL = 16  # a word that goes on this far after a keyword does not end near it
_LATIN_ACCENTED = (range(0xC0, 0x250), range(0x1E00, 0x1F00))
_SEPARATORS = (" ", ".", "-", "_", "*", "/", "|", ",")

_MORSE_CODE = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", (
    ".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..", "--",
    "-.", "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-", "-.--", "--..",
    "-----", ".----", "..---", "...--", "....-", ".....", "-....", "--...", "---..", "----.",
), strict=True))
_MORSE_LETTER = {code: letter for letter, code in _MORSE_CODE.items()}
# (dot, dash) spellings: ASCII, underscores, middle dots, the minus sign
_MORSE_MARKS = ((".", "-"), (".", "_"), ("\u00b7", "-"), ("\u00b7", "\u2212"))
_TO_MORSE = str.maketrans("\u00b7_\u2212", ".--")
# Morse letters split by spaces, words by a slash or three spaces; a run starts at a mark
# that follows no mark or word character (so a failed start is not retried inside a run).
_MARK = "[.\\-_\u00b7\u2212]"
_MORSE_RUN = re.compile(rf"(?<![.\-_\u00b7\u2212\w]){_MARK}+(?:[ /]+{_MARK}+)+")
_MORSE_TOKEN = re.compile(rf"{_MARK}+|[ /]+")
_MIN_MORSE_LETTERS = 6
_B32_RUN = re.compile(r"[A-Z2-7]{16,}={0,6}")
_B32_VALID = {0: 0, 1: 0, 2: 2, 3: 2, 4: 4, 5: 5, 6: 5, 7: 7}  # usable length of a tail
_B64_RUN = re.compile(r"[A-Za-z0-9+/]{12,}={0,2}|[A-Za-z0-9_\-]{12,}={0,2}")
_HEX_RUN = re.compile(r"(?:(?:\\x|0x|%)?[0-9a-fA-F]{2}[ :,]?){6,}")
_NOT_HEX = re.compile(r"\\x|0x|[^0-9a-fA-F]")
# A run of single characters split by one separator character (``i g n o r e``).
_SPACED_RUN = re.compile(r"(?<!\w)\w(?:[ .\-_*/|,]{1,3}\w(?!\w)){3,}")
_SPACED_JOIN = re.compile(r"(?<=\w)[.\-_*/|, ](?=\w)")
_WIDE_GAP = re.compile(r"[ .\-_*/|,]{2,}")
_WORDISH = re.compile(r"[\w@$!|+€(]+")
_LEET_CHARS = frozenset(_LEET)


def rot13(text: str) -> str:
    """ROT13 of ``text`` (ASCII letters only)."""
    return text.translate(_ROT13)


def to_morse(text: str) -> str:
    """International Morse of ``text``: letters split by spaces, words by `` / ``; characters
    without a Morse letter or digit are left out."""
    words = (" ".join(_MORSE_CODE[c] for c in word if c in _MORSE_CODE)
             for word in text.upper().split())
    return " / ".join(word for word in words if word)


def unleet(text: str) -> str:
    """Read leetspeak digits and symbols as letters inside words that mix them with letters."""
    return _WORDISH.sub(_unleet_word, text)


def _unleet_word(match: re.Match[str]) -> str:
    word = match.group()
    if _LEET_CHARS.isdisjoint(word) or not any(c.isalpha() for c in word):
        return word
    return word.translate(_UNLEET)


@cache
def _accented() -> dict[str, str]:
    """Lower-case ASCII letter -> the Latin letters that are it with an accent or a stroke."""
    variants: dict[str, set[str]] = {}
    for block in _LATIN_ACCENTED:
        for char in map(chr, block):
            base = _STROKED.get(char.lower()) or unicodedata.normalize("NFD", char.lower())[0]
            if base.isascii() and base.isalpha():
                variants.setdefault(base, set()).add(char.lower())
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


def strip_diacritics(text: str) -> str:
    """``text`` without the accents and combining marks on its Latin letters ("ignóre",
    "i̸g̸n̸o̸r̸e̸" -> "ignore")."""
    decomposed = MARK_RUN.sub("", unicodedata.normalize("NFD", text.translate(_UNSTROKE)))
    return unicodedata.normalize("NFC", decomposed)


def accents_obfuscate(text: str, start: int, end: int) -> bool:
    """Whether the marks on the letters of ``text[start:end]`` look added rather than
    spelt: a mark on one of a word's last three letters is how French, Spanish, Italian,
    Portuguese or Romanian inflect a word ("ignoré", "ignorées", "ignoră"), so it does not
    count; any other does."""
    stop, limit = end, min(len(text), end + _WORD_TAIL)
    while stop < limit and (text[stop].isalpha() or MARK_RUN.match(text, stop)):
        stop += 1  # to the end of the word, or far enough past the keyword
    for _ in range(_INFLECTED):  # leave out its last letters and the marks on them
        while stop > start and MARK_RUN.match(text, stop - 1):
            stop -= 1
        stop -= 1
    return stop > start and not text[start:min(stop, end)].isascii()


def accent_class() -> bytes:
    """An RE2 class (over UTF-8) of the Latin letters with an accent or a stroke and the
    combining marks."""
    ranges = "".join(f"\\x{{{r.start:x}}}-\\x{{{r.stop - 1:x}}}" for r in _LATIN_ACCENTED)
    return f"[{ranges}{COMBINING_MARKS}]".encode()


@cache
def _accent_or_mark() -> Any:
    return re2.compile(accent_class(), re2_options())


def has_accents(data: bytes) -> bool:
    """Whether UTF-8 ``data`` has a Latin letter with an accent or a stroke, or a combining
    mark: the only text in which an `accent_tolerant` pattern finds more than the word."""
    return _accent_or_mark().search(data) is not None


def accent_tolerant(word: str, escape: Callable[[str], str] = re.escape) -> str:
    """A regular expression (case-insensitive use) for ``word`` with any accent, stroke or
    stack of combining marks on each of its ASCII letters; other characters are
    ``escape``d."""
    accented = _accented()
    parts = []
    for char in word.lower():
        if "a" <= char <= "z":
            parts.append(f"[{char}{accented.get(char, '')}][{COMBINING_MARKS}]*")
        else:
            parts.append(escape(char))
    return "".join(parts)


def _core(encode: Callable[[bytes], bytes], bits: int, word: str, pad: int) -> str:
    """The part of ``encode``(``pad`` bytes + ``word``) that depends on ``word`` alone, for
    an encoding of ``bits`` bits per character."""
    raw = b"\0" * pad + word.encode()
    enc = encode(raw).decode()
    first = -(-8 * pad // bits)
    last = (8 * len(raw) - bits) // bits
    return enc[first : last + 1]


def _leet_variants(word: str, limit: int = 48) -> Iterator[str]:
    """Leet spellings of ``word``: the fully substituted one first, then mixed ones."""
    yield "".join(_LEET_OF.get(c, (c,))[0] for c in word)
    slots = [(c, *_LEET_OF.get(c, ())) for c in word]
    count = 1
    for combo in itertools.product(*slots):
        spelled = "".join(combo)
        if spelled != word:
            yield spelled
            count += 1
            if count >= limit:
                return


def encoded_forms(word: str) -> dict[str, set[str]]:
    """How ``word`` looks, lower-cased, inside text obfuscated by each family."""
    casings = {word.lower(), word.capitalize(), word.upper()}
    forms: dict[str, set[str]] = {family: set() for family in FAMILIES}
    for casing in casings:
        for pad in range(3):
            core = _core(base64.b64encode, 6, casing, pad)
            if len(core) >= 6:
                forms["base64"].add(core.lower())
            url_safe = core.replace("+", "-").replace("/", "_")
            if len(url_safe) >= 6:
                forms["base64"].add(url_safe.lower())
        for pad in range(5):
            core = _core(base64.b32encode, 5, casing, pad)
            if len(core) >= 6:
                forms["base32"].add(core.lower())
    for casing in casings:  # the bytes of "Ignore" and "IGNORE" are not those of "ignore"
        raw = casing.encode()
        forms["hex"].update({raw.hex(), " ".join(f"{b:02x}" for b in raw),
                             "".join(f"\\x{b:02x}" for b in raw)})
    forms["rot13"].add(rot13(word.lower()))
    forms["reversed"].add(word.lower()[::-1])
    forms["leetspeak"].update(_leet_variants(word.lower()))
    if len(word) >= 4 and " " not in word:
        forms["spaced"].update(sep.join(word.lower()) for sep in _SEPARATORS)
    if word.isalnum() and word.isascii():
        morse = to_morse(word)
        forms["morse"].update(morse.replace(".", dot).replace("-", dash)
                              for dot, dash in _MORSE_MARKS)
    forms["rot13"].discard(word.lower())
    forms["reversed"].discard(word.lower())
    return forms


def _printable(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text:
        return None
    good = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    letters = sum(1 for c in text if c.isalpha())
    if good < 0.9 * len(text) or letters < 0.5 * len(text.replace(" ", "")):
        return None
    return text


def _byte_runs(
    pattern: re.Pattern[str], text: str, to_bytes: Callable[[re.Match[str]], bytes | None]
) -> Iterator[tuple[int, int, str]]:
    """The runs of ``pattern`` in ``text`` whose bytes (``to_bytes``; None or an error: not
    an encoded run) read as printable text."""
    for m in pattern.finditer(text):
        try:
            data = to_bytes(m)
        except (binascii.Error, ValueError):
            continue
        plain = None if data is None else _printable(data)
        if plain is not None:
            yield m.start(), m.end(), plain


def _b64_bytes(m: re.Match[str]) -> bytes:
    body = m.group().rstrip("=")
    padded = body + "=" * (-len(body) % 4)
    if "-" in body or "_" in body:
        return base64.urlsafe_b64decode(padded)
    return base64.b64decode(padded)


def _hex_bytes(m: re.Match[str]) -> bytes:
    digits = _NOT_HEX.sub("", m.group())
    return bytes.fromhex(digits[: len(digits) - len(digits) % 2])


def _b32_bytes(m: re.Match[str]) -> bytes | None:
    start, end = m.span()
    text = m.string
    if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
        return None  # part of a longer word or blob
    body = m.group().rstrip("=")
    body = body[: len(body) - len(body) % 8 + _B32_VALID[len(body) % 8]]
    return base64.b32decode(body + "=" * (-len(body) % 8))


def _decode_morse(text: str) -> Iterator[tuple[int, int, str]]:
    """Pieces of at least ``_MIN_MORSE_LETTERS`` letters (of three or more kinds, so rows of
    dots or dashes are not read as ``EEEEEE`` or ``TTTTTT``) between unknown codes."""
    for run in _MORSE_RUN.finditer(text):
        start = end = run.start()
        words: list[list[str]] = [[]]
        for token in _MORSE_TOKEN.finditer(text, run.start(), run.end()):
            piece = token.group()
            if piece[0] in " /":
                if "/" in piece or len(piece) >= 3:
                    words.append([])
                continue
            letter = _MORSE_LETTER.get(piece.translate(_TO_MORSE))
            if letter is None:
                yield from _morse_piece(start, end, words)
                start, words = token.end(), [[]]
                continue
            if not any(words):
                start = token.start()
            words[-1].append(letter)
            end = token.end()
        yield from _morse_piece(start, end, words)


def _morse_piece(start: int, end: int, words: list[list[str]]) -> Iterator[tuple[int, int, str]]:
    letters = [c for word in words for c in word]
    if len(letters) >= _MIN_MORSE_LETTERS and len(set(letters)) >= 3:
        yield start, end, " ".join("".join(word) for word in words if word)


def _decode_spaced(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _SPACED_RUN.finditer(text):
        joined = _SPACED_JOIN.sub("", m.group())
        yield m.start(), m.end(), _WIDE_GAP.sub(" ", joined)


# Per family: the decoded pieces of a text. Byte encodings, Morse and spaced letters yield
# one piece per encoded run; the character-level families transform the whole text.
_DECODERS: dict[str, Callable[[str], Iterable[tuple[int, int, str]]]] = {
    "base64": lambda text: _byte_runs(_B64_RUN, text, _b64_bytes),
    "hex": lambda text: _byte_runs(_HEX_RUN, text, _hex_bytes),
    "base32": lambda text: _byte_runs(_B32_RUN, text, _b32_bytes),
    "morse": _decode_morse,
    "spaced": _decode_spaced,
    "rot13": lambda text: [(0, len(text), rot13(text))],
    "reversed": lambda text: [(0, len(text), text[::-1])],
    "leetspeak": lambda text: [(0, len(text), unleet(text))],
    "diacritics": lambda text: [(0, len(text), strip_diacritics(text))],
}


def decode(text: str, family: str) -> list[tuple[int, int, str]]:
    """Decoded pieces of ``text`` for one family (see `FAMILIES`): (start, end, plain text)
    in ``text``."""
    decoder = _DECODERS.get(family)
    if decoder is None:
        raise ValueError(f"unknown obfuscation family {family!r}; known: {', '.join(FAMILIES)}")
    return list(decoder(text))
