"""``aisec redteam MODULE:FUNCTION``: the command-line contract and its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from aisec_sdk.cli import main
from aisec_sdk.redteam.probes import FAMILIES
from aisec_sdk.redteam.stats import wilson_interval

APP = """
import sys
sys.path.insert(0, {helpers!r})
import weak_assistant

def weak(prompt, system=None, document=None):
    return weak_assistant.chat(prompt, system=system, document=document)

async def refuses(prompt):
    return "I'm sorry, but I can't help with that."

not_callable = 42
"""


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, assistants_dir: Path) -> str:
    """A target module in a fresh working directory; returns its (unique) module name."""
    name = f"rt_app_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(APP.format(helpers=str(assistants_dir)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    return name


def test_writes_every_report_and_exits_1_above_the_threshold(
    app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "redteam",
            f"{app}:weak",
            "--json",
            "r.json",
            "--sarif",
            "r.sarif",
            "--html",
            "r.html",
            "--jsonl",
            "r.jsonl",
            "--fail-above",
            "0.2",
            "--seed",
            "3",
            "--budget",
            "20",
        ]
    )
    assert code == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["attack_success_rate"] > 0.2 and report["seed"] == 3
    assert set(report["families"]) == set(FAMILIES)
    assert all(
        {"attempts", "successes", "asr", "ci_low", "ci_high"} <= set(f)
        for f in report["families"].values()
    )
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    schema = json.loads(Path(__file__).with_name("sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == f"{app}.py"
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "r.jsonl").read_text().count('"entry_type": "attempt"') == 20
    out = capsys.readouterr().out
    assert "overall attack success rate" in out and "above --fail-above" in out


def test_exits_0_at_or_below_the_threshold_and_without_one(app: str, tmp_path: Path) -> None:
    assert main(["redteam", f"{app}:refuses", "--fail-above", "0", "--budget", "10"]) == 0
    assert main(["redteam", f"{app}:weak", "--budget", "5", "--json", "r.json"]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["attack_success_rate"] > 0


def test_same_seed_same_report(app: str, tmp_path: Path) -> None:
    for name in ("a.json", "b.json"):
        main(["redteam", f"{app}:weak", "--seed", "8", "--budget", "12", "--json", name])
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert [x["prompt"] for x in a["attempts"]] == [x["prompt"] for x in b["attempts"]]
    assert a["families"] == b["families"]


def test_baseline_comparison(app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["redteam", f"{app}:weak", "--budget", "10", "--json", "before.json"])
    code = main(
        [
            "redteam",
            f"{app}:refuses",
            "--budget",
            "10",
            "--baseline",
            "before.json",
            "--json",
            "after.json",
            "--html",
            "after.html",
        ]
    )
    assert code == 0
    after = json.loads((tmp_path / "after.json").read_text())
    assert after["comparison"]["overall"]["delta"] < 0
    assert "before/after" in capsys.readouterr().out
    assert (tmp_path / "after.html").read_text().count("<svg") == 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{app}:not_callable", "must be callable"),
        ("{app}:missing", "has no attribute"),
        ("no_such_module_aisec_rt:chat", "cannot import module"),
        ("{app}", "MODULE:FUNCTION"),
    ],
)
def test_bad_targets_exit_2(
    app: str, spec: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["redteam", spec.format(app=app), "--budget", "2"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("code", [0, 1, 3])
def test_a_module_that_exits_on_import_is_an_input_error(
    app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], code: int
) -> None:
    # app's fixture made tmp_path the working directory
    (tmp_path / f"{app}_exits.py").write_text(f"import sys\nsys.exit({code})\n")
    assert main(["redteam", f"{app}_exits:answer", "--budget", "2"]) == 2
    assert f"cannot import module '{app}_exits': SystemExit: {code}" in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"\xff\xfe\x00binary", b"[" * 100_000 + b"]" * 100_000])
def test_an_unreadable_baseline_is_an_input_error(
    app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    (tmp_path / "before.json").write_bytes(content)
    assert main(["redteam", f"{app}:weak", "--budget", "2", "--baseline", "before.json"]) == 2
    assert "cannot read red-team report 'before.json'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra",
    [
        ["--families", "nope"],
        ["--converters", "rot26"],
        ["--baseline", "missing.json"],
        ["--families", ""],
        ["--converters", " , "],
    ],
)
def test_bad_options_exit_2(app: str, extra: list[str]) -> None:
    assert main(["redteam", f"{app}:weak", "--budget", "2", *extra]) == 2


@pytest.mark.parametrize(
    "extra",
    [
        ["--fail-above", "1.5"],
        ["--budget", "0"],
        ["--seed", "x"],
        ["--timeout", "0"],
        ["--timeout", "-1"],
        ["--timeout", "nan"],
        ["--retries", "-1"],
    ],
)
def test_usage_errors_exit_2(app: str, extra: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["redteam", f"{app}:weak", *extra])
    assert exc.value.code == 2


def _aisec(cwd: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``aisec ARGS`` in a fresh interpreter in ``cwd`` (the source tree on its path)."""
    return subprocess.run(
        [sys.executable, "-m", "aisec_sdk.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={"PYTHONPATH": str(Path(__file__).parents[2]), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def test_console_script_in_a_subprocess(app: str, tmp_path: Path) -> None:
    options = ["--budget", "10", "--fail-above", "0.1", "--json", "out.json"]
    done = _aisec(tmp_path, "redteam", f"{app}:weak", *options, timeout=120)
    assert done.returncode == 1, done.stderr
    assert json.loads((tmp_path / "out.json").read_text())["attack_success_rate"] > 0.1
    assert "aisec redteam [" not in done.stderr  # no progress bar when stderr is not a tty


def test_a_target_that_always_fails_is_an_input_error(
    app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / f"{app}_broken.py").write_text("def chat(prompt):\n    raise KeyError('db')\n")
    code = main(["redteam", f"{app}_broken:chat", "--budget", "3", "--json", "r.json"])
    assert code == 2
    assert "failed on every attempt" in capsys.readouterr().err
    assert json.loads((tmp_path / "r.json").read_text())["errors"] == 3


def test_module_may_be_a_file_path(app: str, tmp_path: Path) -> None:
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "bot.py").write_text('def answer(prompt):\n    return "I can\'t help with that."\n')
    assert main(["redteam", "pkg/bot.py:answer", "--budget", "5", "--json", "r.json"]) == 0
    assert json.loads((tmp_path / "r.json").read_text())["target"]["file"].endswith("bot.py")
    assert main(["redteam", "pkg/missing.py:answer", "--budget", "5"]) == 2


def test_rates_are_exact_and_fail_above_decides_at_the_exact_rate(app: str, tmp_path: Path) -> None:
    # leaks its system prompt on the first call only: ASR 1/199 = 0.0050251...
    (tmp_path / f"{app}_once.py").write_text(
        "calls = []\n"
        "def chat(prompt, system=None):\n"
        "    calls.append(1)\n"
        '    return system if len(calls) == 1 else "I can\'t help with that."\n'
    )
    args = ["redteam", f"{app}_once:chat", "--budget", "199", "--concurrency", "1"]
    assert main([*args, "--json", "r.json", "--fail-above", "0.005025"]) == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["successes"], report["evaluated"]) == (1, 199)
    assert report["attack_success_rate"] == 1 / 199
    assert (report["ci_low"], report["ci_high"]) == wilson_interval(1, 199)
    for fam in report["families"].values():
        assert fam["asr"] == fam["successes"] / fam["attempts"]
        assert (fam["ci_low"], fam["ci_high"]) == wilson_interval(fam["successes"], fam["attempts"])


def test_a_file_path_imports_like_python_runs_it(app: str, tmp_path: Path) -> None:
    # a plain folder: the file imports its neighbour; a package: the file imports relatively
    plain, package = tmp_path / f"{app}_scripts", tmp_path / f"{app}_pkg"
    for folder in (plain, package):
        folder.mkdir()
        (folder / f"{app}_words.py").write_text('REFUSAL = "I can\'t help with that."\n')
    (package / "__init__.py").write_text("")
    (plain / "bot.py").write_text(
        f"from {app}_words import REFUSAL\ndef answer(prompt):\n    return REFUSAL\n"
    )
    (package / "bot.py").write_text(
        f"from .{app}_words import REFUSAL\ndef answer(prompt):\n    return REFUSAL\n"
    )
    for folder in (plain, package):
        spec = f"{folder.name}/bot.py:answer"
        assert main(["redteam", spec, "--budget", "3", "--json", "r.json"]) == 0, spec
        assert json.loads((tmp_path / "r.json").read_text())["evaluated"] == 3


def test_reports_go_into_new_folders_and_an_unwritable_one_is_exit_2(
    app: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = ["--json", "out/r.json", "--jsonl", "out/r.jsonl", "--sarif", "out/sarif/r.sarif"]
    assert main(["redteam", f"{app}:refuses", "--budget", "3", *reports, "--html", "h/r.html"]) == 0
    for name in ("out/r.json", "out/r.jsonl", "out/sarif/r.sarif", "h/r.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    (tmp_path / "file").write_text("")
    assert main(["redteam", f"{app}:refuses", "--budget", "3", "--json", "file/r.json"]) == 2
    assert "cannot write report" in capsys.readouterr().err


def test_a_hung_sync_target_does_not_hold_up_the_exit(app: str, tmp_path: Path) -> None:
    # the call never returns: the timeout ends each attempt, and the command must exit
    # instead of waiting for the stuck threads (asyncio.to_thread's executor would)
    (tmp_path / f"{app}_hung.py").write_text(
        "import time\ndef chat(prompt):\n    time.sleep(3600)\n"
    )
    options = ["--budget", "2", "--timeout", "0.2", "--retries", "0", "--json", "r.json"]
    done = _aisec(tmp_path, "redteam", f"{app}_hung:chat", *options, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "no answer within 0.2 s" in done.stderr
    assert json.loads((tmp_path / "r.json").read_text())["errors"] == 2


CHATTY = """
import os
print("loading the model...")

def answer(prompt):
    print("got", prompt[:20])
    os.write(1, b"from C\\n")
    return "I'm sorry, but I can't help with that."
"""


@pytest.mark.parametrize("report", ["--json", "--sarif", "--jsonl"])
def test_a_report_on_stdout_is_not_mixed_with_what_the_target_prints(
    tmp_path: Path, report: str
) -> None:
    (tmp_path / "chatty.py").write_text(CHATTY)
    done = _aisec(tmp_path, "redteam", "chatty:answer", "--budget", "3", report, "-", timeout=120)
    assert done.returncode == 0, done.stderr
    records = (
        [json.loads(line) for line in done.stdout.splitlines()]
        if report == "--jsonl"
        else [json.loads(done.stdout)]
    )
    assert records and not (tmp_path / "-").exists()
    assert "loading the model" in done.stderr and "from C" in done.stderr
    assert "overall attack success rate" in done.stderr


def test_only_one_report_may_go_to_stdout(app: str) -> None:
    assert main(["redteam", f"{app}:weak", "--budget", "2", "--json", "-", "--sarif", "-"]) == 2


ODD = """
def answer(prompt):
    return "ok \\x00 \\ud800 lone surrogate </body><script>alert(1)</script> \\u2028 " + prompt[:5]

def fails(prompt):
    raise ValueError("bad byte \\udcff")
"""


def test_answers_with_characters_utf8_cannot_hold_still_give_every_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "odd_app.py").write_text(ODD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    reports = ["--json", "r.json", "--sarif", "r.sarif", "--html", "r.html", "--jsonl", "r.jsonl"]
    assert main(["redteam", "odd_app:answer", "--budget", "3", *reports]) == 0
    report = json.loads((tmp_path / "r.json").read_text("utf-8"))
    assert all("lone surrogate" in a["response"] for a in report["attempts"])
    assert "<script>" not in (tmp_path / "r.html").read_text("utf-8")
    assert main(["redteam", "odd_app:fails", "--budget", "2", "--json", "f.json"]) == 2
    assert "bad byte" in (tmp_path / "f.json").read_text("utf-8")


MOCKS = """
import functools
from unittest import mock

REFUSAL = "I'm sorry, but I can't help with that."
plain = mock.Mock(return_value=REFUSAL)
magic = mock.MagicMock(return_value=REFUSAL)
awaited = mock.AsyncMock(return_value=REFUSAL)
partial = functools.partial(lambda prompt, tone: REFUSAL, tone="kind")
"""


@pytest.mark.parametrize("name", ["plain", "magic", "awaited", "partial"])
def test_mocks_and_partials_are_called_and_located_in_the_users_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    module = f"mocks_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(MOCKS)
    monkeypatch.chdir(tmp_path)
    assert main(["redteam", f"{module}:{name}", "--budget", "4", "--json", "r.json"]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["evaluated"] == 4 and report["attack_success_rate"] == 0.0
    assert report["target"]["file"] == str(tmp_path / f"{module}.py")
    line = MOCKS.splitlines().index(next(x for x in MOCKS.splitlines() if x.startswith(name)))
    assert report["target"]["line"] == line + 1
