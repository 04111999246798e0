"""The guard interface: a guard is a pure function of a `Text` and its own settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = [
    "Candidate",
    "DirectionSettings",
    "Guard",
    "GuardSettings",
    "finding_at",
    "known_only",
    "settings_as",
    "strongest",
]


class DirectionSettings(BaseModel):
    """Overrides of a guard's settings for one direction (``input``, ``context``, ``output``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    enabled: bool | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    action: FindingAction | None = None


class GuardSettings(BaseModel):
    """Settings every guard accepts; a guard subclasses this to add its own options.

    ``threshold`` and ``action`` default to the guard's own defaults when unset;
    ``directions`` lists where the guard runs (default: the guard's own choice), and the
    ``input`` / ``context`` / ``output`` tables override enable, threshold and action for one
    direction.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    enabled: bool = True
    """Run this guard (its own default applies when the guard is not configured at all)."""
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    """Minimum score (0..1) for a finding; unset means the guard's default."""
    action: FindingAction | None = None
    """``block``, ``redact`` or ``warn``; unset means the guard's default."""
    directions: tuple[Direction, ...] | None = None
    """Where the guard runs (``input``, ``context``, ``output``); unset means its default."""
    input: DirectionSettings | None = None
    """Overrides of enabled/threshold/action for user input."""
    context: DirectionSettings | None = None
    """Overrides for retrieved documents and tool results."""
    output: DirectionSettings | None = None
    """Overrides for model output."""


@runtime_checkable
class Guard(Protocol):
    """What the engine needs from a guard.

    A guard class has a stable ``id``, an OWASP LLM ``category``, defaults, and a
    ``Settings`` model (a `GuardSettings` subclass) it is constructed from. ``scan`` returns
    findings with offsets into ``text.original`` and a score in 0..1; the engine applies the
    threshold and the action, so a guard may return candidates below its threshold.
    """

    id: ClassVar[str]
    category: ClassVar[str]
    default_directions: ClassVar[tuple[Direction, ...]]
    default_threshold: ClassVar[float]
    default_action: ClassVar[FindingAction]
    default_enabled: ClassVar[bool]
    Settings: ClassVar[type[GuardSettings]]

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        """Findings in ``text`` scanned as ``direction``."""
        ...


S = TypeVar("S", bound=GuardSettings)


def known_only(values: Iterable[str], known: Sequence[str], noun: str) -> None:
    """Raise ValueError naming the ``values`` that are not ``known`` (a setting with a typo
    in it would switch detection off without a word)."""
    unknown = [v for v in values if v not in known]
    if unknown:
        raise ValueError(f"unknown {noun}(s) {unknown}; known {noun}s: {', '.join(known)}")


def settings_as(settings: GuardSettings, cls: type[S]) -> S:
    """``settings`` as the guard's own settings class (plain `GuardSettings` are upgraded)."""
    if isinstance(settings, cls):
        return settings
    return cls.model_validate(settings.model_dump(exclude_unset=True))


def finding_at(
    guard: Guard,
    text: Text,
    span: tuple[int, int],
    score: float,
    message: str,
    *,
    replacement: str | Callable[[str], str] | None = None,
    entity: str | None = None,
    category: str | None = None,
) -> Finding:
    """A finding of ``guard`` at ``span`` of the normalised text, mapped to the original.

    ``replacement`` may be a function of the original matched text (for hashing or
    pseudonymising the value the user actually wrote).
    """
    start, end = text.span(*span)
    if callable(replacement):
        replacement = replacement(text.original[start:end])
    return Finding(
        guard=guard.id,
        category=category or guard.category,
        score=score,
        start=start,
        end=end,
        message=message,
        replacement=replacement,
        entity=entity,
    )


Candidate = tuple[int, int, str, float]
"""A value a guard found: its span in the normalised text, what it is, and its score."""


def strongest(found: Sequence[Candidate]) -> list[Candidate]:
    """Overlapping candidates resolved left to right: the higher score keeps the place (a
    token found again inside an assignment's value, a phone number inside an IBAN's run)."""
    kept: list[Candidate] = []
    for cand in sorted(found, key=lambda c: (c[0], c[1])):
        if kept and cand[0] < kept[-1][1]:
            if cand[3] > kept[-1][3]:
                kept[-1] = cand
            continue
        kept.append(cand)
    return kept
