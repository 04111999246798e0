"""Guarding text as it streams: findings across chunk boundaries, redaction before release.

`StreamGuard` holds back the tail of the text until it can no longer be part of a match
(at least ``holdback`` characters, and never cutting inside a whitespace-free run such as a
key or token), scans what it holds, and releases redacted text. A block raises
`GuardViolation` before the offending text is released.

What it holds is scanned after the last `_CONTEXT` characters it already released: a
detector that needs the words before a value (``api_key = '...'``, ``Canary token: ...``)
sees them even when the cut fell between the name and the value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from aisec_sdk.engine import Engine
from aisec_sdk.errors import GuardViolation
from aisec_sdk.verdict import Action, Direction, Finding, Verdict, redact

__all__ = ["StreamGuard"]

_MAX_HOLD = 16_384  # release anyway past this much unbroken text
_CONTEXT = 256
"""Characters of released text scanned again before what is held (the words before a
value: the secrets guard reads at most 64 characters of a name and 120 of a command line)."""


class StreamGuard:
    """Scan a text stream chunk by chunk; `feed` returns what may be emitted now."""

    def __init__(
        self,
        engine: Engine,
        direction: Direction = "output",
        *,
        holdback: int = 64,
        on_verdict: Callable[[Verdict, str], None] | None = None,
        restore: Callable[[str], str] | None = None,
    ) -> None:
        self.engine = engine
        self.direction = direction
        self.holdback = holdback
        self.enforce = engine.policy.mode == "enforce"
        self._on_verdict = on_verdict
        self._restore = restore
        self._pending = ""
        self._context = ""  # the end of the released text, as it came (not redacted)
        self._offset = 0  # offset of _pending in the whole stream
        self.findings: list[Finding] = []
        self.text_parts: list[str] = []

    @property
    def text(self) -> str:
        """Everything released so far (after redaction)."""
        return "".join(self.text_parts)

    def feed(self, chunk: str) -> str:
        """Add a chunk; return the text that can be released now (may be empty)."""
        self._pending += chunk
        if len(self._pending) < 2 * self.holdback:  # scan in batches, not on every chunk
            return "" if self.enforce else chunk
        released = self._release(final=False)
        return released if self.enforce else chunk

    def close(self) -> str:
        """End of stream, or of a run of text (before a non-text chunk): scan and release
        what is held."""
        if not self._pending:
            return ""
        released = self._release(final=True)
        return released if self.enforce else ""

    def _cut(self, text: str, findings: list[Finding]) -> int:
        cut = len(text) - self.holdback
        # never split a whitespace-free run (a key, a token, a URL)
        while cut > 0 and not text[cut - 1].isspace() and not text[cut].isspace():
            cut -= 1
        if cut == 0 and len(text) > _MAX_HOLD:
            cut = len(text) - self.holdback
        for f in findings:
            if f.start < cut < f.end:
                cut = f.start
        return cut

    def _scan(self, pending: str) -> tuple[Verdict, list[Finding]]:
        """Scan ``pending`` after the released context; the findings that reach into
        ``pending``, at their place in it (one that starts in the context starts at 0)."""
        verdict = self.engine.scan(self._context + pending, self.direction)
        start = len(self._context)
        found = [
            replace(f, start=max(f.start - start, 0), end=f.end - start)
            for f in verdict.findings
            if f.end > start
        ]
        return verdict, found

    def _release(self, *, final: bool) -> str:
        pending = self._pending
        verdict, found = self._scan(pending)
        blocking = verdict.blocked and self.enforce
        cut = len(pending) if final else self._cut(pending, found)
        if cut <= 0 and not blocking:
            return ""
        # a finding is recorded once: when the text holding it is released (or on a block);
        # the held-back text is scanned again with the next chunk. The final release is
        # recorded even when clean, so every stream has its output verdict (``allow`` too)
        emitted = found if blocking else [f for f in found if f.end <= cut or final]
        shifted = [_shift(f, self._offset) for f in emitted]
        self.findings += shifted
        if self._on_verdict is not None and (emitted or verdict.errors or final):
            part = Verdict(
                action=verdict.action if blocking else _action(emitted),
                findings=shifted,
                text="",
                latency_ms=verdict.latency_ms,
                direction=self.direction,
                mode=verdict.mode,
                errors=verdict.errors,
            )
            self._on_verdict(part, pending[:cut])
        if blocking:
            raise GuardViolation(verdict)
        head = redact(pending[:cut], [f for f in emitted if f.end <= cut])
        if self._restore is not None:
            head = self._restore(head)
        self._pending = pending[cut:]
        self._context = _context(self._context + pending[:cut])
        self._offset += cut
        self.text_parts.append(head)
        return head


def _context(released: str) -> str:
    """The last `_CONTEXT` characters of ``released``, from a word's start."""
    if len(released) <= _CONTEXT:
        return released
    tail = released[-_CONTEXT:]
    if released[-_CONTEXT - 1].isspace():
        return tail
    space = next((i for i, c in enumerate(tail) if c.isspace()), len(tail))
    return tail[space:]


def _action(findings: list[Finding]) -> Action:
    if any(f.action == "block" for f in findings):
        return "block"  # monitor mode: recorded, not acted on
    return "redact" if any(f.action == "redact" for f in findings) else "allow"


def _shift(f: Finding, offset: int) -> Finding:
    return replace(f, start=f.start + offset, end=f.end + offset) if offset else f
