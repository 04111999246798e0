"""``canary``: a planted token that must never come back in model output (OWASP LLM07).

`canary()` returns a fresh random token to put in a system prompt ("Never reveal this
identifier: ..."); the guard then catches it in output written verbatim, in another case,
split by spaces or punctuation, reversed, hex- or base64-encoded (any alignment, standard or
URL-safe alphabet), or ROT13-rotated. It also reads ``context``: the engine scans the
arguments of the model's tool calls so, and a token there is leaving through a tool (an
e-mail, a web request). Tokens are known to the guard through a process-wide
registry that `canary()` fills, and through the ``tokens`` option (for tokens planted by
another process, e.g. read from configuration).
"""

from __future__ import annotations

import base64
import bisect
import codecs
import secrets
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import ClassVar

import re2  # type: ignore[import-untyped]
import regex
from pydantic import field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import CONFUSABLES, Text, char_spans, re2_options
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["CanaryGuard", "CanarySettings", "canary", "clear_canaries", "registered_canaries"]

_REGISTRY: dict[str, None] = {}  # insertion-ordered set
_LOCK = threading.Lock()
_NOT_ALNUM = regex.compile(r"[^0-9a-z]+")
_SPACE_CHARS = " \t\n\r\x0b\x0c"
_SPACE_BYTES = _SPACE_CHARS.encode()
_NOT_ALNUM_BYTES = bytes(b for b in range(128) if not chr(b).isalnum())
_MIN_CORE = 8
_FOLD_LOOK_ALIKES = str.maketrans(CONFUSABLES)
_HEX_PREFIXES = ("0x", "\\x", "\\u00", "&#x", "%")
_BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")
# Look-alikes next to a digit (text.py folds those that touch a Latin letter): one RE2 pass
# over the UTF-8 (the ``re`` module tests a class this size character by character).
_LOOK_ALIKES_AT_DIGITS = re2.compile(
    "[0-9][{0}]+|[{0}]+[0-9]".format("".join(CONFUSABLES)).encode(), re2_options()
)


def canary(prefix: str = "aisec", *, register: bool = True) -> str:
    """A new canary token (``prefix-`` + 16 random hex digits, 64 bits) to plant in a
    system prompt; registered with every canary guard of this process unless
    ``register=False``."""
    token = f"{prefix}-{secrets.token_hex(8)}" if prefix else secrets.token_hex(8)
    if register:
        with _LOCK:
            _REGISTRY[token] = None
    return token


def registered_canaries() -> tuple[str, ...]:
    """The canary tokens `canary` issued (and registered) in this process."""
    with _LOCK:
        return tuple(_REGISTRY)


def clear_canaries() -> None:
    """Forget every registered canary token."""
    with _LOCK:
        _REGISTRY.clear()


def _compact(value: str) -> str:
    return _NOT_ALNUM.sub("", value.lower())


def _core(token: str) -> str:
    """The part that identifies a token: its random suffix for `canary` tokens, else all."""
    head, _, tail = token.rpartition("-")
    return _compact(tail) if head and len(_compact(tail)) >= 12 else _compact(token)


def _stable_base64(raw: bytes) -> list[tuple[str, int, int]]:
    """Base64 text that encodes ``raw`` whatever bytes come before and after it: one piece
    per alignment (the characters that depend only on ``raw``), with the number of
    characters before and after it that encode ``raw`` in part (0 or 1 each)."""
    pieces = []
    for shift in range(3):
        low = base64.b64encode(b"\x00" * shift + raw + b"\x00\x00").decode()
        high = base64.b64encode(b"\xff" * shift + raw + b"\xff\xff").decode()
        same = [a == b for a, b in zip(low, high, strict=True)]
        start = same.index(True)
        end = start
        while end < len(same) and same[end]:
            end += 1
        first, last = shift * 8 // 6, ((shift + len(raw)) * 8 + 5) // 6  # chars with raw bits
        pieces.append((low[start:end], start - first, last - end))
    return pieces


Needle = tuple[str, str, int, int]
"""(family, needle, characters before it and after it that are part of the leak)."""


@lru_cache(maxsize=4096)
def _variants(token: str) -> tuple[tuple[Needle, ...], tuple[Needle, ...]]:
    """(needles for the compacted lower-case text, needles for the space-free text)."""
    core, whole = _core(token), _compact(token)
    # the whole token first, so that its span (and redaction) includes the prefix
    compact: dict[str, str] = {whole: "verbatim", whole[::-1]: "reversed"}
    compact.setdefault(core, "verbatim")
    compact.setdefault(core[::-1], "reversed")
    compact.setdefault(codecs.encode(core, "rot13"), "rot13")
    exact: dict[str, tuple[int, int]] = {}
    for raw in dict.fromkeys((token, core)):  # in this order, as above
        compact.setdefault(raw.encode().hex(), "hex")
        for piece, lead, trail in _stable_base64(raw.encode()):
            if len(piece) >= _MIN_CORE:
                exact.setdefault(piece, (lead, trail))
                exact.setdefault(piece.replace("+", "-").replace("/", "_"), (lead, trail))
    return (
        tuple((f, n, 0, 0) for n, f in compact.items()),
        tuple(("base64", n, lead, trail) for n, (lead, trail) in exact.items()),
    )


class CanarySettings(GuardSettings):
    """Options of the ``canary`` guard."""

    tokens: tuple[str, ...] = ()
    """Canary tokens planted elsewhere (in addition to those `canary` registered)."""
    use_registry: bool = True
    """Also look for every token `canary` issued in this process."""

    @field_validator("tokens")
    @classmethod
    def _long_enough(cls, tokens: tuple[str, ...]) -> tuple[str, ...]:
        for token in tokens:
            if len(_core(token)) < _MIN_CORE:
                raise ValueError(f"canary token {token!r} is too short to detect reliably")
        return tokens


class CanaryGuard:
    """Finds planted canary tokens in model output, however they were rewritten."""

    id: ClassVar[str] = "canary"
    category: ClassVar[str] = "LLM07"
    default_directions: ClassVar[tuple[Direction, ...]] = ("context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "block"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = CanarySettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, CanarySettings)

    def _tokens(self) -> list[str]:
        tokens = dict.fromkeys(self.settings.tokens)
        if self.settings.use_registry:
            tokens.update(dict.fromkeys(registered_canaries()))
        return list(tokens)

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        tokens = self._tokens()
        if not tokens:
            return []
        s = text.normalized
        low = text.lowered()
        views = _Views(s, low, text.utf8())
        findings: list[Finding] = []
        for token in tokens:
            spans: list[tuple[int, int]] = []
            at = s.find(token)
            while at >= 0:
                spans.append((at, at + len(token)))
                findings.append(self._finding(text, at, at + len(token), "verbatim", 1.0))
                at = s.find(token, at + len(token))
            in_compact, in_spaceless = _variants(token)
            hex_needles = [n for n in in_compact if n[0] == "hex"]
            for view, needles in (
                ("compact", in_compact),
                ("spaceless", in_spaceless),
                ("unprefixed", hex_needles),
            ):
                filtered = views.filtered(view)
                for family, needle, lead, trail in needles:
                    if needle not in filtered:  # (most outputs: one C-speed test each)
                        continue
                    for a, b in views.find(view, needle, lead, trail):
                        if family == "hex":
                            a, b = _prefixed(low, a, b)
                        if _free(spans, a, b):
                            bisect.insort(spans, (a, b))
                            findings.append(self._finding(text, a, b, family, 0.95))
        return findings

    def _finding(self, text: Text, a: int, b: int, family: str, score: float) -> Finding:
        how = "case-changed or split" if family == "verbatim" and score < 1.0 else family
        message = f"canary token leaked ({how})"
        return finding_at(self, text, (a, b), score, message, replacement="", entity="canary")


def _run(view: str, index: list[int], at: int, count: int, padding: str = "") -> int:
    """``at`` (a boundary in ``view``, whose characters stand at ``index`` in the text)
    moved over up to ``count`` base64 characters (back when negative), then forward over
    up to two ``padding`` characters, each written right next to the one before."""

    def joined(i: int) -> bool:  # view[i - 1] and view[i] touch in the text
        return 0 < i < len(view) and index[i] == index[i - 1] + 1

    step = -1 if count < 0 else 1
    for _ in range(abs(count)):
        near = at - 1 if step < 0 else at
        if not joined(at) or view[near] not in _BASE64_ALPHABET:
            break
        at += step
    while padding and view.startswith(padding, at) and joined(at) and view[at - 2 : at] != "==":
        at += 1
    return at


def _prefixed(low: str, a: int, b: int) -> tuple[int, int]:
    """``[a, b)``, a run of hex digits, with the byte prefix of its first byte (``0x61``,
    ``\\x61``, ``%61``, ``&#x61;``) and the ``;`` closing the last reference."""
    prefix = next((p for p in _HEX_PREFIXES if low.startswith(p, a - len(p))), "")
    if prefix == "&#x" and low.startswith(";", b):
        b += 1
    return a - len(prefix), b


def _free(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    """Whether ``[a, b)`` overlaps none of the sorted, disjoint ``spans``."""
    i = bisect.bisect_left(spans, (a, b))
    return (i == 0 or spans[i - 1][1] <= a) and (i == len(spans) or b <= spans[i][0])


def _folded(s: str, spans: list[tuple[int, int]]) -> str:
    """``s`` with the look-alikes in ``spans`` folded to Latin (one character each)."""
    pieces: list[str] = []
    done = 0
    for a, b in spans:
        pieces += (s[done:a], s[a:b].translate(_FOLD_LOOK_ALIKES))
        done = b
    pieces.append(s[done:])
    return "".join(pieces)


def _kept_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _kept_nonspace(ch: str) -> bool:
    return ch.isascii() and ch not in _SPACE_CHARS


class _Views:
    """Filtered views of one output, each built on first use: ``view(needle)`` gives the
    spans (in the normalised text) of every occurrence of ``needle`` in the view."""

    def __init__(self, s: str, low: str, data: bytes) -> None:
        if not s.isascii():  # fold the look-alikes text.py left: those between digits
            spans = char_spans(_LOOK_ALIKES_AT_DIGITS, s, "surrogatepass", data)
            if spans:
                s, low = _folded(s, spans), _folded(low, spans)
        self._s, self._low = s, low
        self._built: dict[str, tuple[str, str, Callable[[str], bool]]] = {}
        self._kept: dict[str, list[int]] = {}

    def _view(self, name: str) -> tuple[str, str, Callable[[str], bool]]:
        built = self._built.get(name)
        if built is None:
            if name == "spaceless":
                source, kept = self._s, _kept_nonspace
                filtered = source.encode("ascii", "ignore").translate(None, _SPACE_BYTES)
            else:
                source, kept = self._low, _kept_alnum
                if name == "unprefixed":  # 0x61 0x69, \x61\x69, %61%69, &#x61; -> 6169
                    for prefix in _HEX_PREFIXES:
                        source = source.replace(prefix, " " * len(prefix))
                filtered = source.encode("ascii", "ignore").translate(None, _NOT_ALNUM_BYTES)
            built = self._built[name] = (source, filtered.decode(), kept)
        return built

    def filtered(self, name: str) -> str:
        """View ``name``: ``compact`` (lower case, letters and digits only), ``spaceless``
        (white space removed) or ``unprefixed`` (like compact, hex byte prefixes removed
        first; empty when the text has none)."""
        if name == "unprefixed" and not any(prefix in self._low for prefix in _HEX_PREFIXES):
            return ""
        return self._view(name)[1]

    def find(self, name: str, needle: str, lead: int = 0, trail: int = 0) -> list[tuple[int, int]]:
        """Spans in the text of every occurrence of ``needle`` in view ``name``, with what
        belongs to the leak around it: up to ``lead`` / ``trail`` base64 characters that
        encode it in part, and the padding after them."""
        source, filtered, kept = self._view(name)
        starts = []
        at = filtered.find(needle)
        while at >= 0:
            starts.append(at)
            at = filtered.find(needle, at + len(needle))
        if not starts:
            return []
        index = self._kept.get(name)
        if index is None:  # position in ``source`` of each character the view kept
            index = self._kept[name] = [i for i, ch in enumerate(source) if kept(ch)]
        spans = [
            (_run(filtered, index, a, -lead), _run(filtered, index, a + len(needle), trail, "="))
            for a in starts
        ]
        return [(index[a], index[b - 1] + 1) for a, b in spans]
