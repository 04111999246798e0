"""JSON parsing where absurd nesting is just invalid JSON.

``json.loads`` recurses once per level of nesting and raises `RecursionError` on a document
such as ``[[[[...]]]]`` a few thousand levels deep; every reader of untrusted files (audit
logs, model headers, notebooks, reports) would have to catch it besides `ValueError`.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["loads"]


def loads(document: str | bytes, **options: Any) -> Any:
    """``json.loads(document, **options)``; too deep a document raises
    `json.JSONDecodeError` (a `ValueError`) like any other invalid JSON."""
    try:
        return json.loads(document, **options)
    except RecursionError:
        text = document if isinstance(document, str) else ""
        raise json.JSONDecodeError("JSON nested too deeply", text, 0) from None
