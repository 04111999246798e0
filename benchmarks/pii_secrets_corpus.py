"""Precision and recall of the ``pii`` and ``secrets`` guards on a generated corpus.

The corpus is built from a fixed seed: every positive is a valid value of its kind (cards
with a Luhn digit and a real issuer prefix, IBANs with correct mod-97 check digits, phone
numbers that ``phonenumbers`` accepts, tokens in each provider's format) placed in a
sentence; every look-alike is something a naive pattern would take for one (invalid
checksums, dates, versions, ISBNs, UUIDs, hashes, git SHAs, base64 images, placeholders
such as ``sk-...`` and ``YOUR_API_KEY``). A positive counts as found when a finding of the
right kind covers it; any finding on a look-alike is a false positive.

The same guards also run on real text that holds (almost) no personal data and no live
credentials: the Python standard library's source, a fixed sample of the installed packages'
source and their README texts (``*.dist-info/METADATA``). Every secrets finding there at or
above the default threshold is counted as a false positive (the few real test credentials
are listed, to be judged by hand); pii findings are counted and timed. Both columns are
measured twice in one process: with the guard modules of ``BASELINE`` (read from git) and
with the working tree.

``evaluate()`` returns the Markdown of the section (used by ``benchmarks/detection.py``);
running the module prints it, and ``--write`` stores it in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import importlib.util
import json
import random
import statistics
import string
import subprocess
import sys
import sysconfig
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import phonenumbers

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisec_sdk.guards import guard_class
from aisec_sdk.text import Text, normalize

SEED = 20261126
PER_KIND = 60
BASELINE = "5870d50b7365e06400fa2d0c76a6347437132379"
"""The revision whose ``pii`` and ``secrets`` modules the real-text table compares against."""
SITE_SAMPLE_STEP = 40
"""Every 40th ``*.py`` file of site-packages, in sorted path order."""
ROOT = Path(__file__).resolve().parents[1]
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"

Sample = tuple[str, str | None, str, str]  # (text, expected kind or None, value, guard)

_SENTENCES = (
    "Please use {v} for this.",
    "As discussed, the value is {v} - keep it safe.",
    "{v}",
    "Config:\n  value: {v}\n",
    "Ticket #4411: customer wrote '{v}' in the form.",
)


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        digits = body + check
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
            for i, d in enumerate(int(c) for c in reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


def _group(value: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(value[i : i + size] for i in range(0, len(value), size))


def _phone(make: Callable[[], str], region: str | None) -> str:
    """A number from ``make`` that ``phonenumbers`` accepts (as written in ``region``)."""
    while True:
        number = make()
        if phonenumbers.is_valid_number(phonenumbers.parse(number, region)):
            return number


def _pii_positives(rng: random.Random) -> dict[str, list[str]]:
    def rand(n: int, alphabet: str = string.digits) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    names = ["jane.doe", "j.smith", "mario_rossi", "li.wei", "a.muller+news", "kim-lee", "o'neil"]
    domains = ["example.com", "mail.example.org", "corp.example.co.uk", "uni.example.edu"]
    cards = [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16)]
    out: dict[str, list[str]] = defaultdict(list)
    for _ in range(PER_KIND):
        out["email"].append(f"{rng.choice(names)}{rand(2)}@{rng.choice(domains)}")
        prefix, length = rng.choice(cards)
        card = _luhn_complete(prefix, length, rng)
        out["credit_card"].append(rng.choice([card, _group(card), _group(card, 4, "-")]))
        country, bban = rng.choice(
            [
                ("DE", rand(18)),
                ("FR", rand(23)),
                ("NL", "ABNA" + rand(10)),
                ("GB", "WEST" + rand(14)),
            ]
        )
        iban = _iban(country, bban)
        out["iban"].append(rng.choice([iban, _group(iban), _group(iban).lower()]))
        area = rng.choice([n for n in range(1, 900) if n != 666])
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        out["us_ssn"].append(
            rng.choice(
                [f"{area:03d}-{group:02d}-{serial:04d}", f"SSN: {area:03d}{group:02d}{serial:04d}"]
            )
        )
        npa = rng.choice(["415", "212", "617", "303", "646"])
        us = f"{npa}{rng.randint(2, 9)}{rand(2)}{rand(4)}"
        out["phone"].append(
            rng.choice(
                [
                    f"({us[:3]}) {us[3:6]}-{us[6:]}",
                    f"{us[:3]}-{us[3:6]}-{us[6:]}",
                    f"+1 {us[:3]} {us[3:6]} {us[6:]}",
                    f"(+1) {us[:3]} {us[3:6]} {us[6:]}",
                    f"{us[:3]}-{us[3:6]}-{us[6:]}x{rand(3)}",
                    f"+44 20 7{rand(3)} {rand(4)}",
                    f"+49 30 {rand(7)}",
                    _phone(lambda: f"+33 6 {rand(2)} {rand(2)} {rand(2)} {rand(2)}", None),
                    _phone(lambda: f"+33 (0)6 {rand(2)} {rand(2)} {rand(2)} {rand(2)}", None),
                    _phone(lambda: f"00 44 20 7{rand(3)} {rand(4)}", "GB"),
                    # national formats of the other default regions
                    _phone(lambda: f"03-{rand(4)}-{rand(4)}", "JP"),
                    _phone(lambda: f"04{rand(2)} {rand(3)} {rand(3)}", "AU"),
                    _phone(lambda: f"09{rand(4)} {rand(5)}", "IN"),
                    _phone(lambda: f"(11) 9{rand(4)}-{rand(4)}", "BR"),
                ]
            )
        )
        out["ip_address"].append(
            rng.choice(
                [
                    ".".join(str(rng.randint(11, 223)) for _ in range(4)).replace(
                        "127.", "128.", 1
                    ),
                    f"2a00:1450:{rand(4, '0123456789abcdef')}::{rand(3, '0123456789abcdef')}",
                    f"203.0.113.{rng.randint(1, 254)}",  # documentation range: an example
                ]
            )
        )
    return out


def _pii_lookalikes(rng: random.Random) -> list[str]:
    out = []
    for _ in range(PER_KIND):
        card = _luhn_complete("4", 16, rng)
        bad_card = card[:-1] + str((int(card[-1]) + 1) % 10)
        iban = _iban("DE", "".join(rng.choice(string.digits) for _ in range(18)))
        bad_iban = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
        year = rng.randint(1950, 2030)
        out += [
            _group(bad_card),
            bad_iban,
            f"{rng.choice(['000', '666', '912'])}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}",
            f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"{year}-{year + rng.randint(1, 9)}",
            f"v{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}.{rng.randint(0, 999)}",
            f"ISBN 978-{rng.randint(0, 9)}-{rng.randint(10, 99)}-{rng.randint(10**5, 10**6)}-7",
            f"order {rng.randint(10**11, 10**12)}",
            f"{rng.uniform(-90, 90):.6f}, {rng.uniform(-180, 180):.6f}",
            f"({rng.choice(['123', '000', '199'])}) 555-{rng.randint(1000, 9999)}",
            "127.0.0.1",
            f"{rng.randint(10, 23):02d}:{rng.randint(10, 59):02d}:{rng.randint(10, 59):02d}",
            "std::vector<int>",
            f"user@localhost and @{rng.choice(['alice', 'bob'])}",
            # found in source code and package READMEs
            f"if sys.maxsize == {rng.choice([2147483647, 4294967295, 2209069412])}:",
            " ".join(str(d) for d in range(rng.randint(20, 24), 32)),
            f"pkg>={rng.randint(1, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(1, 9)}",
            "section " + ".".join(str(rng.randint(1, 19)) for _ in range(4)),
            f"git clone git@github.com:{rng.choice(['acme', 'octo'])}/repo.git",
            " ".join(f"{rng.randrange(16**4):04X}" for _ in range(12)),
            f"[{rng.randint(10**17, 10**18)}, -{rng.randint(10**8, 10**9)}]",
            f"{rng.randint(200, 229)} {rng.randint(10**6, 10**7)} articles retrieved",
            f"at {rng.randint(10, 23)}:{rng.randint(10, 59)}:{rng.randint(10, 59)} UTC",
            f"icon@{rng.randint(2, 3)}x.{rng.choice(['png', 'webp', 'svg'])}",
            f"{rng.choice(['Serial', 'Order', 'Account', 'Tracking'])} number: "
            + rng.choice(["415", "212", "617"])
            + str(rng.randint(2000000, 9999999)),
            "Version: " + ".".join(str(rng.randint(1, 99)) for _ in range(4)),
            f"Linux kernel 5.{rng.randint(4, 19)}.0.{rng.randint(10, 99)}-generic",
        ]
    return out


def _jwt(rng: random.Random) -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    sig = "".join(rng.choice(ALNUM + "-_") for _ in range(43))
    claims = {"sub": str(rng.randint(1, 10**6)), "iat": rng.randint(10**9, 2 * 10**9)}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.{sig}"


_PASSWORD_IN_CODE = (
    'password = "{v}"',
    'self.db_password = "{v}"',
    'conn = psycopg.connect(host="db", password="{v}")',
    "DB_PASSWORD={v}",
    "redis:\n  password: {v}\n",
    "spring.datasource.password={v}",
    "<password>{v}</password>",
    "curl -u admin:{v} https://api.example.com/v1/items",
)
_KEY_IN_CODE = (
    "X_API_KEY={v}",
    'apiKey: "{v}",',
    'client = Client(api_key="{v}")',
    '{{"x-api-key": "{v}"}}',
    "GITHUB_TOKEN={v}",
    'accessToken = "{v}"',
    "Ocp-Apim-Subscription-Key: {v}",
)
_CODE_LOOKALIKES = (
    'tokenizer = AutoTokenizer.from_pretrained("{org}/{model}")',
    "tokenizer.decoder = decoders.{Model}()",
    "self._tokenizer.post_processor = processors.{Model}(trim_offsets=True)",
    '"x-api-key": settings.{NAME}_API_KEY,',
    'password = input("{Model} password: ")',
    'token = request.headers["X-{Model}-Token"]',
    "secret_key = get_random_secret_key()",
    'PASSWORD_FIELD = "password"',
    "token_type_ids: torch.LongTensor | None = None",
    'token: str = "{model}"',
    'api_key = os.getenv("{NAME}_API_KEY")',
    "const token = process.env.{NAME}_TOKEN;",
    "DB_PASSWORD=${{{NAME}_PASSWORD}}",
    "{NAME}_API_KEY=your-api-key-here",
    "password_file: /run/secrets/{model}_password",
    "token_type = '{model}-token'",
    "SHARED_SECRET = 'shared-secret'",
    "max_tokens: {number}",
)
"""Code and config that names a secret without holding one (``{org}``... filled at random)."""


def _secret_positives(rng: random.Random) -> dict[str, list[str]]:
    def rand(n: int, alphabet: str = ALNUM) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    upper32 = string.ascii_uppercase + "234567"
    makers: dict[str, Callable[[], str]] = {
        "aws_access_key_id": lambda: rng.choice(
            ["{k}", "aws_access_key_id = {k}", '"AccessKeyId": "{k}",']
        ).format(k=rng.choice(["AKIA", "ASIA"]) + rand(16, upper32)),
        "aws_secret_access_key": lambda: "aws_secret_access_key = " + rand(40, B64),
        "github_token": lambda: rng.choice(["{t}", "https://{t}@github.com/acme/app.git"]).format(
            t=rng.choice(["ghp_", "gho_", "ghs_", "ghu_"]) + rand(36)
        ),
        "github_fine_grained_token": lambda: f"github_pat_{rand(22)}_{rand(59)}",
        "gitlab_token": lambda: "glpat-" + rand(20, ALNUM + "_-"),
        "slack_token": lambda: (
            f"xoxb-{rand(11, string.digits)}-{rand(13, string.digits)}-{rand(24)}"
        ),
        "stripe_key": lambda: rng.choice(["sk_live_", "rk_live_"]) + rand(24),
        "openai_key": lambda: "sk-proj-" + rand(48, ALNUM + "_-"),
        "anthropic_key": lambda: "sk-ant-api03-" + rand(93, ALNUM + "_-") + "AA",
        "huggingface_token": lambda: "hf_" + rand(34),
        "google_api_key": lambda: "AIza" + rand(35, ALNUM + "_-"),
        "google_oauth": lambda: rng.choice(
            ["GOCSPX-" + rand(28), "ya29." + rand(80, ALNUM + "_-")]
        ),
        "azure_storage_key": lambda: "AccountKey=" + rand(86, B64) + "==",
        "jwt": lambda: _jwt(rng),
        "npm_token": lambda: "npm_" + rand(36),
        "sendgrid_key": lambda: f"SG.{rand(22)}.{rand(43)}",
        "bearer_token": lambda: "Authorization: Bearer " + rand(40, ALNUM + "-._"),
        "private_key": lambda: rng.choice(
            [
                "-----BEGIN {t}-----\n{b}\n-----END {t}-----",
                # a service-account JSON: the block's line breaks escaped
                '{{"private_key": "-----BEGIN {t}-----\\n{b}\\n-----END {t}-----\\n"}}',
            ]
        ).format(
            t=rng.choice(
                ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]
            ),
            b="\n".join(rand(64, B64) for _ in range(4)),
        ),
        "database_url": lambda: rng.choice(
            [
                f"postgres://app:{rand(14)}@db.internal:5432/prod",
                f"redis://:{rand(20)}@cache.internal:6379/0",
                f"mongodb+srv://svc:{rand(16)}@cluster0.ab1cd.mongodb.net/app",
            ]
        ),
        "azure_sas_signature": lambda: (
            "https://acme.blob.core.windows.net/c/f.txt?sv=2022-11-02&sp=r&sig="
            + base64.b64encode(rng.randbytes(32)).decode().replace("+", "%2B").replace("/", "%2F")
            + "&se=2026-01-01"
        ),
        "password": lambda: rng.choice(_PASSWORD_IN_CODE).format(
            v=f"{rand(6)}!{rand(5, string.digits)}"
        ),
        "api_key": lambda: rng.choice(_KEY_IN_CODE).format(v=rand(32, "0123456789abcdef")),
    }
    return {kind: [make() for _ in range(PER_KIND)] for kind, make in makers.items()}


def _secret_lookalikes(rng: random.Random) -> list[str]:
    def rand(n: int, alphabet: str = ALNUM) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    hexd = "0123456789abcdef"
    upper32 = string.ascii_uppercase + "234567"
    out = []
    for _ in range(PER_KIND):
        out += [
            f"request {rand(8, hexd)}-{rand(4, hexd)}-4{rand(3, hexd)}-a{rand(3, hexd)}-"
            + rand(12, hexd),
            f"commit {rand(40, hexd)}",
            f"sha256: {rand(64, hexd)}",
            f"md5 {rand(32, hexd)}",
            f"![logo](data:image/png;base64,{rand(1200, B64)})",
            "export OPENAI_API_KEY=sk-...",
            "OPENAI_API_KEY=YOUR_API_KEY",
            'api_key = "<your-api-key>"',
            "token: ${GITHUB_TOKEN}",
            "api_key = os.environ['OPENAI_API_KEY']",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "postgres://user:password@localhost:5432/db",
            "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
            "the password must be at least twelve characters long",
            "Token: the smallest unit a tokenizer produces",
            f"scikit-learn {rng.randint(0, 9)}.{rng.randint(0, 9)} and the task-based approach",
            f"base64 text {rand(60, B64)}==",
            "Authorization: Bearer <token>",
            "Bearer tokens are described in RFC 6750 for OAuth 2.0 clients",
            f'"nextPageToken": "{rand(32)}"',
            "postgres://postgres:postgres@localhost:5432/test",
            f"e.g. sk-proj-{rand(40)}... in the dashboard",
            f"aws_access_key_id = AKIA{rand(12, upper32)}... (cut short)",
            *(
                template.format(
                    org=rng.choice(["acme", "meta-llama", "google", "mistralai"]),
                    model=model,
                    Model=model.title().replace("-", ""),
                    NAME=model.upper().replace("-", "_"),
                    number=rng.randint(10**7, 10**9),
                )
                for template in _CODE_LOOKALIKES
                for model in [rng.choice(["bert-base", "gpt2", "llama", "t5-small", "qwen"])]
            ),
        ]
    return out


def corpus() -> list[Sample]:
    """Every sample: (text, expected kind or None for a look-alike, planted value, guard)."""
    rng = random.Random(SEED)
    samples: list[Sample] = []
    for guard, positives, lookalikes in (
        ("pii", _pii_positives(rng), _pii_lookalikes(rng)),
        ("secrets", _secret_positives(rng), _secret_lookalikes(rng)),
    ):
        for kind, values in positives.items():
            for value in values:
                samples.append((rng.choice(_SENTENCES).format(v=value), kind, value, guard))
        for value in lookalikes:
            samples.append((rng.choice(_SENTENCES).format(v=value), None, value, guard))
    return samples


def corpus_table(guards: dict[str, Any], per_kind: bool = True) -> str:
    """Markdown: per guard (and kind), recall on positives; precision counting every finding
    on a look-alike (and every wrong finding on a positive) as a false positive.
    ``guards``: guard id -> guard instance."""
    tp: dict[tuple[str, str], int] = defaultdict(int)
    pos: dict[tuple[str, str], int] = defaultdict(int)
    fp: dict[tuple[str, str], int] = defaultdict(int)
    lookalike_hits: dict[str, int] = defaultdict(int)
    lookalikes: dict[str, int] = defaultdict(int)
    for text, kind, value, gid in corpus():
        guard = guards[gid]
        found = [
            f for f in guard.scan(normalize(text), "input") if f.score >= guard.default_threshold
        ]
        if kind is None:
            lookalikes[gid] += 1
            lookalike_hits[gid] += bool(found)
            for f in found:
                fp[(gid, f.entity or "?")] += 1
            continue
        at = text.index(value)
        pos[(gid, kind)] += 1
        hit = False
        for f in found:
            if f.entity == kind and f.start < at + len(value) and at < f.end and not hit:
                hit = True
            else:
                fp[(gid, f.entity or "?")] += 1
        tp[(gid, kind)] += hit
    lines = [
        "| guard | kind | positives | recall | precision |",
        "|---|---|---:|---:|---:|",
    ]
    for gid in guards:
        total_tp = total_pos = total_fp = 0
        for (g, kind), n in sorted(pos.items()):
            if g != gid:
                continue
            t, f = tp[(g, kind)], fp[(g, kind)]
            total_tp, total_pos, total_fp = total_tp + t, total_pos + n, total_fp + f
            precision = t / (t + f) if t + f else 1.0
            if per_kind:
                lines.append(f"| {gid} | {kind} | {n} | {t / n:.1%} | {precision:.1%} |")
        stray = sum(v for (g, k), v in fp.items() if g == gid and (g, k) not in pos)
        total_fp += stray
        lines.append(
            f"| **{gid}** | **all** | {total_pos} | **{total_tp / total_pos:.1%}** | "
            f"**{total_tp / max(1, total_tp + total_fp):.1%}** |"
        )
    lines.append("")
    lines.append(
        "Look-alikes that fired: "
        + ", ".join(f"{gid} {lookalike_hits[gid]}/{lookalikes[gid]}" for gid in guards)
        + f" (corpus seed {SEED}, {PER_KIND} samples per kind)."
    )
    return "\n".join(lines)


# Phone numbers as people in each region write them, in their own language.
REGION_SEED = 20261127
REGIONS_BASELINE = "d6d5b617e06eca50a08ad10e9ec19bdef9f2746b"
"""The revision whose `pii` the region table compares against: the last before regions
were inferred from the text."""
REGION_VARIANTS = 3
"""Numbers per region and type: the example number of ``phonenumbers`` and variants of it
(last three digits drawn from the seed, kept when still valid for the region)."""
_SAYINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # language: (sentences around a phone number, sentences around a number that is none)
    "zh": (
        ("我的电话是{}", "请拨打{}联系我", "手机：{}", "{}是我的手机号", "有事打我电话{}。"),  # noqa: RUF001
        ("订单号 {}", "订单号码：{}", "发票号码{}", "快递单号{}已发货"),  # noqa: RUF001
    ),
    "zh_Hant": (
        ("我的電話是{}", "請撥打{}聯絡我", "手機：{}", "{}是我的手機號碼"),  # noqa: RUF001
        ("訂單編號 {}", "發票號碼：{}", "會員編號{}"),  # noqa: RUF001
    ),
    "ja": (
        ("私の電話番号は{}です", "携帯：{}", "{}までお電話ください", "連絡先 {}"),  # noqa: RUF001
        ("注文番号 {}", "請求書番号：{}", "会員番号{}"),  # noqa: RUF001
    ),
    "ko": (
        ("내 전화번호는 {}입니다", "{}로 전화주세요", "휴대폰: {}", "연락처 {}"),
        ("주문번호 {}", "송장번호: {}", "회원번호 {}"),
    ),
    "ru": (
        ("Мой телефон {}", "Позвоните мне по номеру {}", "Мой номер: {}", "тел. {}"),
        ("Заказ № {}", "номер заказа {}", "мой номер заказа {}", "счёт {} оплачен"),
    ),
    "uk": (
        ("Мій телефон {}", "Зателефонуйте {}", "Мій номер: {}", "тел. {}"),
        ("Замовлення № {}", "номер замовлення {}", "рахунок {}"),
    ),
    "ar": (
        ("رقم هاتفي {}", "اتصل بي على {}", "جوال: {}", "رقمي {}"),
        ("رقم الطلب {}", "رقم الفاتورة {}", "التوقيع الرقمي {}"),
    ),
    "fa": (
        ("شماره تلفن من {}", "با {} تماس بگیرید", "موبایل: {}"),
        ("شماره سفارش {}", "شماره فاکتور {}"),
    ),
    "he": (
        ("הטלפון שלי {}", "התקשרו ל-{}", "המספר שלי {}"),
        ("מספר הזמנה {}", "חשבונית {}"),
    ),
    "th": (
        ("เบอร์โทร {}", "โทรหาฉันที่ {}", "มือถือ: {}"),
        ("หมายเลขคำสั่งซื้อ {}", "ใบแจ้งหนี้ {}"),
    ),
    "el": (
        ("Το τηλέφωνό μου είναι {}", "Καλέστε με στο {}", "ο αριθμός μου {}", "κινητό: {}"),  # noqa: RUF001
        ("αριθμός παραγγελίας {}", "τιμολόγιο {}"),
    ),
    "hi": (
        ("मेरा फ़ोन नंबर {} है", "मुझे {} पर कॉल करें", "मोबाइल: {}"),
        ("ऑर्डर संख्या {}", "चालान नंबर {}"),
    ),
    "es": (
        ("mi número es {}", "llámame al {}", "teléfono: {}", "móvil {}"),
        ("número de pedido {}", "factura n.º {}", "referencia {}"),
    ),
    "it": (
        ("il mio numero è {}", "chiamami al {}", "cellulare: {}", "telefono {}"),
        ("numero d'ordine {}", "fattura n. {}", "codice {}"),
    ),
    "pt": (
        ("meu telefone é {}", "ligue para {}", "celular: {}", "meu número é {}"),
        ("número do pedido {}", "nota fiscal {}", "protocolo {}"),
    ),
    "nl": (
        ("mijn nummer is {}", "bel me op {}", "telefoon: {}"),
        ("bestelnummer {}", "factuurnummer: {}"),
    ),
    "pl": (
        ("mój numer to {}", "zadzwoń pod {}", "telefon: {}", "tel. kom. {}"),
        ("numer zamówienia {}", "faktura nr {}"),
    ),
    "tr": (
        ("telefon numaram {}", "cep: {}", "{} numaralı telefonu arayın"),  # noqa: RUF001
        ("sipariş numarası {}", "fatura no {}"),  # noqa: RUF001
    ),
    "id": (
        ("nomor saya {}", "hubungi saya di {}", "telepon: {}"),
        ("nomor pesanan {}", "faktur {}"),
    ),
    "de": (
        ("meine Nummer ist {}", "Ruf mich an: {}", "Telefon: {}", "Handy {}"),
        ("Bestellnummer {}", "Rechnung Nr. {}", "Kundennummer: {}"),
    ),
    "fr": (
        ("mon numéro est le {}", "appelez-moi au {}", "tél : {}", "portable : {}"),
        ("numéro de commande {}", "facture n° {}"),
    ),
    "en": (
        ("my number is {}", "call me at {}", "phone: {}"),
        ("order number {}", "invoice {}", "tracking id {}"),
    ),
}  # fmt: skip
"""Sentences of each language (written for this benchmark) around phone numbers, and
around numbers that are none: order, invoice and customer numbers."""
_REWORDED: dict[str, tuple[str, ...]] = {
    "zh": ("联系方式：{}", "客服热线{}", "有问题请打{}", "手机号码 {}"),  # noqa: RUF001
    "zh_Hant": ("聯絡方式：{}", "客服專線{}", "有問題請打{}"),  # noqa: RUF001
    "ja": ("TEL：{}", "お問い合わせ先 {}", "ご連絡は{}まで"),  # noqa: RUF001
    "ko": ("문의: {}", "H.P {}", "연락 주세요 {}"),
    "ru": ("звоните: {}", "моб. {}", "контактный телефон {}", "WhatsApp {}"),
    "uk": ("дзвоніть {}", "моб. {}", "контакти: {}"),
    "ar": ("للتواصل {}", "واتساب {}", "اتصلوا على {}"),
    "fa": ("تلفن تماس {}", "همراه: {}"),
    "he": ("טל' {}", "נייד: {}", "לפרטים {}"),
    "th": ("ติดต่อ {}", "โทร. {}"),
    "el": ("τηλ. {}", "κιν. {}", "επικοινωνία {}"),
    "hi": ("संपर्क करें {}", "फोन {}", "व्हाट्सएप {}"),
    "es": ("contacto: {}", "WhatsApp {}", "tel. {}", "cel. {}"),
    "it": ("tel. {}", "cell. {}", "contattami al {}"),
    "pt": ("fone: {}", "zap {}", "contato: {}", "tel. {}"),
    "nl": ("tel. {}", "mobiel: {}", "bereikbaar op {}"),
    "pl": ("kontakt: {}", "tel. {}", "kom. {}"),
    "tr": ("tel: {}", "iletişim: {}", "GSM: {}"),
    "id": ("HP: {}", "WA {}", "kontak {}"),
    "de": ("Tel. {}", "mobil: {}", "erreichbar unter {}"),
    "fr": ("tél. {}", "joignable au {}", "contact : {}"),
    "en": ("tel. {}", "reach me on {}", "WhatsApp {}"),
}  # fmt: skip
"""Other ways of saying it, written after the guard's vocabulary and not used to extend it:
abbreviations, "contact", messaging apps, words the vocabulary does not hold."""
REGION_LANGUAGES: dict[str, str] = {
    "CN": "zh", "TW": "zh_Hant", "HK": "zh_Hant", "JP": "ja", "KR": "ko", "RU": "ru",
    "BY": "ru", "KZ": "ru", "UA": "uk", "SA": "ar", "AE": "ar", "EG": "ar", "IR": "fa",
    "IL": "he", "TH": "th", "GR": "el", "IN": "hi", "ES": "es", "MX": "es", "AR": "es",
    "CO": "es", "IT": "it", "BR": "pt", "PT": "pt", "NL": "nl", "BE": "nl", "PL": "pl",
    "TR": "tr", "ID": "id", "DE": "de", "FR": "fr", "US": "en", "GB": "en",
}  # fmt: skip
"""The regions of the table and the language their sentences are in."""
REGION_LOOK_ALIKES = (
    "2024年3月15日", "¥13,812,345", "金额：1,380,000元", "身份证号 110101199003071234",  # noqa: RUF001
    "2024년 3월 15일", "₩1,380,000", "15.03.2024 в 10:30", "1 234 567 руб.",  # noqa: RUF001
    "ИНН 7707083893", "السعر 1,234,567 ريال", "١٥/٠٣/٢٠٢٤", "₹13,81,234", "R$ 1.234.567,89",  # noqa: RUF001
    "1.234.567 €", "ISBN 978-88-04-66862-6", "v2.14.3 发布于 2024-03-15", "时间戳 1710489600123",
    "| 138 | 1234 | 5678 |", "第1381234号", "2024/03/15 13:81:23", "المبلغ 2500 3000 ريال",
    "население 17 595 3331 человек", "数量 5123 4567 件",
)  # fmt: skip
"""Numbers of other kinds in the same languages: dates, prices, an ID card, a tax number,
versions, a timestamp, a table."""


def _region_numbers(region: str, rng: random.Random) -> list[str]:
    """National numbers of ``region`` (mobile and fixed line): ``phonenumbers``' example
    number of each type and variants of it, in the national format."""
    numbers: list[str] = []
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        found = [example]
        for _ in range(REGION_VARIANTS * 10):
            if len(found) > REGION_VARIANTS:
                break
            national = str(example.national_number)
            variant = national[:-3] + "".join(rng.choice(string.digits) for _ in range(3))
            number = phonenumbers.parse(variant, region)
            if phonenumbers.is_valid_number_for_region(number, region) and number not in found:
                found.append(number)
        numbers += (
            phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL) for n in found
        )
    return numbers


def region_corpus() -> list[tuple[str, str, str, str | None]]:
    """(region, text, form, written number or None for a look-alike) of the region table:
    each number in its national format and as bare digits, in a sentence of its
    language, and in its national format in a `_REWORDED` sentence; order numbers and the
    like (bare national numbers after an order or invoice word) and `REGION_LOOK_ALIKES`."""
    rng, other = random.Random(REGION_SEED), random.Random(REGION_SEED + 1)
    samples: list[tuple[str, str, str, str | None]] = []
    for region, language in REGION_LANGUAGES.items():
        phones, others = _SAYINGS[language]
        for national in _region_numbers(region, rng):
            bare = "".join(c for c in national if c.isdigit())
            for form, written in (("national", national), ("bare", bare)):
                samples.append((region, rng.choice(phones).format(written), form, written))
            samples.append((region, rng.choice(others).format(bare), "look-alike", None))
            reworded = other.choice(_REWORDED[language]).format(national)
            samples.append((region, reworded, "reworded", national))
    samples += [("-", text, "look-alike", None) for text in REGION_LOOK_ALIKES]
    return samples


def region_table(guards: dict[str, Any]) -> str:
    """Markdown: per region, national numbers found (a phone finding over exactly the
    number) in the national format, as bare digits and in reworded sentences, and
    look-alike findings, for each version of the ``pii`` guard (``guards``: version ->
    guard)."""
    found: dict[tuple[str, str, str], int] = Counter()
    total: dict[tuple[str, str], int] = Counter()
    for region, text, form, written in region_corpus():
        total[(region, form)] += 1
        for version, guard in guards.items():
            hits = [
                (f.entity, text[f.start : f.end])
                for f in guard.scan(normalize(text), "input")
                if f.score >= guard.default_threshold
            ]
            if written is None:
                found[(version, region, form)] += len(hits)
            else:
                found[(version, region, form)] += ("phone", written) in hits
    versions = list(guards)
    forms = ("national", "bare", "reworded", "look-alike")
    head = " | ".join(f"{form}, {v}" for form in forms for v in versions)
    lines = [f"| region (language) | {head} |", "|---|" + "---:|" * (len(forms) * len(versions))]
    rows = [([r], f"{r} ({lang})") for r, lang in REGION_LANGUAGES.items()]
    rows += [(["-"], "other look-alikes"), ([*REGION_LANGUAGES, "-"], "**all**")]
    for regions, name in rows:
        cells = []
        for form in forms:
            n = sum(total[(r, form)] for r in regions)
            for v in versions:
                k = sum(found[(v, r, form)] for r in regions)
                cells.append("" if not n else f"{k} of {n}" if form == "look-alike" else f"{k}/{n}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def region_speed(guards: dict[str, Any], repeat: int = 31) -> str:
    """Markdown: MB/s of two versions of the ``pii`` guard (``guards``: "before", "after")
    on the 1 MiB documents of ``benchmarks/guards.py`` and ``benchmarks/pii_scripts.py``
    (the fastest of ``repeat``), the median of the per-round speed ratios (the two scan
    the same fresh copy of the normalised text in turn, in alternating order, so a busy
    moment of a shared machine hits both), and µs per call on the first 1,024 characters."""
    from guards import DOCUMENTS, benign_document, code_document
    from pii_scripts import documents

    texts = {name: benign_document(source=source) for name, source in DOCUMENTS.items()}
    texts["code"] = code_document()
    texts.update({f"pii_scripts: {k}": v for k, v in documents().items() if k != "ascii"})
    lines = [
        "| document | MB/s before | MB/s after | after / before (median of rounds) "
        "| µs per 1 KB before | µs per 1 KB after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, text in texts.items():
        best: dict[tuple[int, str], float] = {}
        ratios: list[float] = []
        for size, runs in ((len(text), repeat), (1024, repeat * 20)):
            normalised = normalize(text[:size])
            for round_ in range(runs + 1):
                taken = {}
                for v in ("before", "after") if round_ % 2 else ("after", "before"):
                    fresh = dataclasses.replace(normalised)
                    started = time.perf_counter()
                    guards[v].scan(fresh, "input")
                    taken[v] = time.perf_counter() - started
                    best[(size, v)] = min(best.get((size, v), float("inf")), taken[v])
                if size == len(text) and round_:
                    ratios.append(taken["before"] / taken["after"])
        rate = {v: len(text) / (1 << 20) / best[(len(text), v)] for v in ("before", "after")}
        lines.append(
            f"| {name} | {rate['before']:,.0f} | {rate['after']:,.0f} |"
            f" {statistics.median(ratios):.2f}x | {best[(1024, 'before')] * 1e6:.1f} |"
            f" {best[(1024, 'after')] * 1e6:.1f} |"
        )
    return "\n".join(lines)


def real_texts() -> dict[str, list[Text]]:
    """The real-text sets, normalised: name -> one `Text` per file."""
    paths = sysconfig.get_paths()
    stdlib, site = Path(paths["stdlib"]), Path(paths["purelib"])
    sets = {
        "(a) stdlib `*.py`": sorted(
            f for f in stdlib.rglob("*.py") if "site-packages" not in f.relative_to(stdlib).parts
        ),
        f"(b) site-packages `*.py`, every {SITE_SAMPLE_STEP}th": sorted(site.rglob("*.py"))[
            ::SITE_SAMPLE_STEP
        ],
        "(c) site-packages `METADATA`": sorted(site.glob("*.dist-info/METADATA")),
    }
    return {
        name: [normalize(f.read_text(encoding="utf-8", errors="replace")) for f in files]
        for name, files in sets.items()
    }


def _module_at(revision: str, name: str) -> ModuleType | None:
    """``aisec_sdk.guards.<name>`` as it was at ``revision`` (None without git or revision)."""
    try:
        source = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{revision}:aisec_sdk/guards/{name}.py"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader(f"_baseline_{name}", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the settings' annotations here
    exec(compile(source, f"{revision[:7]}:{name}.py", "exec"), module.__dict__)
    return module


def _instance(cls: Any) -> Any:
    """A guard of class ``cls`` with its default settings."""
    return cls(cls.Settings())


def _flagged(guard: Any, texts: list[Text]) -> list[tuple[int, Any]]:
    """(text index, finding) of every finding at or above the guard's default threshold."""
    return [
        (i, f)
        for i, text in enumerate(texts)
        for f in guard.scan(text, "input")
        if f.score >= guard.default_threshold
    ]


def _ms_per_mb(guards: list[Any], texts: list[Text], size: int, runs: int = 5) -> list[float]:
    """Milliseconds per MB of each guard over ``texts``: the best of ``runs`` passes, the
    guards' passes taken in turn (so a busy moment of the machine hits them alike)."""
    best = [float("inf")] * len(guards)
    for _ in range(runs):
        for k, guard in enumerate(guards):
            started = time.perf_counter()
            for text in texts:
                guard.scan(text, "input")
            best[k] = min(best[k], time.perf_counter() - started)
    return [seconds * 1e3 / (size / 1e6) for seconds in best]


def _line(text: Text, start: int, end: int) -> str:
    """The finding's line, its value masked but for 3 characters, for a by-hand check."""
    s = text.original
    a, b = s.rfind("\n", 0, start) + 1, s.find("\n", end)
    line = s[a : b if b >= 0 else len(s)]
    shown = s[start : start + 3] + "*" * min(12, end - start - 3)
    masked = line[: start - a] + shown + line[end - a :]
    return masked.strip().replace("|", "\\|").replace("`", "'")[:100]


def versions(baseline: str | None = BASELINE) -> dict[str, dict[str, Any]]:
    """``before`` (the guards at ``baseline``, when git has it) and ``after`` (the working
    tree): version -> guard id -> guard instance."""
    out: dict[str, dict[str, Any]] = {}
    if baseline:
        try:
            old_secrets, old_pii = _module_at(baseline, "secrets"), _module_at(baseline, "pii")
            if old_secrets is not None and old_pii is not None:
                out["before"] = {
                    "pii": _instance(old_pii.PiiGuard),
                    "secrets": _instance(old_secrets.SecretsGuard),
                }
        except Exception as exc:  # the old module no longer fits today's package
            print(f"baseline {baseline[:7]} skipped: {exc!r}", file=sys.stderr)
    out["after"] = {gid: _instance(guard_class(gid)) for gid in ("pii", "secrets")}
    return out


def real_text_table(guards: dict[str, dict[str, Any]], baseline: str | None) -> str:
    """Markdown: secrets findings (false positives) and pii findings per MB of real text,
    and pii guard time per MB, for each version of the guards (see `versions`)."""
    lines = [
        "| text | files | MB | version | secrets FP / MB | secrets ms / MB | pii findings / MB "
        "| pii ms / MB |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    remaining: list[str] = []
    entities: list[str] = []
    for name, texts in real_texts().items():
        size = sum(len(t.original.encode()) for t in texts)
        mb = size / 1e6
        secrets_ms = _ms_per_mb([g["secrets"] for g in guards.values()], texts, size)
        pii_ms = _ms_per_mb([g["pii"] for g in guards.values()], texts, size)
        for k, (version, by_id) in enumerate(guards.items()):
            flagged = _flagged(by_id["secrets"], texts)
            found = _flagged(by_id["pii"], texts)
            lines.append(
                f"| {name} | {len(texts)} | {mb:.1f} | {version} | {len(flagged) / mb:.2f} "
                f"| {secrets_ms[k]:.1f} | {len(found) / mb:.1f} | {pii_ms[k]:.1f} |"
            )
            counts = Counter(f.entity for _, f in found)
            entities.append(
                f"- {name[:3]} {version}: "
                + ", ".join(f"{entity} {n}" for entity, n in sorted(counts.items()))
            )
            if version == "after":
                remaining += [
                    f"- {name[:3]} `{f.entity}` {f.score:.2f}: `{_line(texts[i], f.start, f.end)}`"
                    for i, f in flagged
                ]
    lines += [
        "",
        (
            f"Before = `{str(baseline)[:7]}` (the guards before the outside-check fixes: tokens "
            "after names that are not a secret's, more phone formats and regions, lower-case "
            "IBANs). "
            if "before" in guards
            else ""
        )
        + 'Timings are the best of 5 passes of each guard `scan(text, "input")` over the '
        "pre-normalised files, in one process.",
        "",
        "Pii findings by entity:",
        "",
        *entities,
        "",
        f"Secrets findings left on the real text ({len(remaining)}; value masked):",
        "",
        *(remaining or ["- none"]),
    ]
    return "\n".join(lines)


def evaluate(baseline: str | None = BASELINE) -> str:
    """The Markdown of the ``detection-pii-secrets`` section of RESULTS.md."""
    guards = versions(baseline)
    lines = [
        "**Generated corpus** (valid values of each kind in sentences; look-alikes, code-shaped "
        "ones included), the working tree:",
        "",
        corpus_table(guards["after"]),
    ]
    if "before" in guards:
        lines += [
            "",
            f"The same corpus with the guards of `{str(baseline)[:7]}` (before):",
            "",
            corpus_table(guards["before"], per_kind=False),
        ]
    before = _module_at(REGIONS_BASELINE, "pii")
    pii_versions = {"before": _instance(before.PiiGuard)} if before is not None else {}
    pii_versions["after"] = guards["after"]["pii"]
    lines += [
        "",
        "**Phone numbers of other regions, in their languages**: for each region, the"
        " example numbers of `phonenumbers` (mobile and fixed line) and variants of them, in"
        " the national format and as bare digits, each in a sentence of the region's"
        " language that names a phone; look-alikes: the same numbers bare after an order,"
        " invoice or customer-number word, and dates, prices, IDs, versions, amounts and"
        f" tables in those languages (seed {REGION_SEED}). Found = a phone finding over"
        " exactly the number; look-alike = findings on the look-alikes; *before*: `pii` at"
        f" `{REGIONS_BASELINE[:7]}`, without regions inferred from the text.",
        "",
        region_table(pii_versions),
    ]
    if "before" in pii_versions:
        lines += [
            "",
            "Speed of the same two versions of `pii` (`region_speed`):",
            "",
            region_speed(pii_versions),
        ]
    lines += [
        "",
        "**Real text** (source code and package READMEs):",
        "",
        real_text_table(guards, baseline),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with")
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    markdown = evaluate(args.baseline or None)
    print(markdown)
    if args.write:
        from _results import write_section

        write_section("detection-pii-secrets", markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
