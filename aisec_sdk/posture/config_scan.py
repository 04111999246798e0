"""Configuration files (``.env``, YAML, TOML, INI, JSON, Dockerfiles, shell scripts):
hard-coded credentials,
``trust_remote_code`` switched on, LLM endpoints over plain ``http://``, YAML tags that
build Python objects (``!!python/object/apply:os.system``) under an unsafe loader, and
model output run as shell code (`ci_scan`).

Read as plain text (nothing is parsed, expanded or executed), so a broken file is checked
as well as a valid one, and every finding has its line. YAML tags count only where YAML
reads a tag, found by a small lexer that steps over comments and quoted and block scalars.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import accumulate
from pathlib import PurePath
from urllib.parse import unquote

from aisec_sdk.posture.ci_scan import line_strings, model_output_in_shell, string_at
from aisec_sdk.posture.code_scan import ENDPOINT_NAME, LLM_URL, exempt_host, token_secrets
from aisec_sdk.posture.models import ScanFinding, Severity

__all__ = ["MAX_CONFIG_SIZE", "config_format", "is_config", "scan_config"]

MAX_CONFIG_SIZE = 4 << 20
"""Larger files are data, not settings: they are not read as configuration."""
_SUFFIXES = frozenset(
    {".env", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".properties", ".json"}
    | {".sh", ".bash", ".zsh", ".ps1", ".tfvars", ".dockerfile"}  # ENV/ARG/export KEY=...
)
# Dockerfile, Dockerfile.prod, Containerfile; and dotfiles that hold tokens
_DOCKER = ("dockerfile", "containerfile")
_DOTFILES = frozenset({".envrc", ".netrc", ".npmrc", ".pypirc"})
# ``trust_remote_code: true``, ``"trust_remote_code": true``, ``TRUST_REMOTE_CODE=1``
_TRUST = re.compile(r"""\btrust_remote_code(["']?)\s*[:=]\s*["']?(?:true|yes|on|1)\b""", re.I)
# a setting written as a whole string, a dotted path before it: "model.trust_remote_code=1"
_PATH = re.compile(r"[\w.]*")
# PyYAML's object tags, resolved: !!python/object/apply:os.system runs under an unsafe loader
_PYTHON_TAG = re.compile(
    r"tag:yaml\.org,2002:python/(?:object(?:/apply|/new)?|name|module)(?::[\w.]+)?"
)
# YAML's tag handles ("!", "!!", "!name!") and their prefixes before any %TAG directive
_DEFAULT_HANDLES = {"!": "!", "!!": "tag:yaml.org,2002:"}
_HANDLE = re.compile(r"![\w-]*!")
_PYTHON_ESCAPE = re.compile(r"%(?:70|79|74|68|6[EFef]|2[Ff])")  # p, y, t, h, o, n, /
_TAG_DIRECTIVE = re.compile(r"%TAG[ \t]+(!(?:[\w-]*!)?)[ \t]+([^\s#]+)")
_DOUBLE = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SINGLE = re.compile(r"'(?:[^']|'')*'")
_TOKEN = re.compile(r"\S+")
_PLAIN = re.compile(r"[^\s#\[\]{},:]+")  # text that ends no plain scalar
_SPACE = re.compile(r"[ \t\r\n]+")
_HTTP_URL = re.compile(r"""http://[^\s"'<>,;)\]}]+""", re.I)
# the setting a URL is the value of: ``base_url: http://...``, ``OPENAI_BASE_URL=http://...``
_NAME_BEFORE = re.compile(r"""([\w\-]+)["']?\s*[:=]\s*["']?$""")
_NAME_WINDOW = 128
_MAX_LINE = 64 * 1024


def is_config(name: str) -> bool:
    """A configuration file by name: ``.env``, ``.env.local``, ``app.yaml``, ``x.toml``..."""
    lower = name.lower()
    return (
        lower in _DOTFILES or _named_kind(lower) is not None or PurePath(lower).suffix in _SUFFIXES
    )


def config_format(name: str) -> str:
    """What kind of configuration file ``name`` is: ``env``, ``dockerfile``, or its suffix."""
    lower = name.lower()
    return _named_kind(lower) or PurePath(lower).suffix.lstrip(".") or lower.lstrip(".")


def _named_kind(lower: str) -> str | None:
    """``dockerfile`` or ``env`` for a (lower-case) name that says so beyond its suffix:
    ``Dockerfile.prod``, ``.env.local``."""
    if lower.startswith(_DOCKER) or lower.endswith(".dockerfile"):
        return "dockerfile"
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return "env"
    return None


def _resolve(token: str, handles: dict[str, str]) -> str | None:
    """The full tag a tag token (``!!x``, ``!p!x``, ``!x``, ``!<x>``) stands for, with
    its %-escapes decoded, as YAML resolves it; None when its handle is not declared."""
    if token.startswith("!<"):
        return unquote(token[2:].split(">", 1)[0])
    second = token.find("!", 1)  # a handle is named when the token has a second "!"
    name = token[: second + 1] if second > 0 else "!"
    if second > 0 and not _HANDLE.fullmatch(name):
        return None  # not a handle YAML reads ("!a/b!c" is a scanner error)
    prefix = handles.get(name)
    return None if prefix is None else prefix + unquote(token[len(name) :])


def _yaml_tags(text: str) -> Iterator[tuple[int, str]]:
    """(offset, tag) of each PyYAML Python tag that stands where YAML reads a tag: at the
    start of a node, outside comments, quoted scalars and block scalars (``# never use
    !!python/name:os.system`` or ``doc: "the tag !!python/..."`` builds nothing). Tags are
    resolved as YAML does: the handles a document's %TAG directives declare (from its
    ``---`` on; the defaults in a document without them) and %-escapes. A quoted scalar
    that never ends stops the reading, as it stops PyYAML."""
    at, size, start = 0, len(text), True  # start: where a node may begin
    handles, declared = dict(_DEFAULT_HANDLES), dict(_DEFAULT_HANDLES)
    while at < size:
        char = text[at]
        if char == "%" and (at == 0 or text[at - 1] == "\n"):  # a directive line
            end = _line_end(text, at)
            if (directive := _TAG_DIRECTIVE.match(text, at, end)) is not None:
                declared[directive[1]] = unquote(directive[2])
            at = end
        elif char in " \t\r\n":
            space = _SPACE.match(text, at)
            assert space is not None  # it matches at least the character itself
            start, at = start or "\n" in space.group(), space.end()
        elif char == "#" and (at == 0 or text[at - 1] in " \t\n"):
            at = _line_end(text, at)
        elif start and char in "\"'":
            quoted = (_DOUBLE if char == '"' else _SINGLE).match(text, at)
            if quoted is None:
                return
            start, at = False, quoted.end()
        elif start and char in "!&":  # a tag or an anchor: the node follows
            token = _TOKEN.match(text, at)
            assert token is not None  # it matches at least the character itself
            written = token.group().rstrip(",]}")  # what ends a flow collection
            resolved = _resolve(written, handles) if char == "!" else None
            if resolved is not None and (tag := _PYTHON_TAG.match(resolved)) is not None:
                # a tag spelt through a declared handle or escapes is named in full too
                yield at, written if "python/" in written else f"{written} ({tag.group()})"
            at = token.end()
        elif start and char in "|>":
            at = _block_end(text, at)
        elif start and text.startswith("---", at) and text[at + 3 : at + 4].isspace():
            at += 3  # a document's start: its node follows, under the directives before it
            handles, declared = declared, dict(_DEFAULT_HANDLES)
        elif char in "[{," or (
            (char == ":" or (start and char in "-?"))
            and text[at + 1 : at + 2] in ("", " ", "\t", "\n", "\r")
        ):
            start, at = True, at + 1
        else:  # a plain scalar, up to what may end it or open a comment
            plain = _PLAIN.match(text, at + 1)
            start, at = False, plain.end() if plain else at + 1


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _block_end(text: str, at: int) -> int:
    """The end of the block scalar whose indicator (``|``, ``>``) is at ``at``: its
    content lines are blank or indented deeper than the indicator's line."""
    line = text.rfind("\n", 0, at) + 1
    indent = len(text[line:at]) - len(text[line:at].lstrip(" "))
    end = _line_end(text, at)
    while end < len(text):
        following = _line_end(text, end + 1)
        content = text[end + 1 : following]
        if content.strip() and len(content) - len(content.lstrip(" ")) <= indent:
            break
        end = following
    return end


def _trusting(line: str) -> bool:
    """Whether ``line`` switches trust_remote_code on, not just mentions it: outside a
    comment, and outside a quoted string unless the name is a quoted key
    (``"trust_remote_code": true``) or the string is an argument (``"--trust_remote_code=1"``,
    ``"model.trust_remote_code=true"``); help text (``"never set trust_remote_code=True"``,
    aisec's own SARIF rule help) is not."""
    context: tuple[int, list[tuple[int, int]]] | None = None
    for match in _TRUST.finditer(line):
        comment, spans = context = context or line_strings(line)
        span = string_at(spans, match.start())
        if match.start() >= comment:
            return False
        if (
            span is None
            or match.end(1) - 1 == span[1]  # the string is the key's name
            or line.endswith("--", span[0], match.start())  # "... --trust_remote_code=1"
            or (match.end() == span[1] and _PATH.fullmatch(line, span[0], match.start()))
        ):
            return True
    return False


def scan_config(data: bytes, path: str) -> list[ScanFinding]:
    """Findings for one configuration file's bytes; ``path`` names it in the findings."""
    text = data.decode("utf-8", "replace")
    lines = text.splitlines(keepends=True)
    yaml = PurePath(path).suffix.lower() in (".yaml", ".yml")
    starts = list(accumulate((len(line) for line in lines), initial=0))
    found: list[tuple[int, str, Severity, str]] = [
        (bisect_right(starts, at), "AISEC-CODE009", "high", f"hard-coded {kind.replace('_', ' ')}")
        for at, kind in token_secrets(text, named_api_keys=True)
    ]
    capped = [line[:_MAX_LINE] for line in lines]  # a bounded cost per line for every check
    for number, code in enumerate(capped, start=1):
        if "trust_remote_code" in code.lower() and _trusting(code):
            found.append((number, "AISEC-CODE001", "high", "trust_remote_code enabled"))
        for match in _HTTP_URL.finditer(code) if "http://" in code.lower() else ():
            url = match.group()
            # a bounded window: an unbounded search is quadratic on a long run of word chars
            named = _NAME_BEFORE.search(code, max(0, match.start() - _NAME_WINDOW), match.start())
            endpoint = named is not None and ENDPOINT_NAME.search(named.group(1)) is not None
            if (endpoint or LLM_URL.search(url)) and not exempt_host(url):
                host = url.split("/", 3)[2]
                found.append(
                    (number, "AISEC-CODE008", "medium", f"LLM endpoint {host!r} over plain http://")
                )
    # a Python tag has "python" written out, split by a %TAG prefix, or partly %-escaped
    tagged = (
        yaml
        and "!" in text
        and ("python" in text or "%TAG" in text or _PYTHON_ESCAPE.search(text) is not None)
    )
    for at, tag in _yaml_tags(text) if tagged else ():
        message = f"YAML tag {tag} builds Python objects under yaml.load/unsafe_load"
        found.append((bisect_right(starts, at), "AISEC-CODE011", "high", message))
    workflow = yaml and "/.github/workflows/" in "/" + path.replace("\\", "/")
    found += [
        (number, "AISEC-CODE012", "high", message)
        for number, message in model_output_in_shell(capped, workflow)
    ]
    findings = []
    for number, rule, severity, message in sorted(set(found)):
        code = lines[number - 1].strip()
        key = hashlib.sha256(f"{code}|{message}".encode()).hexdigest()
        where = f"{message} (line {number})"
        findings.append(ScanFinding(rule, severity, path, where, line=number, key=key))
    return findings
