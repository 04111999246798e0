"""Phone words and the regions a text points to, for the ``pii`` guard.

The words that name a phone number in 21 languages (`LANGUAGES`), matched by one
Aho-Corasick automaton so that words of scripts written without spaces count against the
digits (``我的电话是13812345678``); the phone word next to a number (`phone_word`); and the
regions whose national formats to try when the configured ``phone_regions`` take a number
nowhere: those of the scripts around it (`script_regions`: Han, Hangul, Cyrillic...) or of
the Latin-script language of its phone word (`word_regions`: número -> Spain, Mexico...).
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any, NamedTuple

import ahocorasick  # type: ignore[import-not-found]
import regex

__all__ = [
    "HINTING",
    "LANGUAGES",
    "NAMES",
    "SCRIPT_REGIONS",
    "Language",
    "Said",
    "Word",
    "around",
    "phone_word",
    "script_of",
    "script_regions",
    "vocabulary",
    "word_regions",
]


class Language(NamedTuple):
    """How one language names a phone: words in lower case, separated by spaces; ``*`` ends
    a stem that takes up to four more letters (``телефон*``: телефона, телефону...), ``_``
    is a space inside a word."""

    phone: str
    """Words for a phone or a call: a run of digits next to one is a phone number."""
    number: str = ""
    """"Number": a phone word only when it is someone's or a phone's (`owners`)."""
    owners: str = ""
    """Possessives written before "number" (my, mi, мой, 我的, 내); phone words count too."""
    owners_after: str = ""
    """A regular expression of the possessives written after it, with the space before
    them (Hebrew ``שלי``, Greek ``μου``) or as its suffix (Arabic ``رقمي``)."""
    after: bool = False
    """Whether a Latin-script language writes its phone words after the number (verb last:
    Turkish "... numaralı telefonu arayın")."""  # noqa: RUF001
    regions: tuple[str, ...] = ()
    """Where its speakers live, for a language written in the Latin script (which says
    nothing about the country, unlike the others: `SCRIPT_REGIONS`): national formats to
    try when one of its words stands next to a number."""


LANGUAGES: dict[str, Language] = {
    "en": Language(
        phone="phone phones telephone telephones cellphone cellphones mobilephone smartphone"
        " smartphones tel call calls called calling mobile mobiles cell fax whatsapp whats_app"
        " sms contact ring dial reach",
        number="number numbers",
        owners="my your his her our their home work office direct private new same national"
        " international",
    ),
    "de": Language(
        phone="telefon handy mobil telefonnummer handynummer mobilnummer rufnummer faxnummer"
        " anrufen ruf",
        number="nummer", owners="mein meine deine ihre unsere", regions=("DE", "AT", "CH"),
    ),
    "fr": Language(
        phone="téléphone telephone tél portable appeler appelez appelle",
        number="numéro numero numéros numeros", owners="mon ton votre notre son",
        regions=("FR", "BE", "CH", "LU"),
    ),
    "es": Language(
        phone="teléfono telefono teléfonos telefonos móvil movil celular llámame llamame"
        " llámeme llamar whatsapp",
        number="número numero números numeros", owners="mi tu su nuestro",
        regions=("ES", "MX", "AR", "CO", "CL", "PE", "VE"),
    ),
    "it": Language(
        phone="telefono cellulare cell chiamami chiamare chiama",
        number="numero", owners="mio tuo suo nostro vostro", regions=("IT", "CH"),
    ),
    "pt": Language(
        phone="telefone celular telemóvel telemovel ligue ligar liga whatsapp",
        number="número numero", owners="meu teu seu nosso", regions=("BR", "PT"),
    ),
    "nl": Language(
        phone="telefoon telefoonnummer mobiel mobielnummer bel bellen",
        number="nummer", owners="mijn je jouw uw zijn haar ons", regions=("NL", "BE"),
    ),
    "pl": Language(
        phone="telefon* komórk* komork* kom zadzwoń zadzwon", number="numer*",
        owners="mój moj moja twój twoj pana pani jego jej nasz", regions=("PL",),
    ),
    "tr": Language(
        phone="telefon* cep gsm numaram arayın arayin", number="numara*",  # noqa: RUF001
        owners="benim senin onun bizim sizin", after=True, regions=("TR",),
    ),
    "id": Language(
        phone="telepon ponsel hp hubungi", number="nomor",
        owners_after=r"\s+(?:saya|aku|kamu|anda)(?![\p{L}\p{M}])", regions=("ID", "MY"),
    ),
    "ru": Language(
        phone="телефон* тел мобильн* сотов* звон* позвон*", number="номер*",
        owners="мой моя твой ваш его её ее наш",  # noqa: RUF001
    ),
    "uk": Language(
        phone="телефон* тел мобільн* дзвон* зателефонуйте", number="номер*",
        owners="мій твій ваш наш його її",
    ),
    "el": Language(
        phone="τηλέφων* τηλεφων* τηλ κινητ* καλέστε καλεστε", number="αριθμ*",
        owners_after=r"\s+(?:μου|σου|του|της|μας|σας)(?![\p{L}\p{M}])",  # noqa: RUF001
    ),
    "zh": Language(
        phone="电话 電話 手机 手機 座机 联系 聯絡 聯繫 致电 拨打 撥打 打给 微信 传真 傳真",
        number="号码 號碼", owners="我的 你的 您的 他的 她的 我们的 我們的",
    ),
    "ja": Language(
        phone="電話 携帯 ケータイ 連絡 ファックス", number="番号",
        owners="私の 僕の 俺の あなたの 彼の 彼女の 自宅の",
    ),
    "ko": Language(
        phone="전화 휴대폰 핸드폰 연락", number="번호", owners="내 제 나의 저의 당신의 우리",
    ),
    "ar": Language(
        phone="هاتف جوال جوّال موبايل تليفون تلفون اتصل اتصال واتساب فاكس محمول خلوي",
        number="رقم", owners_after=r"(?<!الرقم)(?:ي|ك|ه|ها|نا|كم)(?![\p{L}\p{M}])",  # noqa: RUF001
    ),
    "fa": Language(
        phone="تلفن موبایل همراه تماس", number="شماره",
        owners_after=r"\s*(?:من|تو|شما|ام)(?![\p{L}\p{M}])",
    ),
    "he": Language(
        phone="טלפון נייד פלאפון התקשר חייג", number="מספר",
        owners_after=r"\s+של(?:י|ך|ו|ה|נו|כם|כן)(?![\p{L}\p{M}])",  # noqa: RUF001
    ),
    "hi": Language(
        phone="फ़ोन फोन मोबाइल कॉल संपर्क टेलीफ़ोन टेलीफोन", number="नंबर नम्बर संख्या",
        owners="मेरा मेरी मेरे तुम्हारा आपका आपकी उसका हमारा",
    ),
    "th": Language(
        phone="โทรศัพท์ โทร มือถือ เบอร์", number="หมายเลข",
        owners_after=r"\s*ของ(?:ฉัน|ผม|คุณ|เขา|เรา)",
    ),
}  # fmt: skip
"""The phone vocabulary by language (ISO 639-1)."""

SCRIPT_REGIONS: dict[str, tuple[str, ...]] = {
    "HIRAGANA": ("JP",),
    "KATAKANA": ("JP",),
    "CJK": ("CN", "TW", "HK", "MO"),
    "HANGUL": ("KR",),
    "CYRILLIC": ("RU", "UA", "BY", "KZ", "BG", "RS", "MK", "KG", "TJ", "MN"),
    "ARABIC": ("SA", "AE", "EG", "IQ", "JO", "KW", "QA", "BH", "OM", "LB", "SY", "YE", "PS",
               "MA", "DZ", "TN", "LY", "SD", "IR", "AF", "PK"),
    "HEBREW": ("IL",),
    "THAI": ("TH",),
    "GREEK": ("GR", "CY"),
    "DEVANAGARI": ("IN", "NP"),
    "BENGALI": ("BD", "IN"),
    "GURMUKHI": ("IN",),
    "GUJARATI": ("IN",),
    "ORIYA": ("IN",),
    "TAMIL": ("IN", "LK"),
    "TELUGU": ("IN",),
    "KANNADA": ("IN",),
    "MALAYALAM": ("IN",),
    "SINHALA": ("LK",),
    "GEORGIAN": ("GE",),
    "ARMENIAN": ("AM",),
    "ETHIOPIC": ("ET", "ER"),
    "KHMER": ("KH",),
    "LAO": ("LA",),
    "MYANMAR": ("MM",),
    "THAANA": ("MV",),
}  # fmt: skip
"""Regions whose national script each Unicode script is (CLDR's territory data: the
official or main language of the country is written in it), by the first word of its
letters' Unicode names (``CJK UNIFIED IDEOGRAPH-...``, ``HANGUL SYLLABLE ...``), most
populous first. Latin says nothing: see `Language.regions`. Han alone is Chinese;
Japanese text carries kana."""
_UNSPACED_SCRIPTS = frozenset({"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "HEBREW", "THAI"})
"""Scripts whose phone words count anywhere: written against the digits and the words
around them (CJK, Thai), or taking particles and clitics as part of the word (전화번호는,
بهاتفي, בטלפון). Words of other scripts must stand apart (``tel`` is none in ``hotel``)."""
_STEM_LETTERS = 4
"""How many letters a stem (``телефон*``) takes after it."""
_BEFORE, _AFTER = 40, 20
"""How many characters before and after a number its phone word may stand in."""


class Word(NamedTuple):
    """A word of the phone vocabulary as the automaton holds it."""

    length: int
    kinds: frozenset[str]
    """The fields of `Language` it is in ("phone", "number", "owners")."""
    languages: tuple[str, ...]
    stem: bool
    spaced: bool
    """Of a script written with spaces: must stand apart from other letters."""
    after: bool
    """May be written after the number: not of the Latin script ("4155552671 calls per
    second" is no phone number), unless of a language that puts it there (Turkish)."""


@cache
def script_of(char: str) -> str:
    """The script of a letter: the first word of its Unicode name (``CYRILLIC``, ``CJK``)."""
    return unicodedata.name(char, "").partition(" ")[0]


@cache
def vocabulary(kinds: tuple[str, ...], languages: tuple[str, ...] | None = None) -> Any:
    """An Aho-Corasick automaton of the words of ``kinds`` (fields of `Language`: "phone",
    "number", "owners") of ``languages`` (None: all of `LANGUAGES`), NFKC and lower case,
    each with its `Word`; built on first need."""
    entries: dict[str, tuple[set[str], set[str], bool]] = {}
    for code, language in LANGUAGES.items():
        if languages is not None and code not in languages:
            continue
        for kind in kinds:
            for word in unicodedata.normalize("NFKC", getattr(language, kind)).split():
                key = word.rstrip("*").replace("_", " ")
                of, codes, stem = entries.get(key, (set(), set(), False))
                entries[key] = (of | {kind}, codes | {code}, stem or word.endswith("*"))
    automaton = ahocorasick.Automaton()
    for key, (of, codes, stem) in entries.items():
        key_script = script_of(next((c for c in key if not c.isascii()), "a"))
        spaced = key_script not in _UNSPACED_SCRIPTS
        after = key_script != "LATIN" or any(LANGUAGES[code].after for code in codes)
        value = Word(len(key), frozenset(of), tuple(sorted(codes)), stem, spaced, after)
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


_NUMBER_OWNER_AFTER = regex.compile(
    "(?i)"
    + "|".join(
        unicodedata.normalize("NFKC", x.owners_after) for x in LANGUAGES.values() if x.owners_after
    )
)  # possessives after "number": המספר שלי, ο αριθμός μου, رقمي  # noqa: RUF003
NAMES = ("phone", "number")
"""What names a number a phone number: `phone_word` looks for these words."""
_OWNERS = ("owners", "phone")
"""What makes "number" someone's or a phone's: `_owned` looks for these words before it."""
HINTING = tuple(code for code, language in LANGUAGES.items() if language.regions)
"""The languages whose words tell regions (`Language.regions`)."""
_LONG_RUN = regex.compile(r"(?r)\d{4}")
_LABEL = regex.compile(r"\W{0,3}\d")
_GAP = regex.compile(r"\W{0,3}")
_FILLER = regex.compile(r"[^\p{L}\p{M}]*(?:[\p{L}\p{M}]{1,5}[^\p{L}\p{M}]+){0,2}")
"""At most two short words (is, es, ist, μου είναι) between "number" and the digits."""
_SHORT_WORDS = regex.compile(r"[^\p{L}\p{M}]*(?:[\p{L}\p{M}]{1,3}[^\p{L}\p{M}]+){0,2}")
"""At most two words of three letters (me at, мне по) between a phone word and "number"."""


class Said(NamedTuple):
    """A word of the phone vocabulary where it stands in the text."""

    start: int
    end: int
    word: Word


def _said(
    s: str,
    low: int,
    high: int,
    kinds: tuple[str, ...] = NAMES,
    languages: tuple[str, ...] | None = None,
) -> list[Said]:
    """The vocabulary words of ``kinds`` (`vocabulary`) that start in ``s[low:high]`` and
    stand apart from other letters where their script needs it (`Word.spaced`; a stem
    with its ending)."""
    window = s[low:high]
    if not window:
        return []
    lowered = window.lower()
    if len(lowered) != len(window):  # "İ" is two characters in lower case
        lowered = window.replace("\u0130", "i").lower()
    found: dict[tuple[int, int], Word] = {}
    for last, word in vocabulary(kinds, languages).iter(lowered):
        start = end = low + last + 1
        start -= word.length
        if word.spaced:
            if start > 0 and _in_word(s[start - 1]):
                continue
            limit = min(len(s), end + _STEM_LETTERS) if word.stem else end
            while end < limit and s[end].isalpha():
                end += 1
            if end < len(s) and _in_word(s[end]) and not s[end].isdigit():
                continue
        same = found.get((start, end))
        if same is not None:  # "telefon*" (de, pl, tr) and "telefone" (pt): both
            codes = tuple(sorted({*same.languages, *word.languages}))
            word = same._replace(kinds=same.kinds | word.kinds, languages=codes)
        found[(start, end)] = word
    return [Said(start, end, word) for (start, end), word in found.items()]


def _in_word(char: str) -> bool:
    """Whether ``char`` is part of a word: a letter, digit, mark or ``_``."""
    return char.isalnum() or char == "_" or unicodedata.category(char)[0] == "M"


def phone_word(
    s: str, start: int, end: int, languages: tuple[str, ...] | None = None
) -> Said | None:
    """The phone word next to the number at ``start:end``, or None: the nearest one in the
    40 characters before it (after the last run of four digits there: a word names the
    number that follows it), else the first one of a language that may write it after
    the number (any script but Latin, and Turkish: 13812345678是我的手机号, 010-1234-5678로
    전화, 9876543210 पर कॉल करें) in the 20 characters after it that labels no number after
    it. A "number" word counts only as someone's or a phone's (`_owned`), and before the
    number only with at most two short words between ("mi número es", "ο αριθμός μου
    είναι"; not "мой номер заказа"): not as an order number or a count. ``languages``:
    only words of these (None: of all)."""  # noqa: RUF002
    around = _said(s, max(0, start - _BEFORE), end + _AFTER, NAMES, languages)
    if not around:
        return None
    named = [w for w in around if w.end <= start]
    if named and (run := _LONG_RUN.search(s, named[0].start, start)) is not None:
        named = [w for w in named if w.start >= run.end()]
    if named:
        said = max(named, key=lambda w: (w.end, -w.start))
        near = not said.word.spaced or _FILLER.fullmatch(s, said.end, start) is not None
        if "phone" in said.word.kinds or (near and _owned(s, said)):
            return said
        return None
    for said in sorted(w for w in around if w.start >= end and w.word.after):
        if _LABEL.match(s, said.end) or any(c.isdigit() for c in s[end : said.start]):
            return None  # "13812345678，电话：139...": the label of the next number  # noqa: RUF003
        if "phone" in said.word.kinds or _owned(s, said):
            return said
    return None


def _owned(s: str, said: Said) -> bool:
    """Whether a "number" word is someone's or a phone's: an owner word right before it
    ("my number", "mi número", "我的号码", "내 번호"), a phone word before it with at
    most two words of three letters between ("phone number", "电话号码", "Позвоните мне
    по номеру"), or a possessive after it ("המספר שלי", "ο αριθμός μου", "رقمي")."""  # noqa: RUF002
    if _NUMBER_OWNER_AFTER.match(s, said.end) is not None:
        return True
    return any(
        w.end <= said.start
        and (_SHORT_WORDS if "phone" in w.word.kinds else _GAP).fullmatch(s, w.end, said.start)
        is not None
        for w in _said(s, max(0, said.start - 20), said.start, _OWNERS)
    )


def around(s: str, start: int, end: int) -> str:
    """The number at ``start:end`` with the text where its phone word may stand."""
    return s[max(0, start - _BEFORE) : end + _AFTER]


def word_regions(said: Said) -> tuple[str, ...]:
    """The regions of the languages of a phone word (`Language.regions`)."""
    return tuple(r for code in said.word.languages for r in LANGUAGES[code].regions)


def script_regions(window: str) -> tuple[str, ...]:
    """Regions of the scripts (`SCRIPT_REGIONS`) of the letters of ``window`` (a number
    and the text around it: `around`); none for ASCII."""
    if window.isascii():
        return ()
    return _regions_of(frozenset(script_of(c) for c in set(window) if c > "\u024f" and c.isalpha()))


@cache
def _regions_of(scripts: frozenset[str]) -> tuple[str, ...]:
    """The regions of ``scripts``, in the order of `SCRIPT_REGIONS`."""
    regions = (r for script, rs in SCRIPT_REGIONS.items() if script in scripts for r in rs)
    return tuple(dict.fromkeys(regions))
