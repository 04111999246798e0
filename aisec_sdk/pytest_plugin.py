"""pytest plugin ``aisec`` (entry point ``pytest11``): red-team a target from a test.

Two ways in:

- the ``aisec_redteam`` fixture, a callable: ``aisec_redteam(target, max_asr=0.1,
  budget=40)`` runs the red team, fails the test when the attack success rate is above
  ``max_asr`` (the failure lists the worst attempts) and returns the `RunResult`;
- the ``@pytest.mark.aisec_redteam(target, max_asr=..., ...)`` marker: with a target and no
  fixture in the test, the red team runs after the test body; with the fixture, the
  marker's keyword arguments become the fixture's defaults.

Defaults come from the ini options ``aisec_redteam_max_asr`` (0.0) and
``aisec_redteam_budget`` (50). Each run's rate is attached to the test report as the user
property ``aisec_redteam_asr`` (JUnit XML shows it, pytest-xdist carries it back) and
summarised at the end of the session.

The plugin is inert: importing it loads only pytest; nothing is instrumented or run until a
test asks for the fixture or carries the marker.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aisec_sdk.redteam.results import RunResult

__all__ = ["RedTeamFixture", "failure_message"]

_MARKER = "aisec_redteam"
_PROPERTY = "aisec_redteam_asr"
_RUN_OPTIONS = (
    "families",
    "converters",
    "probes",
    "budget",
    "seed",
    "concurrency",
    "timeout",
    "retries",
    "judge",
    "secrets",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "aisec_redteam_max_asr",
        "highest attack success rate the aisec_redteam fixture and marker accept (0..1)",
        default="0.0",
    )
    parser.addini("aisec_redteam_budget", "attempts per aisec red-team run", default="50")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "aisec_redteam(target=None, *, max_asr=None, budget=None, families=None, "
        "converters=None, seed=0, ...): run the aisec red team against target and fail when "
        "the attack success rate is above max_asr",
    )
    config.pluginmanager.register(_Summary(), "aisec-redteam-summary")


def _short(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def failure_message(result: RunResult, max_asr: float, worst: int = 5) -> str:
    """Why a red-team test failed: the rate against the threshold, per family, worst attempts."""
    overall = result.overall
    low, high = overall.ci
    lines = [
        f"aisec red team: attack success rate {overall.asr:.1%} (95% CI {low:.1%}-{high:.1%}) "
        f"is above max_asr {max_asr:.1%} -- target {result.target.get('name')}, "
        f"{overall.attempts} attempts, seed {result.seed}",
        "per family:",
    ]
    for name, stats in result.families.items():
        f_low, f_high = stats.ci
        lines.append(
            f"  {name:<26} {stats.successes:>3}/{stats.attempts:<3} {stats.asr:6.1%} "
            f"[{f_low:.1%}-{f_high:.1%}]"
        )
    lines.append("worst attempts:")
    for attempt in result.worst(worst):
        lines += [
            f"  #{attempt.seq} {attempt.probe} via {attempt.converter}: {attempt.reason}",
            f"      prompt: {_short(attempt.prompt)}",
        ]
        if attempt.document:
            lines.append(f"      document: {_short(attempt.document)}")
        lines.append(f"      answer: {_short(attempt.response)}")
    return "\n".join(lines)


class RedTeamFixture:
    """The ``aisec_redteam`` fixture: call it with a target to red-team it."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item
        config = item.config
        self.defaults: dict[str, Any] = {
            "max_asr": float(str(config.getini("aisec_redteam_max_asr"))),
            "budget": int(str(config.getini("aisec_redteam_budget"))),
        }
        marker = item.get_closest_marker(_MARKER)
        self.target: Any = None
        if marker is not None:
            self.defaults.update(marker.kwargs)
            self.target = self.defaults.pop("target", marker.args[0] if marker.args else None)
        self.results: list[RunResult] = []

    def __call__(
        self, target: Any = None, *, max_asr: float | None = None, **options: Any
    ) -> RunResult:
        """Run the red team against ``target`` and fail the test when the attack success
        rate is above ``max_asr``; keyword options go to `aisec_sdk.redteam.run`."""
        from aisec_sdk.redteam.runner import run

        settings = {**self.defaults, **options}
        threshold = float(max_asr if max_asr is not None else settings.pop("max_asr"))
        settings.pop("max_asr", None)
        unknown = sorted(set(settings) - set(_RUN_OPTIONS))
        if unknown:
            raise pytest.UsageError(
                f"aisec_redteam: unknown option(s) {', '.join(unknown)}; "
                f"known: max_asr, {', '.join(_RUN_OPTIONS)}"
            )
        chosen = target if target is not None else self.target
        if chosen is None:
            raise pytest.UsageError(
                "aisec_redteam needs a target: aisec_redteam(my_chat) or "
                "@pytest.mark.aisec_redteam(target=my_chat)"
            )
        result = run(chosen, progress=False, **settings)
        self.results.append(result)
        overall = result.overall
        self._item.user_properties.append((_PROPERTY, round(result.attack_success_rate, 6)))
        self._item.user_properties.append(("aisec_redteam_attempts", overall.attempts))
        self._item.user_properties.append(("aisec_redteam_max_asr", threshold))
        if result.attack_success_rate > threshold:
            pytest.fail(failure_message(result, threshold), pytrace=False)
        return result


@pytest.fixture
def aisec_redteam(request: pytest.FixtureRequest) -> RedTeamFixture:
    """Red-team a target: ``aisec_redteam(target, max_asr=0.1, budget=40)``."""
    return RedTeamFixture(request.node)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    outcome = yield
    marker = item.get_closest_marker(_MARKER)
    uses_fixture = _MARKER in getattr(item, "fixturenames", ())
    if marker is not None and not uses_fixture:
        if not marker.args and marker.kwargs.get("target") is None:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.aisec_redteam needs target=... when the test "
                "does not use the aisec_redteam fixture"
            )
        RedTeamFixture(item)()
    return outcome


class _Summary:
    """Collects each red-team test's rate from the reports (xdist sends them back)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, int, float]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props: dict[str, Any] = dict(report.user_properties)
        if report.when != "call" or _PROPERTY not in props:
            return
        self.rows.append(
            (
                report.nodeid,
                float(props[_PROPERTY]),
                int(props.get("aisec_redteam_attempts", 0)),
                float(props.get("aisec_redteam_max_asr", 0.0)),
            )
        )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.rows:
            return
        write: Callable[..., None] = terminalreporter.write_line
        terminalreporter.section("aisec red team")
        for nodeid, asr, attempts, threshold in sorted(self.rows):
            verdict = "FAIL" if asr > threshold else "ok"
            write(
                f"{verdict:<4} ASR {asr:6.1%} (max {threshold:.1%}, {attempts} attempts) {nodeid}"
            )
