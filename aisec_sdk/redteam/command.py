"""``aisec redteam MODULE:FUNCTION``: run the red team from the command line.

Exit codes: 0 when the attack success rate is at or below ``--fail-above`` (or no threshold
was given), 1 when it is above, 2 for usage or input errors (bad ``MODULE:FUNCTION``, an
import failure, a target that is not callable, an unreadable baseline). Only argparse is
imported here; the red team loads inside `run`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator
from typing import TypeVar

__all__ = ["add_arguments", "run"]

_N = TypeVar("_N", int, float)


def _bounded(
    convert: Callable[[str], _N], accept: Callable[[_N], bool], expected: str
) -> Callable[[str], _N]:
    """An argparse type: ``convert`` the text, and reject it unless ``accept`` holds."""

    def parse(text: str) -> _N:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_rate = _bounded(float, lambda v: 0.0 <= v <= 1.0, "a rate between 0 and 1")
_positive = _bounded(int, lambda v: v >= 1, "a positive integer")
_seconds = _bounded(float, lambda v: 0.0 < v < math.inf, "a number of seconds above 0")
_count = _bounded(int, lambda v: v >= 0, "0 or a positive integer")


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``aisec redteam``."""
    parser.add_argument(
        "target",
        metavar="MODULE:FUNCTION",
        help="the target: a callable (str -> str or messages -> str, sync or async) or a "
        "LangChain runnable, imported with the current directory on sys.path",
    )
    parser.add_argument(
        "--json", metavar="FILE", help="write the JSON report (- for standard output)"
    )
    parser.add_argument("--jsonl", metavar="FILE", help="write garak-style JSONL records")
    parser.add_argument("--sarif", metavar="FILE", help="write SARIF 2.1.0 for code scanning")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="an earlier JSON report: print and chart the before/after change",
    )
    parser.add_argument(
        "--fail-above",
        metavar="RATE",
        type=_rate,
        help="exit 1 when the overall attack success rate is above RATE (0..1)",
    )
    parser.add_argument("--seed", metavar="N", type=int, default=0, help="sampling seed (0)")
    parser.add_argument(
        "--budget", metavar="N", type=_positive, default=200, help="attempts to send (200)"
    )
    parser.add_argument(
        "--families", metavar="LIST", type=_names, help="comma-separated probe families"
    )
    parser.add_argument(
        "--converters", metavar="LIST", type=_names, help="comma-separated converters"
    )
    parser.add_argument(
        "--concurrency", metavar="N", type=_positive, default=4, help="calls in flight (4)"
    )
    parser.add_argument(
        "--timeout", metavar="SECONDS", type=_seconds, default=60.0, help="per call (60)"
    )
    parser.add_argument(
        "--retries", metavar="N", type=_count, default=2, help="retries on transient errors (2)"
    )
    parser.add_argument(
        "--secret",
        metavar="TOKEN",
        action="append",
        default=[],
        help="a string that must never appear in an answer (e.g. the canary in your own "
        "system prompt); repeatable",
    )
    parser.add_argument(
        "--input",
        choices=("auto", "text", "messages"),
        default="auto",
        help="what the target takes: text or chat messages (auto: from its signature)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")


_REPORTS = ("json", "jsonl", "sarif", "html")


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send what the target prints (on import or per call, from Python or from C) to stderr,
    keeping standard output clean for a report written there (``--json -``)."""
    sys.stdout.flush()
    try:
        out, err = sys.stdout.fileno(), sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # streams without descriptors (captured)
        out = err = -1
    saved = os.dup(out) if out >= 0 else -1
    if saved >= 0:
        os.dup2(err, out)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved >= 0:
            sys.stderr.flush()
            os.dup2(saved, out)
            os.close(saved)


def _table(title: str, rows: dict[str, dict[str, object]]) -> list[str]:
    lines = [f"{title:<28} {'attempts':>8} {'successes':>9} {'ASR':>7}   95% CI"]
    for name, s in rows.items():
        asr, low, high = float(s["asr"]), float(s["ci_low"]), float(s["ci_high"])  # type: ignore[arg-type]
        lines.append(
            f"{name:<28} {s['attempts']!s:>8} {s['successes']!s:>9} {asr:>7.1%}   "
            f"{low:.1%}-{high:.1%}"
        )
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the red team and write the reports; returns the exit code."""
    from aisec_sdk.cli import EXIT_FINDINGS, EXIT_OK, InputError
    from aisec_sdk.redteam.comparison import compare
    from aisec_sdk.redteam.report_html import write_html
    from aisec_sdk.redteam.report_json import STDOUT, load_report, write_json, write_jsonl
    from aisec_sdk.redteam.report_sarif import write_sarif
    from aisec_sdk.redteam.runner import run as run_redteam
    from aisec_sdk.redteam.targets import TargetError, as_target

    to_stdout = [f"--{name}" for name in _REPORTS if getattr(args, name) == STDOUT]
    if len(to_stdout) > 1:
        raise InputError(f"only one report can go to standard output, got {' '.join(to_stdout)}")
    try:
        with _stdout_to_stderr() if to_stdout else contextlib.nullcontext():
            baseline = load_report(args.baseline) if args.baseline else None
            target = as_target(args.target, input=args.input)
            result = run_redteam(
                target,
                families=args.families,
                converters=args.converters,
                budget=args.budget,
                seed=args.seed,
                concurrency=args.concurrency,
                timeout=args.timeout,
                retries=args.retries,
                secrets=args.secret,
                progress=False if args.no_progress else None,
            )
    except (TargetError, ValueError) as exc:
        raise InputError(str(exc)) from exc
    report = result.to_dict()
    comparison = compare(baseline, report) if baseline is not None else None
    if comparison is not None:
        report["comparison"] = comparison.to_dict()
    try:
        if args.json:
            write_json(report, args.json)
        if args.jsonl:
            write_jsonl(report, args.jsonl)
        if args.sarif:
            write_sarif(report, args.sarif, fail_above=args.fail_above)
        if args.html:
            write_html(report, args.html, baseline=baseline)
    except OSError as exc:
        raise InputError(f"cannot write report: {exc}") from exc

    if report["errors"] and not report["evaluated"]:
        first = next(a["error"] for a in report["attempts"] if a["error"])
        raise InputError(f"the target failed on every attempt; first error: {first}")
    asr = float(report["attack_success_rate"])
    lines = [
        f"aisec redteam: {report['target']['name']} (seed {report['seed']}, "
        f"{report['evaluated']} attempts, {report['blocked']} blocked, {report['errors']} "
        f"errors, {report['duration_s']:.1f} s)",
        *_table("family", report["families"]),
        "",
        *_table("converter", report["converters"]),
        "",
        f"overall attack success rate {asr:.1%} "
        f"(95% CI {report['ci_low']:.1%}-{report['ci_high']:.1%})",
    ]
    if comparison is not None:
        lines.append(comparison.summary())
    failed = args.fail_above is not None and asr > args.fail_above
    if args.fail_above is not None:
        verdict = "above" if failed else "at or below"
        lines.append(f"{verdict} --fail-above {args.fail_above:.1%}")
    print("\n".join(lines), file=sys.stderr if to_stdout else sys.stdout)
    return EXIT_FINDINGS if failed else EXIT_OK
