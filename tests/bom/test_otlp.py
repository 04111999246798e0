"""OTLP JSON files (the Collector file-exporter format) read back into a BOM."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from hypothesis import example, given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aisec_sdk.bom import BomCollector, bom_from_otlp, to_cyclonedx, validate
from aisec_sdk.bom.otlp_json import OtlpError, read_spans
from aisec_sdk.exporters import OtlpJsonFileSpanExporter


def _record(service: str, emit: Callable[[TracerProvider], None]) -> list[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    emit(provider)
    provider.shutdown()
    return list(memory.get_finished_spans())


def _request_json(spans: list[ReadableSpan], **options: Any) -> dict[str, Any]:
    return MessageToDict(encode_spans(spans), **options)


def test_file_exporter_output_gives_the_same_bom_as_the_live_collector(
    tmp_path: Path, llm_call: Callable[..., None], valid_cyclonedx: Any
) -> None:
    path = tmp_path / "spans.jsonl"
    collector = BomCollector()
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(collector)
    provider.add_span_processor(SimpleSpanProcessor(OtlpJsonFileSpanExporter(path)))
    tracer = provider.get_tracer("opentelemetry.instrumentation.openai_v2")
    with tracer.start_as_current_span("pay", attributes={"aisec.function": "shop.pay"}):
        llm_call(
            tracer,
            "gpt-4o",
            tokens=(30, 9),
            findings=[{"aisec.guard": "pii", "aisec.direction": "input"}],
        )
    llm_call(tracer, "text-embedding-3-small", tokens=(5, 0))
    provider.shutdown()

    assert len(path.read_text().splitlines()) == 3  # one request per export, one per line
    live, replayed = collector.bom(), bom_from_otlp([path])

    def shape(bom: Any) -> dict[str, Any]:
        return {
            c.ref: (c.usage.calls, c.usage.input_tokens, c.usage.output_tokens, c.services)
            for c in bom.components
        }

    assert shape(replayed) == shape(live)
    assert {(r.source, r.kind, r.target) for r in replayed.relationships} == {
        (r.source, r.kind, r.target) for r in live.relationships
    }
    provider_component = replayed.component("provider:openai")
    assert provider_component is not None
    assert provider_component.data_classifications == ["PII"]  # type: ignore[union-attr]
    assert all("otlp" in c.sources for c in replayed.components)
    valid_cyclonedx(replayed)


def test_snake_case_and_pretty_printed_requests_are_accepted(
    tmp_path: Path, llm_call: Callable[..., None]
) -> None:
    spans = _record("svc", lambda p: llm_call(p.get_tracer("x"), "gpt-4o", tokens=(4, 2)))
    snake = tmp_path / "snake.json"
    snake.write_text(json.dumps(_request_json(spans, preserving_proto_field_name=True)) + "\n")
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(_request_json(spans), indent=2))
    for path in (snake, pretty):
        model = bom_from_otlp([path]).component("model:gpt-4o")
        assert model is not None and model.usage.input_tokens == 4, path.name


def test_a_utf8_bom_and_crlf_line_ends_are_accepted(
    tmp_path: Path, llm_call: Callable[..., None]
) -> None:
    """Files saved by Windows tools (PowerShell's Out-File, editors) start with a BOM."""
    requests = [
        _request_json(_record("svc", lambda p: llm_call(p.get_tracer("x"), "gpt-4o")))
        for _ in range(2)
    ]
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(("\ufeff" + "".join(f"{json.dumps(r)}\r\n" for r in requests)).encode())
    pretty = tmp_path / "pretty.json"
    pretty.write_bytes(("\ufeff" + json.dumps(requests[0], indent=2)).encode())
    for path, calls in ((lines, 2), (pretty, 1)):
        model = bom_from_otlp([path]).component("model:gpt-4o")
        assert model is not None and model.usage.calls == calls, path.name


def test_a_span_exported_twice_counts_once(tmp_path: Path, llm_call: Callable[..., None]) -> None:
    """A retried export repeats a request; overlapping files (a rotated file and its copy)
    repeat spans. A span is one call however often it was written."""
    spans = _record("svc", lambda p: llm_call(p.get_tracer("x"), "gpt-4o", tokens=(4, 2)))
    line = json.dumps(_request_json(spans)) + "\n"
    retried = tmp_path / "retried.jsonl"
    retried.write_text(line * 2)
    copy = tmp_path / "copy.jsonl"
    copy.write_text(line)
    model = bom_from_otlp([retried, copy, retried]).component("model:gpt-4o")
    assert model is not None
    assert (model.usage.calls, model.usage.input_tokens, model.usage.output_tokens) == (1, 4, 2)


def test_a_trace_across_services_links_the_caller(
    tmp_path: Path, llm_call: Callable[..., None]
) -> None:
    """The function span is in one service's file, the LLM span in another's."""
    front_provider = TracerProvider(resource=Resource.create({"service.name": "front"}))
    front_memory = InMemorySpanExporter()
    front_provider.add_span_processor(SimpleSpanProcessor(front_memory))
    back_memory = InMemorySpanExporter()
    back_provider = TracerProvider(resource=Resource.create({"service.name": "llm-gateway"}))
    back_provider.add_span_processor(SimpleSpanProcessor(back_memory))
    front = front_provider.get_tracer("front")
    with front.start_as_current_span("ask", attributes={"aisec.function": "front.ask"}):
        llm_call(back_provider.get_tracer("gw"), "gpt-4o")  # same context: same trace
    for name, memory in (("front.json", front_memory), ("back.json", back_memory)):
        request = _request_json(list(memory.get_finished_spans()))
        (tmp_path / name).write_text(json.dumps(request) + "\n")

    bom = bom_from_otlp([tmp_path / "front.json", tmp_path / "back.json"])
    assert bom.services == ["front", "llm-gateway"]
    assert ("function:front/front.ask", "calls", "model:gpt-4o") in {
        (r.source, r.kind, r.target) for r in bom.relationships
    }


def test_other_signals_are_skipped(tmp_path: Path, llm_call: Callable[..., None]) -> None:
    spans = _record("svc", lambda p: llm_call(p.get_tracer("x"), "gpt-4o"))
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"resourceMetrics": []}) + "\n\n" + json.dumps(_request_json(spans)) + "\n"
    )
    assert [s.attributes["gen_ai.request.model"] for s in read_spans(path)] == ["gpt-4o"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"resourceSpans": []}\n{not json\n', ":2: not JSON"),
        ("[1, 2]\n", ":1: expected a JSON object"),
        ('{"hello": "world"}\n', ":1: not an OTLP export request"),
        (
            '{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "x"}]}]}]}\n',
            ":1: malformed OTLP span data",
        ),
        ('{"resourceSpans": []}\n' + "[" * 100_000 + "]" * 100_000 + "\n", ":2: JSON nested"),
        ("[" * 100_000 + "]" * 100_000 + "\n", ":1: JSON nested too deeply"),
        ("", "empty: no OTLP export request"),
        ("\ufeff\n  \n\n", "empty: no OTLP export request"),  # a UTF-8 BOM, blank lines
    ],
)
def test_invalid_files_raise_with_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(OtlpError, match=message):
        bom_from_otlp([path])


def test_unreadable_file_raises(tmp_path: Path) -> None:
    with pytest.raises(OtlpError, match="cannot read"):
        read_spans(tmp_path / "missing.json")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(OtlpError):
        read_spans(binary)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "gen_ai.request.model",
        "gen_ai.provider.name",
        "server.address",
        "server.port",
        "url.full",
        "gen_ai.usage.input_tokens",
        "aisec.findings.count",
        "aisec.function",
        "aisec.framework",
        "aisec.model.source",
    ]
)


def _attribute(key: str, value: Any) -> dict[str, Any]:
    kind = {bool: "boolValue", int: "intValue", float: "doubleValue"}.get(type(value))
    return {"key": key, "value": {kind or "stringValue": value}}


@settings(max_examples=150, deadline=None)
@given(values=st.dictionaries(_KEYS, _JSON, max_size=6), scope=_JSON, guard=_JSON)
@example(values={"gen_ai.request.model": "m", "server.address": [None]}, scope=None, guard=None)
@example(values={"gen_ai.request.model": "m", "server.address": "a host/x"}, scope=None, guard=None)
def test_any_attribute_values_give_a_valid_bom(
    values: dict[str, Any], scope: Any, guard: Any, tmp_path_factory: Any
) -> None:
    """Spans come from anyone: whatever the value types, the BOM builds and validates."""
    span = {
        "traceId": "t",
        "spanId": "s",
        "name": "x",
        "attributes": [_attribute(k, v) for k, v in values.items()],
        "events": [{"name": "aisec.finding", "attributes": [_attribute("aisec.guard", guard)]}],
    }
    request = {"resourceSpans": [{"scopeSpans": [{"scope": {"name": scope}, "spans": [span]}]}]}
    path = tmp_path_factory.mktemp("fuzz") / "spans.json"
    path.write_text(json.dumps(request) + "\n")
    bom = bom_from_otlp([path])
    for spec in ("1.6", "1.7"):
        validate(to_cyclonedx(bom, spec))


@settings(max_examples=150, deadline=None)
@given(body=_JSON)
def test_any_request_shape_gives_a_bom_or_an_otlp_error(body: Any, tmp_path_factory: Any) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "spans.json"
    path.write_text(json.dumps({"resourceSpans": body}) + "\n")
    with contextlib.suppress(OtlpError):
        bom_from_otlp([path])


def _hex_ids(request: Any) -> Any:
    """``request`` with its base64 trace and span ids hex-encoded, as OTLP/JSON writes them."""
    if isinstance(request, list):
        return [_hex_ids(item) for item in request]
    if not isinstance(request, dict):
        return request
    return {
        key: base64.b64decode(value).hex()
        if key in ("traceId", "spanId", "parentSpanId") and value
        else _hex_ids(value)
        for key, value in request.items()
    }


def test_hex_and_base64_ids_link_across_files(
    tmp_path: Path, llm_call: Callable[..., None]
) -> None:
    """One service's file from a Collector (hex ids), the other's in base64 (protobuf JSON)."""
    provider = TracerProvider(resource=Resource.create({"service.name": "front"}))
    front_memory, back_memory = InMemorySpanExporter(), InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(front_memory))
    back = TracerProvider(resource=Resource.create({"service.name": "llm-gateway"}))
    back.add_span_processor(SimpleSpanProcessor(back_memory))
    with provider.get_tracer("front").start_as_current_span(
        "ask", attributes={"aisec.function": "front.ask"}
    ):
        llm_call(back.get_tracer("gw"), "gpt-4o")
    front_request = _hex_ids(_request_json(list(front_memory.get_finished_spans())))
    assert len(front_request["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]) == 32
    (tmp_path / "front.json").write_text(json.dumps(front_request) + "\n")
    (tmp_path / "back.json").write_text(
        json.dumps(_request_json(list(back_memory.get_finished_spans()))) + "\n"
    )

    bom = bom_from_otlp([tmp_path / "front.json", tmp_path / "back.json"])
    assert ("function:front/front.ask", "calls", "model:gpt-4o") in {
        (r.source, r.kind, r.target) for r in bom.relationships
    }


def test_agent_spans_in_a_file_count_the_model_calls_inside_them(tmp_path: Path) -> None:
    path = tmp_path / "agent.jsonl"
    provider = TracerProvider(resource=Resource.create({"service.name": "agents"}))
    provider.add_span_processor(SimpleSpanProcessor(OtlpJsonFileSpanExporter(path)))
    tracer = provider.get_tracer("openinference.instrumentation.openai_agents")
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o"}
    with tracer.start_as_current_span("invoke_agent triage", attributes=agent):
        for _ in range(3):
            chat = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
            with tracer.start_as_current_span("chat gpt-4o", attributes=chat):
                pass
    provider.shutdown()
    model = bom_from_otlp([path]).component("model:gpt-4o")
    assert model is not None and model.usage.calls == 3
