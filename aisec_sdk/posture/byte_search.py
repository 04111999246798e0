"""Regex search over a large binary stream, one chunk at a time (HDF5 model configs,
TensorFlow graphs): no file is read whole, and a match across a chunk edge is found once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

__all__ = ["finditer_stream"]

_CHUNK = 1 << 20


def finditer_stream(
    stream: IO[bytes], patterns: tuple[re.Pattern[bytes], ...], *, overlap: int
) -> Iterator[re.Match[bytes]]:
    """Every match of ``patterns`` in ``stream`` from its start, pattern by pattern within
    each chunk. Consecutive chunks share ``overlap`` bytes (the longest match worth finding
    across an edge); a match lying wholly in the shared bytes was already yielded."""
    stream.seek(0)
    tail = b""
    while chunk := stream.read(_CHUNK):
        window = tail + chunk
        for pattern in patterns:
            yield from (m for m in pattern.finditer(window) if m.end() > len(tail))
        tail = window[-overlap:]
