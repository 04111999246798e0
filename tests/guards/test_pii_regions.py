"""pii: phone numbers written the way people in other regions write them, in their own
language: phone words of many languages (right against the digits in scripts without
spaces), national formats of the regions the text's script or the phone word's language
points to, and the look-alikes of those languages that must stay quiet."""

from __future__ import annotations

import unicodedata
from typing import Any

import phonenumbers
import pytest

from aisec_sdk.engine import scan
from aisec_sdk.guards import phone_words
from aisec_sdk.policy import Policy

NO_PI = {"prompt_injection": {"enabled": False}}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("我的电话是13812345678", "13812345678"),
        ("电话：138 1234 5678", "138 1234 5678"),
        ("13812345678是我的手机号", "13812345678"),
        ("請撥打0912 345 678聯絡我", "0912 345 678"),
        ("Мой телефон 89161234567", "89161234567"),
        ("Мой телефон 8 (916) 123-45-67", "8 (916) 123-45-67"),
        ("Позвоните мне по номеру 8 916 123-45-67", "8 916 123-45-67"),
        ("Мій номер: 050 123 4567", "050 123 4567"),
        ("رقم هاتفي 0501234567", "0501234567"),
        ("رقمي ٠٥٠١٢٣٤٥٦٧ شكرا", "٠٥٠١٢٣٤٥٦٧"),
        ("شماره تلفن من 0912 345 6789", "0912 345 6789"),
        ("המספר שלי 050-234-5678", "050-234-5678"),
        ("התקשרו ל-0502345678", "0502345678"),
        ("มือถือ: 081 234 5678", "081 234 5678"),
        ("Το τηλέφωνό μου είναι 691 234 5678", "691 234 5678"),
        ("मेरा फ़ोन नंबर 9876543210 है", "9876543210"),
        ("मुझे 98765 43210 पर कॉल करें", "98765 43210"),
        ("내 전화번호는 010-1234-5678입니다", "010-1234-5678"),
        ("010-1234-5678로 전화주세요", "010-1234-5678"),
        ("私の電話番号は090-1234-5678です", "090-1234-5678"),
        ("mi número es 612345678", "612345678"),
        ("llámame al 612 34 56 78", "612 34 56 78"),
        ("il mio numero è 312 345 6789", "312 345 6789"),
        ("meu telefone é 912 345 678", "912 345 678"),
        ("bel me op 06 12345678", "06 12345678"),
        ("mój numer to 512 345 678", "512 345 678"),
        ("telefon numaram 0532 123 45 67", "0532 123 45 67"),
        ("0532 123 45 67 numaralı telefonu arayın", "0532 123 45 67"),
        ("nomor saya 0812-345-678", "0812-345-678"),
        ("邮编 100080，电话 010-6275 1234", "010-6275 1234"),
        ("Телефон: +7 (495) 123-45-67", "+7 (495) 123-45-67"),
        ("факс 8 (495) 765-43-21", "8 (495) 765-43-21"),
    ],
)
def test_national_numbers_in_their_own_language(find: Any, text: str, value: str) -> None:
    assert find(text) == [("phone", value)]


@pytest.mark.parametrize(
    "text",
    [
        "订单号 13812345678",
        "订单号码：13812345678",
        "快递单号13812345678已发货",
        "2024年3月15日",
        "¥13,812,345",
        "金额：1,380,000元",
        "身份证号 110101199003071234",
        "第1381234号",
        "| 138 | 1234 | 5678 |",
        "Заказ № 89161234567",
        "номер заказа 89161234567",
        "мой номер заказа 89161234567",
        "ИНН 7707083893",
        "15.03.2024 в 10:30, 1 234 567 руб.",
        "رقم الطلب 0501234567",
        "التوقيع الرقمي 0501234567",
        "مبلغ ١٬٢٣٤٬٥٦٧ ريال",
        "المبلغ 2500 3000 ريال",  # written as Kuwait writes its numbers
        "الرمز 5123 4567",
        "население 17 595 3331 человек",
        "주민등록번호 900101-1234567",
        "паспорт 45 06 123456, СНИЛС 123-456-789 01",
        "आधार 2345 6789 0123",
        "身份证 11010119900307123X",
        "订单编号：2024031512345",
        "주문번호 01012345678",
        "2024년 3월 15일, ₩1,380,000",
        "注文番号 09012345678",
        "ऑर्डर संख्या 9876543210",
        "मेरा ऑर्डर नंबर और फ़ाइल 9876543210",
        "מספר הזמנה 0502345678",
        "หมายเลขคำสั่งซื้อ 0812345678",
        "αριθμός παραγγελίας 6912345678",
        "número de pedido 612345678",
        "numero d'ordine 3123456789",
        "número do pedido 912345678",
        "numer zamówienia 512345678",
        "sipariş numarası 05321234567",
        "4155552671 calls per second",
        "the llama model 2125550143",  # Spanish "llama" (calls) is a model family here
        "R$ 1.234.567,89 e 1.234.567 €",
        "v2.14.3 发布于 2024-03-15, 时间戳 1710489600123",
    ],
)
def test_look_alikes_in_other_languages_do_not_fire(find: Any, text: str) -> None:
    """Order, invoice and tax numbers (valid phone numbers among them, bare), dates,
    prices, an identity card number, a table, a count; "number" of an order."""
    assert find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话：13812345678 13987654321", ["13812345678", "13987654321"]),
        ("电话：138 1234 5678 139 8765 4321", ["138 1234 5678", "139 8765 4321"]),
        ("Телефоны: 8 916 123-45-67 8 916 765-43-21", ["8 916 123-45-67", "8 916 765-43-21"]),
        ("订单 13812345678 13987654321", []),  # no phone word: a list of ids
        ("表 138 1234 5678 139 8765 4321", []),
    ],
)
def test_lists_of_numbers_after_a_phone_word(find: Any, text: str, expected: list[str]) -> None:
    assert find(text) == [("phone", value) for value in expected]


def test_a_label_names_the_number_after_it() -> None:
    text = "订单13812345678，电话：13912345678"
    found = scan(text, policy=Policy(guards=NO_PI)).findings
    assert [text[f.start : f.end] for f in found if f.guard == "pii"] == ["13912345678"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("내 번호 010-1234-5678", [("phone", "010-1234-5678")]),  # Hangul: Korea
        ("010-1234-5678", []),  # no letters: no region
        ("안녕하세요 01012345678", []),  # bare digits need a phone word
        ("연락처 01012345678", [("phone", "01012345678")]),
        ("جوال 5123 4567", [("phone", "5123 4567")]),  # two groups: with a phone word
        ("móvil 612 34 56 78", [("phone", "612 34 56 78")]),  # a Spanish word: Spain
        ("mobile 612 34 56 78", []),  # English says nothing about the region
        ("612 34 56 78", []),
    ],
)
def test_regions_come_from_the_script_or_the_phone_words_language(
    find: Any, text: str, expected: list[tuple[str, str]]
) -> None:
    assert find(text) == expected


def test_inferred_regions_come_after_the_configured_ones(find: Any) -> None:
    """Chinese text, phone_regions=['CN']: the same number, the same finding."""
    text = "电话 138 1234 5678"
    assert find(text) == find(text, phone_regions=["CN"]) == [("phone", "138 1234 5678")]


def test_offsets_cover_exactly_the_number(run_guard: Any) -> None:
    phone = "010-1234-5678"
    text = f"Ｔｅｌ\u200b 전화：{phone}입니다。私の番号は０９０-１２３４-５６７８です"
    found = run_guard("pii")(text)
    second = "０９０-１２３４-５６７８"
    assert [(f.start, f.end) for f in found] == [
        (text.index(phone), text.index(phone) + len(phone)),
        (text.index(second), text.index(second) + len(second)),
    ]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("placeholder", "我的电话是<PHONE>，Мой телефон <PHONE>"),
        ("mask", "我的电话是***********，Мой телефон * (***) ***-**-**"),
    ],
)
def test_redaction(mode: str, expected: str) -> None:
    policy = Policy(guards={**NO_PI, "pii": {"redaction": mode}})
    text = "我的电话是13812345678，Мой телефон 8 (916) 123-45-67"
    assert scan(text, policy=policy).text == expected


def test_script_regions_are_regions_phonenumbers_knows() -> None:
    letters = {phone_words.script_of(chr(cp)) for cp in range(0x250, 0x30000) if chr(cp).isalpha()}
    for script, regions in phone_words.SCRIPT_REGIONS.items():
        assert script in letters, script  # the first word of some letter's Unicode name
        assert set(regions) <= phonenumbers.SUPPORTED_REGIONS, script
    for language in phone_words.LANGUAGES.values():
        assert set(language.regions) <= phonenumbers.SUPPORTED_REGIONS


def test_vocabulary_is_written_as_the_text_is_read() -> None:
    """Words are matched on NFKC, lower-cased text: each must be written so."""
    for code, language in phone_words.LANGUAGES.items():
        for words in (language.phone, language.number, language.owners):
            assert words == unicodedata.normalize("NFKC", words).lower(), code


def test_latin_words_of_languages_without_regions_give_no_hint() -> None:
    """English words name phones everywhere: no national format is read from them."""
    assert phone_words.LANGUAGES["en"].regions == ()
    said = phone_words.phone_word("call me at 612345678", 11, 20)
    assert said is not None and said.word.languages == ("en",)
    assert phone_words.phone_word("call me at 612345678", 11, 20, phone_words.HINTING) is None
