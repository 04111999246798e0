"""The HTML report renders in a real browser (headless Chromium)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import weak_assistant

from aisec_sdk.redteam.report_html import write_html
from aisec_sdk.redteam.runner import run

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_renders_with_its_charts(tmp_path: Path) -> None:
    before = run(weak_assistant.chat, budget=20, seed=9).to_dict()
    after = run(weak_assistant.guarded_chat, budget=20, seed=9).to_dict()
    page = tmp_path / "report.html"
    write_html(after, page, baseline=before)

    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert html.count("<svg") == 3
    assert html.count("<rect") >= 2 * len(before["families"])
    assert "Attack success rate per probe family" in html

    shot = tmp_path / "report.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1100,1400", page.as_uri())
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
