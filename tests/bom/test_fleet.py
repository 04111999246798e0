"""Fleet: two real processes export OTLP JSON files; ``aisec bom --from-otlp`` merges them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aisec_sdk.bom.cyclonedx import validate

REPO = Path(__file__).resolve().parents[2]
SERVICE = Path(__file__).with_name("fleet_service.py")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AISEC_", "OTEL_"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def _aisec(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aisec_sdk.cli", "bom", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_env(),
        timeout=180,
    )


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fleet")
    files = {
        "checkout": root / "checkout.json",
        "search": root / "search.json",
        "snapshot": root / "search-bom.json",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, str(SERVICE), "checkout", str(files["checkout"])],
            cwd=root,
            env=_env(),
            stderr=subprocess.PIPE,
            text=True,
        ),
        subprocess.Popen(
            [sys.executable, str(SERVICE), "search", str(files["search"]), str(files["snapshot"])],
            cwd=root,
            env=_env(),
            stderr=subprocess.PIPE,
            text=True,
        ),
    ]
    for process in processes:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
    files["root"] = root
    return files


def test_each_service_wrote_collector_format_lines(fleet: dict[str, Path]) -> None:
    for service in ("checkout", "search"):
        lines = fleet[service].read_text().splitlines()
        assert lines
        for line in lines:
            request = json.loads(line)
            resource = request["resourceSpans"][0]["resource"]["attributes"]
            assert {"key": "service.name", "value": {"stringValue": service}} in resource


def test_merged_bom_inventories_the_fleet(fleet: dict[str, Path]) -> None:
    result = _aisec(
        "--from-otlp",
        str(fleet["checkout"]),
        str(fleet["search"]),
        "--format",
        "json",
        cwd=fleet["root"],
    )
    assert result.returncode == 0, result.stderr
    bom = json.loads(result.stdout)
    assert bom["services"] == ["checkout", "search"]
    components = {c["ref"]: c for c in bom["components"]}
    gpt = components["model:gpt-4o"]
    assert (gpt["usage"]["calls"], gpt["usage"]["input_tokens"]) == (3, 360)
    assert gpt["services"] == ["checkout"] and gpt["response_models"] == ["gpt-4o-2025"]
    assert components["model:claude-3-5-haiku"]["usage"]["calls"] == 2
    assert components["model:text-embedding-3-small"]["provider"] == "azure.ai.openai"
    # One PII-bearing question in checkout: its provider carries the classification.
    assert components["provider:openai"]["data_classifications"] == ["PII"]
    assert components["provider:anthropic"]["data_classifications"] == []
    edges = {(r["source"], r["kind"], r["target"]): r for r in bom["relationships"]}
    checkout_fn = [ref for ref in components if ref.startswith("function:checkout/")]
    assert len(checkout_fn) == 1 and checkout_fn[0].endswith("answer")
    assert edges[(checkout_fn[0], "calls", "model:gpt-4o")]["usage"]["calls"] == 3
    search_fn = next(ref for ref in components if ref.startswith("function:search/"))
    assert (search_fn, "calls", "model:claude-3-5-haiku") in edges
    assert (
        "provider:azure.ai.openai",
        "reached-at",
        "endpoint:https://myco.openai.azure.com",
    ) in edges


@pytest.mark.parametrize("spec", ["1.6", "1.7"])
def test_merged_cyclonedx_validates(fleet: dict[str, Path], spec: str) -> None:
    out = fleet["root"] / f"fleet-{spec}.cdx.json"
    result = _aisec(
        "--from-otlp",
        str(fleet["checkout"]),
        str(fleet["search"]),
        "--spec",
        spec,
        "--output",
        str(out),
        cwd=fleet["root"],
    )
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(out.read_text())
    validate(document)
    services = {s["name"]: s for s in document["services"]}
    assert set(services) == {"openai", "azure.ai.openai", "anthropic"}
    assert services["openai"]["data"] == [
        {
            "flow": "outbound",
            "classification": "PII",
            "description": "personal data sent to the service",
            "destination": ["https://api.openai.com"],
        }
    ]
    assert services["anthropic"]["endpoints"] == ["https://api.anthropic.com"]


def test_fleet_policy_flags_shadow_ai(fleet: dict[str, Path]) -> None:
    policy = fleet["root"] / "fleet-policy.toml"
    policy.write_text(
        'allowed_providers = ["openai", "azure.ai.openai"]\n'
        'allowed_models = ["gpt-4o*", "text-embedding-3-*"]\n'
    )
    for fmt in ("cyclonedx", "json", "markdown"):
        result = _aisec(
            "--from-otlp",
            str(fleet["checkout"]),
            str(fleet["search"]),
            "--policy",
            str(policy),
            "--format",
            fmt,
            cwd=fleet["root"],
        )
        assert result.returncode == 1, (fmt, result.stderr)
        assert "provider:anthropic" in result.stdout
        assert "shadow-ai" in result.stdout and "unapproved-model" in result.stdout


def test_snapshot_written_at_exit(fleet: dict[str, Path]) -> None:
    snapshot = json.loads(fleet["snapshot"].read_text())
    assert snapshot["services"] == ["search"]
    models = {c["name"] for c in snapshot["components"] if c["kind"] == "model"}
    assert models == {"text-embedding-3-small", "claude-3-5-haiku"}
