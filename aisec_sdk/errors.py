"""Exceptions raised by aisec_sdk.

AisecError
├── GuardViolation      a call was blocked in enforce mode (carries ``.verdict``)
└── PolicyError         a policy is invalid (also a ``ValueError``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aisec_sdk.verdict import Verdict

__all__ = ["AisecError", "GuardViolation", "PolicyError"]


class AisecError(Exception):
    """Root of every exception aisec_sdk raises on purpose."""


class GuardViolation(AisecError):
    """A guarded call was blocked; ``.verdict`` says which guards fired and where.

    A guard that fails while ``on_error="block"`` also blocks: ``.verdict.errors`` says which.
    """

    def __init__(self, verdict: Verdict, message: str | None = None) -> None:
        self.verdict = verdict
        if message is None:
            guards = sorted({f.guard for f in verdict.findings if f.action == "block"})
            message = f"blocked by aisec_sdk guard(s): {', '.join(guards) or 'on_error'}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[GuardViolation], tuple[Verdict, str]]:
        # picklable with its verdict: it crosses process pools and pytest-xdist workers
        return type(self), (self.verdict, str(self))


class PolicyError(AisecError, ValueError):
    """A policy could not be loaded; the message names the field and the source."""
