"""``pii``: personal data in text (OWASP LLM02)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import phonenumbers
import regex

from aisec_sdk.guards.base import GuardSettings
from aisec_sdk.text import Text
from aisec_sdk.verdict import Direction, Finding, FindingAction

__all__ = ["PiiGuard", "PiiSettings"]

_EMAIL = regex.compile(
    r"\b[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b"
)
_CARD = regex.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = regex.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = regex.compile(r"\b(\d{3})-(\d{2})-(\d{4})\b")
_IPV4 = regex.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """ISO 13616 mod-97 check of an IBAN."""
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """US SSN area, group and serial rules (no 000, 666, 9xx; no 00 group; no 0000)."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


class PiiSettings(GuardSettings):
    """Options of the ``pii`` guard."""

    entities: tuple[str, ...] = ("email", "phone", "credit_card", "iban", "us_ssn", "ip_address")
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR")


class PiiGuard:
    """E-mail, phone numbers, payment cards, IBANs, US SSNs and IP addresses."""

    id: ClassVar[str] = "pii"
    category: ClassVar[str] = "LLM02"
    default_directions: ClassVar[tuple[Direction, ...]] = ("input", "context", "output")
    default_threshold: ClassVar[float] = 0.5
    default_action: ClassVar[FindingAction] = "redact"
    default_enabled: ClassVar[bool] = True
    Settings: ClassVar[type[GuardSettings]] = PiiSettings

    def __init__(self, settings: GuardSettings) -> None:
        assert isinstance(settings, PiiSettings)
        self.settings = settings
        self._entities = frozenset(settings.entities)

    def scan(self, text: Text, direction: Direction) -> Sequence[Finding]:
        s = text.normalized
        found: list[tuple[int, int, str, float]] = []
        want = self._entities
        if "email" in want and "@" in s:
            found += [(*m.span(), "email", 0.95) for m in _EMAIL.finditer(s)]
        if "credit_card" in want:
            for m in _CARD.finditer(s):
                digits = m.group().replace(" ", "").replace("-", "")
                if 13 <= len(digits) <= 19 and luhn_ok(digits):
                    found.append((*m.span(), "credit_card", 0.9))
        if "iban" in want:
            for m in _IBAN.finditer(s):
                if iban_ok(m.group()):
                    found.append((*m.span(), "iban", 0.95))
        if "us_ssn" in want:
            for m in _SSN.finditer(s):
                if ssn_ok(*m.groups()):
                    found.append((*m.span(), "us_ssn", 0.85))
        if "ip_address" in want:
            found += [(*m.span(), "ip_address", 0.6) for m in _IPV4.finditer(s)]
        if "phone" in want:
            taken = [(a, b) for a, b, _, _ in found]
            for region in self.settings.phone_regions:
                for pm in phonenumbers.PhoneNumberMatcher(s, region):
                    if any(a < pm.end and pm.start < b for a, b in taken):
                        continue
                    taken.append((pm.start, pm.end))
                    found.append((pm.start, pm.end, "phone", 0.8))
        findings = []
        for a, b, kind, score in found:
            start, end = text.span(a, b)
            findings.append(
                Finding(
                    guard=self.id,
                    category=self.category,
                    score=score,
                    start=start,
                    end=end,
                    message=f"{kind.replace('_', ' ')} found",
                    replacement=f"<{kind.upper()}>",
                    entity=kind,
                )
            )
        return findings
