"""A cheap first look that tells the engine which guards have nothing to look at in a text.

A guard may offer a ``prefilter``: an RE2 pattern (bytes) that matches the UTF-8 encoding of
a text wherever the guard could report anything (typically the very pattern of its own first
pass: a pattern over ASCII matches a text's UTF-8 bytes where it matches the text with each
other character replaced by ``?``, as ``pii`` and ``secrets`` read it, because RE2 reads
UTF-8 one character at a time). The engine skips the guards whose pattern matches nothing.
A short text (up to ``SET_LIMIT`` bytes: an everyday prompt) is read once by an RE2 set of
all the patterns, ~8 µs for 1 KB where three searches cost ~20 and the guards' own first
passes ~35. A longer one is searched pattern by pattern (a search stops at its first
match): a set's DFA is the product of its patterns', and on text it had not seen (random
base64, source code) building its states cost 10-20 times what the patterns cost apart
(50 KB of fresh random base64: ~0.9 s as a set, ~50 ms apart), a cost a short text bounds.
A guard switches its prefilter off at run time by returning None (e.g. when a user
registered a recognizer the pattern does not cover).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.text import Text, re2_options

__all__ = ["SET_LIMIT", "Prefilter"]

SET_LIMIT = 2048  # bytes: a text this short is read by one RE2 set of every pattern


@cache
def _compiled(pattern: bytes) -> Any:
    """``pattern`` compiled once per process (shared read-only: RE2 matches from any
    thread); None when RE2 cannot compile it (that guard then always runs)."""
    try:
        return re2.compile(pattern, re2_options())
    except re2.error:
        return None


class Prefilter:
    """The prefilters of a set of guards."""

    def __init__(self, guards: Mapping[str, object]) -> None:
        patterns = {gid: p for gid, guard in guards.items() if (p := _pattern_of(guard))}
        self._guards = {gid: guards[gid] for gid in patterns}
        self._all = tuple(sorted(patterns.items()))  # the set's key while none is switched off

    def skipped(self, text: Text) -> frozenset[str]:
        """Ids of the guards whose prefilter matches nothing in ``text``."""
        if not self._guards:
            return frozenset()
        patterns = {}  # read at each scan: a guard may switch its pattern off
        for gid, guard in self._guards.items():
            if (pattern := _pattern_of(guard)) is not None:
                patterns[gid] = pattern
        data = text.utf8()
        if len(data) <= SET_LIMIT and len(patterns) > 1:
            key = self._all
            if len(patterns) < len(self._all) or any(patterns[g] is not p for g, p in key):
                key = tuple(sorted(patterns.items()))
            compiled, ids = _set_of(key)
            if compiled is not None:
                found = {ids[i] for i in compiled.Match(data) or ()}
                return frozenset(gid for gid in ids.values() if gid not in found)
        return frozenset(
            gid
            for gid, pattern in patterns.items()
            if (rx := _compiled(pattern)) is not None and rx.search(data) is None
        )


@cache
def _set_of(patterns: tuple[tuple[str, bytes], ...]) -> tuple[Any, dict[int, str]]:
    """One RE2 set of the patterns that compile, and guard id by pattern index; (None, {})
    when the set cannot be built. Built once per process for each combination."""
    compiled = re2.Set.SearchSet(re2_options())
    ids: dict[int, str] = {}
    for gid, pattern in patterns:
        try:
            ids[compiled.Add(pattern)] = gid
        except re2.error:  # a pattern RE2 cannot compile: that guard always runs
            continue
    try:
        compiled.Compile()
    except re2.error:  # out of memory for the set: every guard runs
        return None, {}
    return compiled, ids


def _pattern_of(guard: object) -> bytes | None:
    """The guard's prefilter pattern, or None when it has none (now)."""
    pattern = getattr(guard, "prefilter", None)
    return pattern if isinstance(pattern, bytes) else None
