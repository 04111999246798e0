"""From GenAI-convention spans to BOM facts; shared by the live collector and the OTLP reader.

A span is an LLM call when it carries ``gen_ai.operation.name``, ``gen_ai.request.model``,
``gen_ai.provider.name`` or the deprecated ``gen_ai.system``, unless its operation is a tool
execution or a retrieval (model calls made inside those are calls of their own). An agent or
workflow span (``invoke_agent``, ``create_agent``, ``invoke_workflow``) is evidence about its
provider and model, not a call: the model-call spans inside it are the calls. A span with only
``aisec.function`` is an application function. Calls are aggregated by a small key
(service, function, provider, model, endpoint, framework) into counters; components and
relationships are built from those counters only when a BOM is asked for.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import server_attributes, url_attributes

from aisec_sdk.attributes import (
    ATTR_ACTION,
    ATTR_DIRECTION,
    ATTR_FINDINGS_COUNT,
    ATTR_FRAMEWORK,
    ATTR_FRAMEWORK_VERSION,
    ATTR_FUNCTION,
    ATTR_GUARD,
    ATTR_MODEL_FILES,
    ATTR_MODEL_FORMAT,
    ATTR_MODEL_PATH,
    ATTR_MODEL_REVISION,
    ATTR_MODEL_SHA256,
    ATTR_MODEL_SOURCE,
    ATTR_POSTURE_FINDINGS_COUNT,
    ATTR_TRUST_REMOTE_CODE,
    EVENT_FINDING,
)
from aisec_sdk.bom.model import (
    BomBuilder,
    Ecosystem,
    EndpointComponent,
    Flow,
    FrameworkComponent,
    FunctionComponent,
    ModelComponent,
    ProviderComponent,
    Usage,
)

__all__ = [
    "CallAggregator",
    "CallKey",
    "endpoint_component",
    "framework_ref",
    "inherited_pii",
    "is_llm_span",
    "is_model_call",
    "package_name",
]

# Model-load spans (``aisec.model.load {name}``, the transformers integration): a load is
# evidence about a model, not a call. These attributes become ``load.*`` model properties.
_LOAD_FACTS = {
    ATTR_MODEL_SOURCE: "load.source",
    ATTR_MODEL_PATH: "load.path",
    ATTR_MODEL_REVISION: "load.revision",
    ATTR_MODEL_FORMAT: "load.format",
    ATTR_MODEL_FILES: "load.files",
    ATTR_MODEL_SHA256: "load.sha256",
    ATTR_TRUST_REMOTE_CODE: "load.trust_remote_code",
    ATTR_POSTURE_FINDINGS_COUNT: "load.posture_findings",
}

_LLM_KEYS = (
    gen_ai.GEN_AI_OPERATION_NAME,
    gen_ai.GEN_AI_REQUEST_MODEL,
    gen_ai.GEN_AI_PROVIDER_NAME,
    gen_ai.GEN_AI_SYSTEM,
)
# GenAI operations that are not model calls.
_NOT_MODEL_CALLS = frozenset(
    {
        gen_ai.GenAiOperationNameValues.EXECUTE_TOOL.value,
        gen_ai.GenAiOperationNameValues.RETRIEVAL.value,
    }
)
# GenAI operations that orchestrate model calls (an agent, a workflow): their spans are
# evidence about a provider and model, but the calls are the model-call spans inside them.
_ORCHESTRATIONS = frozenset(
    {
        gen_ai.GenAiOperationNameValues.CREATE_AGENT.value,
        gen_ai.GenAiOperationNameValues.INVOKE_AGENT.value,
        gen_ai.GenAiOperationNameValues.INVOKE_WORKFLOW.value,
    }
)
# Instrumentation scopes whose last segment names the instrumented framework.
_SCOPE_PREFIXES = (
    "opentelemetry.instrumentation.",
    "aisec_sdk.integrations.",
    "openinference.instrumentation.",
)
_VERSION_SUFFIX = re.compile(r"[_-]v\d+$")
_DEFAULT_PORTS = {"https": 443, "http": 80}
_HOST = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[?[0-9A-Fa-f:.]{2,45}\]?)$")
_LOOPBACK = re.compile(r"^(localhost|127(\.\d+){3}|::1|\[::1\]|0\.0\.0\.0)$", re.IGNORECASE)


def _int(value: Any) -> int | None:
    """An attribute as an int, None when it is not one (spans come from anyone)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _tokens(attributes: Mapping[str, Any], current: str, deprecated: str) -> int:
    """A token count: the current attribute, else its deprecated name; 0 when neither holds
    a count (a negative number is none)."""
    for name in (current, deprecated):
        count = _int(attributes.get(name))
        if count is not None:
            return max(count, 0)
    return 0


def _text(value: Any) -> str | None:
    """A scalar attribute as text, stripped; arrays and empty values are not names."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _provider(value: Any) -> str | None:
    """A provider name in the conventions' spelling (``OpenAI`` is ``openai``)."""
    text = _text(value)
    return text.lower() if text else None


def _host(value: Any) -> str | None:
    """A host name or IP address (IPv6 in brackets or bare), else None."""
    text = _text(value)
    return text if text is not None and _HOST.match(text) else None


def is_llm_span(attributes: Mapping[str, Any]) -> bool:
    """True when the attributes describe a GenAI model call (not a tool run or a retrieval)."""
    if attributes.get(gen_ai.GEN_AI_OPERATION_NAME) in _NOT_MODEL_CALLS:
        return False
    return any(key in attributes for key in _LLM_KEYS)


def is_model_call(attributes: Mapping[str, Any]) -> bool:
    """True for an LLM span that is one model call, not an agent or workflow span around
    calls; an LLM span inside a model call is that call seen twice (counted once)."""
    return is_llm_span(attributes) and attributes.get(gen_ai.GEN_AI_OPERATION_NAME) not in (
        _ORCHESTRATIONS
    )


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (plaintext there never leaves the machine)."""
    return bool(_LOOPBACK.match(host))


def framework_ref(name: str, ecosystem: Ecosystem = "pypi") -> str:
    """The ref of a framework component: ``framework:<PEP 503 name>`` for Python
    distributions, ``framework:npm:<name>`` for npm packages."""
    prefix = "framework:npm:" if ecosystem == "npm" else "framework:"
    return prefix + package_name(name, ecosystem)


def package_name(name: str, ecosystem: Ecosystem) -> str:
    """A package's name as the BOM keeps it: PEP 503 normalised for PyPI, lower case for
    npm (whose names keep their dots, dashes and underscores)."""
    return name.lower() if ecosystem == "npm" else normalize_dist(name)


def normalize_dist(name: str) -> str:
    """PEP 503 normalisation of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@lru_cache(maxsize=512)
def _framework_from_scope(scope: str | None) -> str | None:
    if not scope:
        return None
    for prefix in _SCOPE_PREFIXES:
        if scope.startswith(prefix):
            tail = scope[len(prefix) :].split(".")[0]
            return normalize_dist(_VERSION_SUFFIX.sub("", tail)) or None
    return None


def endpoint_component(
    host: str, port: int | None, scheme: str | None, evidence: str, location: str | None = None
) -> EndpointComponent:
    """An endpoint component; the URL leaves out default ports, ``//host`` when no scheme,
    and puts an IPv6 address in brackets (``host`` keeps it bare, as ``server.address``)."""
    host = host.lower().removeprefix("[").removesuffix("]")
    if scheme is None and port in (443, 80):
        scheme = "https" if port == 443 else "http"
    shown_port = "" if port is None or _DEFAULT_PORTS.get(scheme or "") == port else f":{port}"
    shown_host = f"[{host}]" if ":" in host else host
    url = f"{scheme}://{shown_host}{shown_port}" if scheme else f"//{shown_host}{shown_port}"
    return EndpointComponent(
        ref=f"endpoint:{url}",
        name=url,
        scheme=scheme,
        host=host,
        port=port,
        sources=[evidence],
        locations=[location] if location else [],
    )


class CallKey(NamedTuple):
    """What one span says about who called what, where."""

    service: str | None
    function: str | None
    provider: str | None
    model: str | None
    host: str | None
    port: int | None
    scheme: str | None
    framework: str | None
    framework_version: str | None
    nested: bool
    """Inside another LLM span: that outer span already counted the call."""
    function_service: str | None = None
    """Service of the span that named the function (another service in a distributed trace)."""
    load: bool = False
    """A model-load span: evidence about the model, not a call to it."""

    @classmethod
    def of(
        cls,
        attributes: Mapping[str, Any],
        scope: str | None,
        service: str | None,
        function: str | None,
        nested: bool,
        function_service: str | None = None,
    ) -> CallKey:
        """The key of one span from its attributes, instrumentation scope and context."""
        get = attributes.get
        own_function = get(ATTR_FUNCTION)
        if own_function:
            function, function_service = str(own_function), service
        provider = get(gen_ai.GEN_AI_PROVIDER_NAME) or get(gen_ai.GEN_AI_SYSTEM)
        model = get(gen_ai.GEN_AI_REQUEST_MODEL) or get(gen_ai.GEN_AI_RESPONSE_MODEL)
        host = get(server_attributes.SERVER_ADDRESS)
        port = get(server_attributes.SERVER_PORT)
        scheme = get(url_attributes.URL_SCHEME)
        full = get(url_attributes.URL_FULL)
        if full and (not host or not scheme):
            try:
                parts = urlsplit(str(full))
                host, scheme = host or parts.hostname, scheme or parts.scheme or None
                port = port or parts.port
            except ValueError:  # not a URL after all
                pass
        return cls(
            service=service,
            function=function,
            provider=_provider(provider),
            model=_text(model),
            host=_host(host),
            port=_int(port) if port else None,
            scheme=_text(scheme),
            # integrations may name the framework they instrument (else the scope tells)
            framework=_text(get(ATTR_FRAMEWORK)) or _framework_from_scope(scope),
            framework_version=_text(get(ATTR_FRAMEWORK_VERSION)),
            # an agent or workflow span: evidence only, its calls are the spans inside it
            nested=nested or get(gen_ai.GEN_AI_OPERATION_NAME) in _ORCHESTRATIONS,
            function_service=function_service or (service if function else None),
            load=ATTR_MODEL_SOURCE in attributes and gen_ai.GEN_AI_OPERATION_NAME not in attributes,
        )


@dataclass(slots=True)
class CallStats:
    """Counters for one `CallKey`."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    first_ns: int = 0
    last_ns: int = 0
    findings: int = 0
    blocked: int = 0
    pii_flows: set[Flow] = field(default_factory=set)
    response_models: set[str] = field(default_factory=set)
    facts: dict[str, str] = field(default_factory=dict)


def inherited_pii(events: Iterable[tuple[str, Mapping[str, Any]]]) -> frozenset[Flow]:
    """PII a guarded function received as input: it flows out with the calls it makes."""
    return pii_flows(events)[1] & {"outbound"}


def pii_flows(events: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[int, frozenset[Flow]]:
    """Number of ``aisec.finding`` events and the flows of PII ones: ``outbound`` for PII in
    what the application sent (input, context), ``inbound`` for PII in model output."""
    count, flows = 0, set[Flow]()
    for name, attrs in events:
        if name != EVENT_FINDING:
            continue
        count += 1
        if (attrs.get(ATTR_GUARD) or attrs.get("guard")) == "pii":
            direction = attrs.get(ATTR_DIRECTION) or attrs.get("direction")
            flows.add("inbound" if direction == "output" else "outbound")
    return count, frozenset(flows)


class CallAggregator:
    """Thread-safe counters keyed by `CallKey`; `build` turns them into components."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stats: dict[CallKey, CallStats] = {}

    def record(
        self,
        key: CallKey,
        attributes: Mapping[str, Any],
        events: Iterable[tuple[str, Mapping[str, Any]]],
        start_ns: int,
        end_ns: int,
        inherited_pii: frozenset[Flow] = frozenset(),
    ) -> None:
        """Count one span (no I/O: a dict update under a lock). ``inherited_pii`` holds the
        PII flows of the guarded function the call runs under."""
        get = attributes.get
        event_count, flows = pii_flows(events)
        flows |= inherited_pii
        findings = _int(get(ATTR_FINDINGS_COUNT))
        response_model = get(gen_ai.GEN_AI_RESPONSE_MODEL)
        input_tokens = _tokens(
            attributes, gen_ai.GEN_AI_USAGE_INPUT_TOKENS, gen_ai.GEN_AI_USAGE_PROMPT_TOKENS
        )
        output_tokens = _tokens(
            attributes, gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS, gen_ai.GEN_AI_USAGE_COMPLETION_TOKENS
        )
        with self._lock:
            stats = self._stats.get(key)
            if stats is None:
                stats = self._stats[key] = CallStats(first_ns=start_ns, last_ns=end_ns)
            stats.calls += 1
            stats.input_tokens += input_tokens
            stats.output_tokens += output_tokens
            stats.first_ns = min(stats.first_ns, start_ns)
            stats.last_ns = max(stats.last_ns, end_ns)
            stats.findings += findings if findings is not None else event_count
            stats.blocked += get(ATTR_ACTION) == "block"
            stats.pii_flows |= flows
            if response_model:
                stats.response_models.add(str(response_model))
            if key.load:
                stats.facts.update(_load_facts(attributes))

    def snapshot(self) -> list[tuple[CallKey, CallStats]]:
        """A consistent copy of the counters."""
        with self._lock:
            return [
                (
                    key,
                    CallStats(
                        s.calls,
                        s.input_tokens,
                        s.output_tokens,
                        s.first_ns,
                        s.last_ns,
                        s.findings,
                        s.blocked,
                        set(s.pii_flows),
                        set(s.response_models),
                        dict(s.facts),
                    ),
                )
                for key, s in self._stats.items()
            ]

    def build(
        self,
        builder: BomBuilder,
        evidence: str,
        framework_version: Callable[[str], str | None] | None = None,
    ) -> set[str]:
        """Add the components and relationships of every counted call; returns services."""
        services: set[str] = set()
        for key, stats in self.snapshot():
            if key.service:
                services.add(key.service)
            _add_call(builder, key, stats, evidence, framework_version)
        return services


def _load_facts(attributes: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for attribute, name in _LOAD_FACTS.items():
        value = attributes.get(attribute)
        if value is not None and value != "":
            is_list = isinstance(value, list | tuple)
            out[name] = ",".join(map(str, value)) if is_list else str(value)
    return out


def _time(ns: int) -> datetime | None:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC) if ns else None


def _add_call(
    builder: BomBuilder,
    key: CallKey,
    stats: CallStats,
    evidence: str,
    framework_version: Callable[[str], str | None] | None,
) -> None:
    seen = Usage(first_seen=_time(stats.first_ns), last_seen=_time(stats.last_ns))
    usage = (
        seen
        if key.nested or key.load
        else Usage(
            first_seen=seen.first_seen,
            last_seen=seen.last_seen,
            calls=stats.calls,
            input_tokens=stats.input_tokens,
            output_tokens=stats.output_tokens,
        )
    )
    common: dict[str, Any] = {
        "sources": [evidence],
        "services": [key.service] if key.service else [],
    }
    llm = bool(key.model or key.provider or key.host)
    function = model = provider = endpoint = None
    if key.function:
        owner = key.function_service
        function = builder.add(
            FunctionComponent(
                ref=f"function:{owner}/{key.function}" if owner else f"function:{key.function}",
                name=key.function,
                usage=seen if llm else usage,
                sources=[evidence],
                services=[owner] if owner else [],
            )
        )
    if key.model:
        model = builder.add(
            ModelComponent(
                ref=f"model:{key.model}",
                name=key.model,
                provider=key.provider,
                response_models=sorted(stats.response_models),
                usage=usage,
                properties={**stats.facts, "loads": str(stats.calls)} if key.load else {},
                **common,
            )
        )
    if key.provider:
        provider = builder.add(
            ProviderComponent(
                ref=f"provider:{key.provider}",
                name=key.provider,
                usage=usage,
                data_classifications=["PII"] if stats.pii_flows else [],
                pii_flows=sorted(stats.pii_flows),
                findings=0 if key.nested else stats.findings,
                blocked=0 if key.nested else stats.blocked,
                **common,
            )
        )
    if key.host:
        component = endpoint_component(key.host, key.port, key.scheme, evidence)
        endpoint = builder.add(component.model_copy(update={"usage": usage, **common}))
    if key.framework:
        version = key.framework_version
        if version is None and framework_version is not None:
            version = framework_version(key.framework)
        framework = builder.add(
            FrameworkComponent(
                ref=framework_ref(key.framework),
                name=normalize_dist(key.framework),
                version=version,
                sources=[evidence],
                services=common["services"],
                usage=seen,
            )
        )
        if model:
            builder.relate(framework, "wraps", model, evidence, seen)
    target = model or provider or endpoint
    if function and target:
        builder.relate(function, "calls", target, evidence, usage)
    server = provider or endpoint
    if model and server:
        builder.relate(model, "served-by", server, evidence, usage)
    if provider and endpoint:
        builder.relate(provider, "reached-at", endpoint, evidence, usage)
