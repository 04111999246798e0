"""``pii``: personal data in text (OWASP LLM02).

Built-in recognisers: e-mail addresses, phone numbers (validated by the ``phonenumbers``
library), payment cards (Luhn and issuer prefixes), IBANs (ISO 13616 mod-97 and country
lengths), US social security numbers (area, group and serial rules) and IPv4/IPv6
addresses. One RE2 pass (linear time, no backtracking) over the text finds every candidate;
only candidates are validated in Python, so benign text costs one automaton pass.
Numbers may be written with the decimal digits of any script (Arabic-Indic, Persian,
Devanagari, Bengali...): that pass reads each such digit as its ASCII twin, one code point
for one, so offsets, look-alike rules and validation are those of ASCII digits and
redaction covers the characters the user wrote.

Candidates start at a word boundary, and IPv6 candidates need eight groups or a ``::``, so
hex digests and clock times cost nothing. What code and READMEs are full of is judged
down: a bare run of digits is a phone number only near a word such as "phone" or "call"
(else it is INT_MAX, a timestamp, an id); a grouped one must follow the national grouping;
IBANs need a registry country; dotted numbers after ``>=`` or "section" are versions;
``git@github.com:org/repo`` is an SSH remote. (Versions and bare digits keep a score below
the default threshold; the others are not reported at all.)

More recognisers plug in with `register_recognizer` (Python) or the ``patterns`` option
(regular expressions in the policy). With ``presidio = true`` and ``presidio-analyzer``
installed, Presidio adds names, locations and whatever else it recognises.

Redaction follows ``redaction`` (see `aisec_sdk.vault.RedactionMode`): typed placeholder
(default), mask, salted hash, or reversible pseudonyms from the current vault (input and
context only: values found in model output are never made restorable).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache, partial
from itertools import accumulate, product
from typing import Any, ClassVar, NamedTuple
from urllib.parse import unquote

import phonenumbers
import re2  # type: ignore[import-untyped]
import regex
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from aisec_sdk.guards.base import (
    Candidate,
    GuardSettings,
    finding_at,
    settings_as,
    strongest,
)
from aisec_sdk.guards.phone_words import (
    HINTING,
    NAMES,
    Said,
    around,
    phone_word,
    script_regions,
    vocabulary,
    word_regions,
)
from aisec_sdk.text import Text, re2_options
from aisec_sdk.vault import RedactionMode, replacement
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = [
    "BUILTIN_ENTITIES",
    "PiiGuard",
    "PiiSettings",
    "Recognizer",
    "iban_ok",
    "luhn_ok",
    "register_recognizer",
    "ssn_ok",
]

_log = logging.getLogger("aisec_sdk")

BUILTIN_ENTITIES = ("email", "phone", "credit_card", "iban", "us_ssn", "ip_address")

Recognizer = Callable[[str], Iterable[tuple[int, int, float]]]
"""A custom recogniser: normalised text in, ``(start, end, score)`` spans out."""

_RECOGNIZERS: dict[str, Recognizer] = {}
_RECOGNIZERS_LOCK = threading.Lock()


def register_recognizer(entity: str, recognizer: Recognizer) -> None:
    """Add (or replace) the recogniser of ``entity``; it runs in every ``pii`` guard
    whose ``entities`` option is unset or names it."""
    if not entity or not entity.replace("_", "").isalnum():
        raise ValueError(f"entity names are letters, digits and '_'; got {entity!r}")
    with _RECOGNIZERS_LOCK:
        _RECOGNIZERS[entity] = recognizer


# A top-level domain in ASCII: letters, or an IDNA one in punycode (.xn--p1ai), first (at
# one start RE2 takes the first branch that matches: "xn" alone would end the address).
_TLD = rb"(?:(?i:xn--)[A-Za-z0-9\-]{1,59}|[A-Za-z]{2,24})"
_UNFINISHED_PUNYCODE = regex.compile(r"(?i)\.xn--+(?![A-Za-z0-9])")
"""A last label that starts as punycode and stops (``.xn--``): `_TLD` reads ``xn`` of it."""
# One pass finds every candidate. Leftmost-first: at one start, earlier branches win.
_CANDIDATES = re2.compile(
    # e-mail: internationalised too; a non-ASCII character is "?" in the one-byte view the
    # guard reads and itself in the UTF-8 the prefilter reads (`_email` checks which it was)
    rb"(?P<email>[A-Za-z0-9._%+'\-?\x{80}-\x{10FFFF}]{1,64}@[A-Za-z0-9\-?\x{80}-\x{10FFFF}]{1,63}"
    rb"(?:\.[A-Za-z0-9\-?\x{80}-\x{10FFFF}]{1,63}){0,8}\.(?:"
    + _TLD
    + rb"|[?\x{80}-\x{10FFFF}]{2,24}))"
    rb"|(?P<email_spelled>[A-Za-z0-9._%+\-]{1,64} ?[\[(](?i:at)[\])] ?[A-Za-z0-9\-]{1,63}"
    rb"(?: ?[\[(](?i:dot)[\])] ?[A-Za-z0-9\-]{1,63}){1,4})"
    # URL-encoded: a query string's email=jane.doe%40example.com, from the %40 (`_encoded_email`
    # reads the local part back: in the pattern it made the whole pass 16 % slower on code)
    rb"|(?P<email_encoded>%40[A-Za-z0-9\-]{1,63}"
    rb"(?:\.[A-Za-z0-9\-]{1,63}){0,8}\." + _TLD + rb"\b)"
    rb"|(?P<ipv4>[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})"
    rb"|(?P<iban>\b[A-Za-z]{2}[0-9]{2}(?:[ \-]?[A-Za-z0-9]){11,40})"
    rb"|(?P<number>(?:\(\+|[+(]|\b)[0-9](?:[ \-.()/]{0,2}[0-9]){6,60})"
    # IPv6: eight groups, or groups around "::" (so clock times such as 09:10:12 are not)
    rb"|(?P<ipv6>\b(?:[0-9A-Fa-f]{1,4}:){6}(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|[0-9.]{7,15})"
    rb"|\b(?:[0-9A-Fa-f]{1,4}:){1,7}:[0-9A-Fa-f:.]{0,41}|::[0-9A-Fa-f][0-9A-Fa-f:.]{0,40})",
    re2_options(),
)
_KINDS: dict[int, str] = {index: name.decode() for name, index in _CANDIDATES.groupindex.items()}

# ISO 13616 IBAN lengths by country (SWIFT IBAN registry).
_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
    "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "BI": 27, "DJ": 27, "FK": 18,
    "LY": 25, "MN": 20, "NI": 28, "OM": 23, "RU": 33, "SD": 18, "SO": 23, "YE": 30,
    "IR": 26,  # Iran's Sheba numbers: IBANs in use at home, outside the SWIFT registry
}  # fmt: skip

_CARD_ISSUERS: tuple[tuple[regex.Pattern[str], range | tuple[int, ...]], ...] = tuple(
    (regex.compile(prefix), lengths)
    for prefix, lengths in (
        (r"4", (13, 16, 19)),  # Visa
        (r"5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)", (16,)),  # Mastercard
        (r"3[47]", (15,)),  # American Express
        (r"3(?:0[0-5]|[689])", range(14, 20)),  # Diners Club
        (r"35(?:2[89]|[3-8]\d)", range(16, 20)),  # JCB
        (r"6(?:011|5|4[4-9])", range(16, 20)),  # Discover
        (r"62", range(16, 20)),  # UnionPay
        (r"5[06-9]|6\d", range(12, 20)),  # Maestro
    )
)
"""Issuer prefixes (IIN ranges) of the major card networks and the lengths they issue."""
_CARD_WORD = regex.compile(
    r"(?<![A-Za-z])(?i:card|karte|kartennummer|carte|tarjeta|cart[aã]o|kaart|pan|cc|credit|debit"
    r"|visa|mastercard|maestro|unionpay|amex)s?(?![a-z])"
)  # what names a long run of digits a card number (card_number, cardNumber, PAN)
_SSN_WORD = regex.compile(r"(?i)\b(?:ssn|social security)\b")
_SSN_SHAPE = regex.compile(r"(\d{3})([- ])(\d{2})\2(\d{4})")
_CARD_SHAPE = regex.compile(
    r"\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}|\d{4}[ -]?\d{6}[ -]?\d{4,5}"
    r"|\d{4}(?:([ -])\d{4}){3}\1\d{2,3}"  # 18-19 digits in fours: Visa, Maestro, UnionPay
)
_NOT_PHONE = regex.compile(
    r"\(?(?:1[5-9]|20)\d\d\s?[-/]\s?(?:1[5-9]|20)?\d\d\)?"  # year ranges
    r"|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}(?:[ T]\d{1,2})?"  # dates, maybe with an hour
    r"|[+(]?\d+[.,]\d+"  # decimals
    r"|\d+(?:\.\d{3})+"  # thousands
)
_NOT_AN_ADDRESS = regex.compile(
    r"(?i)(?:\b(?:versions?|ver|v|release|build|firmware|fw|kernel|revision|rev|patch|update|section"
    r"|sections|chapter|clause|step|rfc ?\d+|oids?|python|py|package|pkg|pip|npm|java|jdk|gcc)"
    r"(?:[:#]|[ \t]+is)?|§|[<>~!=]=|[<>])\s*$"
)  # what stands before a dotted number that is a version, a section or an OID, not an address
_OID_LINE = regex.compile(r"(?i)\b(?:snmp\w*|oids?|mib)\b")
"""A word of a line that reads OIDs (``snmpget -v2c host 1.3.6.1``)."""
_IP_WORD = regex.compile(
    r"(?ri)\b(?:ip|ipv[46]|ip address|address|addr|host|hostname|server|router|gateway|client"
    r"|device|from|adresse|adresa|direcci[oó]n)\b"
)  # words that name a private address an address of someone or something
_DOCUMENTATION_V4 = frozenset({0xC00002, 0xC63364, 0xCB0071})
"""The /24 documentation networks of RFC 5737 (192.0.2, 198.51.100, 203.0.113), shifted."""
_DOCUMENTATION_V6 = 0x20010DB8  # 2001:db8::/32, RFC 3849


_FILE_EXTENSIONS = frozenset(
    {"png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "ico", "tif", "tiff", "avif", "heic",
     "css", "scss", "js", "mjs", "cjs", "jsx", "ts", "tsx", "json", "yaml", "yml", "toml", "ini",
     "cfg", "txt", "pdf", "html", "htm", "xml", "csv", "tsv", "lock", "log", "map", "woff",
     "woff2", "ttf", "otf", "eot", "mp3", "mp4", "wav", "ogg", "webm", "flac", "whl", "gz", "tgz",
     "tar", "exe", "dll", "bin"}
)  # fmt: skip
"""File extensions that are no top-level domain ("zip", "mov", "py" are): ``icon@2x.png``."""
_JOINED_BEFORE = regex.compile(r"[\p{Latin}\d][-_]$")
_JOINED_AFTER = regex.compile(r"[-_][\p{Latin}\d]")
"""A Latin letter or digit joined on with a dash (not Hebrew's ל-: "to" the number)."""
_DIGIT_GROUP = regex.compile(r"\d+")
_DIGIT_RUN = re2.compile(rb"[0-9](?:[ \-]?[0-9]){6}", re2_options())  # a phone number's start
_ALONE = regex.compile(
    r"(?<![^ ])(?:\d{3}([- ])\d{2}\1\d{4}|\d{9}|\d{1,3}(?:\.\d{1,3}){3})(?![^ ])"
)
"""Pieces of a run of numbers shaped like an SSN (``123-45-6789``, ``123 45 6789``,
``123456789``) or an IPv4 address (`_alone`)."""
_NUMBER = re2.compile(rb"[0-9](?:[ \-.()/]{0,2}[0-9]){6,60}", re2_options())
"""The number candidate alone: a dotted run that is no IPv4 address (1.650.253.0000)."""
_ARABIC_SEPARATORS = {0x66B: ord("."), 0x66C: ord(",")}
"""The Arabic decimal and thousands separators (U+066B, U+066C), read as "." and ","."""


_ASCII_BYTES = bytes(range(128))


class _Folds(NamedTuple):
    """What the candidate pass reads as ASCII (see `_digit_folds`)."""

    table: dict[int, int]
    """ASCII code point by code point."""
    chars: bytes
    """An RE2 class (over UTF-8) of those code points."""
    scripts: Any
    """An RE2 set with one pattern per script's ten digits (and one for the separators)."""
    pairs: dict[int, tuple[tuple[str, str], ...]]
    """By pattern of ``scripts``: each of its characters and the ASCII one read for it."""


def _utf8_class(code_points: Iterable[int]) -> bytes:
    """An RE2 character class of ``code_points``, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(code_points):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return b"[" + b"".join(b"\\x{%x}-\\x{%x}" % (a, b) for a, b in ranges) + b"]"


@cache
def _digit_folds() -> _Folds:
    """Every decimal digit of another script (category Nd: Arabic-Indic U+0660-0669,
    Persian U+06F0-06F9, Devanagari, Bengali, Thai...) as its ASCII twin, and the Arabic
    separators. Unicode assigns decimal digits in planes 0 and 1 only (a test checks every
    code point); built on first need."""
    table = {
        cp: 48 + unicodedata.decimal(chr(cp)) for cp in range(0x80, 0x20000) if chr(cp).isdecimal()
    }
    groups: dict[int, list[int]] = {-1: list(_ARABIC_SEPARATORS)}
    for cp, ascii_cp in table.items():  # by the script's zero (its digits are 0 to 9)
        groups.setdefault(cp - ascii_cp + 48, []).append(cp)
    table.update(_ARABIC_SEPARATORS)
    scripts = re2.Set.SearchSet(re2_options())
    pairs = {
        scripts.Add(_utf8_class(members)): tuple((chr(cp), chr(table[cp])) for cp in members)
        for members in groups.values()
    }
    scripts.Compile()
    return _Folds(table, _utf8_class(table), scripts, pairs)


def _with_ascii_digits(text: Text) -> tuple[str, bytes]:
    """The normalised text with other scripts' digits read as ASCII (`_digit_folds`: one
    code point for one, so offsets stay those of ``text.normalized``), and the same with
    one byte per character (see `Text.ascii_bytes`). ASCII text is returned as it is.
    An RE2 set run over the text's non-ASCII bytes alone (a few on most text) tells which
    scripts' digits occur; ``str.replace`` folds each of their characters (C loops:
    ``str.translate`` or a Python pass per run of digits cost 10 to 20 times as much on text
    with many numbers)."""
    s = text.normalized
    if s.isascii():
        return s, text.ascii_bytes()
    folds = _digit_folds()
    present = folds.scripts.Match(text.utf8().translate(None, _ASCII_BYTES))
    if not present:
        return s, text.ascii_bytes()
    for index in present:
        for char, ascii_char in folds.pairs[index]:
            s = s.replace(char, ascii_char)
    return s, s.encode("ascii", "replace")


@cache
def _prefilter() -> bytes:
    """The candidate pattern, or a character the candidate pass reads as an ASCII digit or
    separator (the prefilter reads the text's UTF-8 before any folding)."""
    pattern: bytes = _CANDIDATES.pattern + b"|" + _digit_folds().chars
    return pattern


_EXTENSION = regex.compile(r"(?i)[ \t]?(?:extension[ \t]?|ext\.?[ \t]?|x)[0-9]{1,6}\b")
"""A phone number's extension (``x204``, `` ext. 5``), part of the number it follows."""
_PIECE = regex.compile(r"[^ ]+")
_SEPARATORS = str.maketrans("", "", " -.()/+")
_DIGITS_AS_0 = str.maketrans("123456789", "000000000")
_FORMAT_GROUP = regex.compile(r"\(\\d(?:\{(\d+)(?:,(\d+))?\})?\)")
"""A capture of a ``phonenumbers`` number format: ``(\\d{3})``, ``(\\d{2,4})``, ``(\\d)``."""
_LOCAL_PART = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-")
"""Characters of a URL-encoded address's local part (``jane.doe`` of ``jane.doe%40...``)."""
_ESCAPED_LOCAL_PART = frozenset("+'._-~")
"""Characters of a local part a query string may escape (``jane%2Bnews``, ``o%27brien``)."""
_BACKREFERENCE = regex.compile(r"\\\d")
_FORMAT_PART = regex.compile(r"\\\d|\d|[^\d\\]")
"""A back-reference, a literal digit or a separator of a number format (``(\\1) \\2-\\3``)."""


def _ssn(s: str, start: int, value: str) -> Candidate | None:
    """``value`` at ``start`` as a US SSN: ``123-45-6789`` (0.85), ``123 45 6789`` (0.7) or
    nine digits after "SSN" or "social security" (0.75)."""
    end = start + len(value)
    if len(value) == 9 and value.isdigit():
        named = _SSN_WORD.search(s, max(0, start - 30), start) is not None
        ok = named and ssn_ok(value[:3], value[3:5], value[5:])
        return (start, end, "us_ssn", 0.75) if ok else None  # "SSN: 536904412"
    shape = _SSN_SHAPE.fullmatch(value)
    if shape is None or not ssn_ok(shape[1], shape[3], shape[4]):
        return None
    return (start, end, "us_ssn", 0.85 if shape[2] == "-" else 0.7)


def _alone(s: str, start: int, value: str, piece: regex.Match[str]) -> Candidate | None:
    """``piece`` (`_ALONE`) of the run of numbers ``value`` at ``start`` as an SSN or an IPv4
    address by itself. An SSN written with spaces stands alone when an SSN word names it,
    or first in the run with only short numbers after it (an age, a count: ``Jane Doe 123 45
    6789 42``) and no phone word near: grouped 3-2-4 among other numbers, it is as likely a
    table's numbers or a phone number's groups (``1 234 56 7890``, ``Tel. 030 12 3456 7``)."""
    a, b = start + piece.start(), start + piece.end()
    if "." in piece.group():
        return _ipv4(s, a, b)
    if (
        piece.group(1) == " "
        and _SSN_WORD.search(s, max(0, a - 30), a) is None
        and (
            piece.start() > 0
            or not all(p.isdigit() and len(p) <= 3 for p in value[piece.end() :].split())
            or phone_word(s, start, start + len(value)) is not None
        )
    ):
        return None
    return _ssn(s, a, piece.group())


def _card_then_short_numbers(value: str) -> int | None:
    """Where a card number ends that one or two short numbers follow (an expiry date, a
    security code: ``4111 1111 1111 1111 12/29 123``), or None."""
    pieces = [m.end() for m in _PIECE.finditer(value)]
    for k in (1, 2):
        if len(pieces) <= k:
            break
        head = value[: pieces[-k - 1]]
        rest = value[len(head) :].translate(_SEPARATORS)
        digits = head.translate(_SEPARATORS)
        if (
            len(rest) <= 4 * k
            and 13 <= len(digits) <= 19
            and _CARD_SHAPE.fullmatch(head)
            and luhn_ok(digits)
        ):
            return len(head)
    return None


def _issued(digits: str) -> bool:
    """Whether a network issues card numbers with this prefix and length (no Visa number
    has 15 digits: ``490154203237518`` is an IMEI)."""
    return any(len(digits) in lengths and p.match(digits) for p, lengths in _CARD_ISSUERS)


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """ISO 13616 check of an IBAN: known country length (when listed) and mod-97."""
    compact = candidate.replace(" ", "").replace("-", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """US SSN area, group and serial rules (no 000, 666, 9xx; no 00 group; no 0000)."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


class PiiSettings(GuardSettings):
    """Options of the ``pii`` guard."""

    entities: tuple[str, ...] | None = None
    """Entities to report; unset means every built-in and registered one (and Presidio's
    when enabled)."""
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN", "BR", "JP", "AU")
    """Regions for numbers written without ``+``: valid in the first one, or valid and
    written in the national format of another."""
    redaction: RedactionMode = "placeholder"
    hash_salt: str = ""
    """Salt of the ``hash`` redaction mode."""
    patterns: dict[str, str] = Field(default_factory=dict)
    """Extra recognisers as regular expressions, by entity name (``regex`` syntax)."""
    pattern_score: float = Field(default=0.8, ge=0.0, le=1.0)
    presidio: bool = False
    """Add Presidio's analyzer (names, locations...) when ``presidio-analyzer`` is installed."""
    presidio_entities: tuple[str, ...] = ("PERSON", "LOCATION", "NRP")
    presidio_language: str = "en"

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, regions: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in regions if r.upper() not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone region(s) {unknown}; use ISO 3166 codes like 'US'")
        return tuple(r.upper() for r in regions)

    @field_validator("entities")
    @classmethod
    def _builtin_in_lower_case(cls, entities: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if entities is None:
            return None
        return tuple(e.lower() if e.lower() in BUILTIN_ENTITIES else e for e in entities)

    @field_validator("patterns")
    @classmethod
    def _compilable(cls, patterns: dict[str, str]) -> dict[str, str]:
        for entity, pattern in patterns.items():
            try:
                regex.compile(pattern)
            except regex.error as exc:
                raise ValueError(f"pattern for {entity!r} does not compile: {exc}") from None
        return patterns

    @model_validator(mode="after")
    def _known_entities(self) -> PiiSettings:
        """``entities`` names what some recogniser reports: a built-in one, a ``patterns``
        key, a registered recogniser, or with ``presidio`` one of ``presidio_entities`` in
        lower case. A typo would switch detection off."""
        if self.entities is None:
            return self
        presidio = {e.lower() for e in self.presidio_entities} if self.presidio else set()
        known = {*BUILTIN_ENTITIES, *self.patterns, *_RECOGNIZERS, *presidio}
        unknown = [e for e in self.entities if e not in known]
        if unknown:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "value_error",
                            "unknown entity(ies) {unknown}; known: {known}",
                            {"unknown": str(unknown), "known": ", ".join(sorted(known))},
                        ),
                        loc=("entities",),
                        input=self.entities,
                    )
                ],
            )
        return self


class PiiGuard:
    """E-mail, phone numbers, payment cards, IBANs, US SSNs, IP addresses and plug-ins."""

    id: ClassVar[str] = "pii"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = PiiSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, PiiSettings)
        self._entities = None if settings.entities is None else frozenset(settings.entities)
        self._patterns = [(e, regex.compile(p)) for e, p in settings.patterns.items()]

    @property
    def prefilter(self) -> bytes | None:
        """The candidate pattern or a digit of another script (see `aisec_sdk.prefilter`);
        None once the guard also runs custom patterns, registered recognizers or Presidio."""
        if self._patterns or _RECOGNIZERS or self.settings.presidio:
            return None
        return _prefilter()

    def _wants(self, entity: str) -> bool:
        return self._entities is None or entity in self._entities

    def _threshold(self, direction: Direction) -> float:
        override = getattr(self.settings, direction)
        if override is not None and override.threshold is not None:
            return float(override.threshold)
        if self.settings.threshold is not None:
            return self.settings.threshold
        return self.default_threshold

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        found = self._builtin(*_with_ascii_digits(text))
        for entity, pattern in self._patterns:
            if self._wants(entity):
                score = self.settings.pattern_score
                found += [(*m.span(), entity, score) for m in pattern.finditer(s, timeout=1.0)]
        for entity, recognizer in list(_RECOGNIZERS.items()):
            if self._wants(entity):
                found += [(a, b, entity, min(1.0, max(0.0, sc))) for a, b, sc in recognizer(s)]
        if self.settings.presidio:
            found += self._presidio(s)
        threshold = self._threshold(direction)
        return self._findings(text, strongest([c for c in found if c[3] >= threshold]), direction)

    def _builtin(self, s: str, data: bytes) -> list[Candidate]:
        """Candidates of the built-in recognisers in ``s``, the normalised text with ASCII
        digits only (`_with_ascii_digits`; ``data``: ``s`` with one byte per character)."""
        found: list[Candidate] = []
        matches = _CANDIDATES.finditer(data)
        while (m := next(matches, None)) is not None:
            kind = _KINDS[m.lastindex]
            start, end = m.span()
            value = s[start:end]
            resume = end  # where to read on: earlier when a candidate took too much
            if kind == "email":
                item = _email(s, start, end)
            elif kind == "email_spelled":  # jane [at] example [dot] com
                item = (start, end, "email", 0.8)
            elif kind == "email_encoded":
                item = _encoded_email(s, start, end)
            elif kind == "ipv4":
                item = _ipv4(s, start, end)
                number = None if item is not None else _NUMBER.match(data, start)
                if number is not None and number.end() > end:  # 1.650.253.0000
                    found += self._number(s, start, s[start : number.end()])
                    matches = _CANDIDATES.finditer(data, number.end())
            elif kind == "ipv6":
                item = _ipv6(s, start, end)
            elif kind == "iban":
                item = _iban(s, start, value)
                if item is not None:
                    resume = item[1]  # "... 0130 00 and GB29 ..."
                elif (run := _DIGIT_RUN.search(data, start + 4, end)) is not None:
                    resume = run.start()  # "ab12 call 4155552671": a number in the candidate
                if resume < end:
                    matches = _CANDIDATES.finditer(data, resume)
            else:
                found += self._number(s, start, value)
                continue
            if item is not None:
                found.append(item)
        return [c for c in found if self._wants(c[2])]

    def _number(self, s: str, start: int, value: str) -> list[Candidate]:
        if value[0] == "(" and value.count("(") > value.count(")"):
            start, value = start + 1, value[1:]  # "(+44 20 7946 0958)": prose's parenthesis
        digits = value.translate(_SEPARATORS)
        end = start + len(value)
        if _glued(s[start - 1 : start]) or (
            _glued(s[end : end + 1]) and _EXTENSION.match(s, end) is None
        ):
            return []  # part of a word or a longer number, unless an extension (x204)
        if _JOINED_BEFORE.search(s, max(0, start - 2), start) or _JOINED_AFTER.match(s, end):
            return []  # a dash-joined piece of a longer token: a UUID, a serial, a part number
        if _after_iban_head(s, start):
            return []  # DE89 3704 0044 0532 0130 01: an IBAN whose check failed, not a card
        found = self._one_or_list(s, start, value, digits)
        if " " in value:  # Jane Doe 123-45-6789 42: a value standing alone among numbers
            alone = [
                c
                for m in _ALONE.finditer(value)
                if (c := _alone(s, start, value, m)) is not None
                and not any(f[0] <= c[0] and c[1] <= f[1] for f in found)
            ]
            if alone:
                return self._around(s, start, value, alone)
        return found

    def _around(self, s: str, start: int, value: str, alone: list[Candidate]) -> list[Candidate]:
        """``alone`` (SSNs and addresses standing between the pieces of ``value``) and the
        numbers in the runs of pieces between them, each read on its own."""
        found, at = list(alone), start
        for a, b in [(c[0], c[1]) for c in alone] + [(start + len(value),) * 2]:
            between = s[at:a]
            if run := between.strip(" "):
                found += self._number(s, at + len(between) - len(between.lstrip(" ")), run)
            at = b
        return found

    def _one_or_list(
        self, s: str, start: int, value: str, digits: str, beside: bool = True
    ) -> list[Candidate]:
        """``value`` read as one number (SSN, card, phone), else as a list of numbers, else
        (``beside``) as one number beside another (`_beside`)."""
        end = start + len(value)
        ssn = _ssn(s, start, value)
        if ssn is not None:
            return [ssn]
        if 13 <= len(digits) <= 19 and _CARD_SHAPE.fullmatch(value) and luhn_ok(digits):
            score = 0.9 if _issued(digits) else 0.4
            if (
                len(digits) > 16
                and value.isdigit()
                and not _CARD_WORD.search(s, max(0, start - 40), start)
            ):
                score = min(score, 0.45)  # ungrouped 17-19 digits: ids, unless named a card
            return [(start, end, "credit_card", score)]
        card_end = _card_then_short_numbers(value) if len(digits) > 13 else None
        if card_end is not None:  # 4111 1111 1111 1111 12/29 123: the card, expiry, CVC
            return self._number(s, start, value[:card_end])
        if len(digits) > 15:  # a list of numbers, unless it is shaped like a card number
            return [] if _CARD_SHAPE.fullmatch(value) else self._phones_inside(s, value, start)
        phone, national = _scored(value, digits, self.settings.phone_regions)
        loose = value.isdigit()  # 2147483647, a timestamp, an id: digits alone say little
        word = phone_word(s, start, end) if phone is not None and loose else None
        if phone is None and national:
            phone, word = _hinted(s, start, end, value, digits)
            loose = phone is not None and phone < 0.75
        if phone is None:  # +1 650 253 0000 37: a phone number and an age, say
            return self._beside(s, start, value) if beside and " " in value else []
        if loose and word is None:
            phone = min(phone, 0.45)
        extension = _EXTENSION.match(s, end)
        return [(start, end if extension is None else extension.end(), "phone", phone)]

    def _beside(self, s: str, start: int, value: str) -> list[Candidate]:
        """``value`` without its last piece, else without its first, read as one number:
        a phone number next to an age or a count in a table row. A number only possible
        in a region (0.6) needs a phone word here ("211 486 761 1265" is a protocol reply),
        which makes no SSN of a piece (`_alone` reads those: ``call 123 45 6789 42``)."""
        head, tail = value.rpartition(" ")[0].rstrip(" "), value.partition(" ")[2].lstrip(" ")
        for at, piece in ((start, head), (start + len(value) - len(tail), tail)):
            found = self._one_or_list(s, at, piece, piece.translate(_SEPARATORS), beside=False)
            if found and (
                found[0][3] >= 0.75
                or (found[0][2] == "phone" and phone_word(s, at, at + len(piece)))
            ):
                return found
        return []

    def _phones_inside(self, s: str, value: str, offset: int) -> list[Candidate]:
        """Phone numbers in a long run of digits and separators, such as a list of numbers
        (`_windows`): of ``phone_regions``, else, after a phone word, of the regions the
        text points to (`_hinted`: "电话: 13812345678 13987654321")."""
        regions = self.settings.phone_regions
        found = _windows(value, offset, regions, lambda w, d: _phone_score(w, d, regions, True))
        if found or " " not in value:  # one piece of 16 digits or more: no phone number
            return found
        if (word := phone_word(s, offset, offset + len(value))) is None:
            return found
        hints = script_regions(around(s, offset, offset + len(value))) or word_regions(word)

        def score(window: str, digits: str) -> float | None:
            shape = tuple(_groups(window))  # only the regions that write numbers so
            written = tuple(r for r in hints if _written_in(shape, (r,)))
            ok = written and _national_candidate(window, digits)
            return _hinted_score(window, digits, written) if ok else None

        return _windows(value, offset, hints, score)

    def _presidio(self, s: str) -> list[Candidate]:
        analyzer = _presidio_analyzer()
        if analyzer is None:
            return []
        wanted = [e for e in self.settings.presidio_entities if self._wants(e.lower())]
        if not wanted:
            return []
        results = analyzer.analyze(
            text=s, language=self.settings.presidio_language, entities=wanted
        )
        return [
            (
                int(r.start),
                int(r.end),
                str(r.entity_type).lower(),
                min(1.0, max(0.0, float(r.score))),
            )
            for r in results
        ]

    def _findings(self, text: Text, found: list[Candidate], direction: Direction) -> list[Finding]:
        mode = self.settings.redaction
        if mode == "pseudonymize" and direction == "output":
            mode = "placeholder"  # never make values found in model output restorable
        salt = self.settings.hash_salt
        return [
            finding_at(
                self,
                text,
                (a, b),
                score,
                f"{kind.replace('_', ' ')} found",
                replacement=partial(replacement, kind.upper(), mode=mode, salt=salt),
                entity=kind,
            )
            for a, b, kind, score in found
        ]


def _windows(
    value: str,
    offset: int,
    regions: tuple[str, ...],
    score: Callable[[str, str], float | None],
) -> list[Candidate]:
    """Phone numbers in a long run of digits and separators: the longest window of whole
    space-separated pieces that ``score`` (window, its digits) takes, left to right; only
    windows of 7-15 digits, international or grouped as one of ``regions`` writes its
    national numbers (`_written_in`), are scored, so a table of numbers costs little."""
    pieces = [(m.start(), m.end()) for m in _PIECE.finditer(value)]
    groups = [tuple(_groups(value[a:b])) for a, b in pieces]
    digits = list(accumulate((sum(g) for g in groups), initial=0))  # before each piece
    out: list[Candidate] = []
    i = 0
    while i < len(pieces):
        for j in range(min(len(pieces), i + 6), i, -1):
            if not 7 <= digits[j] - digits[i] <= 15:
                continue  # no score says yes; a table of numbers has many
            a, b = pieces[i][0], pieces[j - 1][1]
            if not value.startswith(("+", "00", "(+"), a) and not _written_in(
                sum(groups[i:j], ()), regions
            ):
                continue
            window = value[a:b]
            found = score(window, window.translate(_SEPARATORS))
            if found is not None:
                out.append((offset + a, offset + b, "phone", found))
                i = j
                break
        else:
            i += 1
    return out


@lru_cache(maxsize=4096)
def _phone_score(
    value: str, digits: str, regions: tuple[str, ...], strict: bool = False
) -> float | None:
    """Score of ``value`` (``digits`` are its digits) as a phone number, or None; cached,
    because the same numbers recur from call to call and ``phonenumbers`` is slow.
    A number of the first region may join its national groups (703-4800500, not with
    spaces: "223 3000234" is a protocol reply code and a count); other
    regions' numbers must be written in their national format with its trunk prefix (or as
    trunk and area code, then the subscriber number: 0151 23456789), and where that format
    writes no trunk prefix (Brazil, Italy), in exactly its shape. ``+`` or ``00``: the
    number must be valid for its country code.
    ``strict``: also a number of the first region must be written in its national grouping,
    and be valid (used for pieces of a long list of numbers, where any grouping is a guess)."""
    if not 7 <= len(digits) <= 15 or value.count("(") != value.count(")"):
        return None
    international = value[0] == "+" or value.startswith(("00", "(+"))  # 00: an exit code
    groups = _groups(value.replace("(0)", " ") if international else value)  # +44 (0)20
    if groups.count(1) > 1 or _NOT_PHONE.fullmatch(value):
        return None
    if international:
        try:
            number = phonenumbers.parse("+" + value[2:] if value[0] == "0" else value, None)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            return 0.9
        # +1 (555) 123-4567: a fictional number of the first region, written as one
        shape = _groups(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
        first = phonenumbers.country_code_for_region(regions[0]) if regions else 0
        fictional = number.country_code == first and phonenumbers.is_possible_number(number)
        return 0.6 if fictional and not strict and groups[1:] == shape else None
    bare = len(groups) == 1
    if bare and len(digits) not in (10, 11):
        return None
    for i, region in enumerate(regions):
        if strict and not _written_in(tuple(groups), (region,)):
            continue  # 123 456 789 in a table of numbers: no national format of the region
        prefix, writes_prefix = _national_prefix(region)
        trunk = bool(prefix) and digits.startswith(prefix)
        if i and writes_prefix and not trunk:
            continue  # national format of another region starts with its trunk prefix
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        national = _groups(formatted)
        written_like_it = groups == national or (groups[0] == 1 and groups[1:] == national)
        if i and not trunk:  # (11) 91234-5678 in Brazil: no trunk prefix, so the very shape
            written_like_it = value.translate(_DIGITS_AS_0) == formatted.translate(_DIGITS_AS_0)
        if not phonenumbers.is_valid_number_for_region(number, region):
            # A fictional or unassigned number written exactly like a phone number of the
            # first region, e.g. (555) 123-4567: still a phone number to redact.
            possible = i == 0 and not (bare or strict) and len(digits) >= 10 and written_like_it
            if possible and phonenumbers.is_possible_number(number):
                return 0.6
            continue
        regrouped = not strict and " " not in value and _regrouped(groups, national)
        if i == 0 and (written_like_it or regrouped):
            return 0.6 if bare else 0.8
        if bare and writes_prefix and trunk and not strict:
            return 0.6  # 0612345678: needs a phone word before it, as any bare number
        # area code with its trunk prefix, then the subscriber number: 0151 23456789
        two_part = writes_prefix and trunk and len(groups) == 2 and 3 <= groups[0] <= 5
        if written_like_it or (two_part and not strict):
            return 0.75
    return None


def _hinted(
    s: str, start: int, end: int, value: str, digits: str
) -> tuple[float | None, Said | None]:
    """Score of a number no region of ``phone_regions`` takes, in the regions the text
    around it points to: the scripts of the letters near it, else (Latin script) the
    language of the phone word before it (número: Spain, Mexico... Brazil, Portugal); and
    the phone word (`phone_word`) when the score needs one. Dates and the like, and ASCII
    text without such a word, cost no look around (``value`` is a `_national_candidate`)."""
    window = around(s, start, end)
    word = None
    regions = script_regions(window)
    if not regions:
        if next(vocabulary(NAMES, HINTING).iter(window.lower()), None) is None:
            return None, None  # the common case in English text and code: no word, no region
        word = phone_word(s, start, end, HINTING)
        if word is None:
            return None, None
        regions = word_regions(word)
    score = _hinted_score(value, digits, regions)
    if score is not None and score < 0.75 and word is None:
        word = phone_word(s, start, end)
    return score, word


@lru_cache(maxsize=4096)
def _scored(value: str, digits: str, regions: tuple[str, ...]) -> tuple[float | None, bool]:
    """`_phone_score` of a number in ``regions``, and, when none takes it, whether it is a
    `_national_candidate` (one cached look-up per number for both)."""
    score = _phone_score(value, digits, regions)
    return score, score is None and _national_candidate(value, digits)


def _national_candidate(value: str, digits: str) -> bool:
    """Whether ``value`` may be a national number at all, before the text around it is read
    for regions (`_hinted_score`): not international, 7-15 digits, no date, decimal or
    thousands."""
    return (
        7 <= len(digits) <= 15
        and value[0] != "+"
        and not value.startswith(("00", "(+"))
        and value.count("(") == value.count(")")
        and _NOT_PHONE.fullmatch(value) is None
    )


@lru_cache(maxsize=4096)
def _hinted_score(value: str, digits: str, regions: tuple[str, ...]) -> float | None:
    """Score of ``value`` (a `_national_candidate`) as a national number of one of
    ``regions``, the countries the text around it points to (`_hinted`), or None. Valid
    for the region and written in its national grouping, with the trunk prefix (8 (916)
    123-45-67, 010-1234-5678) or in three groups or more of ten digits or more (138 1234
    5678): 0.75. Valid but written otherwise: in its grouping of two groups without a
    trunk prefix (2500 3000 is a Kuwaiti number, and an amount), as bare digits, without
    the trunk prefix (98765 43210 in India, 916 123-45-67) or joining whole groups: 0.6,
    reported only next to a phone word."""
    groups = _groups(value)
    loose = None
    for region in regions:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number_for_region(number, region):
            continue
        formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        national = _groups(formatted)
        prefix = _national_prefix(region)[0]
        trunk = bool(prefix) and formatted.lstrip("(").startswith(prefix)
        if groups == national and (
            (trunk and digits.startswith(prefix)) or (len(groups) > 2 and len(digits) > 9)
        ):
            return 0.75
        if trunk and not digits.startswith(prefix):
            first = national[0] - len(prefix)  # the trunk prefix left out: 8 (916) -> 916
            national = [first, *national[1:]] if first else national[1:]
        if groups.count(1) < 2 and (groups == national or _regrouped(groups, national)):
            loose = 0.6  # (not "1 2 3 4 5 6 7": one-digit groups only as the region has them)
    return loose


@cache
def _national_shapes(regions: tuple[str, ...]) -> frozenset[tuple[int, ...]]:
    """The digit-group lengths a national number of ``regions`` is written with, trunk
    prefix included (US ``(3, 3, 4)``: (415) 555-2671; DE ``(4, 8)``: 0151 23456789), read
    from the number formats of ``phonenumbers``' metadata: those of the main region of the
    country code, as ``format_number`` uses (Antigua is written like the US)."""
    shapes: set[tuple[int, ...]] = set()
    formats = (
        number_format
        for region in regions
        if (
            metadata := phonenumbers.PhoneMetadata.metadata_for_region(
                phonenumbers.region_code_for_country_code(
                    phonenumbers.country_code_for_region(region)
                )
            )
        )
        is not None
        for number_format in metadata.number_format
    )
    for number_format in formats:
        captures = [
            (int(low or 1), int(high or low or 1))
            for low, high in _FORMAT_GROUP.findall(number_format.pattern or "")
        ]
        written = number_format.format or ""
        rule = number_format.national_prefix_formatting_rule  # 0\1, (\1), 8 (\1)
        first = _BACKREFERENCE.search(written)  # the rule writes the first group shown
        if rule and first is not None:
            written = (
                written[: first.start()]
                + rule.replace("\\1", first.group())
                + written[first.end() :]
            )
        groups: list[list[tuple[int, int]]] = [[]]
        for part in _FORMAT_PART.findall(written):
            if part[0] == "\\":
                groups[-1].append(captures[int(part[1]) - 1])
            elif part.isdigit():
                groups[-1].append((1, 1))  # a literal trunk prefix
            elif groups[-1]:
                groups.append([])
        lengths = [
            range(sum(low for low, _ in group), sum(high for _, high in group) + 1)
            for group in groups
            if group
        ]
        shapes.update(product(*lengths))
    return frozenset(shapes)


@cache
def _national_prefix(region: str) -> tuple[str, bool]:
    """The region's trunk prefix ("" if none) and whether its national format writes it
    (0 in 020 7946 0958; not in Brazil's (11) 2345-6789)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    prefix = (metadata.national_prefix if metadata is not None else None) or ""
    example = phonenumbers.example_number(region)
    if not prefix or example is None:
        return prefix, False
    formatted = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    return prefix, "".join(filter(str.isdigit, formatted)).startswith(prefix)


def _written_in(groups: tuple[int, ...], regions: tuple[str, ...]) -> bool:
    """Whether digit groups of these lengths are how one of ``regions`` writes a national
    number (the country code 1 may stand in front; one group always fits). In strict mode
    `_phone_score` accepts nothing else, so a table of numbers is not parsed once per
    window and region (about 100 s per MB of such a table before)."""
    shapes = _national_shapes(regions)
    return len(groups) == 1 or groups in shapes or (groups[0] == 1 and groups[1:] in shapes)


def _regrouped(groups: list[int], national: list[int]) -> bool:
    """Whether ``groups`` only join whole groups of the ``national`` format (703-4800500
    for 703-480-0500, or no grouping at all), not cut through them (27 28 29 30 31)."""
    if groups[0] == 1 and sum(groups) == sum(national) + 1:
        groups = groups[1:]  # the country code 1 written in front
    return set(accumulate(groups)) <= set(accumulate(national))


def _groups(number: str) -> list[int]:
    """Lengths of the digit groups of a written number."""
    return [len(g) for g in _DIGIT_GROUP.findall(number)]


def _email(s: str, start: int, end: int) -> Candidate | None:
    at = s.index("@", start, end)
    local_start = max(start, at - 64)
    latin = _is_latin(s[at - 1])  # one script: "请联系jane@..." is jane's address
    for i in range(at - 1, local_start - 1, -1):
        if not _in_address(s[i]) or (s[i].isalpha() and _is_latin(s[i]) != latin):
            local_start = i + 1
            break
    while local_start < at and s[local_start] in "._%+-'":
        local_start += 1
    if _url_login(s, local_start):
        return None  # https://user:password@host: a login in a URL, not a mailbox
    domain = s[at + 1 : end]
    cut = next((i for i, c in enumerate(domain) if not _in_address(c)), None)
    if cut is None and (stub := _punycode_stub(s, at + 1, end)) is not None:
        cut = stub - at - 1  # "jane@example.org.xn--": before the unfinished label
    if cut is not None:  # "jane@example.com?.org": the address ends before the "?"
        domain, end = domain[:cut], at + 1 + cut
        if not _ends_in_tld(domain):
            return None
    if (
        local_start == at
        or any(len(label) > 63 or label.startswith("-") for label in domain.split("."))
        or domain.rpartition(".")[2].lower() in _FILE_EXTENSIONS
    ):
        return None  # icon@2x.png: a file name
    if s[end : end + 1] == ":" and s[end + 1 : end + 2] not in ("", " ", "\t", "\n", "\r"):
        return None  # user@host:path or user@host:port, an SSH remote or URL, not a mailbox
    return (local_start, end, "email", 0.95)


def _encoded_email(s: str, at: int, end: int) -> Candidate | None:
    """An address written with ``%40`` for its ``@`` (a query string), ``at`` is the
    ``%40``: unless it is a file name (``icon%402x.png``) or the login of a URL. The local
    part keeps its own escapes (``jane%2Bnews``) and ends at an escaped separator
    (``email%3Djane``)."""
    start, escaped_stop = at, False
    for _ in range(64):  # characters of the local part, each written as itself or escaped
        escape = s[max(0, start - 3) : start]
        if escape[:1] == "%" and (char := unquote(escape)) != escape:
            escaped_stop = char not in _ESCAPED_LOCAL_PART
            if escaped_stop:
                break  # email%3Djane%40...: an escaped "=", "/" or "&" ends it
            start -= 3  # jane%2Bnews: a "+" of the address
        elif s[start - 1 : start] in _LOCAL_PART:
            start -= 1
        else:
            break
    while start < at and s[start] in "._+-":
        start += 1
    if (stub := _punycode_stub(s, at + 3, end)) is not None:
        if not _ends_in_tld(s[at + 3 : stub]):
            return None
        end = stub
    if (
        start == at
        or (not escaped_stop and _glued(s[start - 1 : start]))
        or s[at:end].rpartition(".")[2].lower() in _FILE_EXTENSIONS
        or _url_login(s, start)
    ):
        return None
    return (start, end, "email", 0.9)


def _punycode_stub(s: str, domain: int, end: int) -> int | None:
    """Where the last label of the domain ``s[domain:end]`` starts (its dot) when it is an
    unfinished punycode label that the text goes on with (``example.xn--``), else None."""
    dot = s.rfind(".", domain, end)
    return dot if dot >= 0 and _UNFINISHED_PUNYCODE.match(s, dot) else None


def _ends_in_tld(domain: str) -> bool:
    """Whether ``domain`` has a top-level domain of letters after a label."""
    head, _, tld = domain.rpartition(".")
    return bool(head) and len(tld) >= 2 and tld.isalpha()


def _url_login(s: str, at: int) -> bool:
    """Whether ``at`` starts the user or password of a URL (``scheme://user:pw@host``)."""
    before = s[max(0, at - 260) : at]
    i = before.rfind("://")
    rest = before[i + 3 :]
    return i > 0 and before[i - 1].isalnum() and not any(c in rest for c in " \t\r\n/@")


def _glued(char: str) -> bool:
    """Whether a value's neighbour ``char`` (one character or none) makes it part of a
    longer word: a letter or digit of the Latin script. Chinese, Japanese, Korean and
    other scripts write numbers right against the words around them (電話番号は090-...)."""
    return _is_latin(char) and char.isalnum()  # "" for none: not glued


def _is_latin(char: str) -> bool:
    """ASCII or a Latin letter with diacritics (below U+0250), as opposed to other scripts."""
    return char < "\u0250"


def _in_address(char: str) -> bool:
    """Whether ``char`` can be part of an e-mail address the candidate pattern matched: an
    ASCII character other than "?" (the pattern allows the rest), or a non-ASCII letter or
    digit (internationalised addresses)."""
    return char != "?" if char.isascii() else char.isalnum()


def _ipv4(s: str, start: int, end: int) -> Candidate | None:
    before, after = s[start - 1 : start], s[end : end + 2]
    if (
        _glued(before)
        or before in (".", "-", "_")
        or _glued(after[:1])
        or (after[:1] == "." and after[1:].isdigit())
        or (after[:1] in ("-", "+") and after[1:].isalpha())  # 5.15.0.91-generic, 1.2.3.4+cu1
        or (after[:1] == "+" and after[1:].isdigit())  # 12.34.56.78+0800: a time and its zone
    ):
        return None
    try:
        address = ipaddress.IPv4Address(s[start:end])
    except ValueError:
        return None
    return (start, end, "ip_address", _ip_score(address, s, start, version_words=True))


def _ipv6(s: str, start: int, end: int) -> Candidate | None:
    if end - start > 60:  # the longest IPv6 text form is 45 characters
        return None
    while end > start and s[end - 1] in ".:" and not s[start:end].endswith("::"):
        end -= 1
    before, after = s[start - 1 : start], s[end : end + 2]
    if (before and (_glued(before) or before in "_:")) or (
        _glued(after[:1]) or after[:1] == "_" or (after[:1] == ":" and after[1:].isalnum())
    ):
        return None  # part of a longer word or of a longer (invalid) run of groups
    try:
        address = ipaddress.IPv6Address(s[start:end])
    except ValueError:
        return None
    return (start, end, "ip_address", _ip_score(address, s, start, version_words=False))


def _line_start(s: str, floor: int, at: int) -> int:
    """Where the line holding ``at`` starts, or ``floor`` when it starts earlier: the search
    for the line break goes back no further (an unbounded one reads a long line once per
    address, quadratic on a text of addresses without line breaks)."""
    return max(floor, s.rfind("\n", floor, at) + 1)


def _ip_score(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    s: str,
    start: int,
    version_words: bool,
) -> float:
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:8.8.8.8 is 8.8.8.8 (::/8 reads as reserved)
    if address.is_loopback or address.is_unspecified or address.is_multicast or address.is_reserved:
        return 0.3
    if version_words and (
        _NOT_AN_ADDRESS.search(s, max(0, start - 12), start)
        or _OID_LINE.search(s, _line_start(s, max(0, start - 60), start), start)
    ):
        return 0.3  # v1.2.3.4, pkg>=1.2.0.2, section 8.1.2.2, OID 1.3.6.1
    if not (address.is_private or address.is_link_local):
        return 0.75
    value = int(address)
    if (
        value >> 8 in _DOCUMENTATION_V4
        if address.version == 4
        else value >> 96 == _DOCUMENTATION_V6
    ):
        return 0.75  # 203.0.113.0/24, 2001:db8::/32...: public addresses in examples
    # A private or link-local address says little about a person: reported (0.6) when the
    # text names it an address (my IP is 192.168.1.20, login from 10.0.0.5), not in a code
    # snippet (sock.connect(("192.168.1.100", 12345)): 0.45, below the default threshold).
    return 0.6 if _IP_WORD.search(s, max(0, start - 30), start) is not None else 0.45


def _after_iban_head(s: str, start: int) -> bool:
    """Whether an IBAN's country and check digits (``DE89 ``) stand right before ``start``."""
    head = s[max(0, start - 5) : start]
    return (
        head[-1:] in (" ", "-")
        and len(head) == 5
        and head[:2].upper() in _IBAN_LENGTHS
        and head[2:4].isdigit()
        and not _glued(s[start - 6 : start - 5])
    )


def _iban(s: str, start: int, value: str) -> Candidate | None:
    length = _IBAN_LENGTHS.get(value[:2].upper())
    if length is None or _glued(s[start - 1 : start]):
        return None  # not a registry country: hex dumps such as "CB06 4803 BF01 ..."
    taken, end = 0, start
    while end < start + len(value) and taken < length:
        if value[end - start] not in " -":
            taken += 1
        end += 1
    if taken == length and not _glued(s[end : end + 1]) and iban_ok(s[start:end]):
        return (start, end, "iban", 0.95)
    return None


@cache
def _presidio_analyzer() -> Any:
    """Presidio's AnalyzerEngine, built once; None (logged once) when not installed."""
    try:
        from presidio_analyzer import AnalyzerEngine  # type: ignore[import-not-found]
    except ImportError:
        _log.warning("aisec pii: presidio-analyzer is not installed; the Presidio tier is skipped")
        return None
    return AnalyzerEngine()
