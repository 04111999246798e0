"""Reversible pseudonymisation: placeholders for values sent out, restored on the way back.

A guarded call opens a `vault_scope`; redaction in ``pseudonymize`` mode asks the current
vault for a placeholder (``<EMAIL_1>``), and output text gets the original values back with
`Vault.restore`. The provider never sees the value; the user still does.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Vault", "current_vault", "vault_scope"]

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)_(\d+)>")


class Vault:
    """Maps values to numbered, typed placeholders and back, for one call."""

    __slots__ = ("_by_placeholder", "_by_value", "_counts")

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder for ``value`` of ``kind``; the same value gets the same one."""
        key = (kind.upper(), value)
        found = self._by_value.get(key)
        if found is not None:
            return found
        n = self._counts.get(key[0], 0) + 1
        self._counts[key[0]] = n
        token = f"<{key[0]}_{n}>"
        self._by_value[key] = token
        self._by_placeholder[token] = value
        return token

    def restore(self, text: str) -> str:
        """``text`` with every placeholder this vault issued replaced by its value."""
        if not self._by_placeholder or "<" not in text:
            return text
        return _PLACEHOLDER.sub(lambda m: self._by_placeholder.get(m.group(0), m.group(0)), text)

    def __len__(self) -> int:
        return len(self._by_placeholder)


_current: contextvars.ContextVar[Vault | None] = contextvars.ContextVar("aisec_vault", default=None)


def current_vault() -> Vault | None:
    """The vault of the guarded call in progress, if any."""
    return _current.get()


@contextmanager
def vault_scope(vault: Vault | None = None) -> Iterator[Vault]:
    """Make ``vault`` (a new one by default) current for the duration of the block."""
    vault = vault or Vault()
    token = _current.set(vault)
    try:
        yield vault
    finally:
        _current.reset(token)
