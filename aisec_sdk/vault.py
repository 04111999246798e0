"""Reversible pseudonymisation: placeholders for values sent out, restored on the way back.

A guarded call opens a `vault_scope`; redaction in ``pseudonymize`` mode asks the current
vault for a placeholder (``<EMAIL_1>``), and output text gets the original values back with
`Vault.restore`. The provider never sees the value; the user still does.

`replacement` turns a found value into what redaction writes in its place, in one of the
`RedactionMode` styles shared by the guards that redact data (``pii``, ``secrets``).
"""

from __future__ import annotations

import contextvars
import hashlib
import re
from contextlib import AbstractContextManager
from typing import Literal

__all__ = ["RedactionMode", "Vault", "current_vault", "replacement", "vault_scope"]

RedactionMode = Literal["placeholder", "mask", "hash", "pseudonymize"]
"""``placeholder``: ``<EMAIL>``; ``mask``: letters and digits become ``*``; ``hash``:
``<EMAIL:1f2e3d4c5b6a>`` (salted SHA-256, stable across calls); ``pseudonymize``: the
current vault's numbered placeholder ``<EMAIL_1>``, restored in the output (a typed
placeholder when no vault is active)."""

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


class _Scope:
    """Context manager of `vault_scope` (a class: cheaper than a generator per call)."""

    __slots__ = ("_token", "vault")

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self._token: contextvars.Token[Vault | None] | None = None

    def __enter__(self) -> Vault:
        self._token = _current.set(self.vault)
        return self.vault

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _current.reset(self._token)


def vault_scope(vault: Vault | None = None) -> AbstractContextManager[Vault]:
    """Make ``vault`` (a new one by default) current for the duration of the block."""
    return _Scope(vault if vault is not None else Vault())  # an empty vault is falsy (len 0)


_MASKED = re.compile(r"[^\W_]")


def replacement(label: str, value: str, mode: RedactionMode, salt: str = "") -> str:
    """What redaction writes in place of ``value`` (of kind ``label``, e.g. ``EMAIL``)."""
    if mode == "mask":
        return _MASKED.sub("*", value)
    if mode == "hash":
        digest = hashlib.sha256(f"{salt}\x00{label}\x00{value}".encode()).hexdigest()
        return f"<{label}:{digest[:12]}>"
    if mode == "pseudonymize":
        vault = _current.get()
        if vault is not None:
            return vault.placeholder(label, value)
    return f"<{label}>"
