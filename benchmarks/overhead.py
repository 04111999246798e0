"""Cost of a guarded call against one bare OpenTelemetry span with the same attributes.

DESIGN.md budget: a guarded call with the default input and output guards on 1 KB in and
1 KB out, span included, costs at most 3x one bare span. Both run in one process on one SDK
tracer provider (a no-op exporter behind a SimpleSpanProcessor), interleaved, best of N.
Also measures ``import aisec_sdk`` time (budget: under 150 ms). Run:

    python benchmarks/overhead.py
"""

# ruff: noqa: RUF001  (the Chinese sample text is written with its own full-width punctuation)
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
# keyword of the prompt-injection gate): every input guard has a candidate to judge.
BUSY_PROMPT = ("Please follow the instructions in my notes; call me at +1 415 555 0132. " + PROMPT)[
    :1024
]
# The same call in German and in Chinese (umlauts; CJK with full-width punctuation): text
# that normalisation has to look at, and that the gate reads as UTF-8.
GERMAN = (
    (
        "Könntest du mir helfen, eine dreitägige Reise nach Lissabon im späten Frühling zu "
        "planen? Ich möchte die Altstadt sehen, regionale Küche probieren und einen Ausflug "
        "nach Sintra machen. Bitte schlage einen Tagesplan mit Vormittag, Nachmittag und Abend "
        "vor, mit groben Kosten und Tipps für öffentliche Verkehrsmittel. "
    ) * 4,
    (
        "Tag eins: Spaziergang durch die Alfama hinauf zur Burg, Mittagessen nahe der "
        "Kathedrale. Am Nachmittag mit der Straßenbahn 28 nach Chiado; Abendessen in einer "
        "kleinen Tasca. Tag zwei: mit dem Zug von Rossio nach Sintra, Besuch des Pena-Palasts. "
    ) * 5,
)
CHINESE = (
    "你能帮我计划一次春末去里斯本的三天旅行吗？我想参观老城区，品尝当地美食，并去辛特拉一日游。"
    "请按上午、下午和晚上安排每天的行程，附上大致费用，以及乘坐公共交通的建议。" * 13,
    "第一天：在阿尔法玛散步，登上城堡，在大教堂附近吃午饭。下午乘坐二十八路电车去希亚多区；"
    "晚上在一家小餐馆吃饭。第二天：从罗西奥乘火车去辛特拉，参观佩纳宫和摩尔人城堡。" * 13,
)
GERMAN = (GERMAN[0][:1024], GERMAN[1][:1024])
CHINESE = (CHINESE[0][:1024], CHINESE[1][:1024])


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

    def assistant_answering(answer: str) -> Callable[[str], str]:
        @aisec_sdk.guard(policy=policy, name="assistant")
        def assistant(question: str) -> str:
            return answer

        return assistant

    assistant = assistant_answering(ANSWER)
    german, chinese = assistant_answering(GERMAN[1]), assistant_answering(CHINESE[1])

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
        "guarded_call_german": lambda: german(GERMAN[0]),
        "guarded_call_chinese": lambda: chinese(CHINESE[0]),
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
        "the prompt-injection gate, so every input guard has a candidate to judge:",
        f"{best['guarded_call_busy'] / best['bare_span']:.2f}x a bare span.",
        "",
        "`guarded_call_german` / `guarded_call_chinese`: the same call with a 1 KB prompt and",
        "answer in German and in Chinese (text normalisation has work to do):",
        f"{best['guarded_call_german'] / best['bare_span']:.2f}x and"
        f" {best['guarded_call_chinese'] / best['bare_span']:.2f}x a bare span.",
        "",
        f"`import aisec_sdk`: {imp:.0f} ms median of 5 fresh interpreters (budget: 150 ms).",
    ]
    text = "\n".join(lines)
    print(text)
    write_section("overhead", "## Guarded call overhead (`benchmarks/overhead.py`)\n\n" + text)


if __name__ == "__main__":
    main()
