"""One RE2 pass that tells the engine which guards have nothing to look at in a text.

A guard may offer a ``prefilter``: an RE2 pattern (bytes) that matches the UTF-8 encoding of
a text wherever the guard could report anything (typically the very pattern of its own first
pass: a pattern over ASCII matches a text's UTF-8 bytes where it matches the text with each
other character replaced by ``?``, as ``pii`` and ``secrets`` read it, because RE2 reads
UTF-8 one character at a time). The engine runs the prefilters of one direction's guards
together as an RE2 set, one pass over the text, and skips the guards whose prefilter matched
nothing. On ordinary text most guards find no candidate at all, and the shared pass costs
about what one guard's own pass would. A long text is first searched only in its first
``PREFIX`` bytes: the guards found there run without more ado, and only the others are
searched for in the whole text (none, when just one is left: its own pass is the same work),
so a long document in which every guard has candidates does not pay for a pass that skips
nothing. A guard switches its prefilter off at run time by returning None (e.g. when a user
registered a recognizer the pattern does not cover).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.text import Text, re2_options

__all__ = ["PREFIX", "Prefilter"]

PREFIX = 1 << 16  # bytes of a long text searched for every guard's pattern first


def _pattern_of(guard: object) -> bytes | None:
    """The guard's prefilter pattern, or None when it has none (now)."""
    pattern = getattr(guard, "prefilter", None)
    return pattern if isinstance(pattern, bytes) else None


@cache
def _compiled_set(patterns: tuple[tuple[str, bytes], ...]) -> tuple[Any, dict[int, str]]:
    """An RE2 set of the patterns that compile, and guard id by pattern index; (None, {})
    when the set cannot be built. Built once per process for each combination (half a second
    for a direction's set: every engine of a new policy would pay it again), shared read-only
    (RE2 matches from any thread)."""
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


class Prefilter:
    """The prefilters of a set of guards, compiled into one RE2 set."""

    def __init__(self, guards: Mapping[str, object]) -> None:
        patterns = {gid: p for gid, guard in guards.items() if (p := _pattern_of(guard))}
        self._items: tuple[tuple[str, Any], ...] = ()  # (id, guard) of the prefiltered guards
        self._sets: dict[frozenset[str], tuple[Any, dict[int, str]]] = {}
        if len(patterns) < 2:  # one guard alone: its own pass is the same work
            return
        self._patterns = patterns
        compiled, ids = _compiled_set(tuple(sorted(patterns.items())))
        if compiled is None:
            return
        self._items = tuple((gid, guards[gid]) for gid in ids.values())
        self._ids = frozenset(ids.values())
        self._sets[self._ids] = (compiled, ids)

    def skipped(self, text: Text) -> frozenset[str]:
        """Ids of the guards whose prefilter matches nothing in ``text``."""
        if not self._items:
            return frozenset()
        off = [g for g, guard in self._items if guard.prefilter is None]
        pending = self._ids.difference(off) if off else self._ids
        data = text.utf8()
        if len(data) > PREFIX:
            pending = pending.difference(self._found(pending, data[:PREFIX]))
            if len(pending) < 2:
                return frozenset()
        if not pending:
            return frozenset()
        found = self._found(pending, data)
        return pending.difference(found) if found else pending

    def _found(self, guards: frozenset[str], data: bytes) -> list[str]:
        """Which of ``guards`` have a prefilter match in ``data`` (one set pass)."""
        entry = self._sets.get(guards)
        if entry is None:  # a subset, compiled once when first needed
            items = tuple((g, self._patterns[g]) for g in sorted(guards))
            entry = self._sets[guards] = _compiled_set(items)
        compiled, ids = entry
        if compiled is None:
            return list(guards)
        return [ids[i] for i in compiled.Match(data) or ()]
