"""Results of a red-team run: attempts, attack success rates and the JSON report form.

`RunResult.to_dict` is the canonical report (what ``--json`` writes); the SARIF, JSONL and
HTML writers and the before/after comparison all read that form, so any of them can be
rebuilt later from a saved JSON report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from aisec_sdk.redteam.probes import FAMILIES
from aisec_sdk.redteam.stats import rate, wilson_interval

__all__ = [
    "REPORT_SCHEMA",
    "Attempt",
    "Outcome",
    "RunResult",
    "Stats",
    "from_dict",
    "stats_of",
    "summarise",
    "worst",
]

REPORT_SCHEMA = "aisec.redteam.report/1"

Outcome = Literal["success", "resisted", "blocked", "error"]
"""``success``: the attack worked. ``resisted``: the target answered without giving in.
``blocked``: a guard stopped the call (`aisec_sdk.GuardViolation`). ``error``: no answer
(exception or timeout after retries); errors are left out of the rates."""


@dataclass(slots=True)
class Attempt:
    """One probe, through one converter, sent once to the target."""

    seq: int
    uuid: str
    probe: str
    family: str
    converter: str
    intent: str
    goal: str
    owasp: list[str]
    atlas: list[str]
    prompt: str
    document: str | None
    system_prompt: bool
    """True when the planted system prompt (canary and secrets) reached the target."""
    response: str = ""
    outcome: Outcome = "error"
    scores: dict[str, float] = field(default_factory=dict)
    refusal: bool = False
    reason: str = ""
    error: str | None = None
    latency_ms: float = 0.0
    tries: int = 0

    @property
    def success(self) -> bool:
        """True when the attack worked."""
        return self.outcome == "success"

    @property
    def evaluated(self) -> bool:
        """True when the attempt counts in the rates (it got an answer or was blocked)."""
        return self.outcome != "error"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        data = asdict(self)
        data["success"] = self.success
        return data


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts and the attack success rate of a group of attempts, with its Wilson 95% CI."""

    attempts: int
    successes: int
    blocked: int
    errors: int

    @property
    def asr(self) -> float:
        """Attack success rate: successes over evaluated attempts."""
        return rate(self.successes, self.attempts)

    @property
    def ci(self) -> tuple[float, float]:
        """Wilson 95% confidence interval of the rate."""
        return wilson_interval(self.successes, self.attempts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view with ``asr``, ``ci_low`` and ``ci_high``."""
        low, high = self.ci
        return {
            "attempts": self.attempts,
            "successes": self.successes,
            "blocked": self.blocked,
            "errors": self.errors,
            "asr": self.asr,  # unrounded: equal to successes / attempts, and decides
            "ci_low": low,  # --fail-above exactly at its boundary
            "ci_high": high,
        }


def summarise(attempts: Iterable[Attempt]) -> Stats:
    """Stats of ``attempts`` (errors counted apart, not in the rate)."""
    items = list(attempts)
    evaluated = [a for a in items if a.evaluated]
    return Stats(
        attempts=len(evaluated),
        successes=sum(a.success for a in evaluated),
        blocked=sum(a.outcome == "blocked" for a in evaluated),
        errors=len(items) - len(evaluated),
    )


def worst(attempts: Iterable[Attempt], n: int = 5) -> list[Attempt]:
    """Up to ``n`` successful attempts: proofs before evidence, severe families first, one
    per family before a second from any family."""

    def rank(a: Attempt) -> tuple[int, float, int]:
        proof = any(v >= 1.0 for v in a.scores.values())
        severity = FAMILIES[a.family].severity if a.family in FAMILIES else 5.0
        return (0 if proof else 1, -severity, a.seq)

    ranked = sorted((a for a in attempts if a.success), key=rank)
    firsts: dict[str, Attempt] = {}
    for attempt in ranked:
        firsts.setdefault(attempt.family, attempt)
    chosen = list(firsts.values())
    return (chosen + [a for a in ranked if a not in chosen])[:n]


def from_dict(data: Mapping[str, Any]) -> Attempt:
    """An `Attempt` back from its JSON form."""
    fields = {k: v for k, v in data.items() if k != "success"}
    return Attempt(**fields)


def _grouped(attempts: Iterable[Attempt], key: str) -> dict[str, Stats]:
    groups: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        groups.setdefault(str(getattr(attempt, key)), []).append(attempt)
    return {name: summarise(items) for name, items in groups.items()}


@dataclass(slots=True)
class RunResult:
    """Everything one run produced; ``to_dict`` is the JSON report."""

    attempts: list[Attempt]
    seed: int
    target: dict[str, Any]
    started_at: str
    duration_s: float
    settings: dict[str, Any] = field(default_factory=dict)
    control: dict[str, Any] | None = None
    """The harmless question the target was asked to tell its usual answers from the attack's
    effect, and its answer (None when no detector needed it)."""

    @property
    def overall(self) -> Stats:
        """Stats over every attempt."""
        return summarise(self.attempts)

    @property
    def attack_success_rate(self) -> float:
        """Overall attack success rate (0..1)."""
        return self.overall.asr

    @property
    def families(self) -> dict[str, Stats]:
        """Stats per probe family, in the corpus's family order."""
        grouped = _grouped(self.attempts, "family")
        order = [f for f in FAMILIES if f in grouped] + sorted(set(grouped) - set(FAMILIES))
        return {name: grouped[name] for name in order}

    @property
    def converters(self) -> dict[str, Stats]:
        """Stats per converter."""
        return dict(sorted(_grouped(self.attempts, "converter").items()))

    def worst(self, n: int = 5) -> list[Attempt]:
        """Up to ``n`` successful attempts, worst first (see `worst`)."""
        return worst(self.attempts, n)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: top-level ``attack_success_rate`` and ``families`` (each with
        ``attempts``, ``successes``, ``asr``, ``ci_low``, ``ci_high``), per-converter stats,
        and every attempt with its prompt, response and scores."""
        overall = self.overall.to_dict()
        families = {}
        for name, stats in self.families.items():
            info = FAMILIES.get(name)
            extra = (
                {"title": info.title, "owasp": list(info.owasp), "atlas": list(info.atlas)}
                if info
                else {}
            )
            families[name] = {**stats.to_dict(), **extra}
        return {
            "schema": REPORT_SCHEMA,
            "target": self.target,
            "seed": self.seed,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 4),
            "settings": self.settings,
            "control": self.control,
            "attack_success_rate": overall["asr"],
            "ci_low": overall["ci_low"],
            "ci_high": overall["ci_high"],
            "attempts_total": len(self.attempts),
            "evaluated": overall["attempts"],
            "successes": overall["successes"],
            "blocked": overall["blocked"],
            "errors": overall["errors"],
            "families": families,
            "converters": {name: s.to_dict() for name, s in self.converters.items()},
            "attempts": [a.to_dict() for a in self.attempts],
        }


def stats_of(section: Mapping[str, Any]) -> Stats:
    """`Stats` back from one ``families``/``converters`` entry of a JSON report."""
    return Stats(
        attempts=int(section.get("attempts", 0)),
        successes=int(section.get("successes", 0)),
        blocked=int(section.get("blocked", 0)),
        errors=int(section.get("errors", 0)),
    )
