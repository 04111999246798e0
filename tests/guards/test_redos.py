"""No guard is super-linear: adversarial inputs at two sizes, time growth compared generously.

Each case is a long run of the characters some pattern matches (or a nested repetition of
a near-match). Linear code takes ~4x longer on a 4x longer input; the test fails only above
12x (quadratic would be ~16x and more), and ignores cases too fast to time reliably.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from aisec_sdk.guards import guard_class
from aisec_sdk.text import normalize
from aisec_sdk.verdict import Direction

SMALL = 20_000
GROWTH = 4
LIMIT = 12.0

Maker = Callable[[int], str]


def _rep(unit: str) -> Maker:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


CASES: dict[str, list[tuple[str, Maker]]] = {
    "pii": [
        ("local part", lambda n: "a" * n + "@example.com"),
        ("at signs", _rep("a@b.")),
        ("unfinished punycode", _rep("a@b.xn--")),
        ("encoded unfinished punycode", _rep("=a%40b.c.xn-- ")),
        ("spelled at", _rep("a [at] b [dot] ")),
        ("digits", _rep("1")),
        ("spaced digits", _rep("1 ")),
        ("dotted digits", _rep("1.")),
        ("phone pieces", _rep("555-123-4567 ")),
        ("colons", _rep("a:")),
        ("double colons", _rep("::1 ")),
        ("iban", lambda n: "DE89" + " 3704" * (n // 5)),
        ("parens", _rep("(1")),
        ("bare digits near a phone word", _rep("call 4155552671 ")),
        ("versions", _rep(">=1.2.3.4 ")),
        ("iban heads over numbers", _rep("ab12 4155552671 ")),
        ("registry heads", _rep("DE12 ")),
        ("card then expiry", _rep("4111 1111 1111 1111 12/29 123 ")),
        ("ssns and ages", _rep("123-45-6789 42 ")),
        ("spaced ssns and ages", _rep("123 45 6789 42 ")),
        ("spaced ssns after a phone word", _rep("call 1 123 45 6789 42 ")),
        ("addresses among numbers", _rep("42 8.8.8.8 123456789 ")),
        ("phones and ages", _rep("020 7946 0958 42 ")),
        # phone words, owners and numbers of the regions inferred from the text
        ("glued phone words", _rep("电话13812345678")),
        ("owner and number word", _rep("我的号码是13812345678，")),
        ("order number words", _rep("订单号码13812345678 ")),
        ("order number owner", _rep("мой номер заказа 89161234567 ")),
        ("phone word then number word", _rep("Позвоните мне по номеру 8 916 123-45-67 ")),
        ("suffixed owner", _rep("رقمي ٠٥٠١٢٣٤٥٦٧ ")),
        ("owner after", _rep("המספר שלי 0502345678 ")),
        ("repeated number words", _rep("número número número 612345678 ")),
        ("stems and words after", _rep("telefonnnn 0532 123 45 67 numaralı telefonu arayın ")),
        ("short words before digits", lambda n: "mi número " + "es " * (n // 3) + "612345678"),
        ("spaces before an owner", lambda n: "המספר" + " " * n + "שלי 0502345678"),
        ("run of phone words", lambda n: "电话" * (n // 2) + "13812345678"),
        ("run of owners", lambda n: "ο αριθμός" + " μου" * (n // 4) + " 6912345678"),
        ("numbers after an owner", lambda n: "내 번호 " + "010-1234-5678 " * (n // 14)),
        ("list after a phone word", _rep("هاتف: 12 345 6789 1234 56 78 123 4567 8 ")),
        ("groups after a phone word", _rep("电话：138 1234 5678 1 2 3 4 5 6 7 8 9 0 ")),
    ],
    "secrets": [
        ("base64 run", _rep("Ab9+")),
        ("pem headers", _rep("-----BEGIN PRIVATE KEY-----\n")),
        ("pem then end", lambda n: "-----BEGIN RSA PRIVATE KEY-----\n" * (n // 33) + "-----END"),
        ("assignments", _rep("password=")),
        ("short assignments", _rep("pwd=")),
        ("assignments and values", _rep("secret=Xk29!")),
        ("long value", lambda n: "api_key=" + "x9" * (n // 2)),
        ("url userinfo", _rep("a://b:c@")),
        ("jwt-ish", _rep("eyJabcdefghijk.")),
        ("prefixes", _rep("ghp_sk-AIzaxoxb-")),
        ("google keys in a blob", _rep("AIza" + "Ab9" * 12 + "+")),
        ("long name", lambda n: "password_" + "a" * n + " = Xk29!fq#Lm20"),
        ("names then references", _rep("apiKey: settings.API_KEY, ")),
        ("command lines", _rep("curl -u a:Xk29fPq0aa ")),
        ("names then tokens", _rep("aws_access_key_id = ")),
        ("attribute pairs", _rep("password value=")),
    ],
    "invisible_text": [
        ("tags", _rep("\U000e0041")),
        ("zero width", _rep("a\u200b")),
        ("variation selectors", _rep("\ufe0f")),
    ],
    "canary": [
        ("hex", _rep("0123456789abcdef")),
        ("base64", _rep("YWlzZWMt")),
        ("escaped hex", _rep("0x61 ")),
        ("upper-case tokens", _rep("AISEC-0123456789ABCDEF ")),
    ],
    "exfiltration": [
        ("brackets", _rep("[")),
        ("images", _rep("![a](//")),
        ("links without close", _rep("[a](https://x.example/?q=")),
        ("img tags", _rep("<img ")),
        ("urls", _rep("http://")),
        ("reference defs", _rep("\n[a]: //")),
        ("script links", _rep("[a](javascript:(")),
        ("script sources", _rep("<a src=javascript:(")),
        ("parenthesised paths", _rep("<img src=https://x.example/(a)")),
        ("angle destinations", _rep("[a](<https://")),
        ("quoted titles", _rep("![a](//x '")),
        ("script reference defs", _rep("\n[a]: javascript:")),
        ("unclosed titles", _rep('[a](//x "')),
        ("links in one run", _rep("[a](//x](q)")),
        ("spaced destinations", _rep("[a]( //x](")),
        ("pseudonyms in urls", _rep("https://x/<A_1>")),
        ("quoted sources", _rep('<img src="https://')),
        ("backslash destinations", _rep("![a](https:\\\\")),
        ("slashes and backslashes", _rep("![a](/\\/\\")),
        ("spaces before a source", lambda n: '<img src="' + " " * n + "https://"),
        ("escaped destinations", _rep("[a](https://x\\@")),
        ("style attributes", _rep('<a style="background:url(')),
        ("style blocks", _rep("<style>url(")),
        ("one unclosed style block", lambda n: "<style>" + "a{background:url(//x)}" * (n // 22)),
        ("css escapes", _rep("<b style=x:url(\\2f\\")),
        ("css strings", _rep("<style>url('\\")),
        ("css imports", _rep('<style>@import "')),
        ("links then bare urls", _rep("[a](//x) https://y ")),
        ("tags then bare urls", _rep("<img src=//x> https://y ")),
    ],
    "system_prompt_leak": [
        ("repeated words", _rep("you are a bot ")),
        ("escaped newlines", _rep("\\n")),
        ("han characters", _rep("你是阿克米")),
    ],
    "banned": [
        ("near misses", _rep("acm ")),
        ("decomposed accents", _rep("e\u0301")),
        ("spaced terms", _rep("acme  ")),
    ],
    "token_limit": [("one long word", _rep("a")), ("spaces", _rep(" "))],
}

OPTIONS: dict[str, dict[str, Any]] = {
    "canary": {"tokens": ["aisec-0123456789abcdef"], "use_registry": False},
    "system_prompt_leak": {
        "system_prompt": "you are a bot that helps " * 20 + "你是阿克米公司的助手。"
    },
    "banned": {"terms": ["acme", "acme corp"], "regexes": [r"acm\w+"]},
    "token_limit": {"max_tokens": 1_000_000},
}


def _timed(fn: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize(
    ("guard_id", "name", "make"),
    [(gid, name, make) for gid, cases in CASES.items() for name, make in cases],
    ids=[f"{gid}-{name}" for gid, cases in CASES.items() for name, _ in cases],
)
def test_guard_time_grows_linearly(guard_id: str, name: str, make: Maker) -> None:
    cls: Any = guard_class(guard_id)
    guard = cls(cls.Settings.model_validate(OPTIONS.get(guard_id, {})))
    direction: Direction = "output" if "output" in cls.default_directions else "input"
    small, large = normalize(make(SMALL)), normalize(make(SMALL * GROWTH))
    for _ in range(2):  # a second look when other load on a shared machine skewed one
        t_small = _timed(lambda: guard.scan(small, direction))
        t_large = _timed(lambda: guard.scan(large, direction))
        if t_large < 0.02 or t_large / max(t_small, 1e-4) < LIMIT:
            return  # linear, or too fast to be a problem and to time
    raise AssertionError((guard_id, name, t_small, t_large))
