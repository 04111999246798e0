"""The ``pii`` guard on numbers written with the digits of other scripts: recall and
false positives on a generated set, and speed on ASCII and mixed-script documents.

*Recall*: personal data written in ASCII (cards, phone numbers, IBANs, SSNs, IP
addresses) in carrier sentences, then the same texts with their digits written in every
script Unicode gives decimal digits (category Nd), and with ASCII and Arabic-Indic digits
alternating. A value counts as found when a finding of its kind covers exactly the
characters written. *Look-alikes*: dates, prices, order numbers, versions and bad check
digits, the same way; each finding is a false positive.

*Speed*: MB/s of ``PiiGuard.scan`` on 1 MiB documents (a fresh copy of the normalised
text per run, so the encodings the guard reads are counted): *ascii* (the clean documents
of BIPIA in ``../shared/data``, with their real phone numbers and addresses), the same
*as they are* (a few curly quotes and accents), *same in Arabic-Indic digits* (every ASCII
digit in Arabic-Indic), *mixed prose* (Arabic and English sentences with Arabic-Indic
dates, prices and personal data) and *non-ASCII, no digits*. Each document with other
digits is also timed with them written in ASCII: the same candidates and validation, so
the ratio is what reading the digits costs. ``--baseline REV`` also loads
``aisec_sdk/guards/pii.py`` as it was at git revision REV and times it too (it finds
nothing in other scripts, so it skips the validation those numbers cost). Runs
interleaved, fastest of ``--repeat``. Writes the ``pii_scripts`` section of
``benchmarks/RESULTS.md``.

    python benchmarks/pii_scripts.py [--baseline REV] [--repeat N]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisec_sdk.guards import pii
from aisec_sdk.text import Text, normalize

ROOT = Path(__file__).resolve().parents[1]

MIB = 1 << 20
ARABIC_ZERO = 0x0660

VALUES = [
    ("credit_card", "card {}", "4111 1111 1111 1111"),
    ("credit_card", "رقم البطاقة {} شكرا", "5555 5555 5555 4444"),
    ("credit_card", "amex {}", "3782 822463 10005"),
    ("credit_card", "pay with {} today", "6011-1111-1111-1117"),
    ("phone", "اتصل بي على {}", "+971 50 123 4567"),
    ("phone", "tel {}", "+98 912 345 6789"),
    ("phone", "फ़ोन {} पर", "+91 98765 43210"),
    ("phone", "ring {} please", "+44 20 7946 0958"),
    ("phone", "جوال {}", "+966 50 123 4567"),
    ("phone", "call {}.", "(415) 555-2671"),
    ("phone", "Mumbai {}", "022 2345 6789"),
    ("iban", "IBAN {}", "SA03 8000 0000 6080 1016 7519"),
    ("iban", "الآيبان {}", "AE07 0331 2345 6789 0123 456"),
    ("iban", "شبا {} است", "IR06 2960 0000 0010 0324 2000 01"),
    ("iban", "IBAN {}.", "DE89 3704 0044 0532 0130 00"),
    ("us_ssn", "SSN {}", "123-45-6789"),
    ("us_ssn", "social security {} on file", "536-90-4412"),
    ("ip_address", "server {} answered", "8.8.4.4"),
    ("ip_address", "my IP is {}", "192.168.1.20"),
    ("ip_address", "عنوان {}", "203.0.113.42"),
]
"""(entity, carrier sentence, ASCII value) of the recall set."""

LOOK_ALIKES = [
    "the meeting is on 2024-03-15 at 10:30:00",
    "تاريخ 1402/05/12 الساعة 10:30",
    "paid 1,234,567 between 1998-2004",
    "السعر 1.234.567 ريال و 12.50 درهم",
    "pi is 3.14159265358979",
    "order 20240315123456 shipped",
    "رقم الطلب 2125550143",
    "ISBN 978-3-16-148410-0",
    "card 4111 1111 1111 1112 fails Luhn",
    "SSN 666-12-3456 is invalid",
    "IBAN DE89 3704 0044 0532 0130 01 has a bad check digit",
    "release v1.2.3.4 and build 1.0.0.153",
    "invoice 2024-000123-45 of 15/03/2024",
]
"""Numbers that are no personal data (ASCII; written in every script like the values)."""

ARABIC = [
    "أرسل التقرير إلى الفريق قبل نهاية الأسبوع وشكرا لك على المساعدة. ",
    "اجتماع المجلس يوم 15/03/2024 الساعة 10:30 في القاعة الكبرى. ",
    "بلغت المبيعات 1\u066c234\u066c567 ريال بزيادة 12\u066b5 بالمئة عن العام الماضي. ",
    "The quarterly report is attached; please review it before Tuesday. ",
    "رقم الطلب 20240315123456 تم شحنه اليوم. ",
]
"""Arabic and English sentences of the *mixed prose* document (digits made Arabic-Indic)."""
PERSONAL = [
    "للدفع استخدم البطاقة 4111 1111 1111 1111 من فضلك. ",
    "اتصل بي على +971 50 123 4567 بعد الظهر. ",
    "حسابي SA03 8000 0000 6080 1016 7519 في البنك. ",
]
"""Personal data in *mixed prose*: three values in every block of 23 sentences."""


def script_zeros() -> dict[str, int]:
    """The digit zero of every script with decimal digits, by script name."""
    table = pii._digit_folds().table
    zeros = (cp for cp, ascii_digit in table.items() if ascii_digit == 48)
    return {unicodedata.name(chr(cp)).removesuffix(" ZERO"): cp for cp in sorted(zeros)}


def written_with(text: str, zero: int | None) -> str:
    """``text`` with its ASCII digits from the script of ``zero``; None: ASCII and
    Arabic-Indic digits alternating."""
    if zero is not None:
        return text.translate({48 + d: zero + d for d in range(10)})
    out, n = [], 0
    for c in text:
        if c.isascii() and c.isdigit():
            c, n = (chr(ARABIC_ZERO + ord(c) - 48) if n % 2 else c), n + 1
        out.append(c)
    return "".join(out)


def findings(guard: Any, text: str) -> list[tuple[str, str]]:
    threshold = guard.default_threshold
    return [
        (str(f.entity), text[f.start : f.end])
        for f in guard.scan(normalize(text), "input")
        if f.score >= threshold
    ]


def quality(guard: Any) -> list[tuple[str, int, int, int]]:
    """(script, values found, values, look-alike findings) for ASCII, every script and
    the alternating mix."""
    rows: list[tuple[str, int, int, int]] = []
    scripts: dict[str, int | None] = {"ASCII": 48, **script_zeros(), "mixed ASCII/Arabic": None}
    for name, zero in scripts.items():
        found = 0
        for entity, carrier, value in VALUES:
            written = written_with(value, zero)
            found += (entity, written) in findings(guard, carrier.format(written))
        false = sum(len(findings(guard, written_with(t, zero))) for t in LOOK_ALIKES)
        rows.append((name, found, len(VALUES), false))
    return rows


def documents() -> dict[str, str]:
    """The four 1 MiB documents of the speed table."""
    from guards import benign_document

    documents = benign_document(source="bipia_indirect.jsonl")
    ascii_doc = documents.encode("ascii", "replace").decode()
    block = written_with("".join(ARABIC) * 4 + "".join(PERSONAL), ARABIC_ZERO)
    no_digits = "".join(s for s in ARABIC if not any(c.isdigit() for c in s))
    return {
        "ascii": ascii_doc,
        "documents as they are (a few non-ASCII characters)": documents,
        "same in Arabic-Indic digits": written_with(ascii_doc, ARABIC_ZERO),
        "mixed prose": (block * (MIB // len(block) + 1))[:MIB],
        "non-ASCII, no digits": (no_digits * (MIB // len(no_digits) + 1))[:MIB],
    }


def baseline_module(revision: str) -> ModuleType:
    """``aisec_sdk/guards/pii.py`` as it was at ``revision``, imported under another name."""
    source = subprocess.run(
        ["git", "show", f"{revision}:aisec_sdk/guards/pii.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "pii_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("aisec_pii_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timings(guards: dict[str, Any], texts: dict[str, str], runs: int) -> dict[str, float]:
    """Seconds of each guard's fastest scan of its text (a fresh copy of the normalised
    text per run, runs interleaved, a first round to warm up)."""
    normalised = {name: normalize(texts[name]) for name in guards}
    best = dict.fromkeys(guards, float("inf"))
    for _ in range(runs + 1):
        for name, guard in guards.items():
            fresh: Text = dataclasses.replace(normalised[name])  # no cached encodings
            started = time.perf_counter()
            guard.scan(fresh, "input")
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def report(baseline: str | None, repeat: int) -> str:
    guard = pii.PiiGuard(pii.PiiSettings())
    guards: dict[str, Any] = {"now": guard}
    old: Any = None
    if baseline:
        module = baseline_module(baseline)
        old = guards["baseline"] = module.PiiGuard(module.PiiSettings())
    named = ("ASCII", "ARABIC-INDIC DIGIT", "EXTENDED ARABIC-INDIC DIGIT", "DEVANAGARI DIGIT")
    rows = quality(guard)
    old_rows = {r[0]: r for r in quality(old)} if old is not None else {}
    others = [r for r in rows[1:-1] if r[0] not in named]
    lines = [
        f"Recall: {len(VALUES)} values (cards, phones, IBANs, SSNs, IPs) in carrier sentences,"
        f" and {len(LOOK_ALIKES)} look-alikes (dates, prices, order numbers, versions, bad"
        " check digits), written in each script. Found = a finding of the value's kind over"
        " exactly its characters.",
        "",
        "| digits | found | look-alike findings |" + (" baseline found |" if old else ""),
        "|---|---:|---:|" + ("---:|" if old else ""),
    ]
    for name, found, total, false in [r for r in rows if r[0] in named] + rows[-1:]:
        extra = f" {old_rows[name][1]}/{total} |" if old else ""
        lines.append(f"| {name} | {found}/{total} | {false} |{extra}")
    found_all = sum(r[1] for r in others)
    total_all = sum(r[2] for r in others)
    extra = f" {sum(old_rows[r[0]][1] for r in others)}/{total_all} |" if old else ""
    lines.append(
        f"| the {len(others)} other scripts with decimal digits | {found_all}/{total_all} |"
        f" {sum(r[3] for r in others)} |{extra}"
    )
    lines += [
        "",
        f"Speed of `PiiGuard.scan`: MB/s on 1 MiB (fastest of {repeat}) and µs per call on"
        f" its first 1,024 characters (fastest of {repeat * 50}); *ASCII twin*: the same"
        " document with its digits in ASCII"
        + (f"; *baseline*: `pii.py` at `{baseline}`." if old else "."),
        "",
        "| document | MB/s | "
        + ("MB/s baseline | vs baseline | " if old else "")
        + "MB/s ASCII twin | vs twin | µs per 1 KB | µs per 1 KB, twin |",
        "|---|---:|" + ("---:|---:|" if old else "") + "---:|---:|---:|---:|",
    ]
    for name, doc in documents().items():
        twin = doc.translate(pii._digit_folds().table)
        here = {**guards, "twin": guard} if twin != doc else guards
        texts = {g: twin if g == "twin" else doc for g in here}
        big = timings(here, texts, repeat)
        small = timings(here, {g: t[:1024] for g, t in texts.items()}, repeat * 50)
        rate = {g: len(doc) / MIB / seconds for g, seconds in big.items()}
        row = f"| {name} | {rate['now']:,.0f} |"
        if old:
            row += f" {rate['baseline']:,.0f} | {rate['now'] / rate['baseline']:.2f}x |"
        row += (
            f" {rate['twin']:,.0f} | {rate['now'] / rate['twin']:.2f}x |" if twin != doc else " | |"
        )
        row += f" {small['now'] * 1e6:.1f} |"
        row += f" {small['twin'] * 1e6:.1f} |" if twin != doc else " |"
        lines.append(row)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="git revision of pii.py to compare with")
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    from _results import write_section

    markdown = report(args.baseline, args.repeat)
    print(markdown)
    title = "## PII in the digits of other scripts (`benchmarks/pii_scripts.py`)\n\n"
    write_section("pii_scripts", title + markdown)


if __name__ == "__main__":
    main()
