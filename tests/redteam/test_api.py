"""The public Python API of aisec_sdk.redteam and the progress bar."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import weak_assistant

from aisec_sdk import redteam


def test_exports_resolve_and_are_listed_once() -> None:
    assert len(set(redteam.__all__)) == len(redteam.__all__)
    assert set(redteam.__all__) == set(redteam._EXPORTS)
    for name in redteam.__all__:
        assert getattr(redteam, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        redteam.nope  # noqa: B018


def test_importing_the_package_is_light() -> None:
    code = (
        "import sys, aisec_sdk.redteam, aisec_sdk.redteam.command\n"
        "print(sorted(m for m in sys.modules if m.startswith(('aisec_sdk.redteam.',"
        " 'openai', 'langchain'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "['aisec_sdk.redteam.command']"


def test_progress_bar_goes_to_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    redteam.run(weak_assistant.chat, budget=6, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "\raisec redteam [" in captured.err and "6/6" in captured.err
    redteam.run(weak_assistant.chat, budget=3)  # stderr is not a terminal here: no bar
    assert capsys.readouterr().err == ""
