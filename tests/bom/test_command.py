"""``aisec bom``: exit codes under every format, outputs, policy lookup, input errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aisec_sdk.bom.cyclonedx import validate
from aisec_sdk.cli import main

FORMATS = ("cyclonedx", "json", "markdown")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_ambient_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AISEC_POLICY", raising=False)
    for name in list(os.environ):
        if name.startswith("AISEC_ALLOWED"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _project(root: Path, code: str, policy: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(code)
    (root / "data.jsonl").write_text('{"x": 1}\n')
    if policy is not None:
        (root / "aisec.toml").write_text(policy)
    return root


CLEAN = 'from openai import OpenAI\nOpenAI().responses.create(model="gpt-4o")\n'
PLAINTEXT = 'from openai import OpenAI\nOpenAI(base_url="http://10.1.2.3:8000/v1")\n'


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["bom", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", FORMATS)
def test_clean_project_exits_0(fmt: str, tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path / "p", CLEAN)
    code, out, _ = _run(capsys, str(root), "--format", fmt, "--no-environment")
    assert code == 0
    if fmt == "cyclonedx":
        validate(out)
        assert json.loads(out)["specVersion"] == "1.6"
    elif fmt == "json":
        assert json.loads(out)["findings"] == []
    else:
        assert out.startswith("# AI-BOM") and "gpt-4o" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_plaintext_endpoint_exits_1(fmt: str, tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path / "p", PLAINTEXT)
    code, out, err = _run(capsys, str(root), "--format", fmt, "--no-environment")
    assert code == 1
    assert "plaintext-endpoint" in out and "1 finding" in err


def test_loopback_http_is_not_a_finding(tmp_path: Path, capsys: Any) -> None:
    root = _project(
        tmp_path / "p", 'from openai import OpenAI\nOpenAI(base_url="http://localhost:11434/v1")\n'
    )
    assert _run(capsys, str(root), "--no-environment")[0] == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_policy_next_to_the_project_is_applied(fmt: str, tmp_path: Path, capsys: Any) -> None:
    root = _project(
        tmp_path / "p",
        'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-3.5-turbo")\n',
        policy='allowed_models = ["gpt-4o*"]\nallowed_providers = ["openai"]\n',
    )
    code, out, _ = _run(capsys, str(root), "--format", fmt, "--no-environment")
    assert code == 1
    assert "unapproved-model" in out and "gpt-3.5-turbo" in out
    if fmt == "json":
        assert [f["ref"] for f in json.loads(out)["findings"]] == ["model:gpt-3.5-turbo"]


def test_explicit_policy_file_and_package_allow_list(tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path / "p", CLEAN)
    (root / "train.py").write_text("import torch\n")
    policy = tmp_path / "pyproject.toml"
    policy.write_text('[tool.aisec]\nallowed_packages = ["openai", "langchain-*"]\n')
    code, out, _ = _run(capsys, str(root), "--policy", str(policy), "--format", "json")
    findings = json.loads(out)["findings"]
    # the project imports torch (installed in this environment) but does not allow it.
    assert code == 1
    assert "shadow-ai" in {f["rule"] for f in findings}
    assert "framework:torch" in {f["ref"] for f in findings}
    assert "framework:openai" not in {f["ref"] for f in findings}


@pytest.mark.parametrize("spec", ["1.6", "1.7"])
def test_output_file_and_spec(spec: str, tmp_path: Path, capsys: Any) -> None:
    root = _project(tmp_path / "p", CLEAN)
    target = tmp_path / "reports" / "bom.cdx.json"
    code, out, _ = _run(capsys, str(root), "--spec", spec, "--output", str(target))
    assert (code, out) == (0, "")
    document = json.loads(target.read_text())
    assert document["specVersion"] == spec
    validate(document)


def test_no_arguments_scans_the_working_directory(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "p", CLEAN)
    monkeypatch.chdir(root)
    code, out, _ = _run(capsys, "--format", "json", "--no-environment")
    assert code == 0
    assert "model:gpt-4o" in {c["ref"] for c in json.loads(out)["components"]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_input_errors_exit_2(fmt: str, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{this is not json\n")
    not_otlp = tmp_path / "other.json"
    not_otlp.write_text('{"hello": 1}\n')
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text('allowed_models = "not-a-list"\n')
    deep_policy = tmp_path / "deep.toml"
    deep_policy.write_text("allowed_models = " + "[" * 100_000 + "]" * 100_000 + "\n")
    cases = [
        [str(tmp_path / "missing")],
        [""],
        ["--from-otlp", str(tmp_path / "missing.json")],
        ["--from-otlp", str(bad)],
        ["--from-otlp", str(not_otlp)],
        ["--from-otlp", str(empty)],
        [str(tmp_path), "--policy", str(bad_policy)],
        [str(tmp_path), "--policy", str(deep_policy)],
        [str(tmp_path), "--policy", str(tmp_path / "nope.toml")],
        [str(tmp_path), "--no-environment", "--output", str(tmp_path)],  # a directory
    ]
    for argv in cases:
        code, out, err = _run(capsys, *argv, "--format", fmt)
        assert code == 2, argv
        assert out == "" and "aisec bom: error:" in err, argv


def test_bad_option_value_is_a_usage_error(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bom", "--spec", "1.5"])
    assert exit_info.value.code == 2


def test_console_script_entry(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", PLAINTEXT)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aisec_sdk.cli",
            "bom",
            str(root),
            "--format",
            "markdown",
            "--no-environment",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert result.returncode == 1, result.stderr
    assert "plaintext-endpoint" in result.stdout


def test_command_module_imports_light(imported_by: Callable[[str], set[str]]) -> None:
    """The CLI imports every sub-command at start-up: ours must not pull in heavy modules."""
    heavy = {"pydantic", "opentelemetry.sdk", "cyclonedx", "torch", "aisec_sdk.bom.model"}
    assert imported_by("aisec_sdk.bom.command") & heavy == set()


def test_path_after_the_otlp_files_is_the_project(tmp_path: Path, capsys: Any) -> None:
    project = _project(tmp_path / "proj", CLEAN)
    spans = tmp_path / "spans.jsonl"
    spans.write_text('{"resourceSpans": []}\n')
    code, out, err = _run(
        capsys, "--from-otlp", str(spans), str(project), "--format", "json", "--no-environment"
    )
    assert code == 0, err
    assert any(c["ref"] == "model:gpt-4o" for c in json.loads(out)["components"])  # scanned
    code, _, err = _run(capsys, "--from-otlp", str(project), "--no-environment")
    assert code == 2 and "no such OTLP file" in err  # a folder alone is still no OTLP file
