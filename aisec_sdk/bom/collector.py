"""`BomCollector`: an OpenTelemetry `SpanProcessor` that inventories what the process calls.

Add it to the SDK tracer provider the application already has::

    provider.add_span_processor(BomCollector(snapshot="ai-bom.cdx.json"))

``on_start`` remembers, per open span, the application function it runs under (the nearest
``aisec.function``), whether it sits inside another LLM span, and whether the guarded
function's input carried PII (its ``aisec.finding`` events); ``on_end`` adds the span's
counters to a dict under a lock. No I/O happens on the hot path: components, versions and
exports are computed when `BomCollector.bom` is called (or once at exit for the snapshot).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.semconv.attributes import service_attributes

from aisec_sdk.attributes import (
    ATTR_BOM_FINDINGS_COUNT,
    ATTR_BOM_REF,
    ATTR_BOM_RULE,
    ATTR_BOM_SEVERITY,
    ATTR_FUNCTION,
    EVENT_BOM_FINDING,
)
from aisec_sdk.bom.allowlist import apply_policy, findings_for
from aisec_sdk.bom.cyclonedx import SPECS
from aisec_sdk.bom.export import FORMATS, Format, render
from aisec_sdk.bom.model import (
    AnyComponent,
    Bom,
    BomBuilder,
    BomFinding,
    Flow,
    ModelComponent,
    ProviderComponent,
)
from aisec_sdk.bom.spans import (
    CallAggregator,
    CallKey,
    endpoint_component,
    inherited_pii,
    is_llm_span,
    is_model_call,
)

if TYPE_CHECKING:
    from opentelemetry.context import Context

    from aisec_sdk.policy import Policy

__all__ = ["SPAN_FINDING_EVENT", "BomCollector"]

SPAN_FINDING_EVENT = EVENT_BOM_FINDING
"""Event put on a starting LLM span whose model, provider or endpoint the policy forbids."""
_VERDICT_CACHE = 4096


class _OpenSpan(NamedTuple):
    """What a started span passes on to its children."""

    function: str | None
    """The application function it runs under (nearest ``aisec.function``)."""
    names_function: bool
    nested: bool
    """Inside an LLM span."""
    llm: bool
    pii: frozenset[Flow]
    """PII flows inherited from the guarded function above."""


def _targets(key: CallKey) -> list[AnyComponent]:
    """The model, provider and endpoint one call reaches, as bare components."""
    out: list[AnyComponent] = []
    if key.model:
        out.append(ModelComponent(ref=f"model:{key.model}", name=key.model))
    if key.provider:
        out.append(ProviderComponent(ref=f"provider:{key.provider}", name=key.provider))
    if key.host:
        out.append(endpoint_component(key.host, key.port, key.scheme, "runtime"))
    return out


@cache
def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


class BomCollector(SpanProcessor):
    """Builds an AI-BOM from the spans of this process.

    ``policy`` (default: none, so only plaintext endpoints are findings) turns allow-list
    violations into BOM findings, and marks a starting LLM span that violates them with
    ``aisec.bom.finding`` events (rule, ref, severity) and ``aisec.bom.findings.count``, so
    the trace shows it too. ``snapshot`` is a path written once, at interpreter exit or on
    ``shutdown()``, in ``snapshot_format`` (CycloneDX ``spec`` 1.6 by default).
    """

    def __init__(
        self,
        *,
        policy: Policy | None = None,
        snapshot: str | Path | None = None,
        snapshot_format: Format = "cyclonedx",
        spec: str = "1.6",
    ) -> None:
        if snapshot_format not in FORMATS or spec not in SPECS:
            raise ValueError(
                f"snapshot_format must be one of {', '.join(FORMATS)} and spec one of "
                f"{', '.join(SPECS)}; got {snapshot_format!r}, {spec!r}"
            )
        self._policy = policy
        self._calls = CallAggregator()
        self._open: dict[int, _OpenSpan] = {}
        self._verdicts: dict[tuple[object, ...], tuple[BomFinding, ...]] = {}
        self._snapshot = Path(snapshot) if snapshot is not None else None
        self._snapshot_format = snapshot_format
        self._spec = spec
        self._written = threading.Event()
        if self._snapshot is not None:
            atexit.register(self._write_snapshot)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        attributes = span.attributes or {}
        parent = self._open.get(span.parent.span_id) if span.parent is not None else None
        function = attributes.get(ATTR_FUNCTION)
        pii: frozenset[Flow] = frozenset()
        if parent is not None:
            pii = parent.pii
            if parent.names_function:
                # The guarded function's input guards ran before this child started.
                caller = trace.get_current_span(parent_context)
                if isinstance(caller, ReadableSpan):
                    pii = pii | inherited_pii((e.name, e.attributes or {}) for e in caller.events)
            if function is None:
                function = parent.function
        if self._policy is not None and is_llm_span(attributes):
            self._flag(span, attributes)
        self._open[span.context.span_id] = _OpenSpan(
            function=str(function) if function is not None else None,
            names_function=ATTR_FUNCTION in attributes,
            nested=parent is not None and (parent.nested or parent.llm),
            llm=is_model_call(attributes),
            pii=pii,
        )

    def _flag(self, span: Span, attributes: Mapping[str, Any]) -> None:
        """Mark a starting LLM span that leaves the policy's allow-lists (cached per target)."""
        key = CallKey.of(attributes, None, None, None, False)
        target = (key.provider, key.model, key.host, key.port, key.scheme)
        found = self._verdicts.get(target)
        if found is None:
            found = tuple(
                finding
                for component in _targets(key)
                for finding in findings_for(component, self._policy)
            )
            if len(self._verdicts) < _VERDICT_CACHE:
                self._verdicts[target] = found
        for finding in found:
            span.add_event(
                SPAN_FINDING_EVENT,
                {
                    ATTR_BOM_RULE: finding.rule,
                    ATTR_BOM_REF: finding.ref,
                    ATTR_BOM_SEVERITY: finding.severity,
                },
            )
        if found:
            span.set_attribute(ATTR_BOM_FINDINGS_COUNT, len(found))

    def on_end(self, span: ReadableSpan) -> None:
        context = span.context
        state = self._open.pop(context.span_id, None) if context is not None else None
        attributes = dict(span.attributes or {})  # one copy: plain dict look-ups are cheaper
        if not (is_llm_span(attributes) or ATTR_FUNCTION in attributes):
            return
        scope = span.instrumentation_scope
        service = span.resource.attributes.get(service_attributes.SERVICE_NAME)
        key = CallKey.of(
            attributes,
            scope.name if scope is not None else None,
            str(service) if service is not None else None,
            state.function if state else None,
            state.nested if state else False,
        )
        self._calls.record(
            key,
            attributes,
            ((event.name, event.attributes or {}) for event in span.events),
            span.start_time or 0,
            span.end_time or 0,
            state.pii if state else frozenset(),
        )

    def bom(self) -> Bom:
        """The BOM of everything seen so far (safe to call at any time, from any thread)."""
        builder = BomBuilder()
        services = self._calls.build(builder, "runtime", _installed_version)
        bom = builder.build("runtime", services=services)
        return apply_policy(bom, self._policy)

    def shutdown(self) -> None:
        self._write_snapshot()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def _write_snapshot(self) -> None:
        if self._snapshot is None or self._written.is_set():
            return
        self._written.set()
        self._snapshot.parent.mkdir(parents=True, exist_ok=True)
        self._snapshot.write_text(
            render(self.bom(), self._snapshot_format, self._spec), encoding="utf-8"
        )
