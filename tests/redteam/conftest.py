"""Shared fixtures of the red-team tests: the weak assistant module and plugin loading."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # so tests (and pytester runs) can import weak_assistant


def _plugin_installed() -> bool:
    return any(ep.name == "aisec" for ep in entry_points(group="pytest11"))


@pytest.fixture
def plugin_args() -> list[str]:
    """Arguments that load the aisec pytest plugin in a pytester run (none when installed)."""
    return [] if _plugin_installed() else ["-p", "aisec_sdk.pytest_plugin"]


@pytest.fixture
def assistants_dir() -> Path:
    """The folder holding weak_assistant.py."""
    return HERE


@pytest.fixture
def run_pytest(
    tmp_path: Path, plugin_args: list[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run pytest in a subprocess on test files written to ``tmp_path``."""
    repo = HERE.parents[1]

    def run(files: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        for name, text in files.items():
            (tmp_path / name).write_text(textwrap.dedent(text))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(repo), str(HERE)]),
            "PYTEST_ADDOPTS": "",
        }
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *plugin_args, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run
