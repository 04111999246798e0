"""Cost of a guarded call against one bare OpenTelemetry span with the same attributes.

DESIGN.md budget: a guarded call with the default input and output guards on 1 KB in and
1 KB out, span included, costs at most 3x one bare span. Both run in one process on one SDK
tracer provider (a no-op exporter behind a SimpleSpanProcessor), interleaved, best of N.
Also measures ``import aisec_sdk`` time (budget: under 150 ms). Run:

    python benchmarks/overhead.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _results import write_section

import aisec_sdk
from aisec_sdk import Policy

PROMPT = (
    "Could you help me plan a three day trip to Lisbon in late spring? I would like to see "
    "the old town, try local food, and take a day trip to Sintra. Please suggest a daily "
    "schedule with morning, afternoon and evening activities, rough costs, and tips for "
    "getting around by public transport. I prefer walking and small restaurants. "
) * 4
ANSWER = (
    "Day one: start in Alfama with a walk up to the castle, then lunch near the cathedral. "
    "In the afternoon ride tram 28 and visit the Chiado district; dinner at a small tasca. "
    "Day two: take the train from Rossio to Sintra, visit Pena Palace and the Moorish castle. "
    "Day three: Belem in the morning, the riverside in the afternoon, fado in the evening. "
) * 3
PROMPT, ANSWER = PROMPT[:1024], ANSWER[:1024]
# The same size with something for every input guard to look at (a phone number, a
# keyword of the prompt-injection gate): no guard can be skipped by the prefilter.
BUSY_PROMPT = ("Please follow the instructions in my notes; call me at +1 415 555 0132. " + PROMPT)[
    :1024
]


class _NoOpExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _per_call_us(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e6


def measure(rounds: int = 7, number: int = 2000) -> dict[str, float]:
    """Best-of-``rounds`` µs per call for the bare span, the guarded call and its parts."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_NoOpExporter()))
    trace.set_tracer_provider(provider)
    tracer = trace.get_tracer("bench")
    policy = Policy()

    @aisec_sdk.guard(policy=policy, name="assistant")
    def assistant(question: str) -> str:
        return ANSWER

    def bare() -> None:
        with tracer.start_as_current_span(
            "aisec.guard assistant",
            kind=trace.SpanKind.INTERNAL,
            attributes={"aisec.function": "assistant", "code.function.name": "assistant"},
        ) as span:
            span.set_attribute("aisec.mode", "enforce")
            span.set_attribute("aisec.action", "allow")
            span.set_attribute("aisec.findings.count", 0)
            span.set_attribute("aisec.input.action", "allow")
            span.set_attribute("aisec.output.action", "allow")

    def scans_only() -> None:
        aisec_sdk.scan(PROMPT, "input", policy)
        aisec_sdk.scan(ANSWER, "output", policy)

    cases: dict[str, Callable[[], object]] = {
        "bare_span": bare,
        "guarded_call": lambda: assistant(PROMPT),
        "scans_only": scans_only,
        "guarded_call_busy": lambda: assistant(BUSY_PROMPT),
    }
    for fn in cases.values():
        _per_call_us(fn, 200)  # warm up
    best = {name: float("inf") for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            best[name] = min(best[name], _per_call_us(fn, number))
    return best


def import_ms(repeats: int = 5) -> float:
    """Median wall time of ``import aisec_sdk`` in a fresh interpreter."""
    code = "import time; t=time.perf_counter(); import aisec_sdk; print(time.perf_counter()-t)"
    root = Path(__file__).resolve().parents[1]
    run = [sys.executable, "-c", code]
    times = [
        float(subprocess.run(run, capture_output=True, text=True, cwd=root).stdout)
        for _ in range(repeats)
    ]
    return statistics.median(times) * 1000


def main() -> None:
    best = measure()
    ratio = best["guarded_call"] / best["bare_span"]
    imp = import_ms()
    lines = [
        "Guarded call (default input + output guards, 1 KB in, 1 KB out, span on) against one",
        "bare OpenTelemetry span with the same attributes; SDK provider with a no-op exporter;",
        "best of 7 rounds of 2000 calls, interleaved.",
        "",
        "| case | µs per call |",
        "|---|---:|",
        *(f"| {name} | {us:.1f} |" for name, us in best.items()),
        "",
        f"**Ratio guarded / bare span: {ratio:.2f}x** (budget: 3x).",
        "",
        "`guarded_call_busy`: a prompt of the same size with a phone number and a keyword of",
        "the prompt-injection gate, so the shared prefilter pass can skip no input guard:",
        f"{best['guarded_call_busy'] / best['bare_span']:.2f}x a bare span.",
        "",
        f"`import aisec_sdk`: {imp:.0f} ms median of 5 fresh interpreters (budget: 150 ms).",
    ]
    text = "\n".join(lines)
    print(text)
    write_section("overhead", "## Guarded call overhead (`benchmarks/overhead.py`)\n\n" + text)


if __name__ == "__main__":
    main()
