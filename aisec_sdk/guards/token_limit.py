"""``token_limit``: texts longer than a token budget (OWASP LLM10, unbounded consumption).

Off until configured with ``max_tokens``. Tokens are counted with tiktoken, fully offline
(see `aisec_sdk.tokens`), in the encoding of ``model`` or the named ``encoding``. The finding
spans the part beyond the budget, so ``action = "redact"`` truncates the text to it; the
default action blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field, model_validator

from aisec_sdk.guards.base import GuardSettings, settings_as
from aisec_sdk.text import Text
from aisec_sdk.tokens import (
    SHIPPED_ENCODINGS,
    UnknownModelError,
    encoding,
    encoding_name_for_model,
)
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["TokenLimitGuard", "TokenLimitSettings"]

_MAX_TOKEN_CHARS = 256  # longer than any token of the shipped encodings


class TokenLimitSettings(GuardSettings):
    """Options of the ``token_limit`` guard."""

    max_tokens: int | None = Field(default=None, ge=1)
    """The budget per text; unset means the guard checks nothing."""
    model: str | None = None
    """Count in this model's encoding (``gpt-4o`` -> ``o200k_base``)."""
    encoding: str | None = None
    """Count in this encoding (default ``cl100k_base`` when no model is given)."""

    @model_validator(mode="after")
    def _known_encoding(self) -> TokenLimitSettings:
        try:
            name = self.encoding_name()
        except UnknownModelError as exc:
            raise ValueError(str(exc)) from None
        if name not in SHIPPED_ENCODINGS:
            raise ValueError(
                f"encoding {name!r} is not available offline; use one of "
                f"{', '.join(SHIPPED_ENCODINGS)}"
            )
        return self

    def encoding_name(self) -> str:
        """The encoding tokens are counted in."""
        if self.encoding:
            return self.encoding
        return encoding_name_for_model(self.model) if self.model else "cl100k_base"


def _chars_within(data: bytes) -> int:
    """Characters wholly inside the UTF-8 bytes ``data`` of some tokens: a token may end
    inside a character (an emoji is often two or three tokens), and that character is over
    budget."""
    return len(data.decode("utf-8", errors="ignore"))


class TokenLimitGuard:
    """Flags the part of a text beyond ``max_tokens`` tokens."""

    id: ClassVar[str] = "token_limit"
    category: ClassVar[str] = "LLM10"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "block"
    default_enabled: ClassVar[bool] = False
    Settings: ClassVar[type[GuardSettings]] = TokenLimitSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, TokenLimitSettings)
        self._encoding_name = settings.encoding_name()

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        limit = self.settings.max_tokens
        s = text.original
        # A token is at least one UTF-8 byte: short texts cannot exceed the budget.
        if limit is None or len(s) <= limit // 4 or len(s.encode("utf-8")) <= limit:
            return []
        enc = encoding(self._encoding_name)
        cap = (limit + 1) * _MAX_TOKEN_CHARS  # enough text to hold limit + 1 tokens
        tokens = enc.encode_ordinary(s[:cap])
        if len(tokens) <= limit and cap < len(s):
            tokens = enc.encode_ordinary(s)
        if len(tokens) <= limit:
            return []
        cut = _chars_within(enc.decode_bytes(tokens[:limit]))  # one bytes object, not one per token
        count = f"{len(tokens)}" if cap >= len(s) else f"more than {limit}"
        return [
            Finding(
                guard=self.id,
                category=self.category,
                score=1.0,
                start=cut,
                end=len(s),
                message=f"{count} tokens exceed the limit of {limit} ({self._encoding_name})",
                replacement="",
                entity="tokens",
            )
        ]
