"""Per-call overhead of the OpenAI integration against a local server, as ratios from one run.

Modes, each on the same ``openai`` client and the same local HTTP server (1 KB prompt,
1 KB answer; non-streaming and streaming in 16 chunks):

* ``bare``: no instrumentation;
* ``aisec, guards off``: ``instrument("openai", guards=False)`` (spans and metrics only);
* ``aisec, guards on``: ``instrument("openai")`` with the default policy (input and output
  guards, stream guard);
* ``openai-v2``: ``opentelemetry-instrumentation-openai-v2``, the OpenTelemetry contrib
  instrumentation (spans and metrics, no content).

Modes are interleaved round by round so that drift on a shared machine hits them alike;
the table gives the median per-call time, the ratio to ``bare`` and the added time.

    python benchmarks/integrations.py [--calls 25] [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._results import write_section

PROMPT = ("Please summarise the quarterly report for the board, keeping every figure. " * 14)[:1024]
ANSWER = ("The quarter closed with revenue up and costs flat; details follow in order. " * 14)[
    :1024
]
CHUNKS = 16


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if body.get("stream"):
            self._stream(body["model"])
            return
        data = json.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": 1,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": ANSWER},
                    }
                ],
                "usage": {"prompt_tokens": 200, "completion_tokens": 200, "total_tokens": 400},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str) -> None:
        size = len(ANSWER) // CHUNKS
        pieces = [ANSWER[i : i + size] for i in range(0, len(ANSWER), size)]
        events = [{"content": p} for p in pieces] + [{}]
        out = bytearray()
        for n, delta in enumerate(events):
            chunk = {
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "finish_reason": "stop" if n == len(pieces) else None,
                    }
                ],
            }
            out += f"data: {json.dumps(chunk)}\n\n".encode()
        out += b"data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(bytes(out))


def _setup_tracing() -> None:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class Discard(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(Discard()))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[InMemoryMetricReader()]))


def _contrib_instrumentor() -> Any:
    """The contrib OpenAI instrumentor, bridged to the util-genai 1.3 API installed here.

    openai-v2 2.4b0 was written against an older ``opentelemetry-util-genai``; the bridge
    only renames (a helper module and three handler methods), it adds no work.
    """
    import importlib
    import importlib.util
    import types

    if importlib.util.find_spec("opentelemetry.util.genai.instruments") is None:
        base: Any = importlib.import_module("aisec_sdk.integrations._base")
        DURATION_BUCKETS, TOKEN_BUCKETS = base.DURATION_BUCKETS, base.TOKEN_BUCKETS
        shim = types.ModuleType("opentelemetry.util.genai.instruments")
        shim.create_duration_histogram = lambda meter: meter.create_histogram(  # type: ignore[attr-defined]
            "gen_ai.client.operation.duration",
            unit="s",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        shim.create_token_histogram = lambda meter: meter.create_histogram(  # type: ignore[attr-defined]
            "gen_ai.client.token.usage",
            unit="{token}",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )
        sys.modules[shim.__name__] = shim
    from opentelemetry.util.genai.handler import TelemetryHandler

    if not hasattr(TelemetryHandler, "start_inference"):  # the 1.3 handler renamed these three
        handler: Any = TelemetryHandler
        handler.start_inference = TelemetryHandler.inference
        handler.stop_llm = lambda self, invocation: invocation.stop()
        handler.fail_llm = lambda self, invocation, error: invocation.fail(error)
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    return OpenAIInstrumentor()  # type: ignore[no-untyped-call]


def _modes() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    contrib = _contrib_instrumentor()

    from aisec_sdk.instrumentation import instrument, uninstrument

    def nothing() -> None:
        pass

    def ours(guards: bool) -> Callable[[], None]:
        def on() -> None:
            instrument("openai", guards=guards)

        return on

    def ours_off() -> None:
        uninstrument("openai")

    return {
        "bare": (nothing, nothing),
        "aisec, guards off": (ours(False), ours_off),
        "aisec, guards on": (ours(True), ours_off),
        "openai-v2 (contrib)": (lambda: contrib.instrument(), lambda: contrib.uninstrument()),
    }


def _call(client: Any, stream: bool) -> None:
    messages = [
        {"role": "system", "content": "You are a careful analyst."},
        {"role": "user", "content": PROMPT},
    ]
    if stream:
        for _ in client.chat.completions.create(model="gpt-4o", messages=messages, stream=True):
            pass
    else:
        client.chat.completions.create(model="gpt-4o", messages=messages)


def run(calls: int, rounds: int) -> str:
    """Measure every mode and return the Markdown section."""
    import openai

    _setup_tracing()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = openai.OpenAI(
        base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="bench", max_retries=0
    )
    modes = _modes()
    # (mode, stream) -> per-round medians of (wall time, CPU time of the calling thread)
    wall: dict[tuple[str, bool], list[float]] = {(m, s): [] for m in modes for s in (False, True)}
    cpu: dict[tuple[str, bool], list[float]] = {(m, s): [] for m in modes for s in (False, True)}
    for on, off in modes.values():  # warm up: imports, engines, connections
        on()
        for stream in (False, True):
            for _ in range(20):
                _call(client, stream)
        off()
    for _ in range(rounds):
        for mode, (on, off) in modes.items():
            on()
            try:
                for stream in (False, True):
                    walls, cpus = [], []
                    for _ in range(calls):
                        started, started_cpu = time.perf_counter(), time.thread_time()
                        _call(client, stream)
                        cpus.append(time.thread_time() - started_cpu)
                        walls.append(time.perf_counter() - started)
                    wall[(mode, stream)].append(statistics.median(walls))
                    cpu[(mode, stream)].append(statistics.median(cpus))
            finally:
                off()
    server.shutdown()
    rows = []
    for stream in (False, True):
        for mode in modes:
            cells = []
            for table in (wall, cpu):
                mine, bare = table[(mode, stream)], table[("bare", stream)]
                ratio = statistics.median(m / b for m, b in zip(mine, bare, strict=True))
                added = statistics.median(m - b for m, b in zip(mine, bare, strict=True))
                cells.append(
                    f"{statistics.median(mine) * 1e6:,.0f} | {ratio:.2f}x | {added * 1e6:+,.0f}"
                )
            rows.append(f"| {'stream' if stream else 'json'} | {mode} | {' | '.join(cells)} |")
    return (
        "## OpenAI integration: per-call overhead (benchmarks/integrations.py)\n\n"
        f"Real `openai` client against a local HTTP server; 1 KB prompt, 1 KB answer (streams: "
        f"{CHUNKS} chunks); {rounds} interleaved rounds x {calls} calls per mode; SDK tracer "
        "provider with a discarding exporter. Per round the median call; the table gives the "
        "median over rounds of that time, of its ratio to `bare` in the same round and of the "
        "time added (paired by round, so drift on the shared machine cancels). *Wall* is the "
        "whole call; *CPU* is the CPU time of the calling thread (the client's own work: it "
        "leaves out the server and the waiting, so it shows the instrumentation's cost with less "
        "noise from other processes).\n\n"
        "| response | mode | wall µs | wall vs bare | wall added µs | CPU µs | CPU vs bare "
        "| CPU added µs |\n|---|---|---:|---:|---:|---:|---:|---:|\n"
        + "\n".join(rows)
        + "\n\n`guards on` runs the default policy's input guards on the prompt and output guards "
        "on the answer (chunk by chunk for streams); the difference to `guards off` is the "
        "guards' cost, the difference of `guards off` to `bare` the cost of the span, metrics "
        "and wrapping. `openai-v2` is `opentelemetry-instrumentation-openai-v2` "
        f"{_version('opentelemetry-instrumentation-openai-v2')} (content capture off); it was "
        "built against an older `opentelemetry-util-genai` than the one installed, so the "
        "script maps a moved helper module and three renamed handler methods onto the new "
        "names (no added work).\n"
    )


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "(not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave RESULTS.md alone"
    )
    args = parser.parse_args(argv)
    section = run(args.calls, args.rounds)
    print(section)
    if not args.no_write:
        write_section("integrations", section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
