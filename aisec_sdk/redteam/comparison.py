"""Before/after comparison of two runs (say, without and with a guard): the shift-left view.

Both sides are JSON reports (`RunResult.to_dict` or a saved ``--json`` file). A change is
called *significant* when the two Wilson intervals do not overlap: a conservative test that
needs no extra assumptions and reads straight off the charts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aisec_sdk.redteam.results import RunResult

__all__ = ["Change", "Comparison", "compare"]

Report = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Change:
    """One family (or the overall rate) before and after."""

    name: str
    before: float
    after: float
    before_ci: tuple[float, float]
    after_ci: tuple[float, float]
    before_attempts: int
    after_attempts: int

    @property
    def delta(self) -> float:
        """``after - before`` (negative is an improvement)."""
        return self.after - self.before

    @property
    def significant(self) -> bool:
        """True when the two 95% intervals do not overlap."""
        return self.after_ci[1] < self.before_ci[0] or self.after_ci[0] > self.before_ci[1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "before": round(self.before, 6),
            "after": round(self.after, 6),
            "delta": round(self.delta, 6),
            "before_ci": [round(v, 6) for v in self.before_ci],
            "after_ci": [round(v, 6) for v in self.after_ci],
            "before_attempts": self.before_attempts,
            "after_attempts": self.after_attempts,
            "significant": self.significant,
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Overall and per-family changes between two runs."""

    before_label: str
    after_label: str
    overall: Change
    families: dict[str, Change]

    @property
    def regressions(self) -> list[str]:
        """Families whose rate rose significantly."""
        return [name for name, c in self.families.items() if c.significant and c.delta > 0]

    @property
    def improvements(self) -> list[str]:
        """Families whose rate fell significantly."""
        return [name for name, c in self.families.items() if c.significant and c.delta < 0]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "before": self.before_label,
            "after": self.after_label,
            "overall": self.overall.to_dict(),
            "families": {name: c.to_dict() for name, c in self.families.items()},
            "regressions": self.regressions,
            "improvements": self.improvements,
        }

    def summary(self) -> str:
        """A few lines for a terminal."""
        lines = [
            f"before/after ({self.before_label} -> {self.after_label}): overall ASR "
            f"{self.overall.before:.1%} -> {self.overall.after:.1%} ({self.overall.delta:+.1%})"
        ]
        for name, c in self.families.items():
            mark = " *" if c.significant else ""
            lines.append(f"  {name:<26} {c.before:6.1%} -> {c.after:6.1%} ({c.delta:+.1%}){mark}")
        lines.append("  (* the 95% intervals do not overlap)")
        return "\n".join(lines)


def _report(run: RunResult | Report) -> Report:
    return run.to_dict() if isinstance(run, RunResult) else run


def _change(name: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Change:
    empty = {"asr": 0.0, "ci_low": 0.0, "ci_high": 1.0, "attempts": 0}
    b, a = before or empty, after or empty
    return Change(
        name=name,
        before=float(b["asr"]),
        after=float(a["asr"]),
        before_ci=(float(b["ci_low"]), float(b["ci_high"])),
        after_ci=(float(a["ci_low"]), float(a["ci_high"])),
        before_attempts=int(b["attempts"]),
        after_attempts=int(a["attempts"]),
    )


def _overall(report: Report) -> dict[str, Any]:
    return {
        "asr": report["attack_success_rate"],
        "ci_low": report.get("ci_low", 0.0),
        "ci_high": report.get("ci_high", 1.0),
        "attempts": report.get("evaluated", 0),
    }


def compare(
    before: RunResult | Report,
    after: RunResult | Report,
    *,
    before_label: str = "before",
    after_label: str = "after",
) -> Comparison:
    """Compare two runs family by family."""
    b, a = _report(before), _report(after)
    names = list(b["families"]) + [f for f in a["families"] if f not in b["families"]]
    return Comparison(
        before_label=before_label,
        after_label=after_label,
        overall=_change("overall", _overall(b), _overall(a)),
        families={n: _change(n, b["families"].get(n), a["families"].get(n)) for n in names},
    )
