"""The guard engine: normalise once, run the enabled guards, decide, redact."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import is_dataclass, replace
from time import perf_counter
from typing import Any

from aisec_sdk.guards import build_guard
from aisec_sdk.guards.base import Guard
from aisec_sdk.policy import Policy, as_policy
from aisec_sdk.prefilter import Prefilter
from aisec_sdk.text import Text, normalize
from aisec_sdk.verdict import (
    DIRECTIONS,
    Action,
    Direction,
    Finding,
    FindingAction,
    Verdict,
    merged_spans,
    redact,
)

__all__ = [
    "ANSWER_ROLES",
    "Engine",
    "engine_for",
    "message_field",
    "message_role",
    "scan",
    "scan_messages",
]

_Step = tuple[str, Callable[[Text, Direction], Sequence[Finding]], float, FindingAction]

_log = logging.getLogger("aisec_sdk")

# The roles of the model's own turns (its answers; not scanned in a request's history).
ANSWER_ROLES = frozenset({"assistant", "ai", "model"})
# Chat roles and the direction their content is scanned as; None means trusted (not scanned).
ROLE_DIRECTIONS: dict[str, Direction | None] = {
    "system": None,
    "developer": None,
    "user": "input",
    "human": "input",
    "tool": "context",
    "function": "context",
    "ipython": "context",
    "document": "context",
    "retrieved": "context",
    "context": "context",
    **dict.fromkeys(ANSWER_ROLES),
}


class Engine:
    """Guards built from one policy, ready to scan; build once, reuse for every call."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        from aisec_sdk.guards import available_guards

        # per direction: (guard id, bound scan method, threshold, action), flat for the hot loop
        self._plan: dict[Direction, list[_Step]] = {d: [] for d in DIRECTIONS}
        built: dict[str, Guard] = {}
        for guard_id in available_guards():
            for direction in DIRECTIONS:
                resolved = policy.resolve(guard_id, direction)
                if resolved is None:
                    continue
                if guard_id not in built:
                    built[guard_id] = build_guard(guard_id, policy.guard_settings(guard_id))
                step = (guard_id, built[guard_id].scan, resolved.threshold, resolved.action)
                self._plan[direction].append(step)
        self.guards = built
        self._prefilters = {
            direction: Prefilter({step[0]: built[step[0]] for step in plan})
            for direction, plan in self._plan.items()
        }

    def guards_for(self, direction: Direction) -> list[str]:
        """Ids of the guards that run on ``direction``."""
        return [step[0] for step in self._plan[direction]]

    def scan(self, source: str, direction: Direction = "input") -> Verdict:
        """Scan one text; see `aisec_sdk.scan`."""
        if not isinstance(source, str):
            raise TypeError(
                f"aisec_sdk.scan expects text as str, got {type(source).__name__}"
                + (
                    "; decode bytes first (e.g. data.decode('utf-8'))"
                    if isinstance(source, bytes | bytearray)
                    else ""
                )
            )
        plan = self._plan.get(direction)
        if plan is None:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}")
        started = perf_counter()
        timings: dict[str, float] = {}
        findings, errors = self._run(source, direction, plan, timings)
        action = self._decide(findings, errors)
        removed = _inner_removals(findings, len(source)) if action != "allow" else []
        if removed:
            # characters taken out (hidden ones, a canary) join what they split: a token, a
            # URL. The text without them is read again and what it holds is reported too,
            # at its place in the original.
            again, more_errors = self._run(redact(source, removed), direction, plan, timings)
            findings += _moved_back(again, findings, removed)
            errors += [e for e in more_errors if e not in errors]
            findings.sort(key=lambda f: (f.start, f.end))
            action = self._decide(findings, errors)
        redacted = redact(source, findings) if action != "allow" else source
        return Verdict(
            action=action,
            findings=findings,
            text=redacted,
            latency_ms=(perf_counter() - started) * 1000.0,
            direction=direction,
            mode=self.policy.mode,
            errors=errors,
            guard_latency_ms=timings,
        )

    def _run(
        self, source: str, direction: Direction, plan: list[_Step], timings: dict[str, float]
    ) -> tuple[list[Finding], list[str]]:
        """Findings (sorted) and guard errors of ``plan`` on ``source``; adds each guard's
        milliseconds to ``timings``."""
        text = normalize(source)
        skipped = self._prefilters[direction].skipped(text)
        findings: list[Finding] = []
        errors: list[str] = []
        t0 = perf_counter()
        for guard_id, guard_scan, threshold, on_finding in plan:
            if guard_id in skipped:
                timings.setdefault(guard_id, 0.0)
                continue
            try:
                for finding in guard_scan(text, direction):
                    if finding.score >= threshold:
                        findings.append(replace(finding, action=on_finding, direction=direction))
            except Exception as exc:  # a guard's own failure is handled by on_error
                errors.append(f"{guard_id}: {type(exc).__name__}: {exc}")
                _log.warning("aisec guard %s failed on %s text", guard_id, direction, exc_info=True)
            t1 = perf_counter()
            timings[guard_id] = timings.get(guard_id, 0.0) + (t1 - t0) * 1000.0
            t0 = t1
        if len(findings) > 1:
            findings.sort(key=lambda f: (f.start, f.end))
        return findings, errors

    def _decide(self, findings: Sequence[Finding], errors: Sequence[str]) -> Action:
        if errors and self.policy.on_error == "block":
            return "block"
        action: Action = "allow"
        for finding in findings:
            if finding.action == "block":
                return "block"
            if finding.action == "redact" and finding.replacement is not None:
                action = "redact"
        return action

    def scan_messages(self, messages: Sequence[Any]) -> Verdict:
        """Scan a chat message list, role-aware; see `aisec_sdk.scan_messages`."""
        if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
            raise TypeError(
                "aisec_sdk.scan_messages expects a list of chat messages "
                f"(dicts with 'role' and 'content'), got {type(messages).__name__}"
            )
        started = perf_counter()
        findings: list[Finding] = []
        errors: list[str] = []
        timings: dict[str, float] = {}
        out: list[Any] = []
        changed = False
        for index, message in enumerate(messages):
            role, parts = message_parts(message, index)
            role_direction = ROLE_DIRECTIONS.get(role, "input")
            n_content = len(parts) - _tool_call_count(message)
            new_parts: list[str] = []
            for position, part in enumerate(parts):
                # tool-call arguments (after the content parts) are data the model produced
                # from what it read: scanned as context whatever the role
                direction = role_direction if position < n_content else "context"
                if direction is None or not part:
                    new_parts.append(part)
                    continue
                verdict = self.scan(part, direction)
                findings += [
                    replace(f, message_index=index, part_index=position) for f in verdict.findings
                ]
                errors += verdict.errors
                for gid, ms in verdict.guard_latency_ms.items():
                    timings[gid] = timings.get(gid, 0.0) + ms
                new_parts.append(verdict.text)
            if new_parts != parts:
                changed = True
                out.append(replace_message_parts(message, new_parts))
            else:
                out.append(message)
        action = self._decide(findings, errors)
        return Verdict(
            action=action,
            findings=findings,
            text="",
            latency_ms=(perf_counter() - started) * 1000.0,
            direction="input",
            mode=self.policy.mode,
            errors=errors,
            guard_latency_ms=timings,
            messages=out if changed else list(messages),
        )


def _inner_removals(findings: Sequence[Finding], length: int) -> list[Finding]:
    """The findings redaction removes (an empty replacement) from inside the text: with
    text on both sides, which their removal joins."""
    return [
        f for f in findings
        if f.action == "redact" and f.replacement == "" and f.start > 0 and f.end < length
    ]


def _moved_back(
    found: Sequence[Finding], known: Sequence[Finding], removed: Sequence[Finding]
) -> list[Finding]:
    """The findings of the text with ``removed`` taken out, at their offsets in the original
    text; those of a guard that already reported an overlapping span there are left out."""
    cuts: list[tuple[int, int]] = []  # (offset in the shorter text, characters removed there)
    taken = 0
    for a, b, _ in merged_spans(removed):
        cuts.append((a - taken, b - a))
        taken += b - a

    def back(at: int, *, end: bool) -> int:
        # a start moves past the characters removed at it, an end stays before them
        return at + sum(n for where, n in cuts if where < at or (where == at and not end))

    moved = []
    for f in found:
        start, stop = back(f.start, end=False), back(f.end, end=True)
        if not any(k.guard == f.guard and k.start < stop and start < k.end for k in known):
            moved.append(replace(f, start=start, end=stop))
    return moved


def _content_parts(content: Any, where: str) -> list[str]:
    if content is None:
        return []
    if isinstance(content, str):
        return [content]
    if isinstance(content, Sequence) and not isinstance(content, bytes | bytearray):
        parts: list[str] = []
        for item in content:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, Mapping):
                value = item.get("text", item.get("content"))
                if isinstance(value, str):
                    parts.append(value)
        return parts
    raise TypeError(
        f"{where}: message content must be a str or a list of parts, got {type(content).__name__}"
    )


def _call_arguments(call: Any) -> tuple[Mapping[str, Any], str] | None:
    """Where a tool call keeps its arguments: the mapping and its key (OpenAI's
    ``{"function": {"arguments": ...}}``, a flat ``{"arguments": ...}`` as a Responses
    ``function_call`` item has, LangChain's ``{"args": ...}``); None when it has none."""
    if not isinstance(call, Mapping):
        return None
    fn = call.get("function", call)
    if not isinstance(fn, Mapping):
        return None
    key = "arguments" if "arguments" in fn else "args"
    return (fn, key) if isinstance(fn.get(key), str | Mapping | list) else None


def _leaves(value: Any) -> list[str]:
    """The strings in arguments: a JSON string as it is, or the string values of parsed
    arguments (a dict, a list) in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _leaves(item)]
    if isinstance(value, list):
        return [text for item in value for text in _leaves(item)]
    return []


def _with_leaves(value: Any, queue: list[str]) -> Any:
    """``value`` with its `_leaves` taken from the front of ``queue``, in order."""
    if isinstance(value, str):
        return queue.pop(0)
    if isinstance(value, Mapping):
        return {key: _with_leaves(item, queue) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_leaves(item, queue) for item in value]
    return value


def _tool_calls(message: Any) -> list[Any]:
    """The tool calls a message carries (its ``tool_calls``, in a dict or on a LangChain
    message), or the message itself when it is a Responses ``function_call`` item."""
    if message_field(message, "type") == "function_call":
        return [message]
    return list(message_field(message, "tool_calls") or ())


def _call_texts(call: Any) -> list[str]:
    found = _call_arguments(call)
    return [] if found is None else _leaves(found[0][found[1]])


def _with_call_texts(call: Any, queue: list[str]) -> Any:
    found = _call_arguments(call)
    if found is None:
        return call
    fn, key = found
    args = {**fn, key: _with_leaves(fn[key], queue)}
    return args if fn is call else {**call, "function": args}


def _tool_call_count(message: Any) -> int:
    return sum(len(_call_texts(call)) for call in _tool_calls(message))


def message_field(message: Any, name: str) -> Any:
    """``message[name]`` of a mapping (an OpenAI-style dict), else its attribute ``name`` (a
    LangChain message, an SDK object); None when absent."""
    if isinstance(message, Mapping):
        return message.get(name)
    return getattr(message, name, None)


def message_role(message: Any) -> Any:
    """A chat message's role, or its ``type`` where it has none (LangChain messages: ``ai``,
    ``human``); None when it has neither."""
    return message_field(message, "role") or message_field(message, "type")


def message_parts(message: Any, index: int = 0) -> tuple[str, list[str]]:
    """The role and the text parts of one chat message (dict or LangChain-style object), or
    of a Responses API input item (a ``function_call_output`` reads as a ``tool`` message).

    Content parts come first, then the strings in the arguments of its tool calls.
    """
    where = f"message {index}"
    if isinstance(message, Mapping):
        kind = message.get("type")
        if kind == "function_call_output":
            return "tool", _content_parts(message.get("output"), where)
        role = message.get("role", kind or "user")
        parts = _content_parts(message.get("content"), where)
    elif hasattr(message, "content"):
        role = getattr(message, "role", None) or getattr(message, "type", "user")
        parts = _content_parts(message.content, where)
    elif isinstance(message, tuple) and len(message) == 2 and isinstance(message[1], str):
        return str(message[0]), [message[1]]
    else:
        raise TypeError(
            f"{where}: expected a chat message (a dict with 'role' and 'content', or an object "
            f"with .content), got {type(message).__name__}"
        )
    for call in _tool_calls(message):
        parts += _call_texts(call)
    return str(role), parts


def replace_message_parts(message: Any, parts: list[str]) -> Any:
    """A copy of ``message`` whose text parts are ``parts`` (in `message_parts` order);
    AttributeError, TypeError or ValueError when an object's attributes cannot be set."""
    queue = list(parts)

    def swap(content: Any) -> Any:
        if isinstance(content, str):
            return queue.pop(0)
        if isinstance(content, list):
            new: list[Any] = []
            for item in content:
                if isinstance(item, str):
                    new.append(queue.pop(0))
                elif isinstance(item, Mapping) and isinstance(item.get("text"), str):
                    new.append({**item, "text": queue.pop(0)})
                elif isinstance(item, Mapping) and isinstance(item.get("content"), str):
                    new.append({**item, "content": queue.pop(0)})
                else:
                    new.append(item)
            return new
        return content

    if isinstance(message, tuple):
        return (message[0], queue.pop(0))
    if isinstance(message, Mapping):
        if message.get("type") == "function_call_output":
            return {**message, "output": swap(message.get("output"))}
        updated = dict(message)
        if "content" in message:
            updated["content"] = swap(message["content"])
        if message.get("type") == "function_call":
            return _with_call_texts(updated, queue)
        if message.get("tool_calls"):
            updated["tool_calls"] = [_with_call_texts(c, queue) for c in message["tool_calls"]]
        return updated
    update = {"content": swap(message.content)}
    if queue:  # the rest are the texts of its tool calls
        update["tool_calls"] = [_with_call_texts(c, queue) for c in message.tool_calls]
    if hasattr(message, "model_copy"):
        return message.model_copy(update=update)
    if is_dataclass(message) and not isinstance(message, type):
        return replace(message, **update)
    # any other object with .content: a shallow copy with the attributes set (AttributeError
    # when one is read-only)
    duplicate = copy.copy(message)
    for name, value in update.items():
        setattr(duplicate, name, value)
    return duplicate


def engine_for(policy: Policy | Mapping[str, Any] | None = None) -> Engine:
    """The engine of ``policy`` (the default policy when None; a mapping is read as
    `Policy` fields), built once and cached."""
    policy = as_policy(policy)
    engine = policy._cached("_engine")
    if not isinstance(engine, Engine):
        engine = policy._engine = Engine(policy)
    return engine


def scan(
    text: str, direction: Direction = "input", policy: Policy | Mapping[str, Any] | None = None
) -> Verdict:
    """Scan ``text`` as ``direction`` (``input``, ``context`` or ``output``) under ``policy``."""
    return engine_for(policy).scan(text, direction)


def scan_messages(
    messages: Sequence[Any], policy: Policy | Mapping[str, Any] | None = None
) -> Verdict:
    """Scan chat messages: system is trusted, user is input, tool/retrieved content is context."""
    return engine_for(policy).scan_messages(messages)
