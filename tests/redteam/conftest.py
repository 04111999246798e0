"""Shared fixtures of the red-team tests: the weak assistant module and plugin loading."""

from __future__ import annotations

import sys
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
