"""``prompt_injection``: attempts to override, hijack or escape an LLM's instructions (LLM01)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import regex

from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["PromptInjectionGuard"]

_PATTERNS: tuple[tuple[str, float, str], ...] = (
    (
        r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+)?"
        r"(?:previous|prior|above|earlier|preceding|system|initial|original)?\s*"
        r"(?:instructions?|prompts?|rules?|directives?|guidelines?|context)\b",
        0.9,
        "instruction override",
    ),
    (
        r"\b(?:reveal|print|show|repeat|output|leak|tell me)\s+(?:me\s+)?(?:your|the)\s+"
        r"(?:system\s+prompt|initial\s+instructions|hidden\s+instructions|password|secret)",
        0.85,
        "system prompt extraction",
    ),
    (r"\byou\s+are\s+now\s+(?:DAN|in\s+developer\s+mode|jailbroken|unfiltered)", 0.9, "jailbreak"),
    (r"\b(?:do\s+anything\s+now|developer\s+mode\s+enabled|jailbreak\s+mode)\b", 0.85, "jailbreak"),
    (r"\bnew\s+instructions?\s*:", 0.7, "instruction override"),
)
_PATTERN = regex.compile(
    "|".join(f"(?P<p{i}>{rx})" for i, (rx, _, _) in enumerate(_PATTERNS)), regex.IGNORECASE
)


class PromptInjectionGuard:
    """Instruction override, jailbreak personas and system-prompt extraction."""

    id: ClassVar[str] = "prompt_injection"
    category: ClassVar[str] = "LLM01"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "block"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = GuardSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        findings: list[Finding] = []
        for match in _PATTERN.finditer(text.normalized):
            _, score, label = _PATTERNS[int((match.lastgroup or "p0")[1:])]
            start, end = text.span(*match.span())
            findings.append(
                Finding(
                    guard=self.id,
                    category="LLM07" if "extraction" in label else self.category,
                    score=score,
                    start=start,
                    end=end,
                    message=f"possible prompt injection: {label}",
                )
            )
        return findings
