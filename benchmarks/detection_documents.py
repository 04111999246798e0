"""Injections hidden in long documents: how many the prompt-injection guard finds, and how
many clean documents it flags, written to benchmarks/RESULTS.md.

    python benchmarks/detection_documents.py [--data ../shared/data] [--per-source 100]

Host documents are benign rows of ``../shared/data`` joined into 16 KB (with one planted
attack) or 32 KB (clean) texts, paragraphs separated by a blank line or by a single line
break. An attack counts as found when a finding at or above the threshold overlaps the
planted text; a clean document counts as flagged when any finding reaches the threshold.
The shipped model has seen every source here except Tensor Trust (never trained on), so
per-source numbers say how planting in a document changes detection, not how well unseen
attacks are detected (``benchmarks/detection.py`` measures that, leave-one-source-out).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _p in (HERE, HERE.parent):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import train_prompt_injection as training  # noqa: E402
from _results import write_section  # noqa: E402
from detection import pct, rate  # noqa: E402

from aisec_sdk.guards.base import GuardSettings  # noqa: E402
from aisec_sdk.guards.prompt_injection import PromptInjectionGuard  # noqa: E402
from aisec_sdk.text import normalize  # noqa: E402
from aisec_sdk.verdict import Direction  # noqa: E402

SECTION = "detection-documents"
SEPARATORS = {"blank line": "\n\n", "line break": "\n"}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


def _document(pool: Sequence[str], size: int, sep: str, rnd: random.Random) -> str:
    parts: list[str] = []
    total = 0
    while total < size:
        parts.append(rnd.choice(pool))
        total += len(parts[-1]) + len(sep)
    return sep.join(parts)


def _best(
    guard: PromptInjectionGuard,
    text: str,
    direction: Direction,
    span: tuple[int, int] | None = None,
) -> float:
    """Highest finding score in ``text`` (overlapping ``span`` when given), 0 if none."""
    findings = guard.scan(normalize(text), direction)
    if span is not None:
        findings = [f for f in findings if f.start < span[1] and f.end > span[0]]
    return max((f.score for f in findings), default=0.0)


def measure(
    rows: Sequence[training.Row], per_source: int, sep: str, seed: int = 0
) -> tuple[dict[str, list[float]], list[float]]:
    """Planted-attack scores per source, and clean-document scores (context direction)."""
    rnd = random.Random(seed)
    guard = PromptInjectionGuard(GuardSettings())
    pool = [r.text for r in rows if r.label == 0 and r.group not in training.EVAL_ONLY]
    by_source: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.label == 1:
            by_source[r.group].append(r.text)
    planted: dict[str, list[float]] = {}
    for source in sorted(by_source):
        attacks = sorted(by_source[source])
        rnd.shuffle(attacks)
        scores = []
        for attack in attacks[:per_source]:
            host = _document(pool, 16384, sep, rnd)
            cut = host.rfind(sep, 0, rnd.randrange(len(host)))
            at = cut + len(sep) if cut >= 0 else 0
            text = host[:at] + attack + sep + host[at:]
            scores.append(_best(guard, text, "context", (at, at + len(attack))))
        planted[source] = scores
    clean = [_best(guard, _document(pool, 32768, sep, rnd), "context") for _ in range(100)]
    return planted, clean


def report(rows: Sequence[training.Row], per_source: int) -> str:
    lines = [
        "Attacks planted as one paragraph in 16 KB benign documents, and 100 clean 32 KB",
        "documents, scanned as `context`; found = a finding at or above the threshold on the",
        "planted text. The shipped threshold is 0.5; higher ones show the trade-off.",
        "",
    ]
    for name, sep in SEPARATORS.items():
        planted, clean = measure(rows, per_source, sep)
        every = [s for scores in planted.values() for s in scores]
        lines += [
            f"**Paragraphs separated by a {name}**",
            "",
            "| threshold | planted attacks found | clean documents flagged |",
            "|---:|---:|---:|",
            *(
                f"| {t} | {pct(rate(every, t))} "
                f"| {sum(s >= t for s in clean)} / {len(clean)} |"
                for t in THRESHOLDS
            ),
            "",
            "| source | planted | found at 0.5 |",
            "|---|---:|---:|",
            *(
                f"| {source} | {len(scores)} | {pct(rate(scores, 0.5))} |"
                for source, scores in planted.items()
            ),
            "",
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=training.DATA)
    parser.add_argument("--per-source", type=int, default=100)
    args = parser.parse_args(argv)
    markdown = report(training.load_rows(args.data), args.per_source)
    print(markdown)
    write_section(
        SECTION,
        "## Injections hidden in documents (`benchmarks/detection_documents.py`)\n\n" + markdown,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
