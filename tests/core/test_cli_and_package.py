"""The aisec command as users run it, and the package as it installs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import aisec_sdk
from aisec_sdk.audit import verify
from aisec_sdk.cli import main

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("openai", "langchain_core", "transformers", "torch")


def _demo(audit: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aisec_sdk.cli", "demo", "--audit-log", str(audit)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )


def test_demo_runs_offline_and_its_audit_log_verifies(tmp_path: Path) -> None:
    audit = tmp_path / "demo.jsonl"
    done = _demo(audit)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "BLOCKED" in out and "prompt_injection" in out
    assert "<EMAIL>" in out and "jane.doe@example.com." not in out.split("answer <")[2]
    assert "span 'aisec.guard assistant'" in out
    assert f"aisec audit verify {audit}" in out
    assert verify(audit).ok


def test_demo_keeps_its_defaults_and_verifies_with_the_key_of_the_environment(
    tmp_path: Path,
) -> None:
    audit = tmp_path / "demo.jsonl"
    done = _demo(audit, {**os.environ, "AISEC_MODE": "monitor", "AISEC_AUDIT_KEY": "k3y"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BLOCKED" in done.stdout and "verify: OK" in done.stdout
    assert verify(audit, "k3y").ok


def test_demo_input_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["demo", "--audit-log", str(tmp_path)]) == 2  # a directory
    assert "aisec demo: error: cannot write the audit log" in capsys.readouterr().err
    monkeypatch.setenv("AISEC_POLICY", str(tmp_path / "missing.toml"))
    assert main(["demo", "--audit-log", str(tmp_path / "a.jsonl")]) == 2
    assert "aisec demo: error: AISEC_POLICY names" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["no-such-command"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["audit"])
    assert info.value.code == 2


def test_an_internal_error_exits_2_not_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("aisec_sdk.audit_command.run", broken)
    assert main(["audit", "verify", "x.jsonl"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "aisec audit: internal error: RuntimeError: boom" in err


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"aisec {aisec_sdk.__version__}"


def test_import_is_light_and_loads_no_framework() -> None:
    code = (
        "import json, sys, time; t = time.perf_counter(); import aisec_sdk; "
        "print(json.dumps([time.perf_counter() - t, sorted(sys.modules)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    seconds, modules = json.loads(done.stdout)
    assert not [m for m in FRAMEWORKS if m in modules]
    assert "pydantic" not in modules
    assert seconds < 1.0  # the 150 ms budget is measured in benchmarks/, not asserted here


def test_wheel_maps_integrations_into_the_package(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git",
            ".ci",
            "venv",
            ".venv",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".*_cache",  # mypy, ruff and pytest caches, rewritten while tests run
            "tests",
            "benchmarks",
            "docs",
        ),
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = (tmp_path / "dist").glob("aisec_sdk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "aisec_sdk/integrations/__init__.py" in names
    assert "aisec_sdk/py.typed" in names
    assert "aisec_sdk/guards/data/cl100k_base.tiktoken" in names
    assert "aisec_sdk/guards/data/o200k_base.tiktoken" in names
    assert any(n.startswith("aisec_sdk/guards/data/prompt_injection") for n in names)
    assert not any(n.startswith(("integrations/", "tests/", "benchmarks/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "aisec = aisec_sdk.cli:main" in text
    assert "[pytest11]" in text


def test_integrations_import_from_the_source_tree() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import aisec_sdk.integrations as m; print(m.__file__)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("integrations/__init__.py")


def test_input_errors_exit_2_when_run_as_a_module(tmp_path: Path) -> None:
    for module in ("aisec_sdk", "aisec_sdk.cli"):
        done = subprocess.run(
            [sys.executable, "-m", module, "audit", "verify", str(tmp_path / "missing.jsonl")],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 2, (module, done.stderr)
        assert "Traceback" not in done.stderr
        assert "cannot read" in done.stderr
