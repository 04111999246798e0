"""OpenAI: chat completions, legacy text completions, the Responses API and embeddings,
sync and async.

Wrapped methods: chat ``Completions.create``/``parse``, legacy ``Completions.create``,
``Responses.create``/``parse`` and ``Embeddings.create`` with their async twins. The
``stream()`` helpers of chat completions and Responses send their request through
``create``, so they are guarded and traced by the same wrapper. Input guards run on the
messages (or prompts) before the request leaves the process (a blocked call sends nothing);
tool calls and tool results in the messages are scanned as context. Output guards run on
the answer, and on streams chunk by chunk: text is held back across chunk boundaries until
it is safe, redacted before release, and a block ends the stream with
`aisec_sdk.GuardViolation`.

``openai`` is imported only when the instrumentor is applied.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache, partial
from typing import Any

import wrapt
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv._incubating.attributes import openai_attributes

from aisec_sdk.stream import StreamGuard

from ._base import (
    AisecInstrumentor,
    Captured,
    LlmCall,
    Patch,
    Runtime,
    WrappedCall,
    captured_inputs,
    count_tokens,
    endpoint_attributes,
    guard_output,
    is_suppressed,
    message_texts,
    output_type,
    request_attributes,
    wrappers,
)

__all__ = ["OpenAIInstrumentor"]

PROVIDER = gen_ai.GenAiProviderNameValues.OPENAI.value
AZURE_PROVIDER = gen_ai.GenAiProviderNameValues.AZURE_AI_OPENAI.value
_CHAT = "openai.resources.chat.completions"
_RESPONSES = "openai.resources.responses"
_TEXT = "openai.resources.completions"
_EMBEDDINGS = "openai.resources.embeddings"

# Set while one of our wrappers runs, so a wrapped method calling another makes one span.
_in_call: contextvars.ContextVar[bool] = contextvars.ContextVar("aisec_openai_call", default=False)


class OpenAIInstrumentor(AisecInstrumentor):
    """Guards and traces the ``openai`` client (chat, Responses, embeddings; sync and async)."""

    scope = "aisec_sdk.integrations.openai"
    framework = "openai"
    _instruments = ("openai >= 1.40, < 4",)

    def _patches(self, runtime: Runtime) -> list[Patch]:
        chat, responses, embeddings = _ChatAdapter(), _ResponsesAdapter(), _EmbeddingsAdapter()
        table: list[Patch] = []
        for module, owner, adapter, methods in (
            (_CHAT, "Completions", chat, ("create", "parse")),
            (_TEXT, "Completions", _TextAdapter(), ("create",)),
            (_RESPONSES, "Responses", responses, ("create", "parse")),
            (_EMBEDDINGS, "Embeddings", embeddings, ("create",)),
        ):
            sync, asynchronous = wrappers(partial(_around, runtime, adapter))
            for method in methods:
                table.append(Patch(module, f"{owner}.{method}", sync))
                table.append(Patch(module, f"Async{owner}.{method}", asynchronous))
        return table


# --------------------------------------------------------------------------- wrappers


@contextmanager
def _around(runtime: Runtime, adapter: _Adapter, call: WrappedCall) -> Iterator[None]:
    """One client call (sync or async): span, input guards, then output guards or a stream."""
    if is_suppressed() or _in_call.get():
        yield
        return
    llm = adapter.start(runtime, call.instance, call.kwargs)
    token = _in_call.set(True)
    try:
        with llm.running():
            call.kwargs = adapter.guard_input(llm, call.kwargs)
            llm.capture_tools(call.kwargs.get("tools"))
            yield
    finally:
        _in_call.reset(token)
    call.result = _finish(adapter, llm, call.kwargs, call.result)


def _finish(adapter: _Adapter, llm: LlmCall, kwargs: Mapping[str, Any], result: Any) -> Any:
    """A stream proxy for a stream; a raw response (``with_raw_response``,
    ``with_streaming_response``) finished from its parsed body; else the result, checked,
    with the span ended."""
    stream, async_stream, legacy, sync_raw, async_raw = _result_types()
    if isinstance(result, stream):
        return GuardedStream(result, llm, adapter.stream(llm, kwargs))
    if isinstance(result, async_stream):
        return AsyncGuardedStream(result, llm, adapter.stream(llm, kwargs))
    if isinstance(result, legacy) and kwargs.get("stream") is not True:
        # ``with_raw_response``: the body is already read and openai caches what ``parse()``
        # returns, so the object checked here is the one the caller's ``parse()`` gets.
        try:
            parsed = result.parse()
        except Exception:  # a body the client cannot parse: the caller sees it as it is
            llm.end()
            return result
        _finish(adapter, llm, kwargs, parsed)
        return result
    if isinstance(result, legacy + sync_raw):
        return RawResponse(result, partial(_finish, adapter, llm, kwargs), llm)
    if isinstance(result, async_raw):
        return AsyncRawResponse(result, partial(_finish, adapter, llm, kwargs), llm)
    try:
        adapter.finish(llm, kwargs, result)
    except BaseException as exc:
        llm.end(exc)
        raise
    llm.end()
    return result


@cache
def _result_types() -> tuple[
    type[Any], type[Any], tuple[type[Any], ...], tuple[type[Any], ...], tuple[type[Any], ...]
]:
    """openai's result classes that are not plain answers, looked up once: ``Stream``,
    ``AsyncStream`` and the raw responses (``with_raw_response``; ``with_streaming_response``
    sync and async). The raw ones live in private modules: a version without them has none."""
    from openai import AsyncStream, Stream

    try:
        from openai._legacy_response import LegacyAPIResponse
        from openai._response import APIResponse, AsyncAPIResponse
    except ImportError:
        return Stream, AsyncStream, (), (), ()
    return Stream, AsyncStream, (LegacyAPIResponse,), (APIResponse,), (AsyncAPIResponse,)


# --------------------------------------------------------------------------- streams


class _Processor:
    """Turns one stream's items into the items to release; knows the call's usage."""

    def process(self, item: Any) -> list[Any]:
        raise NotImplementedError

    def flush(self) -> list[Any]:
        """Items still held when the stream ends."""
        return []

    def done(self) -> None:
        """The stream ended normally: fill usage and response attributes."""


class _StreamState:
    """What a stream proxy and its iterator share; ends the span exactly once."""

    __slots__ = ("llm", "processor")

    def __init__(self, llm: LlmCall, processor: _Processor) -> None:
        self.llm = llm
        self.processor = processor

    def finish(self, error: BaseException | None = None) -> None:
        if self.llm.ended:
            return
        if error is None:
            try:
                self.processor.done()
            except Exception as exc:
                error = exc
        self.llm.end(error)


def _iterate(stream: Any, state: _StreamState) -> Iterator[Any]:
    # Holds no reference to the proxy, so a dropped proxy is collected and ends the span.
    error: BaseException | None = None
    try:
        for item in stream:
            state.llm.chunk_received()
            yield from state.processor.process(item)
        yield from state.processor.flush()
    except GeneratorExit:
        raise
    except BaseException as exc:
        error = exc
        stream.close()
        raise
    finally:
        state.finish(error)


async def _aiterate(stream: Any, state: _StreamState) -> AsyncIterator[Any]:
    error: BaseException | None = None
    try:
        async for item in stream:
            state.llm.chunk_received()
            for out in state.processor.process(item):
                yield out
        for out in state.processor.flush():
            yield out
    except GeneratorExit:
        raise
    except BaseException as exc:
        error = exc
        await stream.close()
        raise
    finally:
        state.finish(error)


class _GuardedProxy(wrapt.ObjectProxy[Any]):
    """A stream proxy whose items pass the output guards; the span ends exactly once."""

    _iterate: Callable[[Any, _StreamState], Any]

    def __init__(self, stream: Any, llm: LlmCall, processor: _Processor) -> None:
        super().__init__(stream)
        self._self_state = _StreamState(llm, processor)
        self._self_iter = type(self)._iterate(stream, self._self_state)

    def __del__(self) -> None:
        state = getattr(self, "_self_state", None)
        if state is not None:
            state.finish()


class GuardedStream(_GuardedProxy):
    """An ``openai.Stream`` whose items pass the output guards; the span ends exactly once."""

    _iterate = staticmethod(_iterate)

    def __iter__(self) -> GuardedStream:
        return self

    def __next__(self) -> Any:
        return next(self._self_iter)

    def __enter__(self) -> GuardedStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP response and end the span."""
        try:
            self.__wrapped__.close()
        finally:
            self._self_state.finish()


class AsyncGuardedStream(_GuardedProxy):
    """An ``openai.AsyncStream`` whose items pass the output guards; the span ends once."""

    _iterate = staticmethod(_aiterate)

    def __aiter__(self) -> AsyncGuardedStream:
        return self

    async def __anext__(self) -> Any:
        return await self._self_iter.__anext__()

    async def __aenter__(self) -> AsyncGuardedStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP response and end the span."""
        try:
            await self.__wrapped__.close()
        finally:
            self._self_state.finish()

    async def aclose(self) -> None:
        """Alias of `close`."""
        await self.close()


class _RawProxy(wrapt.ObjectProxy[Any]):
    """A raw response whose body has not been read yet: its first ``parse()`` (without
    ``to=``) fills the span and runs the output guards, or wraps the stream it returns;
    ``close()`` (leaving ``with_streaming_response``) or garbage collection ends the span."""

    def __init__(self, response: Any, finish: Callable[[Any], Any], llm: LlmCall) -> None:
        super().__init__(response)
        self._self_finish = finish
        self._self_llm = llm
        self._self_parsed: Any = None
        self._self_error: BaseException | None = None

    def _self_checked(self, parsed: Any) -> Any:
        if self._self_error is not None:  # a guard blocked this answer: it stays blocked
            raise self._self_error
        if self._self_parsed is None and not self._self_llm.ended:
            try:
                self._self_parsed = self._self_finish(parsed)
            except BaseException as exc:
                self._self_error = exc
                raise
        return self._self_parsed if self._self_parsed is not None else parsed

    def __del__(self) -> None:
        llm = getattr(self, "_self_llm", None)
        if llm is not None:
            llm.end()


class RawResponse(_RawProxy):
    """``LegacyAPIResponse`` of a stream, or ``APIResponse``, traced and guarded on parse."""

    def parse(self, **kwargs: Any) -> Any:
        """The parsed body (checked, or a guarded stream) when parsed to its own type."""
        try:
            parsed = self.__wrapped__.parse(**kwargs)
        except Exception as exc:
            self._self_llm.end(exc)
            raise
        return parsed if kwargs.get("to") is not None else self._self_checked(parsed)

    def close(self) -> None:
        """Close the HTTP response and end the span."""
        try:
            self.__wrapped__.close()
        finally:
            self._self_llm.end()


class AsyncRawResponse(_RawProxy):
    """``AsyncAPIResponse``, traced and guarded on parse."""

    async def parse(self, **kwargs: Any) -> Any:
        """The parsed body (checked, or a guarded stream) when parsed to its own type."""
        try:
            parsed = await self.__wrapped__.parse(**kwargs)
        except Exception as exc:
            self._self_llm.end(exc)
            raise
        return parsed if kwargs.get("to") is not None else self._self_checked(parsed)

    async def close(self) -> None:
        """Close the HTTP response and end the span."""
        try:
            await self.__wrapped__.close()
        finally:
            self._self_llm.end()


# --------------------------------------------------------------------------- adapters


def _provider(instance: Any) -> str:
    """``azure.ai.openai`` for the Azure clients, ``openai`` otherwise."""
    client = getattr(instance, "_client", None)
    return AZURE_PROVIDER if "Azure" in type(client).__name__ else PROVIDER


def _server(instance: Any) -> dict[str, Any]:
    """``server.address``, ``server.port`` and ``url.scheme`` of the client's base URL."""
    return endpoint_attributes(getattr(getattr(instance, "_client", None), "base_url", None))


class _Adapter:
    """The API-specific part of a wrapper: request attributes, input, output, streams."""

    operation = gen_ai.GenAiOperationNameValues.CHAT.value
    function = "openai"
    """Name of the guarded call (as ``@guard`` would name a function)."""

    def request_attributes(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Request attributes (chat-style sampling parameters unless overridden)."""
        return _params(kwargs)

    def start(self, runtime: Runtime, instance: Any, kwargs: Mapping[str, Any]) -> LlmCall:
        model = kwargs.get("model")
        attrs = _server(instance)
        attrs.update(self.request_attributes(kwargs))
        if kwargs.get("stream") is True:
            attrs[gen_ai.GEN_AI_REQUEST_STREAM] = True
        return LlmCall(
            runtime,
            self.operation,
            _provider(instance),
            model if isinstance(model, str) else None,
            attributes=attrs,
            function=self.function,
        )

    def guard_input(self, llm: LlmCall, kwargs: dict[str, Any]) -> dict[str, Any]:
        return kwargs

    def finish(self, llm: LlmCall, kwargs: Mapping[str, Any], result: Any) -> None:
        pass

    def stream(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> _Processor:
        raise NotImplementedError


def _params(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    attrs = request_attributes(kwargs)
    tier = kwargs.get("service_tier")
    if isinstance(tier, str):
        attrs[openai_attributes.OPENAI_REQUEST_SERVICE_TIER] = tier
    if gen_ai.GEN_AI_OUTPUT_TYPE not in attrs:  # Responses: text={"format": ...}, text_format
        text = kwargs.get("text")
        kind = output_type(
            kwargs.get("text_format") or (text.get("format") if isinstance(text, Mapping) else None)
        )
        if kind is not None:
            attrs[gen_ai.GEN_AI_OUTPUT_TYPE] = kind
    return attrs


class _ChatAdapter(_Adapter):
    function = "openai.chat.completions"

    def guard_input(self, llm: LlmCall, kwargs: dict[str, Any]) -> dict[str, Any]:
        messages = kwargs.get("messages")
        if messages is None or isinstance(messages, str | bytes):
            return kwargs
        messages = list(messages)
        if llm.call is not None:
            messages = list(llm.call.check_messages(messages))
        if llm.capture:
            llm.capture_messages(gen_ai.GEN_AI_INPUT_MESSAGES, captured_inputs(messages))
        return {**kwargs, "messages": messages}

    def finish(self, llm: LlmCall, kwargs: Mapping[str, Any], result: Any) -> None:
        choices = _choices(llm, result)
        if choices is None:
            return
        answers: list[Captured] = []
        for choice in choices:
            message = choice.message
            content = getattr(message, "content", None)
            if isinstance(content, str):
                checked = guard_output(llm.call, content)
                if checked != content:
                    message.content = checked
                    _reparse(message, checked, kwargs.get("response_format"))
            calls = []
            for tool_call in getattr(message, "tool_calls", None) or ():
                function = getattr(tool_call, "function", None)
                _guard_arguments(llm, function)
                calls.append(_tool_call(getattr(tool_call, "id", None), function))
            text = content if isinstance(content, str) else ""  # the model's (captured masked)
            answers.append(Captured("assistant", text, calls, _reason(choice.finish_reason)))
        usage = getattr(result, "usage", None)
        _answered(llm, _reported(llm, usage), kwargs.get("messages"), answers)

    def stream(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> _Processor:
        return _ChatStream(llm, kwargs)


def _reparse(holder: Any, text: str, text_format: Any) -> None:
    """Keep ``holder.parsed`` (from a ``parse`` call) in line with its redacted text."""
    if getattr(holder, "parsed", None) is None:
        return
    try:
        holder.parsed = text_format.model_validate_json(text)
    except Exception:  # the redacted JSON no longer fits the model
        holder.parsed = None


def _choices(llm: LlmCall, result: Any) -> Any:
    """The choices of a parsed completion, its response attributes and finish reasons set on
    the span; None for a raw response (``with_raw_response``: nothing parsed to check)."""
    choices = getattr(result, "choices", None)
    if choices is None:
        return None
    _response_attributes(llm, result)
    llm.set(
        gen_ai.GEN_AI_RESPONSE_FINISH_REASONS,
        [str(c.finish_reason) for c in choices if c.finish_reason],
    )
    return choices


def _response_attributes(llm: LlmCall, result: Any) -> None:
    llm.set(gen_ai.GEN_AI_RESPONSE_ID, getattr(result, "id", None))
    llm.set(gen_ai.GEN_AI_RESPONSE_MODEL, getattr(result, "model", None))
    llm.set(
        openai_attributes.OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
        getattr(result, "system_fingerprint", None),
    )
    llm.set(openai_attributes.OPENAI_RESPONSE_SERVICE_TIER, getattr(result, "service_tier", None))


def _guard_arguments(llm: LlmCall, holder: Any) -> None:
    """Output guards on the JSON ``arguments`` of a tool call (redacted in place)."""
    args = getattr(holder, "arguments", None)
    if holder is not None and isinstance(args, str) and args:
        checked = guard_output(llm.call, args)
        if checked != args:
            holder.arguments = checked


def _tool_call(call_id: Any, function: Any) -> tuple[str | None, str, str]:
    """``(id, name, arguments)`` of a tool call, for content capture."""
    name = getattr(function, "name", None)
    arguments = getattr(function, "arguments", None)
    return (
        call_id if isinstance(call_id, str) else None,
        name if isinstance(name, str) else "",
        arguments if isinstance(arguments, str) else "",
    )


def _reason(value: Any) -> str | None:
    return str(value) if value else None


def _status_reason(status: Any) -> str | None:
    """A Responses API status as a finish reason: ``completed`` is ``stop``; the other
    terminal statuses stay as they are; in-progress states give none."""
    if status == "completed":
        return "stop"
    return status if status in ("incomplete", "failed", "cancelled") else None


def _reported(llm: LlmCall, usage: Any) -> tuple[int | None, int | None]:
    """Input and output tokens of an API ``usage`` (chat and text completions: prompt and
    completion tokens; Responses: input and output tokens); its cached-input and reasoning
    token counts go onto the span. ``(None, None)`` when there is no usage."""
    if usage is None:
        return None, None
    cached = getattr(
        getattr(usage, "prompt_tokens_details", None)
        or getattr(usage, "input_tokens_details", None),
        "cached_tokens",
        None,
    )
    reasoning = getattr(
        getattr(usage, "completion_tokens_details", None)
        or getattr(usage, "output_tokens_details", None),
        "reasoning_tokens",
        None,
    )
    llm.set(
        gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, cached if isinstance(cached, int) else None
    )
    llm.set(
        gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
        reasoning if isinstance(reasoning, int) else None,
    )
    input_tokens = getattr(usage, "prompt_tokens", None)
    output_tokens = getattr(usage, "completion_tokens", None)
    if input_tokens is None:
        input_tokens = getattr(usage, "input_tokens", None)
        output_tokens = getattr(usage, "output_tokens", None)
    return input_tokens, output_tokens


def _answered(
    llm: LlmCall, tokens: tuple[int | None, int | None], prompt: Any, answers: list[Captured]
) -> None:
    """Usage (reported, else counted from ``prompt`` and the answers) and captured answers."""
    if tokens[0] is not None:
        llm.set_usage(*tokens)
    else:
        _count_usage(llm, prompt or [], "".join(a.text for a in answers))
    llm.capture_messages(gen_ai.GEN_AI_OUTPUT_MESSAGES, answers)


def _count_usage(llm: LlmCall, messages: Any, output: str) -> None:
    model = llm.model
    if isinstance(messages, str):
        prompt = messages
    else:
        prompt = "\n".join(t for _, t in message_texts(list(messages)))
    llm.set_usage(count_tokens(prompt, model), count_tokens(output, model), counted=True)


def _stream_guard(llm: LlmCall, guards: dict[Any, StreamGuard], key: Any) -> StreamGuard | None:
    """The stream guard of one streamed output (a choice, a Responses content part), opened
    on its first text; None when the call is not guarded."""
    if llm.call is None:
        return None
    guard = guards.get(key)
    if guard is None:
        guard = guards[key] = llm.call.stream()
    return guard


def _tool_delta(index: int, arguments: str) -> Any:
    """A streamed tool-call delta that carries only more ``arguments`` of call ``index``."""
    from openai.types.chat.chat_completion_chunk import (
        ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction,
    )

    return ChoiceDeltaToolCall(
        index=index, function=ChoiceDeltaToolCallFunction(arguments=arguments)
    )


class _ChatStream(_Processor):
    """``chat.completions.create(stream=True)`` chunks: one stream guard per choice, and one
    per tool call for its arguments (held back and released redacted like the text; what
    a call still holds goes out before the next call starts or with the choice's finish)."""

    def __init__(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> None:
        self.llm = llm
        self.messages = kwargs.get("messages") or []
        self.guards: dict[int, StreamGuard] = {}
        self.raw: dict[int, list[str]] = {}
        # (choice, tool call) -> the arguments as received, and their stream guard
        self.tool_args: dict[tuple[int, int], list[str]] = {}
        self.arg_guards: dict[tuple[int, int], StreamGuard] = {}
        # (choice, tool call) -> [id, name, arguments once whole], for content capture
        self.tool_calls: dict[tuple[int, int], list[str]] = {}
        self.finish_reasons: dict[int, str] = {}
        self.last: Any = None
        self.usage_seen = False

    def process(self, chunk: Any) -> list[Any]:
        if self.last is None:
            _response_attributes(self.llm, chunk)
        self.last = chunk
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.llm.set_usage(*_reported(self.llm, usage))
            self.usage_seen = True
        for choice in getattr(chunk, "choices", None) or ():
            self._choice(choice)
        return [chunk]

    def _feed(self, index: int, text: str) -> str:
        """Record a choice's text and pass it through the choice's stream guard."""
        self.raw.setdefault(index, []).append(text)
        guard = _stream_guard(self.llm, self.guards, index)
        return guard.feed(text) if guard is not None else text

    def _choice(self, choice: Any) -> None:
        delta = choice.delta
        content = getattr(delta, "content", None)
        if isinstance(content, str) and content:
            delta.content = self._feed(choice.index, content)
        tool_calls: list[Any] = []
        for tool_call in getattr(delta, "tool_calls", None) or ():
            key = (choice.index, tool_call.index)
            # calls stream one after the other: the ones before this one are whole
            tool_calls += self._close_calls(choice.index, keep=key)
            tool_calls.append(tool_call)
            function = getattr(tool_call, "function", None)
            known = self.tool_calls.setdefault(key, ["", "", ""])
            call_id, name = getattr(tool_call, "id", None), getattr(function, "name", None)
            known[0] = call_id if isinstance(call_id, str) and call_id else known[0]
            known[1] = name if isinstance(name, str) and name else known[1]
            args = getattr(function, "arguments", None)
            if args:
                self.tool_args.setdefault(key, []).append(args)
                guard = _stream_guard(self.llm, self.arg_guards, key)
                if guard is not None:
                    tool_call.function.arguments = guard.feed(args)
        if choice.finish_reason:
            self.finish_reasons[choice.index] = choice.finish_reason
            tail, calls = self._close(choice.index)
            if tail and delta is not None:
                delta.content = (delta.content or "") + tail
            tool_calls += calls
        if tool_calls and delta is not None:
            delta.tool_calls = tool_calls

    def _close_calls(self, index: int, keep: tuple[int, int] | None = None) -> list[Any]:
        """End the tool calls of choice ``index`` but ``keep``: record their arguments;
        deltas with the arguments their guards still held."""
        tails = []
        for key in sorted(k for k in self.tool_args if k[0] == index and k != keep):
            self.tool_calls.setdefault(key, ["", "", ""])[2] = "".join(self.tool_args.pop(key))
            guard = self.arg_guards.pop(key, None)
            tail = guard.close() if guard is not None else ""
            if tail:
                tails.append(_tool_delta(key[1], tail))
        return tails

    def _close(self, index: int) -> tuple[str, list[Any]]:
        """End choice ``index``: the text its guard held back, and tool-call deltas with
        the arguments held back."""
        guard = self.guards.pop(index, None)
        tail = guard.close() if guard is not None else ""
        return tail, self._close_calls(index)

    def flush(self) -> list[Any]:
        out = []
        for index in sorted(set(self.guards) | {k[0] for k in self.tool_args}):
            tail, calls = self._close(index)
            if (tail or calls) and self.last is not None:
                choice = self._tail_choice(index, tail, calls)
                out.append(self.last.model_copy(update={"choices": [choice], "usage": None}))
        return out

    def _tail_choice(self, index: int, tail: str, calls: list[Any]) -> Any:
        """A choice carrying the text and arguments held back when the stream ended without
        a finish."""
        from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta

        return Choice(
            index=index, delta=ChoiceDelta(content=tail or None, tool_calls=calls or None)
        )

    def done(self) -> None:
        if self.finish_reasons:
            self.llm.set(
                gen_ai.GEN_AI_RESPONSE_FINISH_REASONS,
                [self.finish_reasons[i] for i in sorted(self.finish_reasons)],
            )
        output = {i: "".join(parts) for i, parts in self.raw.items()}
        if not self.usage_seen:
            _count_usage(self.llm, self.messages, "".join(output[i] for i in sorted(output)))
        indexes = sorted(set(output) | set(self.finish_reasons) | {k[0] for k in self.tool_calls})
        answers = [
            Captured(
                "assistant",
                output.get(i, ""),
                [
                    (call[0] or None, call[1], call[2])
                    for key, call in sorted(self.tool_calls.items())
                    if key[0] == i
                ],
                self.finish_reasons.get(i),
            )
            for i in indexes
        ]
        self.llm.capture_messages(gen_ai.GEN_AI_OUTPUT_MESSAGES, answers)


# Legacy text completions -----------------------------------------------------


def _guard_texts(llm: LlmCall, kwargs: dict[str, Any], key: str) -> dict[str, Any]:
    """Input guards on a text argument: a str or a list of str (token ids pass as they are)."""
    value = kwargs.get(key)
    call = llm.call
    if call is None or value is None:
        return kwargs
    if isinstance(value, str):
        return {**kwargs, key: call.check_text(value, "input")}
    if isinstance(value, list | tuple) and any(isinstance(v, str) for v in value):
        checked = [call.check_text(v, "input") if isinstance(v, str) else v for v in value]
        return {**kwargs, key: checked}
    return kwargs


def _prompts(prompt: Any) -> list[str]:
    """The texts of a ``prompt`` argument (a str or a list of str; token ids are skipped)."""
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list | tuple):
        return [p for p in prompt if isinstance(p, str)]
    return []


class _TextAdapter(_Adapter):
    """``completions.create``: ``prompt`` in, ``choices[].text`` out."""

    operation = gen_ai.GenAiOperationNameValues.TEXT_COMPLETION.value
    function = "openai.completions"

    def guard_input(self, llm: LlmCall, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs = _guard_texts(llm, kwargs, "prompt")
        prompts = _prompts(kwargs.get("prompt"))
        llm.capture_messages(gen_ai.GEN_AI_INPUT_MESSAGES, [("user", p) for p in prompts])
        return kwargs

    def finish(self, llm: LlmCall, kwargs: Mapping[str, Any], result: Any) -> None:
        choices = _choices(llm, result)
        if choices is None:
            return
        answers: list[Captured] = []
        for choice in choices:
            text = choice.text
            if isinstance(text, str):
                choice.text = guard_output(llm.call, text)
                answers.append(Captured("assistant", text, (), _reason(choice.finish_reason)))
        usage = getattr(result, "usage", None)
        _answered(llm, _reported(llm, usage), "\n".join(_prompts(kwargs.get("prompt"))), answers)

    def stream(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> _Processor:
        return _TextStream(llm, {"messages": "\n".join(_prompts(kwargs.get("prompt")))})


class _TextStream(_ChatStream):
    """``completions.create(stream=True)`` chunks: ``choices[].text`` through one stream
    guard per choice (the rest as for chat chunks)."""

    def __init__(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> None:
        super().__init__(llm, kwargs)
        self.last_choice: dict[int, Any] = {}

    def _choice(self, choice: Any) -> None:
        self.last_choice[choice.index] = choice
        text = choice.text
        if isinstance(text, str) and text:
            choice.text = self._feed(choice.index, text)
        if choice.finish_reason:
            self.finish_reasons[choice.index] = choice.finish_reason
            choice.text = (choice.text or "") + self._close(choice.index)[0]

    def _tail_choice(self, index: int, tail: str, calls: list[Any]) -> Any:
        return self.last_choice[index].model_copy(update={"text": tail})


# Responses API ---------------------------------------------------------------


def _as_item(item: Any) -> Mapping[str, Any]:
    """A Responses input item as a mapping: an SDK object (a previous response's ``output``
    passed back) as the dict the ``openai`` client would send for it."""
    if isinstance(item, Mapping):
        return item
    dump = getattr(item, "model_dump", None)
    return dump(exclude_unset=True, mode="json") if callable(dump) else {}


def _responses_view(value: Any) -> list[dict[str, Any]]:
    """Responses ``input`` as chat messages for the guards (one per input item)."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    view: list[dict[str, Any]] = []
    for item in map(_as_item, value):
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            view.append({"role": item.get("role", "user"), "content": item.get("content")})
        elif kind == "function_call_output":
            output = item.get("output")
            view.append(
                {"role": "tool", "content": output if isinstance(output, str | list) else None}
            )
        elif kind == "function_call":
            view.append({"role": "tool", "content": item.get("arguments")})
        else:
            view.append({"role": "system", "content": None})
    return view


def _responses_back(value: Any, view: Sequence[Any], checked: Sequence[Any]) -> Any:
    """Write guarded texts from the chat view back into the Responses input items (an SDK
    object whose text changed becomes its dict, see `_as_item`)."""
    if isinstance(value, str):
        return checked[0]["content"]
    out = []
    for item, before, after in zip(value, view, checked, strict=True):
        if before == after:
            out.append(item)
            continue
        original = _as_item(item)
        kind = original.get("type", "message")
        if kind == "message" or "role" in original:
            item = {**original, "content": after["content"]}
        elif kind == "function_call_output":
            item = {**original, "output": after["content"]}
        elif kind == "function_call":
            item = {**original, "arguments": after["content"]}
        out.append(item)
    return out


def _output_texts(response: Any) -> Iterator[tuple[int, int, Any]]:
    """(output index, content index, part) of every ``output_text`` part of a response."""
    for i, item in enumerate(getattr(response, "output", None) or ()):
        if getattr(item, "type", None) != "message":
            continue
        for j, part in enumerate(getattr(item, "content", None) or ()):
            if getattr(part, "type", None) == "output_text":
                yield i, j, part


class _ResponsesAdapter(_Adapter):
    function = "openai.responses"

    def guard_input(self, llm: LlmCall, kwargs: dict[str, Any]) -> dict[str, Any]:
        value = kwargs.get("input")
        if value is None or not isinstance(value, str | list | tuple):
            return kwargs
        view = _responses_view(value)
        if llm.call is not None:
            checked = list(llm.call.check_messages(view))
            if checked != view:
                value = _responses_back(value, view, checked)
                kwargs = {**kwargs, "input": value}
            view = checked
        if llm.capture:
            llm.capture_instructions(kwargs.get("instructions"))
            llm.capture_messages(gen_ai.GEN_AI_INPUT_MESSAGES, captured_inputs(view))
        return kwargs

    def finish(self, llm: LlmCall, kwargs: Mapping[str, Any], result: Any) -> None:
        if getattr(result, "output", None) is None:
            return
        self.output(llm, kwargs, result, {})

    @staticmethod
    def output(
        llm: LlmCall,
        kwargs: Mapping[str, Any],
        response: Any,
        released: Mapping[tuple[int, int], str],
    ) -> None:
        """Response attributes, usage and guarded text of a complete response object: the
        texts and tool-call arguments a stream released (keys as in `_ResponsesStream`),
        the others checked now."""
        _response_attributes(llm, response)
        texts: dict[int, list[str]] = {}
        for i, j, part in _output_texts(response):
            text = part.text
            checked = released[(i, j)] if (i, j) in released else guard_output(llm.call, text)
            if checked != text:
                part.text = checked
                _reparse(part, checked, kwargs.get("text_format"))
            texts.setdefault(i, []).append(text)
        output = getattr(response, "output", None) or ()
        calls = []
        for i, item in enumerate(output):
            if getattr(item, "type", None) == "function_call":
                if (i, _ARGUMENTS) in released:
                    item.arguments = released[(i, _ARGUMENTS)]
                else:
                    _guard_arguments(llm, item)
                calls.append(_tool_call(getattr(item, "call_id", None), item))
        reasons = {
            i: _status_reason(getattr(item, "status", None))
            for i, item in enumerate(output)
            if getattr(item, "type", None) == "message"
        }
        finish = [r for r in reasons.values() if r]
        overall = _status_reason(getattr(response, "status", None))
        if not finish and overall:  # no message item says how it ended: the response does
            finish = [overall]
        if finish:
            llm.set(gen_ai.GEN_AI_RESPONSE_FINISH_REASONS, finish)
        answers = [
            Captured("assistant", "".join(parts), (), reasons.get(i)) for i, parts in texts.items()
        ]
        if calls:
            answers.append(Captured("assistant", "", calls, finish[-1] if finish else None))
        usage = getattr(response, "usage", None)
        _answered(llm, _reported(llm, usage), kwargs.get("input"), answers)

    def stream(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> _Processor:
        return _ResponsesStream(llm, kwargs)


_ARGUMENTS = -1
"""The content index that stands for a function call's arguments in `_ResponsesStream` keys."""


class _ResponsesStream(_Processor):
    """The Responses event stream: text deltas guarded per output part and function-call
    argument deltas per call, final texts and arguments aligned with what was released."""

    def __init__(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> None:
        self.llm = llm
        self.kwargs = kwargs
        self.guards: dict[tuple[int, int], StreamGuard] = {}
        self.released: dict[tuple[int, int], str] = {}
        self.raw: dict[tuple[int, int], list[str]] = {}
        self.last_delta: dict[tuple[int, int], Any] = {}
        self.completed = False

    def _close(self, key: tuple[int, int]) -> str:
        guard = self.guards.pop(key, None)
        if guard is None:
            return ""
        tail = guard.close()
        self.released[key] = guard.text if guard.enforce else "".join(self.raw.get(key, ()))
        return tail

    def process(self, event: Any) -> list[Any]:
        kind = getattr(event, "type", "")
        out: list[Any] = []
        if kind in ("response.output_text.delta", "response.function_call_arguments.delta"):
            text = kind == "response.output_text.delta"
            key = (event.output_index, event.content_index if text else _ARGUMENTS)
            self.raw.setdefault(key, []).append(event.delta)
            guard = _stream_guard(self.llm, self.guards, key)
            if guard is not None:
                event.delta = guard.feed(event.delta)
                self.last_delta[key] = event
        elif kind == "response.output_text.done":
            key = (event.output_index, event.content_index)
            out += self._tail(key)
            if key in self.released:
                event.text = self.released[key]
        elif kind == "response.content_part.done":
            key = (event.output_index, event.content_index)
            if key in self.released and getattr(event.part, "type", None) == "output_text":
                event.part.text = self.released[key]
        elif kind == "response.function_call_arguments.done":
            key = (event.output_index, _ARGUMENTS)
            out += self._tail(key)
            if key in self.released:
                event.arguments = self.released[key]
        elif kind == "response.output_item.done":
            for j, part in enumerate(getattr(event.item, "content", None) or ()):
                key = (event.output_index, j)
                if key in self.released and getattr(part, "type", None) == "output_text":
                    part.text = self.released[key]
            if getattr(event.item, "type", None) == "function_call":
                key = (event.output_index, _ARGUMENTS)
                out += self._tail(key)
                if key in self.released:
                    event.item.arguments = self.released[key]
                else:  # arguments that came whole, with no delta
                    _guard_arguments(self.llm, event.item)
                    self.released[key] = event.item.arguments
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            for key in list(self.guards):
                self._close(key)
            _ResponsesAdapter.output(self.llm, self.kwargs, event.response, self._released_or_raw())
            self.completed = True
        out.append(event)
        return out

    def _tail(self, key: tuple[int, int]) -> list[Any]:
        """End the guard of ``key``: an extra delta event with what it held back, if any."""
        tail = self._close(key)
        if tail and key in self.last_delta:
            return [self.last_delta[key].model_copy(update={"delta": tail})]
        return []

    def _released_or_raw(self) -> dict[tuple[int, int], str]:
        return {**{k: "".join(v) for k, v in self.raw.items()}, **self.released}

    def flush(self) -> list[Any]:
        return [event for key in list(self.guards) for event in self._tail(key)]

    def done(self) -> None:
        if not self.completed:
            output = "".join("".join(v) for v in self.raw.values())
            _count_usage(self.llm, self.kwargs.get("input") or [], output)


# Embeddings --------------------------------------------------------------------


class _EmbeddingsAdapter(_Adapter):
    operation = gen_ai.GenAiOperationNameValues.EMBEDDINGS.value
    function = "openai.embeddings"

    def request_attributes(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        fmt = kwargs.get("encoding_format")
        if isinstance(fmt, str):
            attrs[gen_ai.GEN_AI_REQUEST_ENCODING_FORMATS] = [fmt]
        dims = kwargs.get("dimensions")
        if isinstance(dims, int):
            attrs[gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dims
        return attrs

    def guard_input(self, llm: LlmCall, kwargs: dict[str, Any]) -> dict[str, Any]:
        return _guard_texts(llm, kwargs, "input")

    def finish(self, llm: LlmCall, kwargs: Mapping[str, Any], result: Any) -> None:
        data = getattr(result, "data", None)
        if data is None:
            return
        llm.set(gen_ai.GEN_AI_RESPONSE_MODEL, getattr(result, "model", None))
        if data and isinstance(getattr(data[0], "embedding", None), list):
            llm.set(gen_ai.GEN_AI_EMBEDDINGS_DIMENSION_COUNT, len(data[0].embedding))
        usage = getattr(result, "usage", None)
        if usage is not None:
            llm.set_usage(usage.prompt_tokens, None)

    def stream(self, llm: LlmCall, kwargs: Mapping[str, Any]) -> _Processor:
        raise TypeError("embeddings do not stream")
