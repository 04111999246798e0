"""Read OTLP JSON span files (the OpenTelemetry Collector file exporter format) into a BOM.

Each line is one ``ExportTraceServiceRequest`` as JSON: ``resourceSpans[].resource.attributes``
(``service.name``), ``scopeSpans[].scope`` and ``spans[]`` with ``attributes`` as
``{key, value: {stringValue | intValue | doubleValue | boolValue | arrayValue}}``.
camelCase keys are the format; snake_case (``preserving_proto_field_name``) is accepted too.
A file holding one pretty-printed request is accepted as well. Lines of other signals
(``resourceMetrics``, ``resourceLogs``) are skipped.

Spans of all files are resolved together, so a trace that crosses services still links the
LLM call to the application function it ran under; a span met again (same trace and span id:
a retried export, overlapping files) is counted once. Trace and span ids are compared as hex:
OTLP/JSON writes them hex-encoded (the Collector does), a protobuf JSON mapping base64; both
are read, so files of the two kinds still link.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from opentelemetry.semconv.attributes import service_attributes

from aisec_sdk._json import loads
from aisec_sdk.attributes import ATTR_FUNCTION
from aisec_sdk.bom.model import Bom, BomBuilder, Flow
from aisec_sdk.bom.spans import (
    CallAggregator,
    CallKey,
    inherited_pii,
    is_llm_span,
    is_model_call,
)
from aisec_sdk.exporters import hex_id

__all__ = ["OtlpError", "OtlpSpan", "bom_from_otlp", "iter_spans", "read_spans"]

_SIGNALS = ("resourceSpans", "resourceMetrics", "resourceLogs")


class OtlpError(ValueError):
    """A file is not readable OTLP JSON; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class OtlpSpan:
    """The parts of one span the BOM needs."""

    trace_id: str
    span_id: str
    parent_id: str
    service: str | None
    scope: str | None
    attributes: dict[str, Any]
    events: tuple[tuple[str, dict[str, Any]], ...]
    start_ns: int
    end_ns: int


def _get(obj: Mapping[str, Any], camel: str) -> Any:
    if camel in obj:
        return obj[camel]
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)
    return obj.get(snake)


def _value(raw: Any) -> Any:
    if not isinstance(raw, Mapping):
        return raw
    for kind, value in raw.items():
        if kind in ("intValue", "int_value"):
            return int(value)
        if kind in ("doubleValue", "double_value"):
            return float(value)
        if kind in ("arrayValue", "array_value"):
            return tuple(_value(v) for v in (value or {}).get("values", []))
        if kind in ("kvlistValue", "kvlist_value"):
            return _attributes((value or {}).get("values", []))
        return value
    return None


def _attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {item["key"]: _value(item.get("value")) for item in items if "key" in item}


def _spans_of(request: Mapping[str, Any]) -> Iterator[OtlpSpan]:
    for resource_spans in _get(request, "resourceSpans") or []:
        resource = _attributes((resource_spans.get("resource") or {}).get("attributes"))
        service = resource.get(service_attributes.SERVICE_NAME)
        for scope_spans in _get(resource_spans, "scopeSpans") or []:
            scope_name = (scope_spans.get("scope") or {}).get("name")
            scope = str(scope_name) if scope_name is not None else None
            for span in scope_spans.get("spans") or []:
                yield OtlpSpan(
                    trace_id=hex_id(_get(span, "traceId")),
                    span_id=hex_id(_get(span, "spanId")),
                    parent_id=hex_id(_get(span, "parentSpanId")),
                    service=str(service) if service is not None else None,
                    scope=scope,
                    attributes=_attributes(span.get("attributes")),
                    events=tuple(
                        (str(e.get("name", "")), _attributes(e.get("attributes")))
                        for e in span.get("events") or []
                    ),
                    start_ns=int(_get(span, "startTimeUnixNano") or 0),
                    end_ns=int(_get(span, "endTimeUnixNano") or 0),
                )


def _whole(path: Path) -> Any:
    """The file as one JSON document, or None."""
    try:
        return loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _requests(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed request) of each line, streamed; a file with none (empty, or
    blank lines only) raises `OtlpError`."""
    try:
        handle = path.open(encoding="utf-8-sig")  # a BOM (Windows tools) is no content
    except OSError as exc:
        raise OtlpError(f"{path}: cannot read: {exc}") from exc
    with handle:
        parsed = False
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    request = json.loads(line)
                except RecursionError as exc:
                    raise OtlpError(f"{path}:{number}: JSON nested too deeply") from exc
                except json.JSONDecodeError as exc:
                    whole = None if parsed else _whole(path)  # one pretty-printed request?
                    if whole is not None:
                        yield 1, whole
                        return
                    raise OtlpError(f"{path}:{number}: not JSON: {exc.msg}") from exc
                parsed = True
                yield number, request
        except UnicodeDecodeError as exc:
            raise OtlpError(f"{path}: cannot read: {exc}") from exc
        if not parsed:  # as ``{}`` is: a file without a request is not OTLP JSON
            raise OtlpError(f"{path}: empty: no OTLP export request (one JSON object a line)")


def iter_spans(path: str | Path) -> Iterator[OtlpSpan]:
    """The spans of one OTLP JSON file, streamed; raises `OtlpError` on anything malformed."""
    path = Path(path)
    for number, request in _requests(path):
        if not isinstance(request, dict):
            kind = type(request).__name__
            raise OtlpError(f"{path}:{number}: expected a JSON object, got {kind}")
        if not any(_get(request, k) is not None for k in _SIGNALS):
            raise OtlpError(f"{path}:{number}: not an OTLP export request (no resourceSpans)")
        try:
            spans = list(_spans_of(request))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise OtlpError(f"{path}:{number}: malformed OTLP span data: {exc}") from exc
        yield from spans


def read_spans(path: str | Path) -> list[OtlpSpan]:
    """Every span of one OTLP JSON file; raises `OtlpError` on anything malformed."""
    return list(iter_spans(path))


class _Link(NamedTuple):
    """What a span passes on to its descendants (kept for every span, all other data only
    for LLM and function spans, so a large file needs little memory)."""

    parent: str
    service: str | None
    function: str | None
    llm: bool
    pii: frozenset[Flow]


def _context(
    span: OtlpSpan, links: Mapping[tuple[str, str], _Link]
) -> tuple[_Link | None, bool, frozenset[Flow]]:
    """The nearest ancestor naming a function, whether an LLM span encloses this one, and
    the PII flows inherited from guarded functions above it."""
    caller, nested, pii, seen = None, False, frozenset[Flow](), set()
    key = (span.trace_id, span.parent_id)
    parent = links.get(key)
    while parent is not None and key not in seen:
        seen.add(key)
        if parent.function:
            caller = caller or parent
            pii |= parent.pii
        nested = nested or parent.llm
        key = (span.trace_id, parent.parent)
        parent = links.get(key)
    return caller, nested, pii


def bom_from_otlp(paths: Iterable[str | Path]) -> Bom:
    """One BOM from the spans of every file (resolved together across services)."""
    paths = list(paths)
    links: dict[tuple[str, str], _Link] = {}
    relevant: list[OtlpSpan] = []
    for path in paths:
        for span in iter_spans(path):
            if span.span_id and (span.trace_id, span.span_id) in links:
                continue  # exported again (a retried request, overlapping files): one call
            llm = is_llm_span(span.attributes)
            function = span.attributes.get(ATTR_FUNCTION)
            if span.span_id:
                links[(span.trace_id, span.span_id)] = _Link(
                    parent=span.parent_id,
                    service=span.service,
                    function=str(function) if function else None,
                    llm=is_model_call(span.attributes),
                    pii=inherited_pii(span.events) if function else frozenset(),
                )
            if llm or function:
                relevant.append(span)
    calls = CallAggregator()
    for span in relevant:
        caller, nested, pii = _context(span, links)
        function = caller.function if caller else None
        owner = caller.service if caller else None
        key = CallKey.of(span.attributes, span.scope, span.service, function, nested, owner)
        calls.record(key, span.attributes, span.events, span.start_ns, span.end_ns, pii)
    builder = BomBuilder()
    services = calls.build(builder, "otlp")
    return builder.build(", ".join(Path(p).name for p in paths) or "otlp", services=services)
