"""The public Python API of aisec_sdk.redteam and the progress bar."""

from __future__ import annotations

from collections.abc import Callable

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


def test_importing_the_package_is_light(imported_by: Callable[[str], set[str]]) -> None:
    loaded = imported_by("aisec_sdk.redteam, aisec_sdk.redteam.command")
    heavy = sorted(m for m in loaded if m.startswith(("aisec_sdk.redteam.", "openai", "langchain")))
    assert heavy == ["aisec_sdk.redteam.command"]


def test_progress_bar_goes_to_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    redteam.run(weak_assistant.chat, budget=6, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "\raisec redteam [" in captured.err and "6/6" in captured.err
    redteam.run(weak_assistant.chat, budget=3)  # stderr is not a terminal here: no bar
    assert capsys.readouterr().err == ""
