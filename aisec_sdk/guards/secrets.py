"""``secrets``: credentials and keys in text (OWASP LLM02)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import regex

from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["SecretsGuard"]

_RULES: tuple[tuple[str, str, float], ...] = (
    ("aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", 0.95),
    ("github_token", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 0.98),
    ("github_fine_grained_token", r"\bgithub_pat_[A-Za-z0-9_]{82}\b", 0.98),
    ("gitlab_token", r"\bglpat-[A-Za-z0-9_\-]{20}\b", 0.95),
    ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,200}\b", 0.95),
    ("stripe_key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,99}\b", 0.95),
    ("anthropic_key", r"\bsk-ant-[A-Za-z0-9_\-]{32,200}", 0.98),
    ("openai_key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,200}", 0.9),
    ("huggingface_token", r"\bhf_[A-Za-z0-9]{34,40}\b", 0.95),
    ("google_api_key", r"\bAIza[0-9A-Za-z_\-]{35}\b", 0.95),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}", 0.9),
    (
        "private_key",
        r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]{0,10000}?-----END (?:[A-Z]+ )?PRIVATE KEY-----",
        1.0,
    ),
    (
        "database_url_password",
        r"\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp|mssql)://[^\s:/@]{1,100}:[^\s@/]{3,200}@[^\s/]{1,200}",
        0.9,
    ),
)
_PATTERN = regex.compile("|".join(f"(?P<{name}>{rx})" for name, rx, _ in _RULES))
_SCORE = {name: score for name, _, score in _RULES}


class SecretsGuard:
    """Provider token formats, private keys and credentials in URLs."""

    id: ClassVar[str] = "secrets"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = GuardSettings

    def __init__(self, settings: GuardSettings) -> None:
        self.settings = settings

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        findings: list[Finding] = []
        for match in _PATTERN.finditer(text.normalized):
            kind = match.lastgroup or "secret"
            start, end = text.span(*match.span())
            findings.append(
                Finding(
                    guard=self.id,
                    category=self.category,
                    score=_SCORE.get(kind, 0.9),
                    start=start,
                    end=end,
                    message=f"{kind.replace('_', ' ')} found",
                    replacement=f"<SECRET:{kind.upper()}>",
                    entity=kind,
                )
            )
        return findings
