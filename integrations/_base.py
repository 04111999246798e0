"""What every integration shares: the instrumentor base, GenAI spans and metrics, guards.

An integration lists its patches (module, ``Owner.attribute``, wrapper) once; the base
wraps them with ``wrapt`` when instrumenting and restores the originals when
uninstrumenting. `LlmCall` is one GenAI operation: its span (named
``{operation} {model}``, GenAI semantic-convention attributes), the guarded call that
records verdicts onto that span, token usage and the two client histograms. It ends
exactly once, whichever of success, error, close or garbage collection comes first.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cache
from time import perf_counter
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import wrapt
from opentelemetry import context, metrics, trace
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.utils import is_instrumentation_enabled, unwrap
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics
from opentelemetry.semconv.attributes import error_attributes, server_attributes, url_attributes
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from aisec_sdk.attributes import ATTR_FRAMEWORK, ATTR_FRAMEWORK_VERSION, ATTR_USAGE_COUNTED
from aisec_sdk.decorator import GuardedCall
from aisec_sdk.engine import (
    ANSWER_ROLES,
    ROLE_DIRECTIONS,
    Engine,
    engine_for,
    message_field,
    message_parts,
)
from aisec_sdk.policy import Policy, as_policy, default_policy
from aisec_sdk.telemetry import llm_span_scope
from aisec_sdk.verdict import Direction, redact

__all__ = [
    "ATTR_USAGE_COUNTED",
    "AisecInstrumentor",
    "Args",
    "Captured",
    "Kwargs",
    "LlmCall",
    "Patch",
    "Runtime",
    "WrappedCall",
    "captured_call",
    "captured_inputs",
    "count_tokens",
    "endpoint_attributes",
    "guard_output",
    "is_suppressed",
    "message_texts",
    "output_type",
    "record_error",
    "request_attributes",
    "suppress_llm_spans",
    "wrappers",
]

CAPTURE_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_CAPTURE_ON = {"true", "1", "yes", "on", "span_only", "span_and_event"}

# Bucket boundaries the GenAI semantic conventions give for the client histograms:
# 1, 4, 16 ... 67108864 tokens and 0.01, 0.02, 0.04 ... 81.92 seconds.
TOKEN_BUCKETS = tuple(4**i for i in range(14))
DURATION_BUCKETS = tuple(round(0.01 * 2**i, 2) for i in range(14))

_SUPPRESS_LLM = context.create_key("aisec-suppress-llm-instrumentation")
# The plain key other GenAI instrumentations (openllmetry) set for the same purpose.
_SUPPRESS_LLM_PLAIN = "suppress_language_model_instrumentation"


def is_suppressed() -> bool:
    """True when an outer layer already traces and guards this LLM call (or OTel says off)."""
    return (
        not is_instrumentation_enabled()
        or bool(context.get_value(_SUPPRESS_LLM))
        or bool(context.get_value(_SUPPRESS_LLM_PLAIN))
    )


@contextmanager
def suppress_llm_spans(parent: Span | None = None) -> Iterator[None]:
    """Within the block, provider integrations call straight through (no second span).

    ``parent`` becomes the current span, so lower layers (HTTP) nest under it.
    """
    ctx = context.set_value(_SUPPRESS_LLM, True)
    if parent is not None:
        ctx = trace.set_span_in_context(parent, ctx)
    token = context.attach(ctx)
    try:
        yield
    finally:
        context.detach(token)


Args = tuple[Any, ...]
"""Positional arguments of a wrapped call (``wrapt`` wrapper signature)."""
Kwargs = dict[str, Any]
"""Keyword arguments of a wrapped call."""
Wrapper = Callable[[Callable[..., Any], Any, Args, Kwargs], Any]


class WrappedCall:
    """One call of a wrapped method: the arguments to pass on and, once it returned, its result."""

    __slots__ = ("args", "instance", "kwargs", "result")

    def __init__(self, instance: Any, args: Args, kwargs: Kwargs) -> None:
        self.instance = instance
        self.args = args
        self.kwargs = kwargs
        self.result: Any = None


def wrappers(
    around: Callable[[WrappedCall], AbstractContextManager[object]],
) -> tuple[Wrapper, Wrapper]:
    """The sync and the async ``wrapt`` wrapper of one behaviour, written once as ``around``.

    ``around(call)`` is entered before the wrapped method runs and left after it returned
    (or raised): it may replace ``call.args``/``call.kwargs`` before and ``call.result`` after.
    """

    def sync(wrapped: Callable[..., Any], instance: Any, args: Args, kwargs: Kwargs) -> Any:
        call = WrappedCall(instance, args, kwargs)
        with around(call):
            call.result = wrapped(*call.args, **call.kwargs)
        return call.result

    async def asynchronous(
        wrapped: Callable[..., Any], instance: Any, args: Args, kwargs: Kwargs
    ) -> Any:
        call = WrappedCall(instance, args, kwargs)
        with around(call):
            call.result = await wrapped(*call.args, **call.kwargs)
        return call.result

    return sync, asynchronous


class Patch(NamedTuple):
    """One method to wrap: ``module``, ``Owner.attribute`` inside it, and the wrapper."""

    module: str
    target: str
    wrapper: Callable[..., Any]


@dataclass(frozen=True)
class Runtime:
    """What the wrappers of one instrumentation need, bound once at instrument time."""

    scope: str
    framework: str
    policy: Policy | None
    guards: bool
    tracer: trace.Tracer
    meter_provider: metrics.MeterProvider | None = None

    def current_policy(self) -> Policy:
        """The policy given to ``instrument`` or, when none, the default policy now."""
        return self.policy or default_policy()

    def framework_attributes(self) -> dict[str, str]:
        """``aisec.framework`` and its installed version, for every span (the AI-BOM)."""
        version = _dist_version(self.framework)
        attrs = {ATTR_FRAMEWORK: self.framework}
        if version:
            attrs[ATTR_FRAMEWORK_VERSION] = version
        return attrs


@cache
def _dist_version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


class AisecInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Base of our instrumentors: patch a table of methods, restore them exactly.

    Keyword options of ``instrument()``: ``policy`` (an `aisec_sdk.Policy` or a mapping of
    its fields; default: the process default policy at call time), ``guards`` (False: trace
    only),
    ``tracer_provider``, ``meter_provider``.
    """

    scope: str = "aisec_sdk.integrations"
    framework: str = ""
    _instruments: tuple[str, ...] = ()

    def instrumentation_dependencies(self) -> Collection[str]:
        return self._instruments

    def _patches(self, runtime: Runtime) -> list[Patch]:
        raise NotImplementedError

    def _instrument(self, **kwargs: Any) -> None:
        from aisec_sdk import __version__

        given = kwargs.get("policy")
        policy = None if given is None else as_policy(given, "instrument(policy=...)")
        runtime = Runtime(
            scope=self.scope,
            framework=self.framework,
            policy=policy,
            guards=bool(kwargs.get("guards", True)),
            tracer=trace.get_tracer(self.scope, __version__, kwargs.get("tracer_provider")),
            meter_provider=kwargs.get("meter_provider"),
        )
        applied: list[tuple[Any, str]] = []
        for patch in self._patches(runtime):
            owner, _, attr = patch.target.rpartition(".")
            try:
                module = importlib.import_module(patch.module)
            except ImportError:
                continue  # not in this version of the framework
            holder = _resolve(module, owner)
            if holder is None or attr not in vars(holder):
                continue  # not in this version of the framework
            wrapt.wrap_function_wrapper(holder, attr, patch.wrapper)
            applied.append((holder, attr))
        self._applied = applied

    def _uninstrument(self, **kwargs: Any) -> None:
        for holder, attr in reversed(getattr(self, "_applied", [])):
            _restore(holder, attr)
        self._applied = []


def _resolve(module: Any, owner: str) -> Any:
    obj = module
    for part in filter(None, owner.split(".")):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _restore(holder: Any, attr: str) -> None:
    """Put the original back: ``unwrap`` for functions, the raw descriptor for classmethods."""
    raw = vars(holder).get(attr)
    if isinstance(raw, wrapt.FunctionWrapper) and isinstance(
        raw.__wrapped__, classmethod | staticmethod
    ):
        setattr(holder, attr, raw.__wrapped__)
        return
    unwrap(holder, attr)


# Request parameter names of the model APIs and frameworks -> GenAI request attribute.
_SAMPLING_PARAMS = {
    "temperature": gen_ai.GEN_AI_REQUEST_TEMPERATURE,
    "top_p": gen_ai.GEN_AI_REQUEST_TOP_P,
    "top_k": gen_ai.GEN_AI_REQUEST_TOP_K,
    "max_tokens": gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    "max_output_tokens": gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    "max_new_tokens": gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
    "frequency_penalty": gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY,
    "presence_penalty": gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY,
    "seed": gen_ai.GEN_AI_REQUEST_SEED,
}


def request_attributes(params: Mapping[str, Any]) -> dict[str, Any]:
    """``gen_ai.request.*`` of a call's parameters: sampling numbers, stop sequences (``stop``,
    ``stop_sequences`` or transformers' ``stop_strings``; a str or a list) and the choice
    count when ``n`` (transformers: ``num_return_sequences``) is not 1, and
    ``gen_ai.output.type`` of a ``response_format``.
    Values that are not numbers (unset markers such as openai's ``NOT_GIVEN``) are skipped."""
    attrs: dict[str, Any] = {
        key: params[name]
        for name, key in _SAMPLING_PARAMS.items()
        if isinstance(params.get(name), int | float) and not isinstance(params.get(name), bool)
    }
    stop = params.get("stop", params.get("stop_sequences", params.get("stop_strings")))
    if isinstance(stop, str):
        attrs[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop]
    elif isinstance(stop, list | tuple) and stop:
        attrs[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] = [str(s) for s in stop]
    n = params.get("n", params.get("num_return_sequences"))
    if isinstance(n, int) and not isinstance(n, bool) and n != 1:
        attrs[gen_ai.GEN_AI_REQUEST_CHOICE_COUNT] = n
    kind = output_type(params.get("response_format"))
    if kind is not None:
        attrs[gen_ai.GEN_AI_OUTPUT_TYPE] = kind
    return attrs


_JSON_FORMATS = ("json_object", "json_schema")


def output_type(response_format: Any) -> str | None:
    """``gen_ai.output.type`` of a requested output format: a format dict (``{"type": ...}``),
    its type name, or a pydantic model class (structured output, as openai's ``parse``
    takes)."""
    if isinstance(response_format, Mapping):
        response_format = response_format.get("type")
    if isinstance(response_format, type) or response_format in _JSON_FORMATS:
        return gen_ai.GenAiOutputTypeValues.JSON.value
    if response_format == "text":
        return gen_ai.GenAiOutputTypeValues.TEXT.value
    return None


def endpoint_attributes(url: Any) -> dict[str, Any]:
    """``server.address``, ``server.port`` (the scheme's default when the URL has none) and
    ``url.scheme`` of a base URL (a str or an ``httpx.URL``); empty when it has no host."""
    try:
        parts = urlsplit(str(url)) if url else None
        port = parts.port if parts is not None else None
    except ValueError:
        return {}
    if parts is None or not parts.hostname:
        return {}
    scheme = parts.scheme or None
    attrs: dict[str, Any] = {
        server_attributes.SERVER_ADDRESS: parts.hostname,
        server_attributes.SERVER_PORT: port or (443 if scheme == "https" else 80),
    }
    if scheme:
        attrs[url_attributes.URL_SCHEME] = scheme
    return attrs


class Captured(NamedTuple):
    """One message for content capture: role, text, tool calls ``(id, name, arguments)``, for
    an answer its finish reason, for a tool result the call's id."""

    role: str
    text: str
    tool_calls: Sequence[tuple[str | None, str, str]] = ()
    finish_reason: str | None = None
    tool_call_id: str | None = None
    """Set on a tool result: the id of the call it answers (a ``tool_call_response`` part)."""


def tool_definitions(tools: Any) -> list[dict[str, Any]]:
    """Tool definitions as the GenAI conventions write them (``{"type": "function", "name",
    "description", "parameters"}``) from OpenAI chat tools (``{"type", "function": {...}}``),
    Responses tools (already flat) or any other mapping, kept as it is."""
    if not isinstance(tools, list | tuple):
        return []
    out = []
    for tool in tools:
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function")
        if isinstance(function, Mapping):
            out.append({"type": tool.get("type", "function"), **function})
        else:
            out.append(dict(tool))
    return out


def capture_enabled(policy: Policy) -> bool:
    """Content capture: the policy's ``capture_content`` or the GenAI environment variable."""
    value = os.environ.get(CAPTURE_ENV, "").strip().lower()
    return policy.capture_content or value in _CAPTURE_ON


class LlmCall:
    """One GenAI operation: span, guarded call, usage and metrics; ends exactly once."""

    __slots__ = (
        "_attrs",
        "_ended",
        "_first_chunk",
        "_lock",
        "_started",
        "call",
        "capture",
        "counted",
        "input_tokens",
        "model",
        "output_tokens",
        "runtime",
        "span",
    )

    def __init__(
        self,
        runtime: Runtime,
        operation: str,
        provider: str,
        model: str | None,
        *,
        kind: SpanKind = SpanKind.CLIENT,
        attributes: Mapping[str, Any] | None = None,
        parent: context.Context | None = None,
        function: str | None = None,
        guards: bool = True,
    ) -> None:
        self.runtime = runtime
        self.model = model
        policy = runtime.current_policy()
        attrs: dict[str, Any] = {
            gen_ai.GEN_AI_OPERATION_NAME: operation,
            gen_ai.GEN_AI_PROVIDER_NAME: provider,
        }
        if model:
            attrs[gen_ai.GEN_AI_REQUEST_MODEL] = model
        for key, value in (attributes or {}).items():
            if value is not None:
                attrs[key] = value
        self._attrs = attrs
        name = f"{operation} {model}" if model else operation
        if policy.telemetry:
            span_attrs = {**attrs, **runtime.framework_attributes()}
            self.span: Span = runtime.tracer.start_span(name, parent, kind, span_attrs)
        else:
            self.span = trace.INVALID_SPAN
        self._started = perf_counter()
        self._first_chunk: float | None = None
        self._ended = False
        self._lock = threading.Lock()
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.counted = False
        self.capture = capture_enabled(policy)
        self.call: GuardedCall | None = None
        if runtime.guards and guards:
            try:
                with llm_span_scope(self.span):
                    self.call = GuardedCall(function or name, policy)
            except BaseException as exc:  # the policy's guards could not be built
                self.end(exc)
                raise

    def set(self, key: str, value: Any) -> None:
        """Set a span attribute (skipped when None); metric-relevant keys are remembered."""
        if value is None:
            return
        if key in (
            gen_ai.GEN_AI_RESPONSE_MODEL,
            server_attributes.SERVER_ADDRESS,
            server_attributes.SERVER_PORT,
        ):
            self._attrs[key] = value
        if self.span.is_recording():
            self.span.set_attribute(key, value)

    def set_usage(
        self, input_tokens: int | None, output_tokens: int | None, *, counted: bool = False
    ) -> None:
        """Token usage of the call (``counted``: estimated locally, not reported by the API)."""
        if input_tokens is not None:
            self.input_tokens = int(input_tokens)
        if output_tokens is not None:
            self.output_tokens = int(output_tokens)
        self.counted = counted

    def chunk_received(self) -> None:
        """A stream item arrived: the first one sets ``gen_ai.response.time_to_first_chunk``
        (seconds since the call started) and feeds its histogram when the call ends."""
        if self._first_chunk is not None:
            return
        self._first_chunk = perf_counter() - self._started
        self.set(gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, self._first_chunk)

    def capture_messages(self, key: str, messages: Sequence[tuple[str, str] | Captured]) -> None:
        """Put messages on the span as GenAI JSON (``{role, parts, finish_reason}``), text and
        tool-call arguments masked, when capture is on. A message is ``(role, text)`` or a
        `Captured` with its tool calls and finish reason."""
        if not self.capture or not self.span.is_recording():
            return
        engine = self._engine()
        out = [
            _captured_json(engine, m if isinstance(m, Captured) else Captured(*m)) for m in messages
        ]
        self.span.set_attribute(key, json.dumps(out, ensure_ascii=False))

    def _engine(self) -> Engine:
        """The engine that masks captured content: the call's, else the policy's."""
        return (
            self.call.engine if self.call is not None else engine_for(self.runtime.current_policy())
        )

    def capture_instructions(self, text: Any) -> None:
        """``gen_ai.system_instructions`` (opt-in like content): instructions given apart from
        the messages (the Responses API's ``instructions``), masked."""
        if not (self.capture and self.span.is_recording() and isinstance(text, str) and text):
            return
        content = _masked(self._engine(), text, "input")
        self.span.set_attribute(
            gen_ai.GEN_AI_SYSTEM_INSTRUCTIONS,
            json.dumps([{"type": "text", "content": content}], ensure_ascii=False),
        )

    def capture_tools(self, tools: Any) -> None:
        """``gen_ai.tool.definitions`` (opt-in like content): the tools offered to the model."""
        if not self.capture or not self.span.is_recording():
            return
        definitions = tool_definitions(tools)
        if definitions:
            self.span.set_attribute(
                gen_ai.GEN_AI_TOOL_DEFINITIONS, json.dumps(definitions, ensure_ascii=False)
            )

    @contextmanager
    def running(self) -> Iterator[LlmCall]:
        """The span is current inside the block; an exception ends the call and propagates."""
        try:
            with trace.use_span(self.span, end_on_exit=False):
                yield self
        except BaseException as exc:
            self.end(exc)
            raise

    @property
    def ended(self) -> bool:
        """True once `end` ran."""
        return self._ended

    def end(self, error: BaseException | None = None) -> None:
        """End the span and record the metrics; later calls do nothing."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
        span = self.span
        metric_attrs = dict(self._attrs)
        if error is not None:
            metric_attrs[error_attributes.ERROR_TYPE] = record_error(span, error)
        if span.is_recording():
            if self.input_tokens is not None:
                span.set_attribute(gen_ai.GEN_AI_USAGE_INPUT_TOKENS, self.input_tokens)
            if self.output_tokens is not None:
                span.set_attribute(gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS, self.output_tokens)
            if self.counted:
                span.set_attribute(ATTR_USAGE_COUNTED, True)
        token_hist, duration_hist, first_chunk_hist = _histograms(
            self.runtime.scope, self.runtime.meter_provider
        )
        attrs = _metric_attributes(metric_attrs)
        duration_hist.record(perf_counter() - self._started, attrs)
        if self._first_chunk is not None:
            first_chunk_hist.record(self._first_chunk, attrs)
        for token_type, count in (("input", self.input_tokens), ("output", self.output_tokens)):
            # The metric carries reported (billable) counts only, never local estimates.
            if count is not None and error is None and not self.counted:
                token_hist.record(count, {**attrs, gen_ai.GEN_AI_TOKEN_TYPE: token_type})
        if self.call is not None:
            self.call.finish(error)
        span.end()


def _masked(engine: Engine, text: str, direction: Direction) -> str:
    """Captured content with every finding masked (empty text as it is)."""
    if not text:
        return text
    return redact(text, engine.scan(text, direction).findings, mask_all=True)


def _captured_json(engine: Engine, captured: Captured) -> dict[str, Any]:
    """One captured message as GenAI JSON: its text (or tool result) and tool-call parts,
    masked for the role's direction, and its finish reason."""
    role = captured.role
    direction: Direction = ROLE_DIRECTIONS.get(role, "input") or (
        "output" if role in ANSWER_ROLES else "input"
    )
    parts: list[dict[str, Any]] = []
    if captured.tool_call_id is not None:
        parts.append(
            {
                "type": "tool_call_response",
                "id": captured.tool_call_id,
                "response": _masked(engine, captured.text, direction),
            }
        )
    elif captured.text or not captured.tool_calls:
        parts.append({"type": "text", "content": _masked(engine, captured.text, direction)})
    for call_id, name, arguments in captured.tool_calls:
        part: dict[str, Any] = {"type": "tool_call", "name": name}
        if call_id:
            part["id"] = call_id
        part["arguments"] = _masked(engine, arguments, direction)
        parts.append(part)
    item: dict[str, Any] = {"role": role, "parts": parts}
    if captured.finish_reason:
        item["finish_reason"] = captured.finish_reason
    return item


_METRIC_KEYS = (
    gen_ai.GEN_AI_OPERATION_NAME,
    gen_ai.GEN_AI_PROVIDER_NAME,
    gen_ai.GEN_AI_REQUEST_MODEL,
    gen_ai.GEN_AI_RESPONSE_MODEL,
    server_attributes.SERVER_ADDRESS,
    server_attributes.SERVER_PORT,
    error_attributes.ERROR_TYPE,
)


def _metric_attributes(attrs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: attrs[k] for k in _METRIC_KEYS if k in attrs}


def record_error(span: Span, error: BaseException) -> str:
    """Mark ``span`` failed: ``error.type`` (the exception's class name) and status ERROR.
    Returns the error type (for the metrics)."""
    error_type = type(error).__qualname__
    if span.is_recording():
        span.set_attribute(error_attributes.ERROR_TYPE, error_type)
        span.set_status(Status(StatusCode.ERROR, str(error)[:200]))
    return error_type


@cache
def _histograms(scope: str, provider: metrics.MeterProvider | None) -> tuple[Any, Any, Any]:
    from aisec_sdk import __version__

    meter = metrics.get_meter(scope, __version__, provider)
    tokens = meter.create_histogram(
        gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE,
        unit="{token}",
        description="Number of input and output tokens used",
        explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
    )
    duration = meter.create_histogram(
        gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION,
        unit="s",
        description="GenAI operation duration",
        explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
    )
    first_chunk = meter.create_histogram(
        gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
        unit="s",
        description="Time to receive the first chunk of a streamed response",
        explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
    )
    return tokens, duration, first_chunk


def message_texts(messages: Sequence[Any]) -> list[tuple[str, str]]:
    """``(role, text)`` of each chat message the engine can read (others are skipped)."""
    out = []
    for index, message in enumerate(messages):
        try:
            role, parts = message_parts(message, index)
        except TypeError:
            continue
        out.append((role, "\n".join(p for p in parts if p)))
    return out


# LangChain's message types -> the GenAI roles.
_ROLES = {"human": "user", "ai": "assistant"}


def captured_inputs(messages: Sequence[Any]) -> list[Captured]:
    """Chat messages (OpenAI dicts or LangChain messages) for content capture: their text,
    the tool calls of assistant messages and the call id a tool result answers."""
    out = []
    for index, message in enumerate(messages):
        calls = message_field(message, "tool_calls")
        try:  # the content alone: tool-call arguments become tool_call parts below
            role, parts = message_parts(
                {**message, "tool_calls": None} if isinstance(message, Mapping) else message, index
            )
        except TypeError:
            continue
        call_id = message_field(message, "tool_call_id")
        out.append(
            Captured(
                _ROLES.get(role, role),
                "\n".join(p for p in parts if p),
                [captured_call(call) for call in calls or () if isinstance(call, Mapping)],
                tool_call_id=call_id if isinstance(call_id, str) else None,
            )
        )
    return out


def captured_call(call: Mapping[str, Any]) -> tuple[str | None, str, str]:
    """``(id, name, arguments)`` of an OpenAI (``function``) or LangChain (flat) tool call."""
    function = call.get("function", call)
    function = function if isinstance(function, Mapping) else call
    arguments = function.get("arguments", function.get("args"))
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments, ensure_ascii=False, default=str)
    call_id = call.get("id")
    return (
        call_id if isinstance(call_id, str) else None,
        str(function.get("name") or ""),
        arguments,
    )


def guard_output(call: GuardedCall | None, text: str) -> str:
    """Scan a model answer; in enforce mode the redacted text with placeholders restored."""
    if call is None or not text:
        return text
    checked = call.check_text(text, "output")
    return call.vault.restore(checked) if call.enforce else text


def count_tokens(text: str, model: str | None = None) -> int:
    """Tokens in ``text``: the SDK's offline tiktoken counter when present, else an estimate."""
    if not text:
        return 0
    counter = _token_counter()
    if counter is not None:
        for kwargs in ({"model": model}, {}):
            try:
                return int(counter(text, **kwargs))
            except Exception:  # an unknown model or a missing encoding: try the next way
                continue
    return math.ceil(len(text) / 4)


@cache
def _token_counter() -> Callable[..., int] | None:
    try:
        from aisec_sdk.tokens import count_tokens as counter
    except ImportError:
        return None
    return counter
