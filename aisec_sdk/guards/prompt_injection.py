"""``prompt_injection``: attempts to override, hijack or escape an LLM's instructions (LLM01).

The fast tier needs no model download: a keyword gate (Aho-Corasick over attack words in
six languages and their base64 / hex / ROT13 / reversed / leetspeak / spaced-out
spellings) finds where an attack could be; only there, a learned lexical model scores the
text as written and as decoded. Text without a gate hit costs one automaton pass, so long
benign documents are scanned in full at memory speed. System-prompt extraction findings
carry category LLM07.

The score is calibrated per direction: 0.5 is the operating point chosen on held-out data
for at most 1 % false positives (``input``: user turns; ``context``: documents and tool
results, where instructions addressed to an AI are themselves suspicious). ``output`` is
not this guard's job. An optional deep tier re-scores uncertain texts with a local model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from pydantic import Field, field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.guards.deobfuscate import decode
from aisec_sdk.guards.injection_features import (
    EXTRACTION_PATTERNS,
    LONG_TEXT_NEEDLES,
    LONG_TEXT_NEEDLES_INTL,
)
from aisec_sdk.guards.injection_model import LexicalModel, shipped_model
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["Detection", "PromptInjectionGuard", "PromptInjectionSettings", "detect"]

_WHOLE = 4096  # texts up to this many characters are scored as one window
_LONG = 16384  # longer texts are gated by a few needles first (see LONG_TEXT_NEEDLES)
_RADIUS = 512  # characters kept on each side of a gate hit in longer texts
_MAX_WINDOW = 3072
_FLOOR = 0.2  # scores below this are not reported (nor computed exactly)
_BYTE_FAMILIES = ("base64", "hex")
_Hit = tuple[int, int, str]  # start, end, family of one gate hit (normalised offsets)
_Window = tuple[int, int, list[_Hit]]
_S = TypeVar("_S", str, bytes)
_REQUESTED = ("base64", "hex", "rot13", "reversed")  # tried when the text asks to decode


class PromptInjectionSettings(GuardSettings):
    """Options of the prompt-injection guard."""

    deep_model_path: str | None = None
    """Local directory of a transformers sequence classifier for the deep tier (never
    downloaded); unset = fast tier only."""
    deep_band: tuple[float, float] = (0.2, 0.8)
    """Fast-tier scores inside this band (0 <= low <= high <= 1) are re-scored by the deep
    tier."""
    decode: bool = Field(default=True)
    """Also score base64, hex, ROT13, reversed, leetspeak and spaced-out spellings."""


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


def _lower(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans merged, none longer than ``_MAX_WINDOW`` unless a span itself is."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] and hi - out[-1][0] <= _MAX_WINDOW:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _around(length: int, starts_ends: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return _merge([(max(0, a - _RADIUS), min(length, b + _RADIUS)) for a, b in starts_ends])


def _find_all(haystack: _S, needles: Sequence[_S]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for needle in needles:
        pos = haystack.find(needle)
        while pos >= 0:
            found.append((pos, pos + len(needle)))
            pos = haystack.find(needle, pos + len(needle))
    return found


def _needle_spans(normalized: str) -> list[tuple[int, int]]:
    """Where a long text mentions a long-text needle, in character offsets.

    ASCII text is lower-cased and searched as is; other text is searched as UTF-8 bytes with
    ASCII letters lower-cased (cheaper than lower-casing and searching wide strings), and
    the byte offsets are mapped back to characters.
    """
    if normalized.isascii():
        return _find_all(normalized.lower(), LONG_TEXT_NEEDLES)
    data = normalized.encode("utf-8").lower()
    needles = [n.encode("utf-8") for n in (*LONG_TEXT_NEEDLES, *LONG_TEXT_NEEDLES_INTL)]
    spans: list[tuple[int, int]] = []
    chars = done = 0
    for start, end in sorted(_find_all(data, needles)):
        chars += len(data[done:start].decode("utf-8"))
        done = start
        spans.append((chars, chars + len(data[start:end].decode("utf-8"))))
    return spans


def _windows(normalized: str, model: LexicalModel) -> list[_Window]:
    """Windows to score with the gate hits inside: the whole text when short; otherwise
    merged spans around gate hits, the gate itself running only around needle hits in
    texts longer than ``_LONG``."""
    length = len(normalized)
    if length <= _WHOLE:
        hits = model.gate.hits(_lower(normalized))
        return [(0, length, hits)] if hits else []
    regions = [(0, length)] if length <= _LONG else _around(length, _needle_spans(normalized))
    found = {
        (a + lo, b + lo, family)
        for lo, hi in regions
        for a, b, family in model.gate.hits(_lower(normalized[lo:hi]))
    }
    windows: list[_Window] = []
    for hit in sorted(found):
        lo, hi = max(0, hit[0] - _RADIUS), min(length, hit[1] + _RADIUS)
        if windows and lo <= windows[-1][1] and hi - windows[-1][0] <= _MAX_WINDOW:
            windows[-1][2].append(hit)
            windows[-1] = (windows[-1][0], hi, windows[-1][2])
        else:
            windows.append((lo, hi, [hit]))
    return windows


def _score_window(
    normalized: str,
    window: _Window,
    model: LexicalModel,
    decode_obfuscation: bool,
    floor: float | None,
) -> Detection:
    a, b, hits = window
    hit_start, hit_end = min(h[0] for h in hits), max(h[1] for h in hits)
    plain = _lower(normalized[a:b])
    logit, patterns = model.score(plain, floor)
    best = Detection(logit, hit_start, hit_end, "plain", patterns, (a, b))
    if not decode_obfuscation:
        return best
    families = {h[2] for h in hits} - {"plain"}
    if "obfuscation_request" in patterns:
        families.update(_REQUESTED)
    for family in sorted(families):
        source = normalized[a:b] if family in _BYTE_FAMILIES else plain
        for start, end, decoded in decode(source, family):
            d_logit, d_patterns = model.score(_lower(decoded), floor)
            if d_logit > best.logit:
                span = (a + start, a + end) if end - start < b - a else (hit_start, hit_end)
                best = Detection(d_logit, *span, family, d_patterns, (a, b))
    return best


def detect(
    normalized: str,
    model: LexicalModel,
    decode_obfuscation: bool = True,
    floor: float | None = None,
) -> list[Detection]:
    """The best detection in every window of ``normalized`` that the gate opens.

    Logits are exact at or above ``floor`` (a logit); below it they may be underestimated
    (see `LexicalModel.score`)."""
    return [
        _score_window(normalized, window, model, decode_obfuscation, floor)
        for window in _windows(normalized, model)
    ]


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
        self.model.gate  # noqa: B018 - build the automaton now, not on the first call
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
        detections = detect(text.normalized, self.model, self.settings.decode, floor_logit)
        for det in detections:
            score = calibration.score(det.logit)
            low, high = self.settings.deep_band
            if self._deep is not None and low <= score <= high:
                score = self._deep.probability(text.normalized[det.window[0] : det.window[1]])
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
