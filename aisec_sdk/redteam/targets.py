"""Targets: what the red team talks to.

- any Python callable, sync or async, taking text (``str -> str``) or chat messages
  (``messages -> str``); a text callable may also take the system prompt (a parameter named
  ``system``, ``system_prompt`` or ``instructions``) and the retrieved document
  (``document``, ``context``, ``documents``, ``tool_result`` or ``retrieved``);
- an OpenAI-compatible endpoint, through the real ``openai`` client and a ``base_url``;
- a LangChain runnable (a chat model gets messages, any other runnable gets text).

Frameworks are imported only when such a target is built. A target says whether the system
prompt reaches it: only then can the planted canary and secrets leak, and count.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib
import importlib.util
import inspect
import json
import os
import re
import sys
import sysconfig
import threading
import typing
from collections.abc import (
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    MutableSequence,
    Sequence,
)
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from aisec_sdk.engine import ANSWER_ROLES, message_field, message_role

__all__ = [
    "CallableTarget",
    "Conversation",
    "LangChainTarget",
    "OpenAITarget",
    "Target",
    "TargetError",
    "as_target",
    "describe",
    "load_object",
]

InputMode = Literal["auto", "text", "messages"]

# names of the user turn, for a callable's parameters and a runnable's input variables
# (in order of preference when several are there)
_USER_PARAMS = (
    *("input", "question", "query", "prompt", "message", "user_input", "text"),
    *("user_message", "msg", "q", "request", "utterance", "instruction", "user_prompt"),
    "input_text",
)
_MESSAGE_PARAMS = ("messages", "conversation", "history", "chat_history", "chat", "msgs")
_SYSTEM_PARAMS = ("system", "system_prompt", "instructions")
_DOCUMENT_PARAMS = ("document", "context", "documents", "tool_result", "retrieved")
_CONTEXT_PARAMS = frozenset(_SYSTEM_PARAMS + _DOCUMENT_PARAMS)
_TOOL_CALL_ID = "call_aisec_0"


class TargetError(ValueError):
    """A target could not be loaded or used (bad ``module:function``, not callable...)."""


@dataclass(frozen=True, slots=True)
class Conversation:
    """One attack as the target sees it: system prompt, user turn, retrieved document."""

    system: str | None
    user: str
    document: str | None = None

    def messages(self) -> list[dict[str, Any]]:
        """OpenAI-style chat messages; a document arrives as a tool result after a tool call."""
        out: list[dict[str, Any]] = []
        if self.system is not None:
            out.append({"role": "system", "content": self.system})
        out.append({"role": "user", "content": self.user})
        if self.document is not None:
            call = {"name": "fetch_document", "arguments": "{}"}
            out.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": _TOOL_CALL_ID, "type": "function", "function": call}],
                }
            )
            out.append({"role": "tool", "tool_call_id": _TOOL_CALL_ID, "content": self.document})
        return out

    def inline(self) -> str:
        """The user turn with the document appended, for targets that take one string."""
        if self.document is None:
            return self.user
        return f"{self.user}\n\n<document>\n{self.document}\n</document>"


@runtime_checkable
class Target(Protocol):
    """What the runner needs: a name, where it is defined, and an async ``send``."""

    name: str
    accepts_system: bool
    source: tuple[str | None, int | None]

    async def send(self, conversation: Conversation) -> str:
        """The target's answer to ``conversation``."""
        ...


_TEXT_FIELDS = (
    "content",
    "text",
    "output_text",
    "output",
    "answer",
    "response",
    "result",
    "generated_text",
    "completion",
    "reply",
)


def _reply(result: Any) -> str | None:
    """The answer text inside a return value, or None when it holds none.

    Reads a string, bytes, a text field (``content``, ``text``, ``output_text``, ``output``,
    ``answer``, ``response``, ``result``, ``generated_text``, ``completion``, ``reply``; a
    list there is read as below), the ``message`` of a chat reply (``{"message": {"content":
    ...}}``) or the ``delta`` of a stream chunk (empty when it has no text: a tool call, a
    role-only chunk), the first of ``choices`` (a chat completion or chunk, object or JSON;
    none is empty), or a list or tuple (see `_items_reply`), so a target may return what its
    client returned.
    """
    if isinstance(result, str):
        return result
    if isinstance(result, bytes | bytearray):
        return bytes(result).decode("utf-8", "replace")
    if isinstance(result, list | tuple):
        return _items_reply(result)
    for name in _TEXT_FIELDS:
        value = message_field(result, name)
        if isinstance(value, str):
            return value
        if isinstance(value, list):
            return _items_reply(value) or ""
    for name in ("message", "delta"):
        inner = message_field(result, name)
        if inner is not None:
            return _reply(inner) or ""
    choices = message_field(result, "choices")
    if isinstance(choices, list | tuple):
        return _reply(choices[0]) if choices else ""
    return None


def _items_reply(items: list[Any] | tuple[Any, ...]) -> str | None:
    """The answer in a list or tuple: the last assistant turn of a returned conversation
    (a chat pipeline's ``generated_text``), the first text of a tuple (``(answer, sources)``),
    or the texts of a list joined (content parts, chunks, ``[{"generated_text": ...}]``)."""
    turns = [item for item in items if message_role(item) in ANSWER_ROLES]
    if turns:
        return _reply(turns[-1])
    texts = [text for text in map(_reply, items) if text is not None]
    if not texts:
        return None
    return texts[0] if isinstance(items, tuple) else "".join(texts)


def _as_text(result: Any) -> str:
    if result is None:
        return ""
    if isinstance(result, str | bytes | bytearray):  # the whole answer: maybe an API's body
        return _unwrapped(_reply(result) or "")
    text = _reply(result)
    return str(result) if text is None else text


def _unwrapped(text: str) -> str:
    """A string that is a JSON object with an answer in it (the raw body of an API response,
    ``{"answer": ...}``) gives that answer; any other string is the answer itself, a JSON
    object without an answer field (the model dumping its configuration) included."""
    if not text.lstrip().startswith("{"):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        return text
    inner = _reply(data) if isinstance(data, dict) else None
    return text if inner is None else inner


_T = TypeVar("_T")


async def _in_thread(fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """``fn(*args, **kwargs)`` in a daemon thread of its own, in the caller's context.

    Unlike `asyncio.to_thread`, a call that never returns (a hung target, cut off by the
    runner's timeout) holds up neither the event loop's shutdown nor the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(result: _T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled by a timeout meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def work() -> None:
        try:
            result, error = context.run(fn, *args, **kwargs), None
        except BaseException as exc:  # the caller decides what the target's failure means
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=work, name="aisec-redteam-call", daemon=True).start()
    return await future


def _source(obj: Any) -> tuple[str | None, int | None]:
    """The file (and line) that defines ``obj``, for report locations."""
    for candidate in (inspect.unwrap(obj) if callable(obj) else obj, type(obj)):
        try:
            path = inspect.getsourcefile(candidate)
            if path is None:
                continue
            try:
                line: int | None = inspect.getsourcelines(candidate)[1] or None
            except (OSError, TypeError):
                line = None
            return path, line
        except TypeError:
            continue
    return None, None


def _display_name(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or type(obj).__module__
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}:{name}"


def _parameters(fn: Callable[..., Any]) -> Mapping[str, inspect.Parameter]:
    try:
        return inspect.signature(fn, eval_str=True).parameters
    except Exception:  # an annotation that cannot be evaluated: read them as written
        try:
            return inspect.signature(fn).parameters
        except (TypeError, ValueError):
            return {}


_SEQUENCE_ANNOTATION = re.compile(
    r"\s*(?:(?:typing|collections\.abc|abc)\.)?(?:list|List|Sequence|Iterable)\b(?!\[str\])"
)
_SEQUENCES = (list, tuple, Sequence, MutableSequence, Iterable)


def _takes_messages(param: inspect.Parameter) -> bool:
    """Whether the user-turn parameter wants chat messages: by its name, or annotated as a
    list / sequence (``list[dict]``, ``Sequence[Message]``) rather than ``str``."""
    if param.name in _MESSAGE_PARAMS:
        return True
    annotation = param.annotation
    if isinstance(annotation, str):
        return bool(_SEQUENCE_ANNOTATION.match(annotation))
    origin = typing.get_origin(annotation) or annotation
    if origin not in _SEQUENCES:
        return False
    return typing.get_args(annotation)[:1] != (str,)  # list[str] is a batch of texts


def _empty(param: inspect.Parameter) -> Any:
    """A neutral value for a required parameter the red team has nothing to put in: an empty
    chat history (``fn(message, history)``), an empty document, ``""``, ``{}``, 0 or None."""
    if param.name in _MESSAGE_PARAMS or param.name == "documents" or _takes_messages(param):
        return []
    if param.name in _CONTEXT_PARAMS:
        return ""
    origin = typing.get_origin(param.annotation) or param.annotation
    if origin in _SEQUENCES:
        return []
    if origin in (dict, Mapping):
        return {}
    if origin in (str, int, float, bool):
        return origin()
    return None


class CallableTarget:
    """A sync or async Python callable taking text or chat messages."""

    def __init__(
        self, fn: Callable[..., Any], *, input: InputMode = "auto", name: str | None = None
    ) -> None:
        if not callable(fn):
            raise TargetError(f"target {fn!r} is not callable")
        self.fn = fn
        self.name = name or _display_name(fn)
        self.source = _source(fn)
        params = _parameters(fn)
        listed = list(params.values())
        if inspect.isfunction(fn) and listed and listed[0].name in ("self", "cls"):
            raise TargetError(
                f"{self.name} is a method taken from its class, so it would get the attack as "
                f"'{listed[0].name}': point at an instance's method (MODULE:instance.method)"
            )
        # the user turn is the parameter named like one (prompt, question, message..., then
        # messages, history...), else the first that is not the system prompt, the document
        # or **kwargs; it goes by name when it is keyword-only (``def f(*, prompt)``) or a
        # parameter comes before it (``def f(system, prompt)``, ``def f(user_id, question)``)
        candidates = [
            p for p in listed if p.kind != p.VAR_KEYWORD and p.name not in _CONTEXT_PARAMS
        ]
        by_name = [
            p
            for names in (_USER_PARAMS, _MESSAGE_PARAMS)
            for p in candidates
            if p.name in names
            and (p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p is listed[0])
        ]
        first = next(iter(by_name or candidates), None)
        self._user_param: str | None = None
        if first is not None and (
            first.kind == first.KEYWORD_ONLY
            or (first.kind == first.POSITIONAL_OR_KEYWORD and first is not listed[0])
        ):
            self._user_param = first.name
        elif first is None and listed and listed[-1].kind == listed[-1].VAR_KEYWORD:
            self._user_param = "prompt"  # ``def handler(**kwargs)``
        # other required parameters get a neutral value: ``fn(message, history)`` starts with
        # an empty history, ``fn(question, context)`` gets an empty context without a document
        self._fillers = {
            p.name: _empty(p)
            for p in listed
            if p is not first
            and p.default is p.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
        if input == "auto":
            input = "messages" if first is not None and _takes_messages(first) else "text"
        self.input: Literal["text", "messages"] = input
        self._system_param = next((n for n in _SYSTEM_PARAMS if n in params), None)
        self._document_param = next((n for n in _DOCUMENT_PARAMS if n in params), None)
        self.accepts_system = self.input == "messages" or self._system_param is not None
        self._is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(
            getattr(fn, "__call__", None)  # noqa: B004 - callable objects with async __call__
        )

    def _arguments(self, conversation: Conversation) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self.input == "messages":
            return self._user(conversation.messages(), dict(self._fillers))
        kwargs: dict[str, Any] = dict(self._fillers)
        if self._system_param and conversation.system is not None:
            kwargs[self._system_param] = conversation.system
        if conversation.document is not None and self._document_param:
            doc = conversation.document
            kwargs[self._document_param] = [doc] if self._document_param == "documents" else doc
            return self._user(conversation.user, kwargs)
        return self._user(conversation.inline(), kwargs)

    def _user(self, turn: Any, kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if self._user_param is None:
            return (turn,), kwargs
        return (), {**kwargs, self._user_param: turn}

    async def send(self, conversation: Conversation) -> str:
        args, kwargs = self._arguments(conversation)
        if self._is_async:
            result = await self.fn(*args, **kwargs)
        else:
            result = await _in_thread(self.fn, *args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        # a streaming target (a generator, or a client's stream object): join its chunks
        if isinstance(result, AsyncIterator):
            result = "".join([_as_text(chunk) async for chunk in result])
        elif isinstance(result, Iterator):
            chunks: list[Any] = await _in_thread(list, result)
            result = "".join(_as_text(chunk) for chunk in chunks)
        return _as_text(result)


class OpenAITarget:
    """A chat model behind an OpenAI-compatible API, called with the real ``openai`` client."""

    accepts_system = True

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        client: Any = None,
        timeout: float | None = None,
        **create_options: Any,
    ) -> None:
        if client is None:
            try:
                import openai
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise TargetError(
                    "OpenAITarget needs the openai package: pip install 'aisec-sdk[openai]'"
                ) from exc
            client = openai.AsyncOpenAI(
                base_url=base_url,
                api_key=api_key or os.environ.get("OPENAI_API_KEY") or "aisec-redteam",
                max_retries=0,  # the runner retries transient errors itself
                timeout=timeout,
            )
        self.client = client
        self.model = model
        self.create_options = {"temperature": 0.0, **create_options}
        where = base_url or str(getattr(client, "base_url", "") or "")
        self.name = f"openai:{model}" + (f"@{where}" if where else "")
        self.source: tuple[str | None, int | None] = (None, None)

    async def send(self, conversation: Conversation) -> str:
        create = self.client.chat.completions.create
        call = create(model=self.model, messages=conversation.messages(), **self.create_options)
        response = await call if inspect.isawaitable(call) else call
        return _as_text(response)


_JSON_EMPTY: dict[str, Callable[[], Any]] = {
    "string": str,
    "array": list,
    "object": dict,
    "integer": int,
    "number": float,
    "boolean": bool,
}


@dataclass(frozen=True, slots=True)
class _Variables:
    """Where a runnable that takes a dict (a prompt template's variables) wants each part."""

    user: str
    system: str | None
    document: str | None
    document_is_list: bool
    required: dict[str, str | None]
    """Every required variable and its JSON type, for a neutral value when nothing fills it."""

    def payload(self, conversation: Conversation) -> dict[str, Any]:
        values = {
            name: _JSON_EMPTY.get(kind or "", lambda: None)()
            for name, kind in self.required.items()
        }
        if self.system is not None and conversation.system is not None:
            values[self.system] = conversation.system
        if self.document is None:
            values[self.user] = conversation.inline()
            return values
        values[self.user] = conversation.user
        if conversation.document is not None:
            doc = conversation.document
            values[self.document] = [doc] if self.document_is_list else doc
        return values


def _variables(runnable: Any) -> _Variables | None:
    """The input variables of a runnable whose input schema is an object (``prompt | model``
    with ``{context}`` and ``{question}``), or None when it takes plain input."""
    try:
        schema = runnable.get_input_jsonschema()
    except Exception:  # an older langchain-core, or a runnable without a schema
        return None
    props = schema.get("properties") if isinstance(schema, Mapping) else None
    if schema.get("type") != "object" or not isinstance(props, Mapping) or not props:
        return None
    kinds = {
        name: spec.get("type") if isinstance(spec, Mapping) else None
        for name, spec in props.items()
    }
    system = next((n for n in _SYSTEM_PARAMS if n in kinds), None)
    document = next((n for n in _DOCUMENT_PARAMS if n in kinds), None)
    texts = [
        n
        for n, kind in kinds.items()
        if n not in (system, document)
        and kind in ("string", None)
        and n not in _MESSAGE_PARAMS
    ]
    user = next((n for n in _USER_PARAMS if n in texts), texts[0] if texts else None)
    if user is None:
        return None
    required = {n: kinds[n] for n in schema.get("required") or () if n in kinds}
    return _Variables(user, system, document, kinds.get(document or "") == "array", required)


class LangChainTarget:
    """A LangChain runnable (or any object with ``invoke`` / ``ainvoke``); chat models get
    messages, a runnable whose input is a dict of variables (a prompt template) gets them
    filled, other runnables get text."""

    def __init__(self, runnable: Any, *, input: InputMode = "auto", name: str | None = None):
        if not hasattr(runnable, "ainvoke") and not hasattr(runnable, "invoke"):
            raise TargetError(f"{runnable!r} is not a LangChain runnable (no invoke/ainvoke)")
        self.runnable = runnable
        if input == "auto":
            input = "messages" if _is_chat_model(runnable) else "text"
        self.input: Literal["text", "messages"] = input
        self._variables = _variables(runnable) if input == "text" else None
        self.accepts_system = self.input == "messages" or (
            self._variables is not None and self._variables.system is not None
        )
        self.name = name or f"langchain:{type(runnable).__name__}"
        func = getattr(runnable, "func", None)  # RunnableLambda keeps the wrapped function
        self.source = _source(func) if callable(func) else _source(runnable)

    def _payload(self, conversation: Conversation) -> Any:
        if self._variables is not None:
            return self._variables.payload(conversation)
        if self.input == "text":
            return conversation.inline()
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

        messages: list[Any] = []
        if conversation.system is not None:
            messages.append(SystemMessage(content=conversation.system))
        messages.append(HumanMessage(content=conversation.user))
        if conversation.document is not None:
            call = {"name": "fetch_document", "args": {}, "id": _TOOL_CALL_ID}
            messages.append(AIMessage(content="", tool_calls=[call]))
            messages.append(ToolMessage(content=conversation.document, tool_call_id=_TOOL_CALL_ID))
        return messages

    async def send(self, conversation: Conversation) -> str:
        payload = self._payload(conversation)
        if hasattr(self.runnable, "ainvoke"):
            result = await self.runnable.ainvoke(payload)
        else:
            result = await _in_thread(self.runnable.invoke, payload)
        return _as_text(result)


def _is_chat_model(obj: Any) -> bool:
    if "langchain_core" not in sys.modules:
        return False
    from langchain_core.language_models import BaseChatModel

    return isinstance(obj, BaseChatModel)


def _is_runnable(obj: Any) -> bool:
    if type(obj).__module__.split(".")[0].startswith(("langchain", "langgraph")):
        return True
    if "langchain_core" in sys.modules:
        from langchain_core.runnables import Runnable

        return isinstance(obj, Runnable)
    return False


def _import_file(path: str) -> Any:
    """Import a Python file given by path (``app/chat.py``) as a module.

    As ``python app/chat.py`` would, its folder goes on ``sys.path`` so that it can import
    its neighbours; a file inside a package (folders with ``__init__.py``) is imported by
    its dotted name from the package's root, so that its relative imports work.
    """
    file = os.path.abspath(path)
    if not os.path.isfile(file):
        raise FileNotFoundError(f"no Python file at {path!r}")
    root, stem = os.path.dirname(file), os.path.splitext(os.path.basename(file))[0]
    dotted = [stem]
    while os.path.isfile(os.path.join(root, "__init__.py")):
        root, package = os.path.split(root)
        dotted.insert(0, package)
    for folder in dict.fromkeys((root, os.path.dirname(file))):
        if folder not in sys.path:
            sys.path.insert(0, folder)
    if len(dotted) > 1:
        return importlib.import_module(".".join(dotted))
    name = "_aisec_target_" + stem
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"no Python file at {path!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_object(spec: str) -> Any:
    """Import ``module:attribute`` (dotted attributes allowed; the module may also be a path
    to a ``.py`` file) with the working directory on ``sys.path``; every failure is a
    `TargetError` that says what went wrong."""
    return _load(spec)[1]


def _load(spec: str) -> tuple[ModuleType, Any]:
    """The module and the object ``spec`` names (see `load_object`)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(f"expected MODULE:FUNCTION (e.g. app.chat:answer), got {spec!r}")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module: ModuleType = (
            _import_file(module_name)
            if module_name.endswith(".py")
            else importlib.import_module(module_name)
        )
    except (Exception, SystemExit) as exc:  # a module that calls sys.exit() on import too
        raise TargetError(
            f"cannot import module {module_name!r}: {type(exc).__name__}: {exc}"
        ) from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(f"module {module_name!r} has no attribute {attr!r}") from None
    return module, obj


def _in_library(path: str) -> bool:
    """Whether ``path`` lies in the standard library or an installed package."""
    folders = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    real = os.path.realpath(path)
    return any(real.startswith(os.path.realpath(f) + os.sep) for f in folders if f)


def _defined_in(module: ModuleType, attr: str) -> tuple[str | None, int | None]:
    """The module's file and the line that assigns ``attr`` (``endpoint = OpenAITarget(...)``),
    for a target object whose class is defined elsewhere."""
    path = getattr(module, "__file__", None)
    if not path:
        return None, None
    name = re.escape(attr.split(".")[0])
    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            for number, line in enumerate(source, start=1):
                if re.match(rf"{name}\s*(:[^=]*)?=(?!=)", line):
                    return path, number
    except OSError:
        pass
    return path, None


def as_target(obj: Any, *, input: InputMode = "auto") -> Target:
    """Wrap ``obj`` (a `Target`, a ``module:function`` string, a LangChain runnable or a
    callable) as a `Target`."""
    if not isinstance(obj, str):
        return _wrap(obj, input)
    module, loaded = _load(obj)
    target = _wrap(loaded, input)
    if target.source[0] is None or _in_library(target.source[0]):
        # an object of a library class (OpenAITarget, functools.partial, a mock): point at
        # the line of the user's module that makes it
        with contextlib.suppress(AttributeError):  # a target whose source is read-only
            target.source = _defined_in(module, obj.partition(":")[2])
    return target


def _is_target(obj: Any) -> bool:
    """Whether ``obj`` already is a `Target`: its class defines an async ``send`` and it has a
    text ``name``. Stricter than the protocol's isinstance check, which a mock passes (a
    ``Mock`` has every attribute) and would then be sent nothing but mocks."""
    send = getattr(type(obj), "send", None)
    return (
        isinstance(obj, Target)
        and inspect.iscoroutinefunction(send)
        and isinstance(getattr(obj, "name", None), str)
    )


def _wrap(obj: Any, input: InputMode) -> Target:
    if _is_target(obj):
        return typing.cast(Target, obj)
    if _is_runnable(obj):
        return LangChainTarget(obj, input=input)
    if callable(obj):
        return CallableTarget(obj, input=input)
    if any(callable(getattr(obj, name, None)) for name in ("invoke", "ainvoke")):
        return LangChainTarget(obj, input=input)  # runnable-like: a graph, an agent, a chain
    methods = [m for m in _ENTRY_METHODS if callable(getattr(obj, m, None))]
    hint = (
        f"; it has {', '.join(m + '()' for m in methods)}: name the method, as in "
        f"MODULE:OBJECT.{methods[0]}"
        if methods
        else ""
    )
    raise TargetError(
        f"target must be callable (str -> str or messages -> str), a LangChain runnable or "
        f"an OpenAITarget; got {type(obj).__name__}{hint}"
    )


_ENTRY_METHODS = (
    "query",
    "aquery",
    "chat",
    "achat",
    "run",
    "arun",
    "predict",
    "generate",
    "complete",
    "respond",
    "ask",
    "answer",
    "send",
)


def describe(target: Target) -> dict[str, Any]:
    """A JSON-ready description of a target for reports."""
    path, line = target.source
    return {"name": target.name, "file": path, "line": line, "system_prompt": target.accepts_system}
