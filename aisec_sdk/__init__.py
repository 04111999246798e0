"""aisec_sdk: in-process security for LLM applications.

The public API is re-exported here and loaded lazily, so ``import aisec_sdk`` stays cheap
and imports no framework.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from aisec_sdk._lazy import lazy_exports

if TYPE_CHECKING:
    from aisec_sdk.decorator import guard
    from aisec_sdk.engine import scan, scan_messages
    from aisec_sdk.errors import AisecError, GuardViolation, PolicyError
    from aisec_sdk.guards.canary import canary
    from aisec_sdk.instrumentation import instrument, uninstrument
    from aisec_sdk.policy import Policy
    from aisec_sdk.telemetry import configure
    from aisec_sdk.verdict import Finding, Verdict

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AisecError": "aisec_sdk.errors",
    "Finding": "aisec_sdk.verdict",
    "GuardViolation": "aisec_sdk.errors",
    "Policy": "aisec_sdk.policy",
    "PolicyError": "aisec_sdk.errors",
    "Verdict": "aisec_sdk.verdict",
    "canary": "aisec_sdk.guards.canary",
    "configure": "aisec_sdk.telemetry",
    "guard": "aisec_sdk.decorator",
    "instrument": "aisec_sdk.instrumentation",
    "scan": "aisec_sdk.engine",
    "scan_messages": "aisec_sdk.engine",
    "uninstrument": "aisec_sdk.instrumentation",
}

__all__ = [
    "AisecError",
    "Finding",
    "GuardViolation",
    "Policy",
    "PolicyError",
    "Verdict",
    "canary",
    "configure",
    "guard",
    "instrument",
    "scan",
    "scan_messages",
    "uninstrument",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), public_module=True)


# In a source checkout (``python -m pytest`` from the repository root) the integrations live
# in ../integrations; pyproject.toml maps that folder onto ``aisec_sdk.integrations`` when
# installed. Extend the package path so both layouts import the same way.
_source_integrations = os.path.join(os.path.dirname(os.path.dirname(__file__)), "integrations")
if not os.path.isdir(os.path.join(os.path.dirname(__file__), "integrations")) and os.path.isfile(
    os.path.join(_source_integrations, "__init__.py")
):
    __path__.append(os.path.dirname(_source_integrations))
