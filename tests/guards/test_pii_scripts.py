"""pii: numbers written with the decimal digits of other scripts (Arabic-Indic, Persian,
Devanagari, Bengali, Thai, Adlam...) are found, placed and redacted like ASCII ones."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisec_sdk.engine import scan
from aisec_sdk.guards import pii
from aisec_sdk.policy import Policy
from aisec_sdk.text import normalize
from aisec_sdk.vault import vault_scope

NO_PI = {"prompt_injection": {"enabled": False}}
DEFAULTS = Policy(guards=NO_PI)  # one policy: its engine is built once

SCRIPTS = {
    "arabic_indic": 0x0660,
    "persian": 0x06F0,
    "devanagari": 0x0966,
    "bengali": 0x09E6,
    "thai": 0x0E50,
    "adlam": 0x1E950,  # outside the BMP: four bytes in UTF-8
}
"""The code point of the digit zero of each script the tests write numbers in."""


def written_in(text: str, script: str) -> str:
    """``text`` with its ASCII digits written in ``script`` (one code point for one)."""
    zero = SCRIPTS[script]
    return text.translate({48 + d: zero + d for d in range(10)})


def pii_findings(text: str) -> list[tuple[str | None, str]]:
    """(entity, original text) of the pii findings of a scan through the engine (and so
    through the shared prefilter, which reads the text before any folding)."""
    verdict = scan(text, policy=DEFAULTS)
    return [(f.entity, text[f.start : f.end]) for f in verdict.findings if f.guard == "pii"]


def test_every_decimal_digit_of_unicode_is_read_as_its_ascii_twin() -> None:
    table = pii._digit_folds().table
    every = {
        cp: 48 + unicodedata.decimal(chr(cp))
        for cp in range(0x80, 0x110000)
        if unicodedata.category(chr(cp)) == "Nd"
    }
    assert every.items() <= table.items()  # the table's planes 0 and 1 hold them all
    assert set(table) - set(every) == {0x066B, 0x066C}  # and the Arabic separators
    assert "\u0664\u0661\u06f1\u0967".translate(table) == "4111"


ASCII_VALUES = [
    ("card 4111 1111 1111 1111 exp 12/29", "credit_card", "4111 1111 1111 1111"),
    ("amex 3782-822463-10005", "credit_card", "3782-822463-10005"),
    ("call +971 50 123 4567 please", "phone", "+971 50 123 4567"),
    ("tel +98 912 345 6789", "phone", "+98 912 345 6789"),
    ("India 098765 43210", "phone", "098765 43210"),
    ("call (415) 555-2671.", "phone", "(415) 555-2671"),
    ("IBAN SA03 8000 0000 6080 1016 7519.", "iban", "SA03 8000 0000 6080 1016 7519"),
    ("to AE070331234567890123456 now", "iban", "AE070331234567890123456"),
    ("SSN 123-45-6789", "us_ssn", "123-45-6789"),
    ("server 8.8.4.4 answered", "ip_address", "8.8.4.4"),
    ("my IP is 192.168.1.20", "ip_address", "192.168.1.20"),
    ("mail jane42@example.com", "email", "jane42@example.com"),
]


@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize(("text", "entity", "value"), ASCII_VALUES)
def test_values_written_in_other_scripts_are_found(
    find: Any, script: str, text: str, entity: str, value: str
) -> None:
    assert find(text) == [(entity, value)]  # the ASCII twin, as a reference
    assert find(written_in(text, script)) == [(entity, written_in(value, script))]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("رقم البطاقة ٤١١١ ١١١١ ١١١١ ١١١١ شكرا", "credit_card", "٤١١١ ١١١١ ١١١١ ١١١١"),
        ("اتصل بي على +٩٧١ ٥٠ ١٢٣ ٤٥٦٧ مساء", "phone", "+٩٧١ ٥٠ ١٢٣ ٤٥٦٧"),
        ("شماره من +۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹ است", "phone", "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹"),
        ("मेरा फ़ोन +९१ ९८७६५ ४३२१० है", "phone", "+९१ ९८७६५ ४३२१०"),
        ("আমার নম্বর +৮৮ ০১৭১২ ৩৪৫৬৭৮", "phone", "+৮৮ ০১৭১২ ৩৪৫৬৭৮"),
        ("الآيبان SA٠٣ ٨٠٠٠ ٠٠٠٠ ٦٠٨٠ ١٠١٦ ٧٥١٩", "iban", "SA٠٣ ٨٠٠٠ ٠٠٠٠ ٦٠٨٠ ١٠١٦ ٧٥١٩"),
        ("شبا IR۰۶۲۹۶۰۰۰۰۰۰۰۱۰۰۳۲۴۲۰۰۰۰۱ است", "iban", "IR۰۶۲۹۶۰۰۰۰۰۰۰۱۰۰۳۲۴۲۰۰۰۰۱"),
        ("عنوان IP ١٩٢٫١٦٨٫١٫٢٠", "ip_address", "١٩٢٫١٦٨٫١٫٢٠"),  # Arabic decimal separators
        ("card 4111 ١١١١ 1111 ١١١١", "credit_card", "4111 ١١١١ 1111 ١١١١"),  # mixed scripts
        ("card ۴۱۱۱ ١١١١ ११११ ১১১১", "credit_card", "۴۱۱۱ ١١١١ ११११ ১১১১"),  # four of them
        ("কার্ড ৪১১১-১১১১-১১১১-১১১১", "credit_card", "৪১১১-১১১১-১১১১-১১১১"),
    ],
)
def test_values_in_their_own_language_through_the_engine(
    text: str, entity: str, value: str
) -> None:
    """Only digits of another script, often no ASCII candidate at all: the engine's
    prefilter must not skip the guard."""
    assert pii_findings(text) == [(entity, value)]


def test_national_numbers_of_a_listed_region_or_of_the_texts_script(find: Any) -> None:
    """A national number in Arabic-Indic digits is read as its region writes it: the
    region is listed, or the Arabic letters around it point to the Arab states (English
    words do not: the default regions do not include the Gulf states)."""
    assert find("mobile ٠٥٠ ١٢٣ ٤٥٦٧") == []
    assert find("mobile ٠٥٠ ١٢٣ ٤٥٦٧", phone_regions=["AE"]) == [("phone", "٠٥٠ ١٢٣ ٤٥٦٧")]
    assert find("جوال ٠٥٠ ١٢٣ ٤٥٦٧") == [("phone", "٠٥٠ ١٢٣ ٤٥٦٧")]


def test_offsets_are_exact_in_the_original_text(run_guard: Any) -> None:
    card, phone = "٤١١١ ١١١١ ١١١١ ١١١١", "+\u200e٩٧١ ٥٠ ١٢٣ ٤٥٦٧"  # with a bidi mark inside
    text = f"Ｃａｒｄ\u200b: {card}\u200f، هاتف {phone} ﻿"
    found = run_guard("pii")(text)
    assert [(f.entity, f.start, f.end) for f in found] == [
        ("credit_card", text.index(card), text.index(card) + len(card)),
        ("phone", text.index(phone), text.index(phone) + len(phone)),
    ]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("placeholder", "البطاقة <CREDIT_CARD> والهاتف <PHONE>"),
        ("mask", "البطاقة **** **** **** **** والهاتف +*** ** *** ****"),
    ],
)
def test_redaction_replaces_the_characters_written(mode: str, expected: str) -> None:
    policy = Policy(guards={**NO_PI, "pii": {"redaction": mode}})
    text = "البطاقة ٤١١١ ١١١١ ١١١١ ١١١١ والهاتف +٩٧١ ٥٠ ١٢٣ ٤٥٦٧"
    assert scan(text, policy=policy).text == expected


def test_hash_redaction_hashes_the_value_as_written() -> None:
    policy = Policy(guards={**NO_PI, "pii": {"redaction": "hash"}})
    arabic = scan("card ٤١١١ ١١١١ ١١١١ ١١١١", policy=policy).text
    assert arabic.startswith("card <CREDIT_CARD:") and "١" not in arabic
    assert arabic == scan("card ٤١١١ ١١١١ ١١١١ ١١١١", policy=policy).text


def test_vault_round_trip_restores_the_original_script() -> None:
    policy = Policy(guards={**NO_PI, "pii": {"redaction": "pseudonymize"}})
    card, phone = "٤١١١ ١١١١ ١١١١ ١١١١", "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹"
    with vault_scope() as vault:
        sent = scan(f"کارت {card} و تلفن {phone} و باز {card}", policy=policy)
        assert sent.text == "کارت <CREDIT_CARD_1> و تلفن <PHONE_1> و باز <CREDIT_CARD_1>"
        answer = "I will charge <CREDIT_CARD_1> and call <PHONE_1>."
        assert vault.restore(answer) == f"I will charge {card} and call {phone}."
        out = scan(f"شماره {phone}", direction="output", policy=policy)
        assert out.text == "شماره <PHONE>"  # values in model output are never restorable


ASCII_LOOK_ALIKES = [
    "the meeting is on 2024-03-15 at 10:30:00",
    "paid 1,234,567 between 1998-2004",
    "price 1.234.567 and 12.50",
    "pi is 3.14159265358979",
    "order 20240315123456 shipped",
    "ISBN 978-3-16-148410-0",
    "card 4111 1111 1111 1112 fails Luhn",
    "SSN 666-12-3456 is invalid",
    "IBAN DE89 3704 0044 0532 0130 01 has a bad check digit",
    "Sheba IR06 2960 0000 0010 0324 2000 02 has a bad check digit",
    "Your order number is 2125550143",
    "release v1.2.3.4",
    "1402/05/12 and 15/03/2024",
]


@pytest.mark.parametrize("script", ["arabic_indic", "persian", "devanagari", "bengali"])
@pytest.mark.parametrize("text", ASCII_LOOK_ALIKES)
def test_look_alikes_in_other_scripts_do_not_fire(find: Any, script: str, text: str) -> None:
    assert find(text) == []
    assert find(written_in(text, script)) == []


@pytest.mark.parametrize(
    "text",
    [
        "السعر ١٢٫٥٠ درهم",  # 12.50 with the Arabic decimal separator
        "ثلاثة ملايين: ٣٬٤٥٠٬٠٠٠ ريال",  # 3,450,000 with the thousands separator
        "π = ٣٫١٤١٥٩٢٦٥٣٥٨٩٧٩",  # the digits after the separator would validate as a card
        "تاريخ ١٤٠٢/٠٥/١٢ الساعة ١٠:٣٠:٠٠",
        "رقم الطلب ٢٠٢٤٠٣١٥١٢٣٤٥٦",
        "firmware ١٫٢٫٣٫٤ من التطبيق",  # a version word before a dotted number
    ],
)
def test_arabic_numbers_that_are_no_personal_data(find: Any, text: str) -> None:
    assert find(text) == []
    assert pii_findings(text) == []


_PIECES = st.sampled_from(
    [
        "card ", "4111 1111 1111 1111", "+971 50 123 4567", "call ", "4155552671", "123-45-6789",
        "SA03 8000 0000 6080 1016 7519", "8.8.4.4", "192.168.1.20", "2024-03-15", "12.50",
        "1,234,567", "order ", "20240315123456", "v1.2.3.4", " ", "-", "(", ")", "+", "/", ".",
        "1", "12/29", "my number ", "ip ", "SSN ", "x12", "مرحبا ", "जी ",
    ]
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    st.lists(_PIECES, max_size=10).map("".join),
    st.sampled_from(sorted(SCRIPTS)),
)
def test_findings_in_another_script_are_those_of_the_ascii_twin(text: str, script: str) -> None:
    """Written in another script, a text yields the same findings at the same offsets: no
    more (look-alikes) and no fewer (values)."""
    twin = written_in(text, script)
    ascii_found = [(e, written_in(v, script)) for e, v in pii_findings(text)]
    assert pii_findings(twin) == ascii_found


def test_ascii_text_is_read_as_it_is() -> None:
    text = normalize("call 650-253-0000 now")
    s, data = pii._with_ascii_digits(text)
    assert s is text.normalized and data is text.ascii_bytes()


def test_lone_surrogates_and_text_without_digits() -> None:
    guard = pii.PiiGuard(pii.PiiSettings())
    found = guard.scan(normalize("\ud800 ٤١١١ ١١١١ ١١١١ ١١١١ \udfff"), "input")
    assert [(f.entity, f.start, f.end) for f in found] == [("credit_card", 2, 21)]
    text = normalize("مرحبا بالعالم، jane@example.com")
    assert pii._with_ascii_digits(text) == (text.normalized, text.ascii_bytes())
