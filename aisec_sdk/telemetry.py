"""Spans, span events and metrics for guarded calls, through the global OpenTelemetry API.

The SDK never installs providers on its own; `configure` is the explicit quick start
(console, OTLP JSON lines file, or OTLP over HTTP/gRPC). Raw text never reaches telemetry
unless the policy sets ``capture_content``, and then only redacted.
"""

from __future__ import annotations

import contextvars
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from opentelemetry import metrics, trace
from opentelemetry.semconv._incubating.attributes.gen_ai_attributes import (
    GEN_AI_EVALUATION_EXPLANATION,
    GEN_AI_EVALUATION_NAME,
    GEN_AI_EVALUATION_SCORE_LABEL,
    GEN_AI_EVALUATION_SCORE_VALUE,
)
from opentelemetry.semconv.attributes.code_attributes import CODE_FUNCTION_NAME
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from aisec_sdk.attributes import (
    ATTR_ACTION,
    ATTR_CATEGORY,
    ATTR_DIRECTION,
    ATTR_END,
    ATTR_FINDING_ACTION,
    ATTR_FINDINGS_COUNT,
    ATTR_FUNCTION,
    ATTR_GUARD,
    ATTR_GUARD_ERRORS,
    ATTR_MESSAGE,
    ATTR_MODE,
    ATTR_SCORE,
    ATTR_START,
    EVENT_EVALUATION,
    EVENT_FINDING,
    METRIC_GUARD_DURATION,
    METRIC_GUARD_FINDINGS,
    SPAN_GUARD,
    attr_direction_action,
    attr_direction_content,
    evaluation_name,
)
from aisec_sdk.verdict import Action, Finding, Verdict, redact

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

    from aisec_sdk.policy import Policy

__all__ = [
    "ATTR_ACTION",
    "ATTR_FINDINGS_COUNT",
    "ATTR_FUNCTION",
    "ATTR_MODE",
    "EVENT_EVALUATION",
    "EVENT_FINDING",
    "CallTelemetry",
    "configure",
    "current_llm_span",
    "llm_span_scope",
]

SCOPE = "aisec_sdk"

_ACTION_RANK: dict[str, int] = {"allow": 0, "redact": 1, "block": 2}

# The LLM span an integration opened for the call in progress; guards record onto it
# instead of opening an ``aisec.guard`` span of their own.
_llm_span: contextvars.ContextVar[Span | None] = contextvars.ContextVar(
    "aisec_llm_span", default=None
)


def current_llm_span() -> Span | None:
    """The integration span of the LLM call in progress, if any."""
    return _llm_span.get()


@contextmanager
def llm_span_scope(span: Span) -> Iterator[Span]:
    """Mark ``span`` as the LLM span guards should record onto (used by integrations)."""
    token = _llm_span.set(span)
    try:
        yield span
    finally:
        _llm_span.reset(token)


@cache
def _instruments() -> tuple[Any, Any]:
    from aisec_sdk import __version__

    meter = metrics.get_meter(SCOPE, __version__)
    found = meter.create_counter(
        METRIC_GUARD_FINDINGS, unit="{finding}", description="Guard findings by guard"
    )
    duration = meter.create_histogram(
        METRIC_GUARD_DURATION,
        unit="s",
        description="Time spent in guards per scan; its count is the number of verdicts",
    )
    return found, duration


@cache
def tracer() -> trace.Tracer:
    """The SDK's tracer from the global provider (a proxy until the host sets one)."""
    from aisec_sdk import __version__

    return trace.get_tracer(SCOPE, __version__)


class CallTelemetry:
    """Telemetry of one guarded call: its span (own or the integration's) and metrics."""

    __slots__ = ("_action", "_attrs", "_count", "_owns", "policy", "span")

    def __init__(self, function: str, policy: Policy) -> None:
        self.policy = policy
        self._action: Action = "allow"
        self._count = 0
        self._attrs: dict[str, Any] = {}
        llm = _llm_span.get()
        if not policy.telemetry:
            self.span: Span = trace.INVALID_SPAN
            self._owns = False
        elif llm is not None and llm.is_recording():
            self.span, self._owns = llm, False
            llm.set_attribute(ATTR_MODE, policy.mode)
        else:
            self.span = tracer().start_span(
                f"{SPAN_GUARD} {function}",
                kind=SpanKind.INTERNAL,
                attributes={
                    ATTR_FUNCTION: function,
                    CODE_FUNCTION_NAME: function,
                    ATTR_MODE: policy.mode,
                },
            )
            self._owns = True

    def record(self, verdict: Verdict, original: str | None = None) -> None:
        """Put one verdict on the span (attributes and events) and on the metrics.

        On a span this call owns, attributes are set once, in `finish`; on an integration's
        LLM span they are set right away.
        """
        if not self.policy.telemetry:
            return
        self._count += len(verdict.findings)
        if _ACTION_RANK[verdict.action] > _ACTION_RANK[self._action]:
            self._action = verdict.action
        found, duration = _instruments()
        duration.record(
            verdict.latency_ms / 1000.0,
            {ATTR_ACTION: verdict.action, ATTR_DIRECTION: verdict.direction},
        )
        attrs = self._attrs
        attrs[ATTR_ACTION] = self._action
        attrs[ATTR_FINDINGS_COUNT] = self._count
        key = attr_direction_action(verdict.direction)  # the strongest of the direction
        if _ACTION_RANK[verdict.action] >= _ACTION_RANK[attrs.get(key, "allow")]:
            attrs[key] = verdict.action
        if verdict.errors:
            attrs[ATTR_GUARD_ERRORS] = verdict.errors
        span = self.span
        if self.policy.capture_content and original is not None:
            masked = redact(original, verdict.findings, mask_all=True)
            attrs[attr_direction_content(verdict.direction)] = masked
        if not self._owns and span.is_recording():
            span.set_attributes(attrs)
        worst: dict[str, Finding] = {}
        for f in verdict.findings:
            found.add(1, {ATTR_GUARD: f.guard, ATTR_CATEGORY: f.category})
            if not span.is_recording():
                continue
            span.add_event(
                EVENT_FINDING,
                {
                    ATTR_GUARD: f.guard,
                    ATTR_CATEGORY: f.category,
                    ATTR_SCORE: f.score,
                    ATTR_START: f.start,
                    ATTR_END: f.end,
                    ATTR_DIRECTION: f.direction or verdict.direction,
                    ATTR_FINDING_ACTION: f.action,
                    ATTR_MESSAGE: f.message,
                },
            )
            if f.guard not in worst or f.score > worst[f.guard].score:
                worst[f.guard] = f
        for f in worst.values():
            span.add_event(
                EVENT_EVALUATION,
                {
                    GEN_AI_EVALUATION_NAME: evaluation_name(f.guard),
                    GEN_AI_EVALUATION_SCORE_VALUE: f.score,
                    GEN_AI_EVALUATION_SCORE_LABEL: "fail",
                    GEN_AI_EVALUATION_EXPLANATION: f.message,
                },
            )

    def finish(self, error: BaseException | None = None) -> None:
        """Set the call's attributes and end the span, if this call opened it."""
        if not self._owns:
            return
        span = self.span
        if self._attrs:
            span.set_attributes(self._attrs)
        if error is not None:
            span.set_attribute(ERROR_TYPE, type(error).__qualname__)
            span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
        span.end()


Exporter = Literal["console", "jsonl", "otlp", "none"]


def configure(
    exporter: Exporter = "console",
    *,
    path: str | os.PathLike[str] | None = None,
    endpoint: str | None = None,
    protocol: Literal["http/protobuf", "grpc"] = "http/protobuf",
    service_name: str = "aisec-app",
    metrics_enabled: bool = True,
    batch: bool = True,
) -> TracerProvider:
    """Quick start: install an SDK tracer (and meter) provider that exports spans.

    ``console`` prints spans, ``jsonl`` appends OTLP JSON lines to ``path`` (the
    OpenTelemetry Collector's file-exporter format), ``otlp`` sends to ``endpoint`` over
    ``http/protobuf`` or ``grpc``. If the host already installed an SDK tracer provider, the
    exporter is added to it instead of replacing it. Calling it again with the same exporter
    and target adds nothing (no duplicated spans). Returns the provider in use.
    """
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter not in ("console", "jsonl", "otlp", "none"):
        raise ValueError(f"exporter must be 'console', 'jsonl', 'otlp' or 'none'; got {exporter!r}")
    if exporter == "jsonl" and path is None:
        raise ValueError("configure(exporter='jsonl') needs path= (the file to append to)")
    destination = _destination(exporter, path, endpoint, protocol)
    current = trace.get_tracer_provider()
    # Already exporting there: a second processor would duplicate every span, so no exporter
    # is even built (an OTLP one would open a session or channel that nothing closes).
    exported = isinstance(current, TracerProvider) and destination in _exporting.get(current, ())
    span_exporter = None if exported else _span_exporter(exporter, path, endpoint, protocol)
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
        trace.set_tracer_provider(provider)
    if span_exporter is not None:
        _exporting.setdefault(provider, set()).add(destination)
        processor = (
            BatchSpanProcessor(span_exporter) if batch else SimpleSpanProcessor(span_exporter)
        )
        provider.add_span_processor(processor)
    if metrics_enabled and exporter == "otlp":
        _configure_otlp_metrics(endpoint, protocol, service_name)
    return provider


# Where `configure` already sends each provider's spans.
_exporting: weakref.WeakKeyDictionary[TracerProvider, set[tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


def _destination(
    exporter: str, path: str | os.PathLike[str] | None, endpoint: str | None, protocol: str
) -> tuple[str, ...]:
    """What identifies one export target: the exporter and its file or endpoint."""
    if exporter == "jsonl" and path is not None:
        return (exporter, str(Path(path).resolve()))
    if exporter == "otlp":
        return (exporter, protocol, endpoint or "")
    return (exporter,)


def _span_exporter(
    exporter: str, path: str | os.PathLike[str] | None, endpoint: str | None, protocol: str
) -> Any:
    """The span exporter of a `configure` call (None for ``none``)."""
    if exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if exporter == "jsonl" and path is not None:
        from aisec_sdk.exporters import OtlpJsonFileSpanExporter

        return OtlpJsonFileSpanExporter(Path(path))
    if exporter == "otlp":
        return _otlp_span_exporter(endpoint, protocol)
    return None


def _otlp_span_exporter(endpoint: str | None, protocol: str) -> Any:
    try:
        if protocol == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            return OTLPSpanExporter(endpoint=endpoint, insecure=_is_plain(endpoint))
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter as HttpSpanExporter,
        )

        url = (
            f"{endpoint.rstrip('/')}/v1/traces" if endpoint and "/v1/" not in endpoint else endpoint
        )
        return HttpSpanExporter(endpoint=url)
    except ImportError as exc:
        raise ImportError(
            "configure(exporter='otlp') needs the OTLP exporters: pip install 'aisec-sdk[otlp]'"
        ) from exc


def _is_plain(endpoint: str | None) -> bool:
    return bool(endpoint) and not str(endpoint).startswith("https://")


def _configure_otlp_metrics(endpoint: str | None, protocol: str, service_name: str) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource

    if isinstance(metrics.get_meter_provider(), MeterProvider):
        return
    exporter: Any
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        exporter = OTLPMetricExporter(endpoint=endpoint, insecure=_is_plain(endpoint))
    else:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
            OTLPMetricExporter as HttpMetricExporter,
        )

        url = (
            f"{endpoint.rstrip('/')}/v1/metrics"
            if endpoint and "/v1/" not in endpoint
            else endpoint
        )
        exporter = HttpMetricExporter(endpoint=url)
    provider = MeterProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        metric_readers=[PeriodicExportingMetricReader(exporter)],
    )
    metrics.set_meter_provider(provider)
