"""The result types of a scan: `Finding` and `Verdict`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Action", "Direction", "Finding", "FindingAction", "Verdict", "merged_spans", "redact"]

Direction = Literal["input", "context", "output"]
"""Where text comes from: the user's turn, retrieved data / tool results, or the model."""

Action = Literal["allow", "redact", "block"]
"""What happens to the text as a whole."""

FindingAction = Literal["block", "redact", "warn"]
"""What the policy asks for one finding."""

DIRECTIONS: tuple[Direction, ...] = ("input", "context", "output")


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a guard found, at or above that guard's threshold.

    ``start``/``end`` are offsets into the *original* text (not the normalised one); in a
    chat message list, into content part ``part_index`` of message ``message_index`` (the
    text parts of its content in order, then its tool-call arguments).
    ``replacement`` is what redaction puts in place of ``text[start:end]``.
    """

    guard: str
    category: str
    score: float
    start: int
    end: int
    message: str
    action: FindingAction = "warn"
    replacement: str | None = None
    entity: str | None = None
    message_index: int | None = None
    direction: Direction | None = None
    part_index: int | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view without any raw content."""
        return {
            "guard": self.guard,
            "category": self.category,
            "score": round(self.score, 4),
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "action": self.action,
            "entity": self.entity,
            "message_index": self.message_index,
            "part_index": self.part_index,
            "direction": self.direction,
        }


@dataclass(slots=True)
class Verdict:
    """The outcome of scanning one text (or one message list).

    ``action`` is what the policy decided (``allow``, ``redact`` or ``block``); in monitor
    mode the caller does not act on it but it is still recorded. ``text`` is the text after
    redaction (the original when nothing was redacted).
    """

    action: Action
    findings: list[Finding]
    text: str
    latency_ms: float
    direction: Direction = "input"
    mode: Literal["enforce", "monitor"] = "enforce"
    errors: list[str] = field(default_factory=list)
    guard_latency_ms: dict[str, float] = field(default_factory=dict)
    messages: list[Any] | None = None
    """For `scan_messages`: the messages after redaction."""

    @property
    def flagged(self) -> bool:
        """True when any guard found something (or failed)."""
        return bool(self.findings) or bool(self.errors)

    @property
    def blocked(self) -> bool:
        """True when the decided action is ``block``."""
        return self.action == "block"

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view without raw content."""
        return {
            "action": self.action,
            "flagged": self.flagged,
            "direction": self.direction,
            "mode": self.mode,
            "latency_ms": round(self.latency_ms, 4),
            "findings": [f.to_dict() for f in self.findings],
            "errors": list(self.errors),
        }


def merged_spans(findings: Sequence[Finding]) -> list[tuple[int, int, Finding]]:
    """The spans of ``findings``, overlapping ones merged into the first (by start, the
    longest first): what redaction replaces, each with the finding that gives its mask."""
    spans: list[tuple[int, int, Finding]] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if spans and f.start < spans[-1][1]:
            first = spans[-1]
            spans[-1] = (first[0], max(first[1], f.end), first[2])
        else:
            spans.append((f.start, f.end, f))
    return spans


def redact(source: str, findings: Sequence[Finding], *, mask_all: bool = False) -> str:
    """``source`` with findings replaced; overlapping spans merge into the first one.

    By default only findings whose action is ``redact`` (and that carry a replacement)
    change the text. ``mask_all`` masks every finding whatever its action, with
    ``[GUARD]`` where it has no replacement: safe for telemetry.
    """
    if not mask_all:
        findings = [f for f in findings if f.action == "redact" and f.replacement is not None]
    pieces: list[str] = []
    pos = 0
    for start, end, f in merged_spans(findings):
        mask = f.replacement if f.replacement is not None else f"[{f.guard.upper()}]"
        pieces += (source[pos:start], mask)
        pos = end
    pieces.append(source[pos:])
    return "".join(pieces)
