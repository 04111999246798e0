"""pii: true positives, look-alikes, offsets, redaction modes, vault round trip, plug-ins."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aisec_sdk.engine import scan
from aisec_sdk.errors import PolicyError
from aisec_sdk.guards import pii
from aisec_sdk.policy import Policy
from aisec_sdk.vault import vault_scope

NO_PI = {"prompt_injection": {"enabled": False}}


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        (
            "write to jane.doe+news@mail.example.co.uk today",
            "email",
            "jane.doe+news@mail.example.co.uk",
        ),
        ("mail jane.doe [at] example [dot] com", "email", "jane.doe [at] example [dot] com"),
        ("call 650-253-0000 now", "phone", "650-253-0000"),
        ("call (415) 555-2671.", "phone", "(415) 555-2671"),
        ("call me at (555) 123-4567", "phone", "(555) 123-4567"),
        ("or 1-555-123-4567", "phone", "1-555-123-4567"),
        ("ring +44 20 7946 0958 please", "phone", "+44 20 7946 0958"),
        ("Handy: +49 30 901820", "phone", "+49 30 901820"),
        ("numéro 06 12 34 56 78", "phone", "06 12 34 56 78"),
        ("card 4111 1111 1111 1111 exp 12/29", "credit_card", "4111 1111 1111 1111"),
        ("amex 3782-822463-10005", "credit_card", "3782-822463-10005"),
        ("pay 5555555555554444", "credit_card", "5555555555554444"),
        ("IBAN DE89 3704 0044 0532 0130 00.", "iban", "DE89 3704 0044 0532 0130 00"),
        ("to GB82WEST12345698765432 now", "iban", "GB82WEST12345698765432"),
        ("SSN 123-45-6789", "us_ssn", "123-45-6789"),
        ("server 8.8.4.4 answered", "ip_address", "8.8.4.4"),
        ("v6 2606:4700:4700::1111 up", "ip_address", "2606:4700:4700::1111"),
        ("dns 2001:4860:4860::8888 ok", "ip_address", "2001:4860:4860::8888"),
    ],
)
def test_true_positives(find: Any, text: str, entity: str, value: str) -> None:
    assert (entity, value) in find(text)


@pytest.mark.parametrize(
    "text",
    [
        "the meeting is on 2024-03-15 at 10:30:00",
        "sales grew 1,234,567 units between 1998-2004",
        "pi is 3.14159265358979",
        "release v1.2.3.4 of the OID 1.3.6.1.4.1.311",
        "localhost is 127.0.0.1 and 0.0.0.0 binds all",
        'sock.connect(("192.168.1.100", 12345)) on the LAN',
        "**Generated**: 2026-01-07 14:30 by the planner",
        "std::vector<int> and a::b::c in C++",
        "card 4111 1111 1111 1112 fails Luhn",
        "SSN 666-12-3456 and 000-12-3456 and 912-34-5678 are invalid",
        "IBAN DE89 3704 0044 0532 0130 01 has a bad check digit",
        "ISBN 978-3-16-148410-0 and order 20240315123456",
        "call (123) 456-7890 is not a real area code",
        "the range 700-1000 and 555-1234",
        'timestamp = "1284101485"',
        "C:\\WinPython-64bit-3.4.2.4\\python.exe",
        "bytes: 73 32 104 97 118 101 32 98 101 101 110 32 80 87 78 69 68",
        "user@localhost has no domain, @handle is a mention",
        "coordinates 40.761194, -73.965806",
        '{"id": "35ee59ab-0272-5743-cad5-71b12948b81b"}',  # digit groups of a UUID
        "part AB-0272-5743 is in stock",
        "serial 4155-5526-71X1",
    ],
)
def test_look_alikes_do_not_fire(find: Any, text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("Call me at 4155552671 tonight", "phone", "4155552671"),
        ("tel: 4155552671", "phone", "4155552671"),
        ("reach me on 703-4800500 after ten", "phone", "703-4800500"),
        ("write to git@example.com: it works", "email", "git@example.com"),
        ("v6 2a00:1450:4001:82a:0:0:0:200e up", "ip_address", "2a00:1450:4001:82a:0:0:0:200e"),
        ("ip=8.8.8.8", "ip_address", "8.8.8.8"),
        ("call +1-415-555-2671 - ask for Bob", "phone", "+1-415-555-2671"),
    ],
)
def test_true_positives_next_to_the_new_look_alikes(
    find: Any, text: str, entity: str, value: str
) -> None:
    """A bare number with a phone word before it, a number joining its national groups, an
    address followed by a colon and a space, an uncompressed IPv6 address, ``ip=``."""
    assert find(text) == [(entity, value)]


@pytest.mark.parametrize(
    "text",
    [
        "| retries | int | 2147483647 |",
        "return -2147221231 # CLASS_E_CLASSNOTAVAILABLE",
        "expires 2209069412",
        "24 25 26 27 28 29 30      27 28 29 30 31",
        "e.g. 6107-1415-32 for AIX 6.1",
        "33471-90901, Hewlett-Packard, June 1989",
        "6 12 24 48 96 192 384 768 1536 3072",
        "223 3000234 articles retrieved",
        "Requires-Dist: brotlicffi>=1.2.0.2; extra == 'brotli'",
        "section 8.1.2.2 of the HTML spec",
        "# RFC4291 2.5.5.2",
        'assertBadSplit("3ffe:0:0:0:0:0:0:0:1")',
        "git clone git@github.com:owner/repo.git",
        "ssh://deploy@build.example.com:2222/srv",
        "at 09:10:12 and 00:00:00.172",
        "02FF 4B00 3104 8008 CB06 4803 BF01 03FE B8FA B4F3 29EB 1AE6",
        "[-678966196, 573763426263223372, -820489388]",
        "node::Foo and std::vector",
    ],
)
def test_code_and_readme_look_alikes_do_not_fire(find: Any, text: str) -> None:
    """Numbers, versions, section numbers, hex dumps and SSH remotes found in source code
    and package READMEs."""
    assert find(text) == []


def test_bare_digits_without_a_phone_word_stay_below_the_threshold(find: Any) -> None:
    assert find("id 4155552671", threshold=0.4) == [("phone", "4155552671")]
    assert find("id 4155552671") == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("write to jöhn.dœ@exämple.com today", "jöhn.dœ@exämple.com"),
        ("mail üser@bücher.de now", "üser@bücher.de"),
        ("почта: иван@пример.рф", "иван@пример.рф"),
        ("bob@例え.jp", "bob@例え.jp"),
        ("请联系jane@example.com谢谢", "jane@example.com"),  # one script: not 请联系jane
        ("Any questions?bob@example.com", "bob@example.com"),
        ("jane@example.com?.org", "jane@example.com"),
    ],
)
def test_internationalised_addresses_through_the_engine(text: str, address: str) -> None:
    # through the engine, so the shared prefilter (over UTF-8) must see them too
    verdict = scan(text, policy=Policy(guards=NO_PI))
    assert [text[f.start : f.end] for f in verdict.findings] == [address]
    assert address not in verdict.text


def test_offsets_are_in_the_original_text(run_guard: Any) -> None:
    text = "Ｍａｉｌ: ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ and j\u200bohn@example.org"
    found = run_guard("pii")(text)
    assert [text[f.start : f.end] for f in found] == [
        "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "j\u200bohn@example.org",
    ]
    assert all(0.0 <= f.score <= 1.0 and f.category == "LLM02" for f in found)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("placeholder", "mail <EMAIL> or <PHONE>"),
        ("mask", "mail ****@*******.*** or ***-***-****"),
    ],
)
def test_redaction_modes(mode: str, expected: str) -> None:
    policy = Policy(guards={**NO_PI, "pii": {"redaction": mode}})
    assert scan("mail jane@example.com or 650-253-0000", policy=policy).text == expected


def test_hash_redaction_is_stable_and_salted() -> None:
    plain = Policy(guards={**NO_PI, "pii": {"redaction": "hash"}})
    salted = Policy(guards={**NO_PI, "pii": {"redaction": "hash", "hash_salt": "s3"}})
    first = scan("a jane@example.com", policy=plain).text
    assert first == scan("a jane@example.com", policy=plain).text
    assert first.startswith("a <EMAIL:") and "jane" not in first
    assert scan("a jane@example.com", policy=salted).text != first
    assert scan("a john@example.com", policy=plain).text != first


def test_vault_round_trip() -> None:
    policy = Policy(guards={**NO_PI, "pii": {"redaction": "pseudonymize"}})
    with vault_scope() as vault:
        sent = scan("jane@example.com wrote to bob@example.org and jane@example.com", policy=policy)
        assert sent.text == "<EMAIL_1> wrote to <EMAIL_2> and <EMAIL_1>"
        answer = "I will reply to <EMAIL_2> and cc <EMAIL_1>."
        assert vault.restore(answer) == "I will reply to bob@example.org and cc jane@example.com."
        # values the model writes itself are never made restorable
        out = scan("contact eve@example.net", direction="output", policy=policy)
        assert out.text == "contact <EMAIL>"
    assert scan("x jane@example.com", policy=policy).text == "x <EMAIL>"  # no vault: typed


def test_entities_option_limits_what_is_reported(find: Any) -> None:
    text = "jane@example.com 650-253-0000"
    assert [e for e, _ in find(text, entities=["phone"])] == ["phone"]


def test_patterns_option_adds_a_recogniser(find: Any) -> None:
    found = find("employee EMP-004211 joined", patterns={"employee_id": r"EMP-\d{6}"})
    assert found == [("employee_id", "EMP-004211")]


def test_bad_options_fail_at_policy_load() -> None:
    with pytest.raises(PolicyError, match="phone_regions"):
        Policy(guards={"pii": {"phone_regions": ["XX"]}})
    with pytest.raises(PolicyError, match="patterns"):
        Policy(guards={"pii": {"patterns": {"x": "("}}})


@pytest.fixture
def badge_recognizer() -> Iterator[None]:
    def badges(text: str) -> list[tuple[int, int, float]]:
        at = text.find("BADGE#")
        return [] if at < 0 else [(at, at + 10, 0.9)]

    pii.register_recognizer("badge", badges)
    yield
    pii._RECOGNIZERS.pop("badge", None)


@pytest.mark.usefixtures("badge_recognizer")
def test_registered_recognizer_runs(find: Any) -> None:
    assert find("my BADGE#1234 here") == [("badge", "BADGE#1234")]
    assert find("my BADGE#1234 here", entities=["email"]) == []


def test_register_rejects_bad_names() -> None:
    with pytest.raises(ValueError, match="entity names"):
        pii.register_recognizer("bad name", lambda s: [])


def test_presidio_tier_is_skipped_when_absent(
    monkeypatch: pytest.MonkeyPatch, find: Any, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)
    pii._presidio_analyzer.cache_clear()
    try:
        assert find("Alice lives in Paris, alice@example.com", presidio=True) == [
            ("email", "alice@example.com")
        ]
        assert "presidio-analyzer is not installed" in caplog.text
    finally:
        pii._presidio_analyzer.cache_clear()


def test_presidio_tier_adds_its_entities(monkeypatch: pytest.MonkeyPatch, find: Any) -> None:
    class Result:
        def __init__(self, start: int, end: int, entity_type: str, score: float) -> None:
            self.start, self.end, self.entity_type, self.score = start, end, entity_type, score

    class AnalyzerEngine:
        def analyze(self, text: str, language: str, entities: list[str]) -> list[Result]:
            assert language == "en" and "PERSON" in entities
            at = text.find("Alice")
            return [Result(at, at + 5, "PERSON", 0.85)]

    module = types.ModuleType("presidio_analyzer")
    module.AnalyzerEngine = AnalyzerEngine  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "presidio_analyzer", module)
    pii._presidio_analyzer.cache_clear()
    try:
        found = find("Alice wrote alice@example.com", presidio=True)
        assert ("person", "Alice") in found and ("email", "alice@example.com") in found
    finally:
        pii._presidio_analyzer.cache_clear()


def test_checksums() -> None:
    assert pii.luhn_ok("4111111111111111") and not pii.luhn_ok("4111111111111112")
    assert pii.iban_ok("FR14 2004 1010 0505 0001 3M02 606")
    assert not pii.iban_ok("FR14 2004 1010 0505 0001 3M02 607")
    assert not pii.iban_ok("DE89 3704 0044 0532 0130")  # wrong length for DE
    assert pii.ssn_ok("123", "45", "6789") and not pii.ssn_ok("900", "45", "6789")


def test_long_text_is_scanned_in_full(find: Any) -> None:
    text = "lorem ipsum dolor sit amet. " * 40000 + "reach me at zed@example.com"
    assert find(text) == [("email", "zed@example.com")]


@pytest.mark.parametrize(
    ("value", "placeholder", "question", "reply"),
    [
        ("jane.doe@example.com", "<EMAIL_1>", "please email {}", "I will write to {} today."),
        # a phone number in Arabic-Indic digits comes back in the digits the user wrote
        ("+٩٧١ ٥٠ ١٢٣ ٤٥٦٧", "<PHONE_1>", "اتصل بي على {}", "سأتصل بـ {} غدا"),
    ],
)
def test_pseudonyms_round_trip_through_a_guarded_call(
    value: str, placeholder: str, question: str, reply: str
) -> None:
    from aisec_sdk.decorator import guard

    policy = Policy(guards={**NO_PI, "pii": {"redaction": "pseudonymize"}})
    seen: list[str] = []

    @guard(policy=policy)
    def assistant(prompt: str) -> str:
        seen.append(prompt)
        return reply.format(placeholder)

    answer = assistant(question.format(value))
    assert seen == [question.format(placeholder)]  # the model never sees the value
    assert answer == reply.format(value)  # the user still does


def test_vault_scope_uses_the_given_empty_vault() -> None:
    from aisec_sdk.vault import Vault, current_vault

    empty = Vault()
    with vault_scope(empty) as active:
        assert active is empty and current_vault() is empty
    assert current_vault() is None


_PIECES = st.sampled_from(
    [
        "jane@example.com", "650-253-0000", "+44 20 7946 0958", "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00", "123-45-6789", "8.8.4.4", "fe80::1", " ", "\u200b",
        "\U000e0041", "ｊ", "а", "😀", ".", "@", "(", "1", ":",
        "ab12 ", "de89 ", "(+1) ", "x12", "00 44 ", "SSN ", "https://u:", "1.650.",
        " 12/29 123", "my number ",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=12).map("".join))
def test_findings_stay_inside_the_original_text(text: str) -> None:
    from aisec_sdk.guards.pii import PiiGuard, PiiSettings
    from aisec_sdk.text import normalize

    for finding in PiiGuard(PiiSettings()).scan(normalize(text), "input"):
        assert 0 <= finding.start < finding.end <= len(text)
        assert 0.0 <= finding.score <= 1.0


def test_private_addresses_are_reported_when_the_text_names_them_addresses(find: Any) -> None:
    """my IP is 192.168.1.20, login from 10.0.0.5: reported; an address in a code snippet
    says little about a person: below the default threshold."""
    assert find("my IP is 192.168.1.20") == [("ip_address", "192.168.1.20")]
    assert find("Login from 10.0.0.5 failed") == [("ip_address", "10.0.0.5")]
    assert find("link-local address fe80::1ff:fe23:4567:890a") == [
        ("ip_address", "fe80::1ff:fe23:4567:890a")
    ]
    assert find('sock.connect(("10.1.2.3", 80))') == []
    assert find('sock.connect(("10.1.2.3", 80))', threshold=0.4) == [("ip_address", "10.1.2.3")]


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("iban de89 3704 0044 0532 0130 00 (lower case)", "iban", "de89 3704 0044 0532 0130 00"),
        ("IBAN: gb29nwbk60161331926819", "iban", "gb29nwbk60161331926819"),
        ("IBAN DE89-3704-0044-0532-0130-00", "iban", "DE89-3704-0044-0532-0130-00"),
        ("o'connor@example.ie wrote", "email", "o'connor@example.ie"),
        ("reply to 'jane@example.com'", "email", "jane@example.com"),
        ("FR +33 (0)6 12 34 56 78", "phone", "+33 (0)6 12 34 56 78"),
        ("from abroad 00 44 20 7946 0958", "phone", "00 44 20 7946 0958"),
        ("Mobil: 0049 170 1234567", "phone", "0049 170 1234567"),
        ("Handy 0151 23456789", "phone", "0151 23456789"),
        ("Connect from 203.0.113.42", "ip_address", "203.0.113.42"),
        ("v6 2001:db8::1 is up", "ip_address", "2001:db8::1"),
    ],
)
def test_more_written_forms(find: Any, text: str, entity: str, value: str) -> None:
    """Lower-case and dashed IBANs, apostrophes in an address, the (0) and 00 ways of
    writing an international number, area code then subscriber number, the documentation
    address ranges (they stand for public addresses in examples)."""
    assert find(text) == [(entity, value)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("India 098765 43210", "098765 43210"),
        ("Mumbai 022 2345 6789", "022 2345 6789"),
        ("ligue (11) 91234-5678", "(11) 91234-5678"),
        ("電話 03-1234-5678", "03-1234-5678"),
        ("携帯 090-1234-5678", "090-1234-5678"),
        ("Sydney (02) 9876 5432", "(02) 9876 5432"),
        ("mobile 0412 345 678", "0412 345 678"),
    ],
)
def test_national_formats_of_the_default_regions(find: Any, text: str, value: str) -> None:
    assert find(text) == [("phone", value)]


def test_a_secondary_region_without_a_trunk_prefix_needs_its_exact_shape(find: Any) -> None:
    assert find("Roma 02 1234 5678", phone_regions=["US", "IT"]) == [("phone", "02 1234 5678")]
    assert find("Roma 02-12345678", phone_regions=["US", "IT"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "icon@2x.png and logo@3x.webp are retina images",
        "Serial number: 4155552671",
        "Your order number is 2125550143",
        "Account number 6502530000",
        "number of tokens 4155552671",
        "the number 4155552671 is prime",
        "Version: 4.2.0.12",
        "Build 1.0.0.153 of the app",
        "Linux kernel 5.15.0.91-generic",
        "wheel 1.2.3.4+cpu",
        "IBAN DE89 3704 0044 0532 0130 01 (bad check digits)",
        "iban de89 3704 0044 0532 0130 01 (bad check digits)",
    ],
)
def test_more_look_alikes_do_not_fire(find: Any, text: str) -> None:
    """File names, numbers of something else or counts after "number", versions after a colon or
    another version word or with a suffix, IBANs failing mod-97 in any case."""
    assert find(text) == []


def test_number_is_a_phone_word_when_it_is_someones_or_a_phones(find: Any) -> None:
    assert find("my number is 4155552671") == [("phone", "4155552671")]
    assert find("phone number 4155552671") == [("phone", "4155552671")]
    assert find("Contact number: 4155552671") == [("phone", "4155552671")]
    assert find("meine Nummer ist 01701234567") == [("phone", "01701234567")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111 1111 1111 1111 12/29 123", [("credit_card", "4111 1111 1111 1111")]),
        ("card 4111111111111111 123 (cvc)", [("credit_card", "4111111111111111")]),
        (
            "DE89 3704 0044 0532 0130 00 and GB29 NWBK 6016 1331 9268 19",
            [("iban", "DE89 3704 0044 0532 0130 00"), ("iban", "GB29 NWBK 6016 1331 9268 19")],
        ),
        ("ab12 call 4155552671", [("phone", "4155552671")]),
        ("tel 0612345678", [("phone", "0612345678")]),
        ("id 0612345678", []),
    ],
)
def test_values_next_to_other_numbers_and_words(
    find: Any, text: str, expected: list[tuple[str, str]]
) -> None:
    """A card number followed by its expiry and security code, an IBAN candidate running on
    over the next IBAN or hiding a phone number, a bare national number of a secondary
    region (with a phone word only, like any bare number)."""
    assert find(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call (+1) 650 253 0000", [("phone", "(+1) 650 253 0000")]),
        ("in parentheses (+44 20 7946 0958)", [("phone", "+44 20 7946 0958")]),
        ("direct +1-650-253-0000x123", [("phone", "+1-650-253-0000x123")]),
        ("US 1.650.253.0000", [("phone", "1.650.253.0000")]),
        ("SSN: 536904412", [("us_ssn", "536904412")]),
        ("SSN: 666904412", []),
        ("id 536904412", []),
        ("see https://user:Xk29fPq0aa@host.example.com", []),
        ("mailto:jane@example.com", [("email", "jane@example.com")]),
        ("Call me at +1 (555) 123-4567", [("phone", "+1 (555) 123-4567")]),
        ("Call me at +1-555-123-4567", [("phone", "+1-555-123-4567")]),
        ("Call me at +1 123 456 7890", []),
    ],
)
def test_wrapped_and_glued_forms(find: Any, text: str, expected: list[tuple[str, str]]) -> None:
    """A country code in parentheses, an extension glued on with x, a dotted US number the
    IPv4 candidate had taken, nine digits after "SSN", a URL login that is no mailbox, a
    fictional number of the first region written with its country code (as without it)."""
    assert find(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Name SSN Age\nJane Doe 123-45-6789 42\nJohn Roe 234-56-7890 37",
            [("us_ssn", "123-45-6789"), ("us_ssn", "234-56-7890")],
        ),
        ("SSN 123-45-6789 8.8.8.8", [("us_ssn", "123-45-6789"), ("ip_address", "8.8.8.8")]),
        ("ssn 123-45-6789 2024-01-01", [("us_ssn", "123-45-6789")]),
        ("SSN: 536904412 42", [("us_ssn", "536904412")]),
        (
            "card 4111 1111 1111 1111 8.8.8.8",
            [("credit_card", "4111 1111 1111 1111"), ("ip_address", "8.8.8.8")],
        ),
        ("+44 20 7946 0958 8.8.8.8", [("phone", "+44 20 7946 0958"), ("ip_address", "8.8.8.8")]),
        (
            "call +44 20 7946 0958 123-45-6789",
            [("phone", "+44 20 7946 0958"), ("us_ssn", "123-45-6789")],
        ),
        ("Jane +1 650 253 0000 37", [("phone", "+1 650 253 0000")]),
        ("Jane 020 7946 0958 42", [("phone", "020 7946 0958")]),
        ("age 42 call 4155552671", [("phone", "4155552671")]),
        ("call 4155552671 42", [("phone", "4155552671")]),
        ("group 211 486 761 1265 comp.lang.python", []),
        ("tel: (0212) 345 67 89", []),
        ("total 2500 3000", []),
        ("Date: Wed, 3 Apr 2002 12.34.56.78+0800", []),
    ],
)
def test_values_standing_among_other_numbers(
    find: Any, text: str, expected: list[tuple[str, str]]
) -> None:
    """A run of numbers is no longer read only as one number or a list of phone numbers:
    an SSN or an IPv4 address among its pieces stands alone, and a phone number next to one
    more number (an age, a count) is read without it; not a piece of a longer number
    ("(0212) 345" of a Turkish number) nor a number only possible in a region without a
    phone word (a protocol reply)."""
    assert find(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name SSN Age\nJane Doe 123 45 6789 42", [("us_ssn", "123 45 6789")]),
        ("| Jane Doe | 123 45 6789 | 42 | 17 |", [("us_ssn", "123 45 6789")]),
        ("SSN 123 45 6789 42", [("us_ssn", "123 45 6789")]),
        ("SSN: 7 123 45 6789 4000", [("us_ssn", "123 45 6789")]),
        ("SSN 123 45 6789", [("us_ssn", "123 45 6789")]),
        ("Jane 123 45 6789 8.8.8.8", [("us_ssn", "123 45 6789"), ("ip_address", "8.8.8.8")]),
        ("1 234 56 7890", []),  # after another number
        ("ids 100 20 3000 4000", []),  # before a longer one
        ("call 123 45 6789 42", []),  # next to a phone word
        ("Tel. 030 12 3456 7", []),
        ("Handy +49 891 23 4567 42", [("phone", "+49 891 23 4567 42")]),
    ],
)
def test_ssns_written_with_spaces_among_other_numbers(
    find: Any, text: str, expected: list[tuple[str, str]]
) -> None:
    """An SSN written ``123 45 6789`` stands alone in a run of numbers when an SSN word
    names it, or first in the run with short numbers after it (a table row's age); grouped
    3-2-4 elsewhere among numbers, or next to a phone word, it stays part of the run."""
    assert find(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "OID 1.3.6.1",
        "the OID is 1.3.6.1",
        "snmpget -v2c -c public host 1.3.6.1",
        "python 3.11.4.1",
        "package 2.28.1.0",
        "requests==2.28.1.0",
    ],
)
def test_oids_and_versions_are_not_addresses(find: Any, text: str) -> None:
    assert find(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("server 10.0.0.1", "10.0.0.1"),
        ("dns 8.8.8.8", "8.8.8.8"),
        ("python script connects to 8.8.8.8", "8.8.8.8"),
        ("snmpget ok\nlogin from 8.8.8.8", "8.8.8.8"),  # the OID word is on another line
    ],
)
def test_addresses_next_to_such_words_stay_addresses(find: Any, text: str, value: str) -> None:
    assert find(text) == [("ip_address", value)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("mail name@domain.xn--p1ai", "name@domain.xn--p1ai"),
        ("mail name@domain.xn--fiqs8s now", "name@domain.xn--fiqs8s"),
        ("to jane@xn--e1afmkfd.XN--P1AI.", "jane@xn--e1afmkfd.XN--P1AI"),
        ("email=jane%40domain.xn--p1ai", "jane%40domain.xn--p1ai"),
    ],
)
def test_punycode_top_level_domains(find: Any, text: str, value: str) -> None:
    assert find(text) == [("email", value)]


def test_ipv4_mapped_ipv6_addresses_are_scored_as_their_ipv4(find: Any) -> None:
    assert find("ip ::ffff:8.8.8.8") == [("ip_address", "::ffff:8.8.8.8")]
    assert find("my ip is ::ffff:192.168.1.20") == [("ip_address", "::ffff:192.168.1.20")]
    assert find("::ffff:127.0.0.1", threshold=0.4) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("call +1 650 253 0000 x204 today", "+1 650 253 0000 x204"),
        ("call (650) 253-0000 ext. 5", "(650) 253-0000 ext. 5"),
        ("call +44 20 7946 0958 extension 12", "+44 20 7946 0958 extension 12"),
        ("call 650-253-0000 xylophone", "650-253-0000"),
    ],
)
def test_an_extension_is_part_of_the_number(find: Any, text: str, value: str) -> None:
    """Redaction removes it too (``<PHONE> x204`` kept the extension)."""
    assert find(text) == [("phone", value)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail a@b.xn-- now", []),
        ("a@b.XN---", []),
        ("write to jane@mail.example.xn-- today", [("email", "jane@mail.example")]),
        ("?email=jane%40b.xn--&x=1", []),
        ("?email=jane%40mail.example.xn--&x=1", [("email", "jane%40mail.example")]),
        ("name@domain.xn--p1ai", [("email", "name@domain.xn--p1ai")]),
        ("?email=jane%40b.xn--p1ai", [("email", "jane%40b.xn--p1ai")]),
    ],
)
def test_an_unfinished_punycode_label_is_not_read_as_a_top_level_domain(
    find: Any, text: str, expected: list[tuple[str, str]]
) -> None:
    """``xn--`` with nothing after it: the address ends before it or is none (``a@b.xn``
    was found, and redaction left ``--`` behind)."""
    assert find(text) == expected
