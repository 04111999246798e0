"""``import aisec_sdk.auto`` guards and traces every installed AI framework.

Equivalent to calling ``aisec_sdk.instrument()`` once, with the default policy.
"""

from __future__ import annotations

from aisec_sdk.instrumentation import instrument

__all__ = ["instrumented"]

instrumented: list[str] = instrument()
"""The frameworks this import instrumented."""
