"""Chunked regex search: matches across a chunk edge are found, and found once."""

from __future__ import annotations

import io
import re

from aisec_sdk.posture.byte_search import finditer_stream

_CHUNK = 1 << 20
_WORD = re.compile(rb"PyFunc")
_OTHER = re.compile(rb"ReadFile")


def test_matches_across_chunk_edges_are_found_once() -> None:
    for at in (0, _CHUNK - 6, _CHUNK - 3, _CHUNK - 1, _CHUNK, 3 * _CHUNK + 7):
        data = b"x" * at + b"PyFunc" + b"y" * 10 + b"ReadFile"
        found = [m.group() for m in finditer_stream(io.BytesIO(data), (_WORD, _OTHER), overlap=64)]
        assert sorted(found) == [b"PyFunc", b"ReadFile"], at


def test_search_starts_at_the_stream_start() -> None:
    stream = io.BytesIO(b"PyFunc PyFunc")
    stream.seek(10)
    assert len(list(finditer_stream(stream, (_WORD,), overlap=16))) == 2
