"""pii: regressions found by an outside evaluation (numeric tables, long card numbers)."""

from __future__ import annotations

import random
from typing import Any

import phonenumbers
import pytest

from aisec_sdk.guards import pii


def test_a_table_of_numbers_is_not_parsed_window_by_window(
    find: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long run of short numbers (a numeric table in a tool result) is read for phone
    numbers only where its digit groups are shaped like a national number: parsing every
    window cost about 0.1 ms each, 100 s per MB of such a table."""
    calls = 0
    parse = phonenumbers.parse

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return parse(*args, **kwargs)

    monkeypatch.setattr(phonenumbers, "parse", counting)
    pii._phone_score.cache_clear()
    rng = random.Random(7)
    table = "\n".join(" ".join(str(rng.randint(0, 999)) for _ in range(12)) for _ in range(100))
    assert find(table) == []
    assert calls < 100  # 5,472 before: every window of 7 to 15 digits, parsed


def test_phone_numbers_in_a_list_are_still_found(find: Any) -> None:
    text = "call 020 7946 0958 020 7946 0959 or 0151 2345 6789 1 415 555 2671"
    assert ("phone", "020 7946 0958") in find(text)
    assert ("phone", "020 7946 0959") in find(text)


@pytest.mark.parametrize(
    "card",
    [
        "4754 8262 5147 1898 907",  # Visa, 19 digits
        "6759-6560-5575-3276-688",  # Maestro, 19 digits
        "6212 3456 7890 1234 569",  # UnionPay, 19 digits
        "5018 4198 4817 3310 56",  # Maestro, 18 digits
    ],
)
def test_cards_of_18_and_19_digits_in_groups_of_four(find: Any, card: str) -> None:
    assert pii.luhn_ok(card.replace(" ", "").replace("-", ""))
    assert find(f"card_number={card} exp 12/29") == [("credit_card", card)]


def test_the_rest_of_an_iban_with_a_bad_check_is_no_card(find: Any) -> None:
    """Its 18 digits in fours pass Luhn and start like an Amex number."""
    assert find("IBAN DE89 3704 0044 0532 0130 01 (typo)") == []
    assert find("IBAN DE89 3704 0044 0532 0130 00") == [("iban", "DE89 3704 0044 0532 0130 00")]


@pytest.mark.parametrize(
    "text",
    [
        "IMEI 490154203237518 in the device table",  # 15 digits, Luhn, starts with 4
        "device 356938035643809 registered",  # an IMEI starting like a JCB card
        "ref 5105 1051 0510 515",  # 15 digits with a Mastercard prefix
    ],
)
def test_a_luhn_number_of_a_length_its_issuer_never_uses_is_no_card(find: Any, text: str) -> None:
    """Visa numbers have 13, 16 or 19 digits, Mastercard 16, JCB 16-19: a 15-digit IMEI
    that passes Luhn and starts with 4 or 35 was reported as a card."""
    digits = "".join(c for c in text if c.isdigit())
    assert pii.luhn_ok(digits)
    assert [e for e, _ in find(text)] == []


@pytest.mark.parametrize(
    "text",
    [
        '{"card_number": "6759656055753276688"}',
        "INSERT INTO payments (pan) VALUES ('4754826251471898907');",
        "Kartennummer: 6212345678901234569",
    ],
)
def test_ungrouped_19_digit_cards_after_a_card_word(find: Any, text: str) -> None:
    digits = "".join(c for c in text if c.isdigit())
    assert find(text) == [("credit_card", digits)]


def test_ungrouped_19_digit_luhn_numbers_without_a_card_word_stay_ids(find: Any) -> None:
    assert find("order id 6759656055753276688 shipped") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("電話番号は090-1234-5678です", ("phone", "090-1234-5678")),
        ("カード番号4111 1111 1111 1111を使います", ("credit_card", "4111 1111 1111 1111")),
        ("请汇款到DE89370400440532013000账户", ("iban", "DE89370400440532013000")),
        ("服务器地址为8.8.4.4。", ("ip_address", "8.8.4.4")),
        ("전화번호는 010-1234-5678입니다", ("phone", "010-1234-5678")),
    ],
)
def test_values_written_right_next_to_cjk_text(
    find: Any, text: str, expected: tuple[str, str]
) -> None:
    """Japanese, Chinese and Korean write numbers against the words around them, with no
    space: a kana, kanji or hangul neighbour was read as part of a longer word."""
    assert find(text, phone_regions=["JP", "KR", "US"]) == [expected]


@pytest.mark.parametrize("text", ["ref abc4155552671", "id 4111111111111111x", "v8.8.4.4b"])
def test_values_glued_to_latin_letters_stay_parts_of_words(find: Any, text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("GET /api/users?email=jane.doe%40gmail.com&page=2 HTTP/1.1", "jane.doe%40gmail.com"),
        (
            "redirect_uri=https%3A%2F%2Fapp.io%2Fcb&login_hint=max.mustermann%40web.de",
            "max.mustermann%40web.de",
        ),
        # the local part's own escapes belong to it; an escaped "=" or "/" ends it
        ("GET /api/users?email=jane%2Bnews%40example.com&x=1", "jane%2Bnews%40example.com"),
        ("GET /login?next=%2Fhome%3Femail%3Djane%40example.com HTTP/1.1", "jane%40example.com"),
        ("u=%2Fo%27brien%40example.ie", "o%27brien%40example.ie"),
    ],
)
def test_url_encoded_addresses_in_logs_and_links(find: Any, text: str, address: str) -> None:
    """An address in a query string is written with %40 for the @ (every access log has
    them); only the @ form was read. Read back from the %40, the local part stopped at its
    first other escape: jane%2Bnews gave "2Bnews" (jane left unredacted) and an encoded
    email%3Djane gave "3Djane"."""
    assert find(text) == [("email", address)]


def test_url_encoded_look_alikes(find: Any) -> None:
    assert find("GET /static/icon%402x.png and /assets/logo%403x.webp") == []


@pytest.mark.parametrize(
    "region", ["US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "AR", "AG", "KZ"]
)
def test_national_shapes_cover_how_phonenumbers_writes_each_region(region: str) -> None:
    """Strict mode (a list of numbers) only parses windows of these shapes, so every
    national format must be among them: also Argentina's mobile '011 15-...', whose trunk
    prefix goes on the second capture, and Antigua's numbers, written in US formats."""
    rng = random.Random(region)
    for kind in range(12):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        digits = str(example.national_number)
        for _ in range(20):
            tail = "".join(rng.choice("0123456789") for _ in digits[3:])
            number = phonenumbers.parse(f"+{example.country_code}{digits[:3]}{tail}")
            if phonenumbers.is_valid_number_for_region(number, region):
                national = phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.NATIONAL
                )
                assert pii._written_in(tuple(pii._groups(national)), (region,)), national
