"""One RE2 pass that tells the engine which guards have nothing to look at in a text.

A guard may offer a ``prefilter``: an RE2 pattern (UTF-8 bytes) that matches an ASCII text
wherever the guard could report anything (typically the very pattern of its own first
pass). The engine runs the prefilters of one direction's guards together as an RE2 set,
one pass over the text, and skips the guards whose prefilter matched nothing. On ordinary
text most guards find no candidate at all, and the shared pass costs about what one
guard's own pass would. Text with non-ASCII characters runs every guard (guards read such
text in different spellings). A guard switches its prefilter off at run time by returning
None (e.g. when a user registered a recognizer the pattern does not cover).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.text import Text

__all__ = ["Prefilter"]


def _pattern_of(guard: object) -> bytes | None:
    """The guard's prefilter pattern, or None when it has none (now)."""
    pattern = getattr(guard, "prefilter", None)
    return pattern if isinstance(pattern, bytes) else None


class Prefilter:
    """The prefilters of a set of guards, compiled into one RE2 set."""

    def __init__(self, guards: Mapping[str, object]) -> None:
        patterns = {gid: _pattern_of(guard) for gid, guard in guards.items()}
        self._guards: dict[str, Any] = {
            gid: guards[gid] for gid, p in patterns.items() if p is not None
        }
        self._ids: dict[int, str] = {}
        self._set: Any = None
        if len(self._guards) < 2:  # one guard alone: its own pass is the same work
            self._guards = {}
            return
        options = re2.Options()
        options.max_mem = 256 << 20
        compiled = re2.Set.SearchSet(options)
        for gid in list(self._guards):
            try:
                self._ids[compiled.Add(patterns[gid])] = gid
            except re2.error:  # a pattern RE2 cannot compile: that guard always runs
                del self._guards[gid]
        try:
            compiled.Compile()
        except re2.error:  # out of memory for the set: every guard runs
            self._guards = {}
            return
        self._set = compiled

    def skipped(self, text: Text) -> frozenset[str]:
        """Ids of the guards whose prefilter matches nothing in ``text``."""
        normalized = text.normalized
        if self._set is None or not normalized.isascii():
            return frozenset()
        found = [self._ids[i] for i in self._set.Match(normalized.encode("ascii")) or ()]
        return frozenset(
            gid
            for gid, guard in self._guards.items()
            if gid not in found and guard.prefilter is not None
        )
