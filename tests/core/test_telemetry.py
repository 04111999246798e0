"""Spans, events and metrics of guarded calls; content capture; the OTLP JSON file exporter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

from aisec_sdk import Policy, guard
from aisec_sdk.exporters import OtlpJsonFileSpanExporter
from aisec_sdk.telemetry import llm_span_scope


def test_guarded_call_span_attributes_and_events(spans: Any) -> None:
    @guard(name="support_bot")
    def bot(q: str) -> str:
        return "ok"

    bot("reach me at jane@example.com")
    (span,) = spans.get_finished_spans()
    assert span.name == "aisec.guard support_bot"
    assert span.kind is SpanKind.INTERNAL
    attrs = span.attributes
    assert attrs["aisec.action"] == "redact"
    assert attrs["aisec.mode"] == "enforce"
    assert attrs["aisec.findings.count"] == 1
    finding = [e for e in span.events if e.name == "aisec.finding"]
    assert len(finding) == 1
    ev = finding[0].attributes
    assert (ev["aisec.guard"], ev["aisec.category"], ev["aisec.direction"]) == (
        "pii",
        "LLM02",
        "input",
    )
    assert (ev["aisec.start"], ev["aisec.end"]) == (12, 28)
    evaluation = [e for e in span.events if e.name == "gen_ai.evaluation.result"]
    assert evaluation[0].attributes["gen_ai.evaluation.name"] == "aisec.pii"
    flat = json.dumps({**dict(attrs), "events": [dict(e.attributes) for e in span.events]})
    assert "jane@example.com" not in flat


def test_capture_content_is_redacted(spans: Any) -> None:
    @guard(policy=Policy(capture_content=True))
    def bot(q: str) -> str:
        return "fine"

    bot("reach me at jane@example.com")
    (span,) = spans.get_finished_spans()
    assert span.attributes["aisec.input.content"] == "reach me at <EMAIL>"
    assert span.attributes["aisec.output.content"] == "fine"


def test_guard_records_onto_the_integration_span(spans: Any) -> None:
    tracer = trace.get_tracer("test")

    @guard
    def bot(q: str) -> str:
        return "ok"

    with tracer.start_as_current_span("chat gpt-4o") as llm, llm_span_scope(llm):
        bot("jane@example.com")
    (span,) = spans.get_finished_spans()
    assert span.name == "chat gpt-4o"
    assert span.attributes["aisec.findings.count"] == 1


def test_inner_llm_spans_nest_under_the_guard_span(spans: Any) -> None:
    tracer = trace.get_tracer("test")

    @guard
    def bot(q: str) -> str:
        with tracer.start_as_current_span("chat inner"):
            return "ok"

    bot("hello")
    inner, outer = spans.get_finished_spans()
    assert inner.parent is not None and inner.parent.span_id == outer.context.span_id


def test_telemetry_off(spans: Any) -> None:
    guard(policy=Policy(telemetry=False))(lambda q: q)("jane@example.com")
    assert spans.get_finished_spans() == ()


def test_otlp_json_file_exporter_writes_collector_format(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OtlpJsonFileSpanExporter(path)))
    with provider.get_tracer("t").start_as_current_span("chat m") as span:
        span.set_attribute("gen_ai.request.model", "m")
    provider.shutdown()
    (line,) = path.read_text().splitlines()
    request = json.loads(line)
    (scope_spans,) = request["resourceSpans"][0]["scopeSpans"]
    (exported,) = scope_spans["spans"]
    assert exported["name"] == "chat m"
    assert exported["attributes"] == [
        {"key": "gen_ai.request.model", "value": {"stringValue": "m"}}
    ]
    # OTLP/JSON, not the protobuf JSON mapping: hex ids, integer enums
    context = span.get_span_context()
    assert exported["traceId"] == f"{context.trace_id:032x}"
    assert exported["spanId"] == f"{context.span_id:016x}"
    assert exported["kind"] == 1  # SPAN_KIND_INTERNAL


def test_configure_rejects_bad_arguments() -> None:
    import pytest

    from aisec_sdk import configure

    with pytest.raises(ValueError, match="exporter must be"):
        configure("zipkin")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="path="):
        configure("jsonl")


def test_metrics_are_recorded() -> None:
    import pytest
    from opentelemetry import metrics
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    metrics.set_meter_provider(provider)
    if metrics.get_meter_provider() is not provider:
        pytest.skip("another meter provider was installed first in this process")
    guard(lambda q: q)("jane@example.com")
    data = reader.get_metrics_data()
    assert data is not None
    found = {
        m.name: m
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for m in sm.metrics
        if sm.scope.name == "aisec_sdk"
    }
    duration = found["aisec.guard.duration"].data.data_points
    assert sum(p.count for p in duration) == 2
    (finding,) = found["aisec.guard.findings"].data.data_points
    assert dict(finding.attributes) == {"aisec.guard": "pii", "aisec.category": "LLM02"}
    assert finding.value == 1


def test_threads_do_not_mix_spans(spans: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    @guard(name="worker")
    def work(q: str) -> str:
        return q

    inputs = [f"user{i}@example.com" if i % 2 else f"plain text {i}" for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        outputs = list(pool.map(work, inputs))
    assert [o == "<EMAIL>" for o in outputs] == [bool(i % 2) for i in range(40)]
    finished = [s for s in spans.get_finished_spans() if s.name == "aisec.guard worker"]
    assert len(finished) == 40
    assert sorted(s.attributes["aisec.findings.count"] for s in finished) == [0] * 20 + [1] * 20
