"""`instrument` / `uninstrument`: patch the installed AI frameworks in this process.

Each framework has one `BaseInstrumentor` in ``aisec_sdk.integrations``; the same classes
are registered under the ``opentelemetry_instrumentor`` entry-point group, so
``opentelemetry-instrument`` loads them too. A framework module is imported only when it
is instrumented.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from aisec_sdk.policy import Policy

__all__ = ["available_integrations", "instrument", "uninstrument"]

# name (also the extra to install) -> (integration module, instrumentor class, framework module)
_INTEGRATIONS: dict[str, tuple[str, str, str]] = {
    "openai": ("aisec_sdk.integrations.openai", "OpenAIInstrumentor", "openai"),
    "langchain": ("aisec_sdk.integrations.langchain", "LangChainInstrumentor", "langchain_core"),
    "transformers": (
        "aisec_sdk.integrations.transformers",
        "TransformersInstrumentor",
        "transformers",
    ),
}


def available_integrations() -> list[str]:
    """Names `instrument` accepts."""
    return list(_INTEGRATIONS)


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(_INTEGRATIONS[name][2]) is not None
    except (ImportError, ValueError):
        return False


def _select(names: tuple[str, ...]) -> list[str]:
    unknown = [n for n in names if n not in _INTEGRATIONS]
    if unknown:
        raise ValueError(
            f"unknown integration {', '.join(map(repr, unknown))}; "
            f"valid names: {', '.join(_INTEGRATIONS)}"
        )
    if not names:
        return [n for n in _INTEGRATIONS if _installed(n)]
    missing = [n for n in names if not _installed(n)]
    if missing:
        extras = ",".join(missing)
        raise ImportError(
            f"cannot instrument {', '.join(missing)}: not installed "
            f"(pip install 'aisec-sdk[{extras}]')"
        )
    return list(dict.fromkeys(names))


def _instrumentor(name: str) -> Any:
    module, cls, _ = _INTEGRATIONS[name]
    return getattr(importlib.import_module(module), cls)()


def instrument(
    *names: str,
    policy: Policy | Mapping[str, Any] | None = None,
    guards: bool = True,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
) -> list[str]:
    """Guard and trace the named frameworks (every installed one when none is named).

    Valid names: ``openai``, ``langchain``, ``transformers``. Idempotent: a framework
    already instrumented is left as it is. ``policy``: the policy of every call, a `Policy`
    or a mapping of its fields (default: the process default policy); ``guards=False``:
    trace only; ``tracer_provider`` / ``meter_provider``: where spans and metrics go
    (default: the global providers). Returns the names this call instrumented (as
    `uninstrument` does): a framework that already was is not among them.
    """
    done = []
    for name in _select(names):
        instrumentor = _instrumentor(name)
        if instrumentor.is_instrumented_by_opentelemetry:
            continue
        instrumentor.instrument(
            policy=policy,
            guards=guards,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            raise_exception_on_conflict=bool(names),
        )
        if instrumentor.is_instrumented_by_opentelemetry:
            done.append(name)
    return done


def uninstrument(*names: str) -> list[str]:
    """Restore the original methods of the named frameworks (all when none is named)."""
    unknown = [n for n in names if n not in _INTEGRATIONS]
    if unknown:
        raise ValueError(
            f"unknown integration {', '.join(map(repr, unknown))}; "
            f"valid names: {', '.join(_INTEGRATIONS)}"
        )
    done = []
    for name in names or tuple(_INTEGRATIONS):
        module, cls, _ = _INTEGRATIONS[name]
        try:
            instrumentor = getattr(importlib.import_module(module), cls)()
        except ImportError:
            continue
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
            done.append(name)
    return done
