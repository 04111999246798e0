"""``@guard``: check a function's text arguments and its output with the policy's guards.

Works bare (``@guard``) and with arguments (``@guard(policy=..., input="question",
context="documents", output=False)``) on functions, methods, coroutines, generators and
async generators. The wrapper is a ``wrapt`` proxy, so name, docstring, signature and
``inspect`` results are the wrapped function's.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import replace
from typing import Any, TypeVar, overload

import wrapt
from opentelemetry import trace

from aisec_sdk.audit import audit_log_of
from aisec_sdk.engine import (
    ANSWER_ROLES,
    Engine,
    engine_for,
    message_parts,
    message_role,
    replace_message_parts,
)
from aisec_sdk.errors import GuardViolation
from aisec_sdk.policy import Policy, as_policy, default_policy
from aisec_sdk.stream import StreamGuard
from aisec_sdk.telemetry import CallTelemetry
from aisec_sdk.vault import Vault, vault_scope
from aisec_sdk.verdict import Direction, Verdict

__all__ = ["GuardedCall", "guard", "is_messages"]

F = TypeVar("F", bound=Callable[..., Any])


class _Unset:
    """The default of a selection keyword; its repr says what the default selects."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return self.what


ALL_TEXT = _Unset("<every str argument and chat-message list>")
"""Default of ``input=``: every ``str`` argument and every chat-message list."""

ALL_TEXT_LISTS = _Unset("<every list or tuple of str>")
"""Default of ``context=``: every list or tuple of ``str`` (retrieved documents)."""


def is_messages(value: object) -> bool:
    """True for a non-empty list of chat messages (dicts with role/content, or message objects)."""
    if not isinstance(value, list | tuple) or not value:
        return False
    first = value[0]
    if isinstance(first, Mapping):
        return "content" in first or "role" in first
    return hasattr(first, "content") and (hasattr(first, "type") or hasattr(first, "role"))


def _is_texts(value: object) -> bool:
    """True for a list or tuple whose elements are all ``str`` (an empty one too)."""
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


class GuardedCall:
    """One guarded call: its policy, span, audit records and pseudonymisation vault."""

    __slots__ = ("audit", "enforce", "engine", "function", "policy", "telemetry", "vault")

    def __init__(self, function: str, policy: Policy | None) -> None:
        self.policy = policy or default_policy()
        self.engine: Engine = engine_for(self.policy)
        self.enforce = self.policy.mode == "enforce"
        self.function = function
        self.telemetry = CallTelemetry(function, self.policy)
        self.audit = audit_log_of(self.policy)
        self.vault = Vault()

    def record(
        self, verdict: Verdict, original: str | None, messages: Sequence[Any] | None = None
    ) -> None:
        """Send a verdict to telemetry and the audit log.

        The audit record hashes ``original``, or for a message list its roles and texts as
        compact JSON (``[[role, [text, ...]], ...]``).
        """
        self.telemetry.record(verdict, original)
        if self.audit is not None:
            checked = original if messages is None else _messages_text(messages)
            ctx = self.telemetry.span.get_span_context()
            self.audit.append(
                {
                    "trace_id": format(ctx.trace_id, "032x") if ctx.is_valid else None,
                    "span_id": format(ctx.span_id, "016x") if ctx.is_valid else None,
                    "function": self.function,
                    "direction": verdict.direction,
                    "action": verdict.action,
                    "mode": verdict.mode,
                    "findings": [f.to_dict() for f in verdict.findings],
                    "errors": verdict.errors,
                    "text_sha256": _sha256(checked) if checked is not None else None,
                    "policy": self.policy.digest,
                }
            )

    def _act(self, verdict: Verdict) -> bool:
        """Raise on block in enforce mode; True when the caller should use redacted text."""
        if not self.enforce:
            return False
        if verdict.action == "block":
            raise GuardViolation(verdict)
        return verdict.action == "redact"

    def _scan(self, text: str, direction: Direction) -> Verdict:
        with vault_scope(self.vault):
            verdict = self.engine.scan(text, direction)
        self.record(verdict, text)
        return verdict

    def check_text(self, text: str, direction: Direction) -> str:
        """Scan one text; returns the text to use (redacted in enforce mode)."""
        verdict = self._scan(text, direction)
        return verdict.text if self._act(verdict) else text

    def check_messages(self, messages: Sequence[Any]) -> Sequence[Any]:
        """Scan chat messages role by role; returns the messages to use."""
        with vault_scope(self.vault):
            verdict = self.engine.scan_messages(messages)
        self.record(verdict, None, messages)
        if self._act(verdict) and verdict.messages is not None:
            return (
                type(messages)(verdict.messages)
                if isinstance(messages, tuple)
                else verdict.messages
            )
        return messages

    def check_texts(self, texts: Sequence[str], direction: Direction) -> Sequence[str]:
        """Scan each text of a list or tuple; a redaction gives a new one of the same type."""
        checked = [self.check_text(t, direction) for t in texts]
        if all(a == b for a, b in zip(checked, texts, strict=True)):
            return texts
        # a named tuple is built from one iterable by its _make
        rebuild: Callable[[list[str]], Sequence[str]] = getattr(texts, "_make", type(texts))
        return rebuild(checked)

    def check_value(self, value: Any, direction: Direction, name: str = "") -> Any:
        """Scan a str, a list or tuple of str, or a chat-message list; None passes; any other
        value raises TypeError naming the argument."""
        if isinstance(value, str):
            return self.check_text(value, direction)
        if is_messages(value):
            return self.check_messages(value)
        if _is_texts(value):
            return self.check_texts(value, direction)
        if value is not None:
            raise TypeError(
                f"argument {name!r} is guarded, so it must be a str, a list or tuple of str, "
                f"or a list of chat messages; got {type(value).__name__}"
            )
        return value

    def check_output(self, value: Any) -> Any:
        """Scan a return value: text, a message (dict or object with ``content``: its text
        parts and tool-call arguments), or the assistant messages of a message list; restore
        placeholders."""
        if isinstance(value, str):
            checked = self.check_text(value, "output")  # recorded in monitor mode too
            return self.vault.restore(checked) if self.enforce else value
        if is_messages(value):  # a conversation: the model's messages in it are the output
            answers = [
                self.check_output(m) if message_role(m) in ANSWER_ROLES else m for m in value
            ]
            if all(a is b for a, b in zip(answers, value, strict=True)):
                return value
            return tuple(answers) if isinstance(value, tuple) else answers
        # a message: a dict such as {"role": ..., "content": ...} or an object with .content;
        # its text parts (content parts, tool-call arguments) read as the engine reads them
        mapping = isinstance(value, Mapping)
        if not (mapping or hasattr(value, "content")) or isinstance(value, type):
            return value
        try:
            _, parts = message_parts(value)
        except TypeError:  # a .content that is not text (bytes, a number ...)
            return value
        verdicts = [self._scan(p, "output") if p else None for p in parts]
        answers = [
            v.text if v is not None and self._act(v) else p
            for v, p in zip(verdicts, parts, strict=True)
        ]
        if not self.enforce:
            return value
        restored = [self.vault.restore(a) for a in answers]
        if restored == parts:
            return value
        try:  # a new dict, a model_copy, a dataclass replaced, a copy with .content set
            return replace_message_parts(value, restored)
        except (AttributeError, TypeError, ValueError) as error:
            redacted = next((v for v in verdicts if v is not None and v.action == "redact"), None)
            if redacted is None:  # only placeholders restored: the value as it came
                return value
            # what must not reach the caller cannot be taken out of it: blocked instead
            raise GuardViolation(
                replace(redacted, action="block"),
                f"the output needs redaction, but its {type(value).__name__} cannot be "
                f"copied with new content ({error}); blocked instead",
            ) from error

    def stream(self) -> StreamGuard:
        """A stream guard for output chunks that records into this call."""
        return StreamGuard(
            self.engine,
            "output",
            on_verdict=lambda v, text: self.record(v, text),
            restore=self.vault.restore,
        )

    def finish(self, error: BaseException | None = None) -> None:
        """End the call's span (if it owns one)."""
        self.telemetry.finish(error)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _messages_text(messages: Sequence[Any]) -> str:
    parts = [list(message_parts(m, i)) for i, m in enumerate(messages)]
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def _names(keyword: str, value: Any) -> tuple[str, ...] | None:
    """A selection keyword read: None for its default, () for none, else the names."""
    if isinstance(value, _Unset) or value is True:
        return None
    if value is None or value is False:
        return ()
    names = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"guard({keyword}=...) takes a parameter name or a list of names")
    return names


class _Spec:
    """What a decorated function checks; fixed at decoration time."""

    __slots__ = (
        "bound_signature",
        "context",
        "input",
        "name",
        "output",
        "policy",
        "signature",
        "target",
        "wrapped",
    )

    def __init__(
        self,
        wrapped: Callable[..., Any],
        policy: Policy | None,
        input: Any,
        context: Any,
        output: bool,
        name: str | None,
    ) -> None:
        self.wrapped = wrapped
        self.policy = policy
        self.output = output
        self.name = name or getattr(wrapped, "__qualname__", None) or repr(wrapped)
        # the function wrapt calls unbound (a static or class method's function inside)
        self.target: Any = (
            wrapped.__func__ if isinstance(wrapped, staticmethod | classmethod) else wrapped
        )
        # None: the keyword's default rule; (): nothing; else the parameters it names
        self.input = _names("input", input)
        self.context = _names("context", context)
        self.signature: inspect.Signature | None = None
        if self.input or self.context:
            self._read_signature()

    def _read_signature(self) -> None:
        """Check the names against the parameters; keep the signatures to bind calls with."""
        both = set(self.input or ()) & set(self.context or ())
        if both:
            raise TypeError(
                f"guard() names {', '.join(map(repr, sorted(both)))} in both input= and "
                f"context=; an argument is checked as user input or as context, not both"
            )
        # read once here, not on every call: the signature as called unbound, and as
        # called bound (wrapt passes the arguments without self / cls)
        signature = self.signature = inspect.signature(self.target)
        params = signature.parameters
        first = next(iter(params.values()), None)
        positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        drop = 1 if first is not None and first.kind in positional else 0
        self.bound_signature = signature.replace(parameters=list(params.values())[drop:])
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return  # any name may come through **kwargs
        for keyword, names in (("input", self.input), ("context", self.context)):
            unknown = [n for n in names or () if n not in params]
            if unknown:
                raise TypeError(
                    f"guard({keyword}=...) names {', '.join(map(repr, unknown))}, which "
                    f"{self.name}() does not take; its parameters: {', '.join(params)}"
                )

    def _by_default(self, call: GuardedCall, value: Any) -> Any:
        """Check an argument no keyword names: text and message lists as input, lists or
        tuples of text as context, each while its keyword is left at its default."""
        if isinstance(value, str) or is_messages(value):
            return call.check_value(value, "input") if self.input is None else value
        if self.context is None and _is_texts(value):
            return call.check_value(value, "context")
        return value

    def _by_name(self, call: GuardedCall, name: str, value: Any) -> Any:
        """Check the argument ``name``: as the keyword that names it says, else by default."""
        if name in (self.input or ()):
            return call.check_value(value, "input", name)
        if name in (self.context or ()):
            return call.check_value(value, "context", name)
        return self._by_default(call, value)

    def check_inputs(
        self,
        call: GuardedCall,
        wrapped: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self.input == () and self.context == ():
            return args, kwargs
        if self.signature is None:  # no names: every argument by the default rules
            new_args = tuple(self._by_default(call, a) for a in args)
            new_kwargs = {k: self._by_default(call, v) for k, v in kwargs.items()}
            return new_args, new_kwargs
        # wrapt hands over the function itself, or a bound method / partial without self
        signature = self.signature if wrapped is self.target else self.bound_signature
        bound = signature.bind_partial(*args, **kwargs)
        arguments = bound.arguments
        for param, value in list(arguments.items()):
            kind = signature.parameters[param].kind
            if kind is inspect.Parameter.VAR_POSITIONAL:  # *args: no names
                arguments[param] = tuple(self._by_default(call, v) for v in value)
            elif kind is inspect.Parameter.VAR_KEYWORD:  # **kwargs: named by their keys
                arguments[param] = {k: self._by_name(call, k, v) for k, v in value.items()}
            else:
                arguments[param] = self._by_name(call, param, value)
        return bound.args, bound.kwargs


_Runner = Callable[[_Spec, Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any]


class _GuardedFunction(wrapt.FunctionWrapper[Any, Any]):
    """What ``@guard`` returns: behaves like the function for pickle and copy too.

    A function pickles by reference (module and qualified name), so a guarded module-level
    function can go to a process pool; copies are the function itself.
    """

    def __reduce_ex__(self, protocol: Any) -> str:
        return str(self.__qualname__)

    def __copy__(self) -> _GuardedFunction:
        return self

    def __deepcopy__(self, memo: Any) -> _GuardedFunction:
        return self


def _make_wrapper(spec: _Spec) -> Callable[..., Any]:
    """The wrapt wrapper for ``spec``: the runner is chosen once, by what is wrapped."""
    target = inspect.unwrap(spec.target)
    runner: _Runner
    if inspect.isasyncgenfunction(target):
        runner = _guard_agen
    elif inspect.iscoroutinefunction(target):
        runner = _guard_async
    elif inspect.isgeneratorfunction(target):
        runner = _guard_gen
    else:
        runner = _guard_sync

    def wrapper(
        wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return runner(spec, wrapped, args, kwargs)

    return wrapper


def _guard_sync(
    spec: _Spec, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    call = GuardedCall(spec.name, spec.policy)
    error: BaseException | None = None
    handed_on = False  # a returned coroutine or stream finishes the call when it ends
    try:
        with trace.use_span(call.telemetry.span, end_on_exit=False):
            args, kwargs = spec.check_inputs(call, wrapped, args, kwargs)
            result = wrapped(*args, **kwargs)
            if inspect.iscoroutine(result):
                handed_on = True
                return _settle(call, result, spec.output)
            if inspect.isasyncgen(result):
                handed_on = True
                return _stream_async(call, result, spec.output)
            if not spec.output:
                return result
            if inspect.isgenerator(result):
                handed_on = True
                return _stream_sync(call, result)
            return call.check_output(result)
    except BaseException as exc:
        error = exc
        raise
    finally:
        if not handed_on:
            call.finish(error)


async def _guard_async(
    spec: _Spec, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    call = GuardedCall(spec.name, spec.policy)
    try:
        with trace.use_span(call.telemetry.span, end_on_exit=False):
            args, kwargs = spec.check_inputs(call, wrapped, args, kwargs)
            awaitable = wrapped(*args, **kwargs)
    except BaseException as exc:
        call.finish(exc)
        raise
    return await _settle(call, awaitable, spec.output)


async def _settle(call: GuardedCall, awaitable: Awaitable[Any], output: bool) -> Any:
    """Await the function's result in the call's span, check it, and finish the call."""
    error: BaseException | None = None
    try:
        with trace.use_span(call.telemetry.span, end_on_exit=False):
            result = await awaitable
            return call.check_output(result) if output else result
    except BaseException as exc:
        error = exc
        raise
    finally:
        call.finish(error)


def _stream_sync(call: GuardedCall, inner: Iterator[Any]) -> Generator[Any, None, Any]:
    """Stream ``inner`` through the output guards; returns what ``inner`` returned."""
    guard = call.stream()
    error: BaseException | None = None
    returned: Any = None
    try:
        while True:
            with trace.use_span(call.telemetry.span, end_on_exit=False):
                try:
                    chunk = next(inner)
                except StopIteration as stop:
                    returned = stop.value
                    break
            # the text held back goes before a non-text chunk: the stream keeps its order
            out = guard.feed(chunk) if isinstance(chunk, str) else guard.close()
            if out:
                yield out
            if not isinstance(chunk, str):
                yield chunk
        tail = guard.close()
        if tail:
            yield tail
        return returned
    except BaseException as exc:
        error = None if isinstance(exc, GeneratorExit) else exc  # the consumer stopped early
        close = getattr(inner, "close", None)
        if close is not None:
            close()
        raise
    finally:
        call.finish(error)


def _guard_gen(
    spec: _Spec, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Generator[Any, Any, Any]:
    call = GuardedCall(spec.name, spec.policy)
    try:
        with trace.use_span(call.telemetry.span, end_on_exit=False):
            args, kwargs = spec.check_inputs(call, wrapped, args, kwargs)
            inner = wrapped(*args, **kwargs)
    except BaseException as exc:
        call.finish(exc)
        raise
    if not spec.output:
        try:
            return (yield from inner)
        finally:
            call.finish()
    return (yield from _stream_sync(call, inner))


async def _guard_agen(
    spec: _Spec, wrapped: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> AsyncIterator[Any]:
    call = GuardedCall(spec.name, spec.policy)
    try:
        with trace.use_span(call.telemetry.span, end_on_exit=False):
            args, kwargs = spec.check_inputs(call, wrapped, args, kwargs)
            inner = wrapped(*args, **kwargs)
    except BaseException as exc:
        call.finish(exc)
        raise
    stream = _stream_async(call, inner, spec.output)
    try:
        async for chunk in stream:
            yield chunk
    finally:
        await stream.aclose()  # a consumer that stopped early closes the function's generator


async def _stream_async(
    call: GuardedCall, inner: AsyncGenerator[Any, Any], output: bool
) -> AsyncGenerator[Any, None]:
    """Stream ``inner`` through the output guards (when ``output``) and finish the call."""
    error: BaseException | None = None
    try:
        guard = call.stream() if output else None
        while True:
            with trace.use_span(call.telemetry.span, end_on_exit=False):
                try:
                    chunk = await inner.__anext__()
                except StopAsyncIteration:
                    break
            if guard is not None:
                # the text held back goes before a non-text chunk: the stream keeps its order
                out = guard.feed(chunk) if isinstance(chunk, str) else guard.close()
                if out:
                    yield out
            if guard is None or not isinstance(chunk, str):
                yield chunk
        if guard is not None:
            tail = guard.close()
            if tail:
                yield tail
    except BaseException as exc:
        error = None if isinstance(exc, GeneratorExit) else exc  # the consumer stopped early
        await inner.aclose()
        raise
    finally:
        call.finish(error)


@overload
def guard(func: F, /) -> F: ...


@overload
def guard(
    func: None = None,
    /,
    *,
    policy: Policy | Mapping[str, Any] | None = None,
    input: str | Sequence[str] | bool | _Unset | None = ALL_TEXT,
    context: str | Sequence[str] | bool | _Unset | None = ALL_TEXT_LISTS,
    output: bool = True,
    name: str | None = None,
) -> Callable[[F], F]: ...


def guard(
    func: Any = None,
    /,
    *,
    policy: Policy | Mapping[str, Any] | None = None,
    input: str | Sequence[str] | bool | _Unset | None = ALL_TEXT,
    context: str | Sequence[str] | bool | _Unset | None = ALL_TEXT_LISTS,
    output: bool = True,
    name: str | None = None,
) -> Any:
    """Guard a function's inputs and output with the policy (the default policy if None; a
    mapping is read as `Policy` fields).

    ``input``: which arguments to check as user input — by default every ``str`` argument
    and every chat-message list; a parameter name or a list of names selects; ``False``
    turns input checks off. ``context``: which arguments to check as retrieved context
    (documents, tool results) — by default every list or tuple of ``str``; names select;
    ``False`` turns context checks off. An argument neither names is checked by the default
    of a keyword left unset. A selected argument is a ``str``, a list or tuple of ``str`` or
    a chat-message list. ``output=False`` turns output checks off. In enforce mode a block raises
    `GuardViolation` and redactions replace the text the function receives or returns;
    in monitor mode nothing changes but everything is recorded.
    """
    chosen = None if policy is None else as_policy(policy, "guard(policy=...)")

    def decorate(f: F) -> F:
        if not callable(f) and not isinstance(f, staticmethod | classmethod):
            raise TypeError(f"@guard decorates a callable, got {type(f).__name__}")
        spec = _Spec(f, chosen, input, context, output, name)
        return _GuardedFunction(f, _make_wrapper(spec))  # type: ignore[return-value]

    if func is None:
        return decorate
    if isinstance(func, Policy):
        raise TypeError(
            "guard() got a Policy as its first argument; did you mean @guard(policy=...)?"
        )
    return decorate(func)
