"""Guard registry: built-in guards by stable id, plus the ``aisec_sdk.guards`` entry points."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from typing import Any, cast

from aisec_sdk.guards.base import DirectionSettings, Guard, GuardSettings

__all__ = [
    "DirectionSettings",
    "Guard",
    "GuardSettings",
    "available_guards",
    "build_guard",
    "guard_class",
]

ENTRY_POINT_GROUP = "aisec_sdk.guards"

# id -> "module:Class"; each guard module holds one concept.
_BUILTIN: dict[str, str] = {
    "prompt_injection": "aisec_sdk.guards.prompt_injection:PromptInjectionGuard",
    "pii": "aisec_sdk.guards.pii:PiiGuard",
    "secrets": "aisec_sdk.guards.secrets:SecretsGuard",
    "invisible_text": "aisec_sdk.guards.invisible_text:InvisibleTextGuard",
    "token_limit": "aisec_sdk.guards.token_limit:TokenLimitGuard",
    "canary": "aisec_sdk.guards.canary:CanaryGuard",
    "system_prompt_leak": "aisec_sdk.guards.system_prompt_leak:SystemPromptLeakGuard",
    "banned": "aisec_sdk.guards.banned:BannedGuard",
    "exfiltration": "aisec_sdk.guards.exfiltration:ExfiltrationGuard",
}


@cache
def _third_party() -> dict[str, str]:
    found: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _BUILTIN:
            found[ep.name] = ep.value
    return found


def available_guards() -> list[str]:
    """Ids of every guard that can be configured: built-in ones and entry points."""
    return sorted({*_BUILTIN, *_third_party()})


def _known_ids() -> dict[str, str]:
    return {**_third_party(), **_BUILTIN}


@cache
def guard_class(guard_id: str) -> type[Guard]:
    """The guard class registered under ``guard_id``; `KeyError` lists the valid ids."""
    target = _known_ids().get(guard_id)
    if target is None:
        raise KeyError(f"unknown guard {guard_id!r}; known guards: {', '.join(available_guards())}")
    module_name, _, attr = target.partition(":")
    obj: Any = getattr(importlib.import_module(module_name), attr)
    return cast("type[Guard]", obj)


def build_guard(guard_id: str, settings: GuardSettings) -> Guard:
    """Instantiate a guard from its validated settings."""
    cls: Any = guard_class(guard_id)
    return cast("Guard", cls(settings))
