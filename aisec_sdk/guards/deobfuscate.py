"""Undo the encodings attackers use to slip instructions past filters.

Two halves: `encoded_forms` spells a keyword the way each obfuscation family would (so a
cheap keyword automaton can notice an encoded payload without decoding anything), and
`decode` turns a suspicious piece of text back into plain text for one family.

Families: ``base64``, ``hex``, ``rot13``, ``reversed``, ``leetspeak``, ``spaced`` (letters
split by spaces or punctuation). Unicode tag characters, zero-width splits, homoglyphs and
full-width forms are undone earlier, by `aisec_sdk.text.normalize`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import re
from collections.abc import Iterator

__all__ = ["FAMILIES", "decode", "encoded_forms", "rot13", "unleet"]

FAMILIES = ("base64", "hex", "rot13", "reversed", "leetspeak", "spaced")

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

_SEPARATORS = (" ", ".", "-", "_", "*", "/", "|", ",")

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


def unleet(text: str) -> str:
    """Read leetspeak digits and symbols as letters inside words that mix them with letters."""
    return _WORDISH.sub(_unleet_word, text)


def _unleet_word(match: re.Match[str]) -> str:
    word = match.group()
    if _LEET_CHARS.isdisjoint(word) or not any(c.isalpha() for c in word):
        return word
    return word.translate(_UNLEET)


def _b64_core(word: str, pad: int) -> str:
    """The part of base64(``pad`` bytes + ``word``) that depends on ``word`` alone."""
    raw = b"\0" * pad + word.encode()
    enc = base64.b64encode(raw).decode()
    first = -(-8 * pad // 6)
    last = (8 * len(raw) - 6) // 6
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
            core = _b64_core(casing, pad)
            if len(core) >= 6:
                forms["base64"].add(core.lower())
            url_safe = core.replace("+", "-").replace("/", "_")
            if len(url_safe) >= 6:
                forms["base64"].add(url_safe.lower())
    raw = word.lower().encode()
    forms["hex"].update({raw.hex(), " ".join(f"{b:02x}" for b in raw),
                         "".join(f"\\x{b:02x}" for b in raw)})
    forms["rot13"].add(rot13(word.lower()))
    forms["reversed"].add(word.lower()[::-1])
    forms["leetspeak"].update(_leet_variants(word.lower()))
    if len(word) >= 4 and " " not in word:
        forms["spaced"].update(sep.join(word.lower()) for sep in _SEPARATORS)
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


def _decode_b64(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _B64_RUN.finditer(text):
        run = m.group()
        body = run.rstrip("=")
        try:
            if "-" in body or "_" in body:
                data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            else:
                data = base64.b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            continue
        plain = _printable(data)
        if plain is not None:
            yield m.start(), m.end(), plain


def _decode_hex(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _HEX_RUN.finditer(text):
        digits = _NOT_HEX.sub("", m.group())
        if len(digits) % 2:
            digits = digits[:-1]
        plain = _printable(bytes.fromhex(digits))
        if plain is not None:
            yield m.start(), m.end(), plain


def _decode_spaced(text: str) -> Iterator[tuple[int, int, str]]:
    for m in _SPACED_RUN.finditer(text):
        joined = _SPACED_JOIN.sub("", m.group())
        yield m.start(), m.end(), _WIDE_GAP.sub(" ", joined)


def decode(text: str, family: str) -> list[tuple[int, int, str]]:
    """Decoded pieces of ``text`` for one family: (start, end, plain text) in ``text``.

    Byte encodings (base64, hex) and spaced letters yield one piece per encoded run; the
    character-level families (rot13, reversed, leetspeak) transform the whole text.
    """
    if family == "base64":
        return list(_decode_b64(text))
    if family == "hex":
        return list(_decode_hex(text))
    if family == "spaced":
        return list(_decode_spaced(text))
    if family == "rot13":
        return [(0, len(text), rot13(text))]
    if family == "reversed":
        return [(0, len(text), text[::-1])]
    if family == "leetspeak":
        return [(0, len(text), unleet(text))]
    raise ValueError(f"unknown obfuscation family {family!r}; known: {', '.join(FAMILIES)}")
