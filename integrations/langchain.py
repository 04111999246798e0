"""LangChain (``langchain-core``): chat models, LLMs, tools and retrievers, guarded and traced.

Two seams, both in ``langchain-core``:

* a callback handler injected into every ``BaseCallbackManager`` (the route OpenTelemetry
  contrib, openllmetry and OpenInference use). It opens one span per run, parented
  explicitly by LangChain's ``parent_run_id`` (no context attach/detach across callbacks),
  checks tool arguments (input), tool results and retrieved documents (context) and model
  answers (output). It sets ``raise_error = True``, so a block stops the run with
  `aisec_sdk.GuardViolation`, and ``run_inline = True``, so it runs in the caller's task.
* wrappers of ``invoke``/``ainvoke``/``stream``/``astream`` on chat models and LLMs, which
  check (and redact) the prompt before the model sees it and guard streamed chunks as they
  stream. While a model runs, provider integrations (our OpenAI one) are suppressed, so a
  ``ChatOpenAI`` call makes one guarded LLM span, not two.

``langchain_core`` is imported only when the instrumentor is applied.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import Span, SpanKind

from aisec_sdk.attributes import ATTR_LANGCHAIN_RUN_TYPE, ATTR_RETRIEVAL_DOCUMENTS
from aisec_sdk.decorator import GuardedCall
from aisec_sdk.errors import GuardViolation
from aisec_sdk.stream import StreamGuard
from aisec_sdk.telemetry import llm_span_scope

from ._base import (
    AisecInstrumentor,
    Args,
    Captured,
    Kwargs,
    LlmCall,
    Patch,
    Runtime,
    WrappedCall,
    captured_call,
    captured_inputs,
    count_tokens,
    endpoint_attributes,
    guard_output,
    is_suppressed,
    message_texts,
    record_error,
    request_attributes,
    suppress_llm_spans,
    wrappers,
)

__all__ = ["AisecCallbackHandler", "LangChainInstrumentor"]

_log = logging.getLogger("aisec_sdk.integrations.langchain")
_CHAT_MODELS = "langchain_core.language_models.chat_models"
_MODELS = ((_CHAT_MODELS, "BaseChatModel"), ("langchain_core.language_models.llms", "BaseLLM"))


class LangChainInstrumentor(AisecInstrumentor):
    """Guards and traces LangChain runs (models, tools, retrievers, chains)."""

    scope = "aisec_sdk.integrations.langchain"
    framework = "langchain-core"
    _instruments = ("langchain-core >= 0.3, < 2",)

    def _patches(self, runtime: Runtime) -> list[Patch]:
        handler = make_handler(runtime)
        table = [
            Patch(
                "langchain_core.callbacks.base",
                "BaseCallbackManager.__init__",
                partial(_inject, handler),
            )
        ]
        # (module, owner, sync method, async method, the behaviour both share)
        twins = [
            *((module, owner, "invoke", "ainvoke", _invoke) for module, owner in _MODELS),
            ("langchain_core.tools.base", "BaseTool", "run", "arun", _handed_back),
            ("langchain_core.retrievers", "BaseRetriever", "invoke", "ainvoke", _handed_back),
            (
                _CHAT_MODELS,
                "BaseChatModel",
                "_generate_with_cache",
                "_agenerate_with_cache",
                _provider_call,
            ),
        ]
        for module, owner, method, amethod, around in twins:
            sync, asynchronous = wrappers(partial(around, handler))
            table.append(Patch(module, f"{owner}.{method}", sync))
            table.append(Patch(module, f"{owner}.{amethod}", asynchronous))
        for module, owner in _MODELS:
            table.append(Patch(module, f"{owner}.stream", partial(_stream, handler)))
            table.append(Patch(module, f"{owner}.astream", partial(_astream, handler)))
        return table


def _inject(
    handler: AisecCallbackHandler,
    wrapped: Callable[..., Any],
    instance: Any,
    args: Args,
    kwargs: Kwargs,
) -> None:
    wrapped(*args, **kwargs)
    if not any(isinstance(h, AisecCallbackHandler) for h in instance.inheritable_handlers):
        instance.add_handler(handler, True)


# --------------------------------------------------------------------------- runs


class _Run:
    """What the handler keeps about one LangChain run."""

    __slots__ = ("call", "llm", "prepared", "prompt", "span", "streaming")

    def __init__(self, span: Span, call: GuardedCall | None, llm: LlmCall | None = None) -> None:
        self.span = span
        self.call = call
        self.llm = llm
        self.prompt: Sequence[Any] = ()  # messages or prompts, to count tokens if none reported
        self.prepared = False  # input already checked (and redacted) by a model wrapper
        self.streaming = False  # output guarded chunk by chunk by the stream wrapper


def _model_info(
    serialized: Mapping[str, Any] | None,
    metadata: Mapping[str, Any] | None,
    params: Mapping[str, Any] | None,
) -> tuple[str, str | None]:
    metadata = metadata or {}
    params = params or {}
    provider = metadata.get("ls_provider") or params.get("_type") or "langchain"
    model = metadata.get("ls_model_name") or params.get("model") or params.get("model_name")
    if model is None and serialized:
        model = (serialized.get("kwargs") or {}).get("model_name") or serialized.get("name")
    return str(provider), str(model) if model else None


# Where chat model classes keep their service's base URL: the SDK client LangChain's OpenAI
# models build (its resolved URL), then the URL fields of common integrations.
_URL_FIELDS = ("openai_api_base", "base_url", "anthropic_api_url", "api_base", "azure_endpoint")


def _endpoint(model: Any) -> dict[str, Any]:
    """``server.*`` attributes of a model object, or of its serialized ``kwargs`` mapping."""
    if isinstance(model, Mapping):
        urls = [model.get(field) for field in _URL_FIELDS]
    else:
        client_url = getattr(getattr(model, "root_client", None), "base_url", None)
        urls = [client_url, *(getattr(model, field, None) for field in _URL_FIELDS)]
    for url in urls:
        attrs = endpoint_attributes(url)
        if attrs:
            return attrs
    return {}


def _request(
    run: _Run, serialized: Mapping[str, Any] | None, params: Mapping[str, Any] | None
) -> None:
    """Request parameters (LangChain's invocation params) and, when the model wrapper did not
    set it, the endpoint of the model's service, onto the run's LLM span."""
    llm = run.llm
    if llm is None:
        return
    attrs = request_attributes(params or {})
    if not run.prepared:
        attrs.update(_endpoint((serialized or {}).get("kwargs") or {}))
    for key, value in attrs.items():
        llm.set(key, value)
    llm.capture_tools((params or {}).get("tools"))


def make_handler(runtime: Runtime) -> AisecCallbackHandler:
    """An `AisecCallbackHandler` that is also a LangChain ``BaseCallbackHandler``."""
    from langchain_core.callbacks import BaseCallbackHandler

    cls = type("AisecCallbackHandler", (AisecCallbackHandler, BaseCallbackHandler), {})
    handler: AisecCallbackHandler = cls(runtime)
    return handler


class AisecCallbackHandler:
    """Spans and guards for LangChain runs; injected into every callback manager.

    Mixed with ``BaseCallbackHandler`` by `make_handler`, so that ``langchain_core`` is
    imported only when instrumenting.
    """

    raise_error = True
    run_inline = True

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._runs: dict[UUID, _Run] = {}
        self._lock = threading.Lock()
        # Runs started by a wrapper that hands back their result (``BaseTool.run``,
        # ``BaseRetriever.invoke``), and the redacted result to hand back (None: unchanged).
        self.results: dict[UUID, Any] = {}

    # ---------------------------------------------------------------- bookkeeping

    def run(self, run_id: UUID | None) -> _Run | None:
        """The state of a run this handler follows, if any."""
        if run_id is None:
            return None
        with self._lock:
            return self._runs.get(run_id)

    def _parent(self, parent_run_id: UUID | None) -> Any:
        parent = self.run(parent_run_id)
        return trace.set_span_in_context(parent.span) if parent is not None else None

    def _add(self, run_id: UUID, run: _Run) -> _Run:
        with self._lock:
            self._runs[run_id] = run
        return run

    def _pop(self, run_id: UUID) -> _Run | None:
        with self._lock:
            return self._runs.pop(run_id, None)

    def open_model_run(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        operation: str,
        provider: str,
        model: str | None,
        attributes: Mapping[str, Any] | None = None,
    ) -> _Run:
        """The run of a chat model or LLM: its LLM span and guarded call (opened once)."""
        existing = self.run(run_id)
        if existing is not None:
            return existing
        llm = LlmCall(
            self.runtime,
            operation,
            provider,
            model,
            attributes=attributes,
            parent=self._parent(parent_run_id),
            function=f"langchain.{operation}",
        )
        return self._add(run_id, _Run(llm.span, llm.call, llm))

    def _open_span(
        self,
        run_id: UUID,
        parent_run_id: UUID | None,
        name: str,
        attributes: dict[str, Any],
        guarded: bool,
    ) -> _Run:
        policy = self.runtime.current_policy()
        span = (
            self.runtime.tracer.start_span(
                name,
                self._parent(parent_run_id),
                SpanKind.INTERNAL,
                {**attributes, **self.runtime.framework_attributes()},
            )
            if policy.telemetry
            else trace.INVALID_SPAN
        )
        call = None
        if guarded and self.runtime.guards:
            with llm_span_scope(span):
                call = GuardedCall(name, policy)
        return self._add(run_id, _Run(span, call))

    @contextmanager
    def _ending(self, run_id: UUID) -> Iterator[_Run | None]:
        """The run (None if not followed), ended on leaving the block, with a guard's block."""
        error: BaseException | None = None
        try:
            yield self.run(run_id)
        except GuardViolation as exc:
            error = exc
            raise
        finally:
            self._end(run_id, error)

    def _end(self, run_id: UUID, error: BaseException | None = None) -> None:
        run = self._pop(run_id)
        if run is None:
            return
        if run.llm is not None:
            run.llm.end(error)
            return
        if error is not None:
            record_error(run.span, error)
        if run.call is not None:
            run.call.finish(error)
        run.span.end()

    # ---------------------------------------------------------------- models

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[Any]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        provider, model = _model_info(serialized, metadata, invocation_params)
        run = self.open_model_run(
            run_id, parent_run_id, gen_ai.GenAiOperationNameValues.CHAT.value, provider, model
        )
        _request(run, serialized, invocation_params)
        run.prompt = messages[0] if messages else []
        if not run.prepared and run.call is not None and messages:
            _guard(lambda: _check_messages(run, messages[0]), run_id, self)
        if run.llm is not None and run.llm.capture:
            run.llm.capture_messages(gen_ai.GEN_AI_INPUT_MESSAGES, captured_inputs(run.prompt))

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        invocation_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        provider, model = _model_info(serialized, metadata, invocation_params)
        operation = gen_ai.GenAiOperationNameValues.TEXT_COMPLETION.value
        run = self.open_model_run(run_id, parent_run_id, operation, provider, model)
        _request(run, serialized, invocation_params)
        run.prompt = prompts
        if not run.prepared and run.call is not None:
            call = run.call
            _guard(lambda: [call.check_text(p, "input") for p in prompts], run_id, self)

    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self.run(run_id)
        if run is None or run.llm is None:
            return
        with self._ending(run_id):
            try:
                self._model_output(run, run.llm, response)
            except GuardViolation:
                raise
            except Exception:
                _log.warning("aisec: could not read a LangChain model result", exc_info=True)

    def _model_output(self, run: _Run, llm: LlmCall, response: Any) -> None:
        answers: list[Captured] = []
        reasons: list[str] = []
        for generation in (response.generations or [[]])[0]:
            message = getattr(generation, "message", None)
            text = message.content if message is not None else generation.text
            if not isinstance(text, str):
                continue
            answers.append(_captured(generation, text))
            if not run.streaming:
                checked = guard_output(llm.call, text)
                if checked != text:
                    if message is not None:
                        message.content = checked
                    generation.text = checked
            # streamed chunk by chunk, the tool calls' arguments went through stream guards
            # (`_ChunkGuard`); a whole answer's are checked here, in the message returned
            streamed = run.streaming and _is_chunk(message)
            for tool_call in () if streamed else getattr(message, "tool_calls", None) or ():
                if isinstance(tool_call, dict) and tool_call.get("args"):
                    tool_call["args"] = _guard_arguments(llm, tool_call["args"])
            if answers[-1].finish_reason:
                reasons.append(answers[-1].finish_reason)
            if message is not None:
                meta = getattr(message, "response_metadata", None) or {}
                llm.set(gen_ai.GEN_AI_RESPONSE_MODEL, meta.get("model_name") or meta.get("model"))
                llm.set(gen_ai.GEN_AI_RESPONSE_ID, _response_id(message, response.llm_output))
                usage = getattr(message, "usage_metadata", None)
                if usage:
                    llm.set_usage(usage.get("input_tokens"), usage.get("output_tokens"))
                    _usage_details(llm, usage)
        if reasons:
            llm.set(gen_ai.GEN_AI_RESPONSE_FINISH_REASONS, reasons)
        if llm.input_tokens is None:
            token_usage = (response.llm_output or {}).get("token_usage") or {}
            if token_usage:
                llm.set_usage(
                    token_usage.get("prompt_tokens"), token_usage.get("completion_tokens")
                )
        if llm.input_tokens is None or llm.output_tokens is None:
            llm.set_usage(
                count_tokens(_prompt_text(run.prompt), llm.model),
                count_tokens("".join(a.text for a in answers), llm.model),
                counted=True,
            )
        llm.capture_messages(gen_ai.GEN_AI_OUTPUT_MESSAGES, answers)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Any followed run that failed (models, tools, retrievers, chains): its span ends.

        A stream its consumer stopped early (GeneratorExit) ends normally, not as an error.
        """
        self._end(run_id, None if isinstance(error, GeneratorExit) else error)

    on_tool_error = on_retriever_error = on_chain_error = on_llm_error

    # ---------------------------------------------------------------- tools

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        name = (serialized or {}).get("name") or kwargs.get("name") or "tool"
        attrs = {
            gen_ai.GEN_AI_OPERATION_NAME: gen_ai.GenAiOperationNameValues.EXECUTE_TOOL.value,
            gen_ai.GEN_AI_TOOL_NAME: name,
            gen_ai.GEN_AI_TOOL_TYPE: "function",
        }
        tool_call_id = kwargs.get("tool_call_id")
        if tool_call_id:
            attrs[gen_ai.GEN_AI_TOOL_CALL_ID] = tool_call_id
        description = (serialized or {}).get("description")
        if isinstance(description, str) and description:
            attrs[gen_ai.GEN_AI_TOOL_DESCRIPTION] = description
        run = self._open_span(run_id, parent_run_id, f"execute_tool {name}", attrs, guarded=True)
        if run.call is not None and input_str:
            call = run.call
            _guard(lambda: call.check_text(str(input_str), "input"), run_id, self)

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        with self._ending(run_id) as run:
            content = getattr(output, "content", output)
            if run is None or run.call is None or not isinstance(content, str) or not content:
                return
            checked = run.call.check_text(content, "context")
            if checked != content and hasattr(output, "content"):
                output.content = checked
            elif checked != content:
                self._hand_back(run_id, checked)

    def _hand_back(self, run_id: UUID, result: Any) -> bool:
        """Give a run's wrapper the redacted result to return; False when none waits."""
        with self._lock:
            if run_id not in self.results:
                return False
            self.results[run_id] = result
            return True

    # ---------------------------------------------------------------- retrievers

    def on_retriever_start(
        self,
        serialized: dict[str, Any],
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        name = (serialized or {}).get("name") or kwargs.get("name") or "retriever"
        attrs = {
            gen_ai.GEN_AI_OPERATION_NAME: gen_ai.GenAiOperationNameValues.RETRIEVAL.value,
            gen_ai.GEN_AI_DATA_SOURCE_ID: name,
        }
        self._open_span(run_id, parent_run_id, f"retrieval {name}", attrs, guarded=True)

    def on_retriever_end(self, documents: Sequence[Any], *, run_id: UUID, **kwargs: Any) -> None:
        with self._ending(run_id) as run:
            if run is None:
                return
            if run.call is not None:
                checked = [_checked_document(run.call, doc) for doc in documents]
                changed = any(new is not old for new, old in zip(checked, documents, strict=True))
                # the retriever's own list (its store, maybe) is left as it is; only a run
                # not started by ``invoke`` (which hands back the copies) is changed in place
                if changed and not self._hand_back(run_id, checked) and isinstance(documents, list):
                    documents[:] = checked
            if run.span.is_recording():
                run.span.set_attribute(ATTR_RETRIEVAL_DOCUMENTS, len(documents))

    # ---------------------------------------------------------------- chains

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        name = kwargs.get("name") or (serialized or {}).get("name") or "chain"
        self._open_span(
            run_id, parent_run_id, str(name), {ATTR_LANGCHAIN_RUN_TYPE: "chain"}, guarded=False
        )

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id)


_USAGE_DETAILS = (
    ("input_token_details", "cache_read", gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    ("input_token_details", "cache_creation", gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
    ("output_token_details", "reasoning", gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
)


def _usage_details(llm: LlmCall, usage: Mapping[str, Any]) -> None:
    """Cached-input and reasoning token counts of LangChain's ``usage_metadata``."""
    for group, name, key in _USAGE_DETAILS:
        value = (usage.get(group) or {}).get(name)
        if isinstance(value, int):
            llm.set(key, value)


# Prefixes of the message ids LangChain makes up from its run ids (new, then old versions).
_RUN_ID_PREFIXES = ("lc_run-", "run-")


def _response_id(message: Any, llm_output: Mapping[str, Any] | None) -> str | None:
    """The provider's id of the answer (``response_metadata["id"]``, ``llm_output["id"]``),
    else the message id unless LangChain made it up from its run id."""
    for candidate in (
        (getattr(message, "response_metadata", None) or {}).get("id"),
        (llm_output or {}).get("id"),
        getattr(message, "id", None),
    ):
        if isinstance(candidate, str) and candidate and not candidate.startswith(_RUN_ID_PREFIXES):
            return candidate
    return None


def _captured(generation: Any, text: str) -> Captured:
    """One model answer for content capture: its text (as the model gave it), tool calls
    and finish reason."""
    message = getattr(generation, "message", None)
    calls = [
        captured_call(call)
        for call in getattr(message, "tool_calls", None) or ()
        if isinstance(call, Mapping)
    ]
    meta = getattr(message, "response_metadata", None) or getattr(
        generation, "generation_info", None
    )
    reason = (meta or {}).get("finish_reason")
    return Captured("assistant", text, calls, str(reason) if reason else None)


def _guard(check: Callable[[], Any], run_id: UUID, handler: AisecCallbackHandler) -> None:
    """Run a check; a block ends the run's span with the violation and propagates."""
    try:
        check()
    except GuardViolation as exc:
        handler._end(run_id, exc)
        raise


def _is_chunk(message: Any) -> bool:
    """Whether ``message`` is a streamed chunk (or chunks merged), not a whole message."""
    return type(message).__name__.endswith("Chunk")


def _guard_arguments(llm: LlmCall, value: Any) -> Any:
    """Output guards on every string inside a tool call's arguments (redacted in place of
    the string, so the arguments keep their shape)."""
    if isinstance(value, str):
        return guard_output(llm.call, value)
    if isinstance(value, Mapping):
        return {key: _guard_arguments(llm, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_guard_arguments(llm, item) for item in value]
    return value


def _checked_document(call: GuardedCall, doc: Any) -> Any:
    """A retrieved document checked as context: itself, or a copy with the redacted text."""
    text = getattr(doc, "page_content", None)
    if not isinstance(text, str) or not text:
        return doc
    checked = call.check_text(text, "context")
    return doc if checked == text else doc.model_copy(update={"page_content": checked})


def _prompt_text(prompt: Sequence[Any]) -> str:
    if all(isinstance(p, str) for p in prompt):
        return "\n".join(prompt)
    return "\n".join(t for _, t in message_texts(prompt))


def _check_messages(run: _Run, messages: Sequence[Any]) -> list[Any]:
    """Check chat messages (tool calls of AI messages as context); the messages to use."""
    call = run.call
    if call is None:
        return list(messages)
    checked = list(call.check_messages(list(messages)))
    for message in checked:
        for tool_call in getattr(message, "tool_calls", None) or ():
            args = tool_call.get("args") if isinstance(tool_call, Mapping) else None
            if args:
                call.check_text(json.dumps(args, ensure_ascii=False), "context")
    return checked


# --------------------------------------------------------------------------- model wrappers


def _is_chat(instance: Any) -> bool:
    from langchain_core.language_models.chat_models import BaseChatModel

    return isinstance(instance, BaseChatModel)


def _prepare(handler: AisecCallbackHandler, call: WrappedCall, *, streaming: bool) -> _Run | None:
    """Open the model's run before LangChain does, check the prompt, set ``run_id`` in config.

    Replaces ``call.args`` with the checked input and the config; the run, or None when the
    call is not ours to follow.
    """
    from langchain_core.callbacks import BaseCallbackManager
    from langchain_core.runnables.config import ensure_config

    args, kwargs, instance = call.args, call.kwargs, call.instance
    if is_suppressed() or not args:
        return None
    model_input, rest = args[0], args[1:]
    config_arg = rest[0] if rest else kwargs.pop("config", None)
    config = dict(ensure_config(config_arg))
    run_id: UUID = config.get("run_id") or uuid4()  # type: ignore[assignment]
    config["run_id"] = run_id
    call.args = (model_input, config, *rest[1:])
    existing = handler.run(run_id)
    if existing is not None and existing.prepared:  # stream() falling back to invoke()
        return None
    callbacks = config.get("callbacks")
    parent_run_id = callbacks.parent_run_id if isinstance(callbacks, BaseCallbackManager) else None
    try:
        ls = instance._get_ls_params(stop=kwargs.get("stop"))
    except Exception:
        ls = {}
    chat = _is_chat(instance)
    operation = (
        gen_ai.GenAiOperationNameValues.CHAT
        if chat
        else gen_ai.GenAiOperationNameValues.TEXT_COMPLETION
    ).value
    provider, model = _model_info(None, ls, {})
    attrs = _endpoint(instance)
    if streaming:
        attrs[gen_ai.GEN_AI_REQUEST_STREAM] = True
    run = handler.open_model_run(run_id, parent_run_id, operation, provider, model, attrs)
    run.prepared = True
    run.streaming = streaming
    if run.call is not None:
        try:
            prompt = instance._convert_input(model_input)
            if chat:
                model_input = _check_messages(run, prompt.to_messages())
            else:
                model_input = run.call.check_text(prompt.to_string(), "input")
        except BaseException as exc:  # a block, or input LangChain itself would reject
            handler._end(run_id, exc)
            raise
    call.args = (model_input, config, *rest[1:])
    return run


@contextmanager
def _invoke(handler: AisecCallbackHandler, call: WrappedCall) -> Iterator[None]:
    """``invoke``/``ainvoke``: the run opened and the prompt checked before the model runs."""
    _prepare(handler, call, streaming=False)
    yield


@contextmanager
def _provider_call(handler: AisecCallbackHandler, call: WrappedCall) -> Iterator[None]:
    """The provider request of a followed run: provider integrations make no second span."""
    run = handler.run(getattr(call.kwargs.get("run_manager"), "run_id", None))
    with suppress_llm_spans(run.span) if run is not None else nullcontext():
        yield


@contextmanager
def _handed_back(handler: AisecCallbackHandler, call: WrappedCall) -> Iterator[None]:
    """``BaseTool.run``/``arun`` and ``BaseRetriever.invoke``/``ainvoke``: the result comes
    back redacted (a tool's string, new copies of the documents) when a guard redacted it."""
    run_id: UUID = call.kwargs.get("run_id") or uuid4()
    call.kwargs["run_id"] = run_id
    with handler._lock:
        handler.results[run_id] = None
    try:
        yield
    finally:
        with handler._lock:
            redacted = handler.results.pop(run_id, None)
        if redacted is not None:
            call.result = redacted


_END = object()
"""What `next`/`anext` return when the model's stream is exhausted."""


class _ChunkGuard:
    """Guards streamed model output: text chunks or message chunks with text content, and
    the arguments of streamed tool calls (one stream guard per call; what a call holds is
    released before the next call starts and with the last chunk)."""

    def __init__(self, run: _Run | None) -> None:
        self.run = run
        self.call = run.call if run is not None else None
        self.guard: StreamGuard | None = self.call.stream() if self.call is not None else None
        self.arguments: dict[Any, StreamGuard] = {}  # by the tool-call chunks' index
        self.last: Any = None

    def pulling(self) -> AbstractContextManager[object]:
        """Around each pull from the model's stream: provider integrations make no span."""
        return suppress_llm_spans(self.run.span) if self.run is not None else nullcontext()

    def release(self, chunk: Any) -> list[Any]:
        """What to yield for one chunk pulled, or for `_END` (what the guard still holds)."""
        if chunk is _END:
            return self.flush()
        if self.run is not None and self.run.llm is not None:
            self.run.llm.chunk_received()
        return self.process(chunk)

    def process(self, chunk: Any) -> list[Any]:
        if self.guard is None:
            return [chunk]
        if isinstance(chunk, str):
            out = self.guard.feed(chunk)
            return [out] if out else []
        content = getattr(chunk, "content", None)
        if not isinstance(content, str):
            return [chunk]
        if not _is_chunk(chunk):  # a whole message (no streaming support)
            checked = guard_output(self.call, content)
            return [chunk if checked == content else chunk.model_copy(update={"content": checked})]
        self.last = chunk
        released = self.guard.feed(content) if content else ""
        calls = self._calls(chunk)
        if getattr(chunk, "chunk_position", None) == "last":
            released += self.guard.close()
            calls += self._close_calls()
            self.guard = None
        return [_rebuilt(chunk, released, calls)]

    def _calls(self, chunk: Any) -> list[Any]:
        """The chunk's tool-call chunks with guarded arguments, after the arguments held
        back of the calls before them."""
        from langchain_core.messages.tool import tool_call_chunk

        out: list[Any] = []
        for call in getattr(chunk, "tool_call_chunks", None) or ():
            index = call.get("index")
            out += self._close_calls(keep=index)
            if call.get("args") and self.call is not None:
                guard = self.arguments.get(index) or self.call.stream()
                self.arguments[index] = guard
                call = tool_call_chunk(
                    name=call.get("name"),
                    args=guard.feed(call["args"]),
                    id=call.get("id"),
                    index=index,
                )
            out.append(call)
        return out

    def _close_calls(self, keep: Any = _END) -> list[Any]:
        """End the tool calls but ``keep`` (an index; by default none): chunks with the
        arguments they held back."""
        from langchain_core.messages.tool import tool_call_chunk

        out = []
        for index in [i for i in self.arguments if i != keep]:
            tail = self.arguments.pop(index).close()
            if tail:
                out.append(tool_call_chunk(name=None, args=tail, id=None, index=index))
        return out

    def flush(self) -> list[Any]:
        if self.guard is None:
            return []
        tail = self.guard.close()
        calls = self._close_calls()
        if not tail and not calls:
            return []
        if self.last is None:
            return [tail]
        return [_rebuilt(self.last, tail, calls)]


def _rebuilt(chunk: Any, content: str, calls: list[Any]) -> Any:
    """A copy of a message chunk with ``content`` and the tool-call chunks ``calls`` (its
    parsed ``tool_calls`` made again from them)."""
    if not calls and not getattr(chunk, "tool_call_chunks", None):
        return chunk.model_copy(update={"content": content})
    fields = {**dict(chunk), "content": content, "tool_call_chunks": calls}
    return type(chunk)(**{**fields, "tool_calls": [], "invalid_tool_calls": []})


def _open_stream(
    handler: AisecCallbackHandler, wrapped: Callable[..., Any], call: WrappedCall
) -> tuple[Any, _ChunkGuard]:
    run = _prepare(handler, call, streaming=True)
    return wrapped(*call.args, **call.kwargs), _ChunkGuard(run)


def _stream(
    handler: AisecCallbackHandler,
    wrapped: Callable[..., Any],
    instance: Any,
    args: Args,
    kwargs: Kwargs,
) -> Iterator[Any]:
    inner, chunks = _open_stream(handler, wrapped, WrappedCall(instance, args, kwargs))
    try:
        chunk = None
        while chunk is not _END:
            with chunks.pulling():
                chunk = next(inner, _END)
            yield from chunks.release(chunk)
    except BaseException:
        inner.close()
        raise


async def _astream(
    handler: AisecCallbackHandler,
    wrapped: Callable[..., Any],
    instance: Any,
    args: Args,
    kwargs: Kwargs,
) -> AsyncIterator[Any]:
    inner, chunks = _open_stream(handler, wrapped, WrappedCall(instance, args, kwargs))
    try:
        chunk = None
        while chunk is not _END:
            with chunks.pulling():
                chunk = await anext(inner, _END)
            for out in chunks.release(chunk):
                yield out
    except BaseException:
        await inner.aclose()
        raise
