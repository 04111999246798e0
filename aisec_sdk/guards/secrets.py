"""``secrets``: credentials and keys in text (OWASP LLM02).

Provider token formats (AWS, GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, Hugging
Face, Google, Azure), JWTs, PEM private keys, passwords in connection URLs, and generic
``password=`` / ``api_key:`` assignments whose value looks like a secret (entropy, character
classes). One RE2 pass (linear time) over the text finds every candidate; candidates are then
validated in Python: placeholders (``sk-...``, ``YOUR_API_KEY``, ``xxxx``), tokens embedded
in base64 blobs such as data-URI images, and low-entropy values do not fire. Hex digests,
UUIDs and git SHAs match no rule on their own.

A generic assignment fires only when its name ends in the secret's word (``DB_PASSWORD``,
``apiKeys``, ``x-api-key``, ``tokenValue``; not ``tokenizer``, ``token_type``,
``PASSWORD_FIELD``) and its value is a literal, not code that refers to a secret: a dotted
path (``settings.API_KEY``), a call or subscript (``input(...)``, ``os.environ[...]``), a
type annotation, a template or variable reference, a file path, or a name made of words.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, ClassVar, Literal
from urllib.parse import unquote

import re2  # type: ignore[import-untyped]
import regex
from pydantic import Field, field_validator

from aisec_sdk.guards.base import (
    GuardSettings,
    finding_at,
    known_only,
    settings_as,
    strongest,
)
from aisec_sdk.text import Text, re2_options
from aisec_sdk.vault import replacement
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["KINDS", "SecretsGuard", "SecretsSettings", "shannon_entropy"]

_MAX_VALUE = 256
"""Characters of a value `_VALUE` reads; `_VALUE_TAIL` reads on."""
_MIN_VALUE = 8
"""Characters of a value the generic rule's pattern reads: all it needs to be a candidate.
Reading the value there too (up to `_MAX_VALUE`) made each candidate cost RE2 a submatch
pass of the whole pattern over the value, 50 µs: ``password=`` repeated, a candidate every
9 characters, took 30-40 s per MB."""

# (kind, RE2 pattern, score). Order matters where two rules can start at the same place.
_RULES: tuple[tuple[str, bytes, float], ...] = (
    ("private_key", rb"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----", 0.99),
    ("aws_access_key_id", rb"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b", 0.95),
    ("github_token", rb"\bgh[pousr]_[A-Za-z0-9]{36,251}\b", 0.98),
    ("github_fine_grained_token", rb"\bgithub_pat_[A-Za-z0-9_]{50,244}\b", 0.98),
    (
        "gitlab_token",
        rb"\bgl(?:pat|dt|rt|ptt|soat|ft|imt|oas|cbt|agent)-[A-Za-z0-9_\-]{20,310}"
        rb"(?:\.[0-9a-z]{2}\.[0-9a-z]{2,12}\b)?",  # routable: .<version>.<checksum>
        0.95,
    ),
    (
        "slack_token",
        rb"\bxox[abposre]-[A-Za-z0-9\-]{10,250}|\bxapp-[0-9]-[A-Za-z0-9\-]{10,250}",
        0.95,
    ),
    (
        "slack_webhook",
        rb"https://hooks\.slack\.com/services/T[A-Z0-9]{1,20}/B[A-Z0-9]{1,20}/[A-Za-z0-9]{20,40}",
        0.95,
    ),
    (
        "stripe_key",
        rb"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}|\bwhsec_[A-Za-z0-9]{24,64}",
        0.95,
    ),
    ("anthropic_key", rb"\bsk-ant-[A-Za-z0-9_\-]{20,200}", 0.98),
    ("openai_key", rb"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,200}", 0.9),
    ("huggingface_token", rb"\b(?:hf_|api_org_)[A-Za-z0-9]{30,64}\b", 0.95),
    ("groq_key", rb"\bgsk_[A-Za-z0-9]{48,64}\b", 0.95),
    ("replicate_token", rb"\br8_[A-Za-z0-9]{32,48}\b", 0.95),
    ("xai_key", rb"\bxai-[A-Za-z0-9]{60,100}\b", 0.95),
    ("perplexity_key", rb"\bpplx-[A-Za-z0-9]{40,64}\b", 0.95),
    ("google_api_key", rb"\bAIza[0-9A-Za-z_\-]{35}", 0.95),
    ("google_oauth", rb"\bGOCSPX-[A-Za-z0-9_\-]{28}\b|\bya29\.[A-Za-z0-9_\-]{30,1000}", 0.95),
    ("azure_storage_key", rb"(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,100}={0,2}", 0.95),
    ("azure_sas_signature", rb"[?&;]sig=[A-Za-z0-9%+/]{40,100}(?:=|%3[Dd]){0,2}", 0.9),
    ("azure_client_secret", rb"\b[A-Za-z0-9_~.\-]{3}[0-9]Q~[A-Za-z0-9_~.\-]{31,34}", 0.9),
    ("npm_token", rb"\bnpm_[A-Za-z0-9]{36}\b", 0.95),
    ("pypi_token", rb"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,300}", 0.98),
    ("sendgrid_key", rb"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b", 0.95),
    ("shopify_token", rb"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", 0.95),
    ("digitalocean_token", rb"\bdo[opr]_v1_[a-f0-9]{64}\b", 0.95),
    ("databricks_token", rb"\bdapi[a-f0-9]{32}(?:-[0-9])?\b", 0.9),
    (
        "bearer_token",
        rb"(?:\b(?i:bearer)|(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?(?i:token))[ \t]+"
        rb"[A-Za-z0-9\-._~+/]{20,}=*",
        0.8,
    ),
    (
        "basic_auth",
        rb"(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?(?i:basic)[ \t]+"
        rb"[A-Za-z0-9+/]{8,500}={0,2}",
        0.9,
    ),
    (
        "jwt",
        rb"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]*",  # any length
        0.9,
    ),
    (
        "database_url",
        rb"\b[A-Za-z][A-Za-z0-9+.\-]{1,30}://[^\s:/@\"'<>]{0,256}:[^\s/\"'<>]{1,256}@[A-Za-z0-9_.\-\[\]]{1,253}",
        0.9,
    ),
    (
        "password",  # on a command line: curl -u user:PASSWORD, mysql -pPASSWORD, .netrc
        rb"(?:^|[ \t])(?:-u|--user)[ \t=]+[\"']?[A-Za-z0-9._%@+\-]{1,64}:[^\s\"'@]{6,128}"
        rb"|\bmysql(?:dump|admin|sh)?(?:[ \t][^\n|;&]{0,120}?)?[ \t]-p[\"']?[^\s\"']{6,128}"
        rb"|\b(?:sshpass|docker[ \t]+login|podman[ \t]+login)(?:[ \t][^\n|;&]{0,120}?)?"
        rb"[ \t]-p[ \t]+[\"']?[^\s\"']{6,128}"
        rb"|(?:^|[ \t])--(?:password|passwd|token|api-key|secret|client-secret)[ \t]+[\"']?"
        rb"[^\s\"'\-][^\s\"']{5,127}"
        rb"|\blogin[ \t]+[^\s]{1,128}\s+password[ \t]+[^\s]{6,256}",
        0.8,
    ),
    (
        "generic",
        rb"(?i:pass(?:word|wd|phrase)?|pwd|secret|token|credential"
        rb"|(?:api|access|auth|private|subscription)[_\- ]?key|client[_\- ]?secret)(?i:s)?"
        rb"(?:[ _.\-][A-Za-z0-9]+|[A-Z0-9][A-Za-z0-9]*){0,3}[\"']?\]?[ \t]*"
        rb"(?::=|=>|[:=>]|(?i:value)[ \t]*=)[ \t]*"
        rb"(?:\[?[ \t]*[bBrRuU]{0,2}[\"'`])?[^\s\"'`<>{}\[\],;()]{%d}" % _MIN_VALUE,
        0.8,
    ),
)
KINDS = tuple(
    dict.fromkeys(
        (
            *(kind for kind, _, _ in _RULES if kind != "generic"),
            "aws_secret_access_key",
            "password",
            "api_key",
        )
    )
)
_SCORE = {kind: score for kind, _, score in _RULES}
_NAMED_VALUE = frozenset({"azure_storage_key", "azure_sas_signature"})
"""Rules whose match starts with ``name=``: only the value after ``=`` is the secret."""


def _compile(rules: Sequence[tuple[str, bytes, float]]) -> Any:
    return re2.compile(b"|".join(b"(" + rx + b")" for _, rx, _ in rules), re2_options())


_PATTERN = _compile(_RULES)
_TOKENS = _compile(_RULES[:-1])
"""Every rule but the generic one (the last: group numbers are those of `_PATTERN`)."""
_HEADER_SPAN = 64
"""Characters past a value a key block's header that starts in it may take."""
_VALUE = regex.compile(
    r"(:=|=>|[:=>]|(?i:value)[ \t]*=)[ \t]*(?:\[?[ \t]*[bBrRuU]{0,2}([\"'`]))?"
    r"([^\s\"'`<>{}\[\],;()]+)"
)  # groups: the operator (also an XML tag's ">" and an attribute pair's "value="), the
# opening quote of a literal (if any), the value
_LONGEST_VALUE = 16384
_ASSIGNMENT_MARK = regex.compile(r"[:=]")
_VALUE_TAIL = regex.compile(r"[^\s\"'`<>{}\[\],;():=]*={0,2}")
"""The rest of a value longer than the pattern reads: a JWT, a routable token, a key. It
stops at ``:`` and ``=`` (save base64 padding), where another assignment may start, so no
text is read twice."""
_PLACEHOLDER_MARKS = (
    "xxxx", "your", "...", "***", "placeholder", "redacted", "dummy", "changeme",
    "change_me", "replace_me", "insert", "<", ">", "${", "{{",
)  # fmt: skip
_VALUE_PLACEHOLDER_MARKS = ("change-me", "replace-me", "todo", "fixme", "fill_", "fill-", "fake",
                            "mock")  # fmt: skip
"""More marks of an example value (``fake-key-1``), for generic assignments, URL and command
line passwords only: a provider token's strict format makes a placeholder plain, and a random
token would contain these now and then."""
_SECRET_WORD_MARKS = ("password", "passwd", "secret", "token", "apikey", "api_key", "api-key")
"""A secret's own name in its value (``password1``, ``test-api-key-1``) marks an example,
unless the value is typed as a strong password."""
_WORD = regex.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_PASSWORD_WORDS = ("password", "passwd", "passphrase")
_SECRET_WORDS = (*_PASSWORD_WORDS, "secret", "token", "credential", "apikey", "accesskey",
                 "authkey", "privatekey", "secretkey")  # fmt: skip
"""Words that name a secret, also at the end of a longer word (``dbpassword``, ``mytoken``)."""
_PAGING_WORDS = frozenset(
    {"page", "next", "continuation", "cursor", "pagination", "resume", "sync"}
)
_FOR_WHOM = regex.compile(r"[ \t]+(?:for|of)[ \t]+", regex.IGNORECASE)
_NAME_PUNCTUATION = frozenset("_.-")
_KEY_QUALIFIERS = frozenset({"api", "access", "auth", "private", "secret", "subscription"})
_NEUTRAL_WORDS = frozenset(
    {"value", "val", "str", "string", "raw", "plain", "plaintext", "text", "bytes", "b64",
     "base64", "hex", "is", "was",
     "prod", "production", "dev", "development", "staging", "stage", "test", "live", "sandbox",
     "old", "new", "current", "previous", "prev", "backup", "primary", "secondary", "main",
     "default", "confirm", "confirmation", "again", "repeat", "retype", "attempt"}
)  # fmt: skip
"""Words after the secret's name that keep it the secret (``token_value``, ``password is``,
``API_KEY_PROD``, ``password_confirm``)."""
_REFERENCE = regex.compile(r"[$%@&]+(?:[{(]|[A-Za-z_][\w.:\-]*%?$)|\$\d")
"""A value that names a secret rather than being one: ``$TOKEN``, ``%DB_PASSWORD%``,
``@password``, ``&self.password``, ``$env:API_KEY``; or a crypt hash (``$2b$12$...``)."""
_DOTTED = regex.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+")
_IDENTIFIER = regex.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_CHARS = regex.compile(r"[A-Za-z._:/\-]+")
_SEPARATORS = regex.compile(r"[._:/\-]")
_SNAKE = regex.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_ANNOTATION_END = regex.compile(r"[ \t]*(?:=(?!=)|\|)")
_PATH = regex.compile(r"(?:~|\.{1,2})?/[\w.\-]+(?:/[\w.\-]*)*")
_NOT_VALUES = frozenset({"none", "null", "true", "false", "undefined", "required", "optional"})
_BASE64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_TOKEN_PREFIX = regex.compile(
    r"sk-(?:ant-(?:[a-z]+\d\d-)?|proj-|svcacct-|admin-)?|[a-z]+_(?:live_|test_|pat_)?|AIza|A[A-Z0-9]{3}|"
)
_PASSWORD_FLAG = regex.compile(r"(?:^|[ \t])(?:-p[ \t]*|--[a-z\-]+[ \t]+)[\"']?|\bpassword[ \t]+")
"""What stands before a password on a command line (``-p``, ``-p '``, ``--password``) or
in a .netrc entry; the last one in a match is the password's."""
_TOKEN_FLAGS = ("--token", "--api-key", "--secret", "--client-secret")
_PROVIDER_PREFIX = regex.compile(
    r"(?:sk-|[sr]k_(?:live|test)_|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt)-|xox[abposre]-|xapp-"
    r"|hf_|AIza|GOCSPX-|ya29\.|AKIA|ASIA|npm_|pypi-|SG\.|shp(?:at|ca|pa|ss)_|do[opr]_v1_|dapi"
    r"|gsk_|r8_|xai-|pplx-)"
)
"""Prefixes of the provider formats: a generic value that starts with one but fails the
provider's rule is a stand-in, not a secret."""
_B64_LINES = regex.compile(r"(?:\s{0,4}[A-Za-z0-9+/=]{16,}){1,1000}")


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _placeholder(body: str) -> bool:
    low = body.lower()
    return len(set(low)) <= 1 or any(mark in low for mark in _PLACEHOLDER_MARKS)


def _example_value(value: str) -> bool:
    """Whether ``value`` is marked as an example (``fake-key-1``, ``password1``,
    ``test-api-key-1``, ``my-secret``); a secret's name in it does not count when the value
    has upper and lower case letters and digits (``SuperSecret123!``: a real, if weak,
    password)."""
    low = value.lower()
    if any(mark in low for mark in _VALUE_PLACEHOLDER_MARKS):
        return True
    strong = low != value and value.upper() != value and _has_digit(set(value))
    return not strong and any(mark in low for mark in _SECRET_WORD_MARKS)


def _secret_name(name: str, prose: bool = False) -> Literal["password", "api_key"] | None:
    """What the assigned name calls its value: ``password`` (``DB_PASSWORD``, ``passwd``),
    ``api_key`` (``apiKeys``, ``x-api-key``, ``GITHUB_TOKEN``, ``client_secret``) or None
    when the name is about something else (``tokenizer.decoder``, ``token_type``,
    ``PASSWORD_FIELD``, ``bypass``, ``first pass``): the secret's word must end the name,
    save for neutral words such as ``value`` or a number, or for whom it is (``password
    for admin``). ``prose``: a word stands before the name, as in a sentence."""
    name = _FOR_WHOM.split(name.strip(" \t\"']"), maxsplit=1)[0]
    words = [w.lower() for w in _WORD.findall(name.rsplit(".", 1)[-1])]
    while words and (words[-1].isdigit() or words[-1] in _NEUTRAL_WORDS):
        words.pop()
    if not words or "public" in words or "publishable" in words:
        return None  # publicKeyToken, PUBLISHABLE_KEY: meant to be seen
    if len(words) > 1 and words[-2] in _PAGING_WORDS:
        return None  # nextPageToken, NextToken, continuation_token: where a listing goes on
    head = words[-1]
    if head in ("pass", "pwd"):  # too common as a noun in prose ("first pass: ...")
        return None if prose or " " in name or "\t" in name else "password"
    if head.endswith("s") and not head.endswith("ss"):
        head = head[:-1]
    if head == "key":
        return "api_key" if len(words) > 1 and words[-2] in _KEY_QUALIFIERS else None
    for word in _SECRET_WORDS:
        if head.endswith(word):
            return "password" if word in _PASSWORD_WORDS else "api_key"
    return None


def _name_start(s: str, at: int) -> int:
    """Where the name holding the secret's word at ``at`` begins (``DB_`` of ``DB_PASSWORD``,
    ``x-`` of ``x-api-key``), at most 64 characters back. The candidate pattern starts at
    the word itself: a leading ``[...]{0,64}`` made its RE2 pass about 7x slower."""
    low = max(0, at - 64)
    while at > low and (
        s[at - 1] in _NAME_PUNCTUATION or (s[at - 1].isascii() and s[at - 1].isalnum())
    ):
        at -= 1
    return at


def _scheme_start(s: str, colon: int) -> int:
    """Where the URL scheme ending at ``colon`` (``https`` of ``https://``) begins. Schemes
    are short: at most 32 characters are read back, so a long name before a ``://``
    (``TokenToken...``) is not walked again from each of its words."""
    at, stop = colon, max(0, colon - 32)
    while at > stop and s[at - 1].isascii() and (s[at - 1].isalnum() or s[at - 1] in "+.-"):
        at -= 1
    return at


def _code(s: str, value: str, end: int, operator: str) -> bool:
    """Whether the unquoted ``value`` ending at ``end`` is code that refers to a secret
    (``settings.API_KEY``, ``input(...)``, ``request.headers[...]``, a type annotation, a
    snake_case variable such as ``s3_connection`` or a ``SNAKE_CASE`` constant)."""
    after = s[end : end + 1]
    return (
        after in ("(", "[")
        or _DOTTED.fullmatch(value.rstrip("!?")) is not None  # TypeScript: env.KEY!
        or _SNAKE.fullmatch(value) is not None
        or (operator == ":" and _ANNOTATION_END.match(s, end) is not None)
    )


def _name_like(value: str) -> bool:
    """Whether ``value`` reads as a name, not a random string: no digits, and an identifier
    in at most two character classes (``user_password``, ``accessToken``) or words between
    separators (``gen_ai.usage.input_tokens``, ``X-Xet-Access-Token``, ``text/plain``),
    each in one case or capitalised words of three letters or more (``SecretStr``)."""
    if _has_digit(set(value)):
        return False
    if _IDENTIFIER.fullmatch(value) and _classes(value) <= 2:
        return True
    return _NAME_CHARS.fullmatch(value) is not None and all(
        part.islower() or part.isupper() or all(len(w) >= 3 for w in _WORD.findall(part))
        for part in _SEPARATORS.split(value)
        if part
    )


def _path(value: str) -> bool:
    """A file path (``/run/secrets/db``, ``~/.ssh/id_rsa``), not mixed-case random text."""
    if _PATH.fullmatch(value) is None:
        return False
    return _classes("".join(c for c in value if c.isalnum())) <= 2


def _classes(value: str) -> int:
    """Character classes in ``value``: lower case, upper case, digits, others. Read from
    the set of its characters: a value may be 256 long and a text hold one every few
    characters (``pwd=`` repeated)."""
    chars = set(value)
    return sum(
        (
            any(c.islower() for c in chars),
            any(c.isupper() for c in chars),
            _has_digit(chars),
            any(not c.isalnum() for c in chars),
        )
    )


def _has_digit(chars: Iterable[str]) -> bool:
    """Whether a digit is among ``chars`` (pass a set for a long value)."""
    return any(c.isdigit() for c in chars)


def _embedded(s: str, start: int, end: int) -> bool:
    """Whether ``s[start:end]`` sits inside a base64 blob (a data URI, an encoded file)."""
    before, after = s[start - 1 : start], s[end : end + 1]
    if (before in ("+", "/") or after in ("+", "/", "=")) and _base64_run(
        s[max(0, start - 16) : start][::-1]
    ) + _base64_run(s[end : end + 16]) >= 16:
        return True  # base64 around it, not a URL ("https://ghp_...@github.com") or path
    look = s[max(0, start - 4096) : start]
    cut = max(look.rfind(" "), look.rfind("\n"), look.rfind("("), look.rfind('"'))
    if cut < 0 and len(look) == 4096:
        return True  # thousands of characters without a break: a blob
    return "base64," in look[cut + 1 :]


def _elided(s: str, end: int) -> bool:
    """Whether the token ending at ``end`` goes on with an ellipsis: cut short, an example
    (``eyJhbGciOi....eyJzdWIi...``)."""
    return "..." in s[end - 1 : end + 3] or s[end : end + 1] == "\u2026"


def _base64_run(chars: str) -> int:
    """How many of ``chars``, from the first on, are base64 characters."""
    for i, c in enumerate(chars):
        if c not in _BASE64_CHARS:
            return i
    return len(chars)


class SecretsSettings(GuardSettings):
    """Options of the ``secrets`` guard."""

    kinds: tuple[str, ...] | None = None
    """Kinds to report (see `KINDS`); unset means all."""
    generic: bool = True
    """Also report ``password=`` / ``api_key:`` style assignments with a secret-looking value."""
    allow: tuple[str, ...] = ()
    """Exact values never reported (known test keys, public identifiers)."""
    redaction: Literal["placeholder", "mask", "hash"] = "placeholder"
    hash_salt: str = ""
    min_entropy: float = Field(default=3.0, ge=0.0, le=8.0)
    """Bits per character a generic token/key value needs (passwords are judged by length
    and character classes instead)."""

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...] | None) -> tuple[str, ...] | None:
        known_only(kinds or (), KINDS, "kind")
        return kinds


class SecretsGuard:
    """Provider token formats, private keys, credentials in URLs and generic assignments."""

    id: ClassVar[str] = "secrets"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = SecretsSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings = settings_as(settings, SecretsSettings)
        self._kinds = None if settings.kinds is None else frozenset(settings.kinds)
        self._allow = frozenset(settings.allow)

    prefilter: bytes = _PATTERN.pattern
    """The pattern of every rule (see `aisec_sdk.prefilter`)."""

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        data = text.ascii_bytes()  # offsets carry over
        items: list[tuple[str, int, int, float]] = []
        pem = _PemEnds(s)
        pos = covered = 0  # covered: end of the last private key block (no new keys inside)
        value_end = 0  # of the last generic assignment: only tokens are read inside it
        while (m := _candidate(data, pos, value_end)) is not None:
            kind = _RULES[m.lastindex - 1][0]
            start, pos = m.span()
            if start < covered:
                continue
            item: tuple[str, int, int, float] | None = None
            if kind == "private_key":
                item = _pem(s, start, pos, pem.after(pos))
                covered = item[2]
            elif kind == "generic":
                found = _VALUE.search(s, start, pos - _MIN_VALUE + _MAX_VALUE)
                if found is None:
                    continue
                token = _TOKENS.search(data, start + 1, found.start(1))
                if token is not None:  # "token ghp_... password: x": not a name, a token
                    pos = token.start()
                    continue
                pos = found.start(3)  # a token or key block may start in the value: read on
                if found.group(1) == ":" and s.startswith("//", pos):
                    pos = max(start + 1, _scheme_start(s, found.start(1)))
                    continue  # "credential https://...": a URL, not a name and its value
                # up to a query string's "&": "key=YOUR_KEY&password=..." has two values
                value_end = _find(s, "&", pos, found.end(3))
                if self.settings.generic:
                    item = self._generic(s, start, found)
            else:
                item = _validate(kind, s, start, pos)
            if item is not None:
                items.append(item)
        return [
            finding_at(
                self,
                text,
                (a, b),
                score,
                f"{kind.replace('_', ' ')} found",
                replacement=partial(
                    replacement,
                    f"SECRET:{kind.upper()}",
                    mode=self.settings.redaction,
                    salt=self.settings.hash_salt,
                ),
                entity=kind,
            )
            for a, b, kind, score in strongest([(a, b, k, sc) for k, a, b, sc in items])
            if (self._kinds is None or kind in self._kinds) and s[a:b] not in self._allow
        ]

    def _generic(
        self, s: str, start: int, found: regex.Match[str]
    ) -> tuple[str, int, int, float] | None:
        """A ``name = value`` assignment (the match starts at the secret's word, ``found``
        is its operator and value): the value's span, kind and score."""
        start = _name_start(s, start)
        prose = s[start - 1 : start] in (" ", "\t") and s[start - 2 : start - 1].isalnum()
        kind = _secret_name(s[start : found.start()], prose)
        if kind is None:
            return None  # "tokenizer = ...", "token_type: ...", "bypass: ..."
        operator, quote, (a, raw_end) = found.group(1), found.group(2), found.span(3)
        if raw_end - a >= _MAX_VALUE and not _ASSIGNMENT_MARK.search(s, a, raw_end):
            tail = _VALUE_TAIL.match(s, raw_end, a + _LONGEST_VALUE)  # a long JWT goes on
            raw_end = tail.end() if tail is not None else raw_end
        if operator == ">" and (s[start - 1 : start] != "<" or s[raw_end : raw_end + 2] != "</"):
            return None  # only <password>VALUE</password>: not "password >= 8", not HTML
        b = raw_end
        while b > a and s[b - 1] in ".,:":
            b -= 1
        value = s[a:b]
        if len(value) < 8 or _placeholder(s[a:raw_end]) or value.lower() in _NOT_VALUES:
            return None
        if _REFERENCE.match(value) or s[raw_end : raw_end + 1] == "{":
            return None  # a reference to the secret ($TOKEN, %PW%, f"{token}"), not the secret
        inner = _PATTERN.fullmatch(value.encode("ascii", "replace"))
        if inner is not None and inner.lastindex < len(_RULES):
            return _validate(_RULES[inner.lastindex - 1][0], s, a, b)
        if _PROVIDER_PREFIX.match(value):
            return None  # sk-proj-abc123, ghp_123: a provider's prefix on a stand-in
        if (quote is None and _code(s, value, raw_end, operator)) or _path(value):
            return None
        if _example_value(value):
            return None
        name = s[max(0, start - 16) : found.start()].lower()
        aws = "aws" in name or "secretaccesskey" in name  # "SecretAccessKey" of the AWS CLI
        if aws and len(value) == 40 and set(value) <= _BASE64_CHARS:
            return ("aws_secret_access_key", a, b, 0.9)
        classes = _classes(value)
        if _name_like(value):
            return (kind, a, b, 0.45 if kind == "password" else 0.3)
        if kind == "password":
            return ("password", a, b, 0.8 if classes >= 2 else 0.45)
        entropy = shannon_entropy(value)
        if len(value) >= 12 and classes >= 2 and entropy >= self.settings.min_entropy:
            return ("api_key", a, b, min(0.95, 0.55 + 0.08 * entropy))
        if classes == 4:
            return ("api_key", a, b, 0.6)  # Tiger949!: shorter, but typed like a password
        return ("api_key", a, b, 0.35)


def _find(s: str, sub: str, start: int, end: int) -> int:
    """Where ``sub`` first is in ``s[start:end]``, else ``end``."""
    at = s.find(sub, start, end)
    return end if at < 0 else at


def _candidate(data: bytes, pos: int, value_end: int) -> Any:
    """The next candidate match from ``pos`` on. Before ``value_end``, in the value of a
    generic assignment, only a token or key block (``aws_access_key_id = AKIA...``), read
    as far as it goes: an assignment there is part of the value (``pwd=pwd=...`` would
    otherwise be one candidate every four characters, each value read again)."""
    if pos < value_end:
        token = _TOKENS.search(data, pos, value_end + _HEADER_SPAN)
        if token is not None and token.start() < value_end:
            return _TOKENS.match(data, token.start())
        pos = value_end
    return _PATTERN.search(data, pos)


def _validate(kind: str, s: str, start: int, end: int) -> tuple[str, int, int, float] | None:
    """Check one provider-format candidate; None for placeholders and look-alikes."""
    score = _SCORE[kind]
    value = s[start:end]
    if kind == "database_url":
        return _url_password(s, start, end)
    if kind in ("bearer_token", "basic_auth"):
        return _auth_header(kind, s, start, end)
    if kind == "password":
        return _command_line_password(s, start, end)
    if kind in _NAMED_VALUE:
        start = s.index("=", start, end) + 1  # the key, not its name
        value = s[start:end]
    if _embedded(s, start, end) or _elided(s, end):
        return None
    body = value[_TOKEN_PREFIX.match(value).end() :]  # type: ignore[union-attr]
    check = _FORMAT_CHECKS.get(kind)
    if _placeholder(body) or (check is not None and not check(value)):
        return None
    if kind == "openai_key":
        if "T3BlbkFJ" in value:
            score = 0.97
        elif (
            _classes(body) < 2 or not any(c.isdigit() for c in body) or shannon_entropy(body) < 3.5
        ):
            return None
    elif kind == "stripe_key" and "_test_" in value:
        score = 0.7
    elif kind == "aws_access_key_id" and value.endswith("EXAMPLE"):
        score = 0.6  # the documentation example: still reported, with less confidence
    elif kind == "aws_access_key_id" and any(c in "0189" for c in value[4:]):
        score = 0.85  # real ids are base 32 (A-Z, 2-7); AKIA1234567890ABCDEF is typed by hand
    return (kind, start, end, score)


def _sha256_mac(value: str) -> bool:
    """Whether ``value`` (URL-encoded base64, as in a SAS ``sig=``) is an HMAC-SHA256."""
    try:
        return len(base64.b64decode(unquote(value), validate=True)) == 32
    except (ValueError, binascii.Error):
        return False


def _jwt_header_ok(token: str) -> bool:
    header = token.split(".", 1)[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, binascii.Error):
        return False
    return isinstance(decoded, dict) and ("alg" in decoded or "typ" in decoded)


_FORMAT_CHECKS: dict[str, Callable[[str], bool]] = {
    "jwt": _jwt_header_ok,
    "azure_sas_signature": _sha256_mac,
}
"""Checks of a token's content, by kind, beyond its pattern."""


class _PemEnds:
    """Where the next ``-----END`` marker is, found once for every header before it."""

    __slots__ = ("_at", "_from", "_s")

    def __init__(self, s: str) -> None:
        self._s, self._from, self._at = s, -1, -1

    def after(self, pos: int) -> int:
        if self._from < 0 or pos > self._at >= 0:
            self._from, self._at = pos, self._s.find("-----END", pos)
        return self._at


def _pem(s: str, start: int, end: int, close: int) -> tuple[str, int, int, float]:
    """A PEM private key block: from BEGIN to END (or to the end of its base64 body)."""
    if 0 <= close - end <= 20000:
        stop = s.find("-----", close + 8, close + 80)
        block_end = stop + 5 if stop >= 0 else close + 8
        body = s[end:close]
    else:
        body_match = _B64_LINES.match(s, end)
        block_end = body_match.end() if body_match else end
        body = s[end:block_end]
    base64_chars = sum(c in _BASE64_CHARS for c in body)
    score = 0.99 if base64_chars >= 64 else 0.4  # a header around "..." is an example
    return ("private_key", start, block_end, score)


def _auth_header(kind: str, s: str, start: int, end: int) -> tuple[str, int, int, float] | None:
    """The credential of an ``Authorization: Bearer …`` / ``Basic …`` value."""
    value = s[start:end]
    at = start + max(value.rfind(" "), value.rfind("\t")) + 1
    credential = s[at:end]
    if kind == "basic_auth":
        try:
            decoded = base64.b64decode(credential, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        _, colon, password = decoded.partition(":")
        if not colon or not password.isprintable() or _placeholder(password):
            return None
        return ("basic_auth", at, end, 0.9)
    inner = _PATTERN.fullmatch(credential.encode("ascii", "replace"))
    if inner is not None and _RULES[inner.lastindex - 1][0] not in ("generic", kind):
        return _validate(_RULES[inner.lastindex - 1][0], s, at, end)
    if _placeholder(credential) or _classes(credential) < 2:
        return None
    if shannon_entropy(credential) < 3.0:
        return None
    return ("bearer_token", at, end, 0.8)


def _command_line_password(s: str, start: int, end: int) -> tuple[str, int, int, float] | None:
    """The password of ``-u user:PASSWORD``, ``mysql ... -pPASSWORD``, ``sshpass -p
    PASSWORD``, ``--password PASSWORD`` (``--token TOKEN``: an API key) or a .netrc entry
    (``login USER password PASSWORD``)."""
    value = s[start:end]
    flag = value.lstrip(" \t")
    if flag.startswith(("-u", "--user")):
        at = start + value.index(":") + 1
    else:
        at = start + list(_PASSWORD_FLAG.finditer(value))[-1].end()
    password = s[at:end]
    if (
        _placeholder(password)
        or password[0] in "$%{<"
        or _classes(password) < 2
        or _example_value(password)
    ):
        return None  # -u "$USER:$PASS", -u 1000:1000 (a uid:gid), -pYOUR_PASSWORD
    return ("api_key" if flag.startswith(_TOKEN_FLAGS) else "password", at, end, 0.8)


def _url_password(s: str, start: int, end: int) -> tuple[str, int, int, float] | None:
    """The password of ``scheme://user:password@host``."""
    scheme_end = s.index("://", start, end)
    at = s.rindex("@", start, end)
    colon = s.index(":", scheme_end + 3, at)
    password = s[colon + 1 : at]
    if _placeholder(password) or password.lower() in ("pass", "pwd") or _example_value(password):
        return None  # user:pass@, user:password@, user:token@, user:a%20secret@
    if any(c in "{}[]" for c in s[scheme_end:at]):
        return None  # a template (f"s3://{key}:{secret}@...") or a syntax summary ([user@])
    if password.lower() == s[scheme_end + 3 : colon].lower():
        return None  # postgres:postgres@, guest:guest@: a local default, not a secret
    scheme = s[start:scheme_end].lower()
    score = 0.9 if scheme.split("+")[0] not in ("http", "https", "ftp", "ws", "wss") else 0.8
    return ("database_url", colon + 1, at, score)
