"""The learned lexical model of the prompt-injection fast tier, and its keyword gate.

The model is a logistic regression over the features of `injection_features` (unigrams,
bigrams, pattern hits); its weights ship as JSON next to this module and are reproduced by
``benchmarks/train_prompt_injection.py``. The gate is one RE2 pattern over a few
hundred attack keywords (and their encoded spellings): text with no gate hit is benign
without further work, and only windows around hits are scored, so a long benign document
costs one pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from itertools import pairwise
from typing import Any

import re2  # type: ignore[import-untyped]

from aisec_sdk.guards.deobfuscate import (
    accent_class,
    accent_tolerant,
    accents_obfuscate,
    encoded_forms,
    has_accents,
)
from aisec_sdk.guards.injection_features import (
    CONTEXT_ANCHORS,
    CORE_ANCHORS,
    GATE_SHAPES,
    OBFUSCATION_ANCHORS,
    PATTERNS,
    pattern_matcher,
    reads_as_data,
    tokens,
)
from aisec_sdk.text import char_spans, re2_options
from aisec_sdk.verdict import Direction

__all__ = ["WEIGHTS_FILE", "Calibration", "Gate", "LexicalModel", "shipped_model"]

WEIGHTS_FILE = "prompt_injection_weights.json"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Maps a model logit to a 0..1 score whose 0.5 is the operating point of a direction."""

    center: float
    slope: float

    def score(self, logit: float) -> float:
        """Calibrated score of ``logit``."""
        z = self.slope * (logit - self.center)
        if z < -60.0:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def logit_at(self, score: float) -> float:
        """The logit whose calibrated score is ``score`` (0 < score < 1)."""
        return self.center - math.log(1.0 / score - 1.0) / self.slope


class Gate:
    """Keyword gate: where a text might carry an attack, and in which spelling; also opened
    by a few shapes no keyword names (a URL with a slot for data)."""

    def __init__(
        self, words: Iterable[str], shapes: Iterable[str] = (), accented: Iterable[str] = ()
    ) -> None:
        shapes = tuple(shapes)
        entries: dict[str, str] = {}
        for word in words:
            entries.setdefault(word, "plain")
        for word in OBFUSCATION_ANCHORS:
            for family, forms in encoded_forms(word).items():
                for form in forms:
                    entries.setdefault(form, family)
        self.size = len(entries)
        self._family = entries
        # Three RE2 passes over UTF-8 bytes, each a DFA small enough to stay fast on text it
        # has never seen (a DFA's states are built as the text needs them; one pattern of
        # keywords, their accented spellings and shapes together needed so many on random
        # base64 or source code that a first read ran at 10-100 KB/s). The keywords,
        # case-insensitive (longest first where several start at one position); the
        # ``accented`` ASCII keywords with accents or combining marks on their letters (the
        # ``diacritics`` family), only in text that has such letters (a DFA as large as the
        # one pattern was, but real accented text needs few states: 1-3 ms for 60 KB of
        # French never seen; random accented letters ~0.5 MB/s); the ``shapes``, RE2
        # expressions that open a window where no word would (a ``plain`` hit).
        keys = sorted(entries, key=lambda k: (-len(k), k))
        alternation = "|".join(map(re2.escape, keys))
        self._words: Any = _compiled([alternation])
        spelled = sorted({w for w in accented if w.isascii()}, key=lambda k: (-len(k), k))
        self._accented: Any = _compiled(accent_tolerant(w, re2.escape) for w in spelled)
        self._shape: Any = _compiled(shapes)
        # see `aisec_sdk.prefilter`: where any of the three could find something (any
        # accented letter: the accented pass runs on text that has one)
        shape = "".join(f"|{rx}" for rx in shapes)
        self.prefilter = f"(?i:{alternation}{shape})|".encode() + accent_class()

    def hits(self, text: str, data: bytes | None = None) -> list[tuple[int, int, str]]:
        """(start, end, family) of the keyword occurrences in ``text``, in order, never
        overlapping (``data``: ``text`` in UTF-8 with surrogates passed through, when the
        caller has it). A keyword found only with marks on its letters is a ``diacritics``
        hit when the marks look added (see `accents_obfuscate`), and no hit when they are
        how a language spells it."""
        if data is None:
            data = text.encode("utf-8", "surrogatepass")
        found = [
            (a, b, self._family[text[a:b].lower()])
            for a, b in _spans(self._words, text, data)
            if not (text.startswith(",", b) and text[a - 1 : a] == ";")  # ";base64," of a URI
        ]
        more = []
        if self._accented is not None and len(data) != len(text) and has_accents(data):
            more += [
                (a, b, "diacritics")
                for a, b in _spans(self._accented, text, data)
                if text[a:b].lower() not in self._family and accents_obfuscate(text, a, b)
            ]
        if self._shape is not None:
            more += [(a, b, "plain") for a, b in _spans(self._shape, text, data)]
        if not more:
            return found
        merged: list[tuple[int, int, str]] = []
        for hit in sorted(found + more, key=lambda h: h[0]):  # stable: keywords first
            if not merged or hit[0] >= merged[-1][1]:
                merged.append(hit)
        return merged


def _compiled(expressions: Iterable[str]) -> Any:
    """One case-insensitive RE2 alternation of ``expressions`` (None when there are none)."""
    alternatives = "|".join(expressions)
    if not alternatives:
        return None
    return re2.compile(b"(?i)(?:" + alternatives.encode() + b")", re2_options())


def _spans(pattern: Any, text: str, data: bytes) -> list[tuple[int, int]]:
    return char_spans(pattern, text, "surrogatepass", data)


@dataclass(frozen=True, slots=True)
class _Tables:
    """The weights of a model split by feature kind, for scoring: unigrams by token,
    bigrams by token pair (no joined strings to build and hash), patterns by name and in
    the order the floor test tries them (heaviest first)."""

    unigrams: dict[str, float]
    bigrams: dict[tuple[str, str], float]
    patterns: dict[str, float]
    pattern_order: tuple[str, ...]

    @classmethod
    def of(cls, weights: Mapping[str, float]) -> _Tables:
        unigrams: dict[str, float] = {}
        bigrams: dict[tuple[str, str], float] = {}
        patterns = {name: weights.get(f"#{name}", 0.0) for name in PATTERNS}
        for feature, weight in weights.items():
            if feature.startswith("#"):
                continue
            first, _, second = feature.partition(" ")
            if second:
                bigrams[first, second] = weight
            else:
                unigrams[first] = weight
        order = tuple(sorted(patterns, key=lambda n: (-patterns[n], n)))
        return cls(unigrams, bigrams, patterns, order)


@dataclass(frozen=True)
class LexicalModel:
    """Logistic regression over lexical features, plus its gate words and calibration."""

    bias: float
    weights: Mapping[str, float]
    gate_words: tuple[str, ...]
    calibration: Mapping[str, Calibration]
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LexicalModel:
        """Build from the JSON document written by the training script."""
        return cls(
            bias=float(data["bias"]),
            weights={str(k): float(v) for k, v in data["weights"].items()},
            gate_words=tuple(data["gate_words"]),
            calibration={
                str(d): Calibration(float(c["center"]), float(c["slope"]))
                for d, c in data["calibration"].items()
            },
            meta=dict(data.get("meta", {})),
        )

    def score(
        self, lowered: str, floor: float | None = None, ignored: frozenset[str] = frozenset()
    ) -> tuple[float, tuple[str, ...]]:
        """Log-odds of an attack for lower-cased text, and the telling patterns in it
        (the patterns named in ``ignored`` do not count).

        With a ``floor``, the candidate patterns are tried from the heaviest down and the
        rest skipped as soon as even all of them could not lift the log-odds to the floor
        (the result is then below ``floor``, not exact).
        """
        tables = self._tables
        toks = tokens(lowered)
        unigrams, bigrams = tables.unigrams, tables.bigrams
        base = self.bias + math.fsum([
            *map(unigrams.__getitem__, unigrams.keys() & toks),
            *map(bigrams.__getitem__, bigrams.keys() & pairwise(toks)),
        ])
        candidates, matches = pattern_matcher(lowered, lowered.encode("utf-8", "surrogatepass"))
        order = [n for n in tables.pattern_order if n in candidates and n not in ignored]
        if not order:
            return base, ()
        remaining = math.fsum(max(0.0, tables.patterns[n]) for n in order)
        matched: list[float] = []
        names: list[str] = []
        for name in order:
            if floor is not None and base + math.fsum(matched) + remaining < floor:
                return base + math.fsum(matched), ()
            weight = tables.patterns[name]
            remaining -= max(0.0, weight)
            if matches(name):
                matched.append(weight)
                if weight > 0.0:
                    names.append(name)
        return base + math.fsum(matched), tuple(sorted(names))

    @cached_property
    def _tables(self) -> _Tables:
        return _Tables.of(self.weights)

    def gate(self, direction: Direction = "input") -> Gate:
        """The keyword gate of this model for ``direction``: ``context`` also opens on data
        that addresses the AI reading it."""
        return self._gates[reads_as_data(direction)]

    @cached_property
    def _gates(self) -> tuple[Gate, Gate]:
        """The gate for user turns and the one for data, built once per model."""
        words = (*CORE_ANCHORS, *self.gate_words)
        data_words = (*words, *CONTEXT_ANCHORS)
        return Gate(words, GATE_SHAPES, words), Gate(data_words, GATE_SHAPES, data_words)


@cache
def shipped_model() -> LexicalModel:
    """The model whose weights ship with the package."""
    raw = resources.files("aisec_sdk.guards").joinpath("data", WEIGHTS_FILE).read_text("utf-8")
    return LexicalModel.from_dict(json.loads(raw))


