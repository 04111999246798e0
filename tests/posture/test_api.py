"""The public surface of aisec_sdk.posture: exports, lazy loading, format detection."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

import aisec_sdk.posture as posture

Write = Callable[[str, bytes | str], Path]

REPO = Path(__file__).resolve().parents[2]


def test_exports_resolve_and_match_all() -> None:
    assert sorted(posture.__all__) == sorted(posture._EXPORTS)
    for name in posture.__all__:
        assert getattr(posture, name) is not None


def test_command_module_import_is_light() -> None:
    code = (
        "import sys, aisec_sdk.posture.command\n"
        "heavy = [m for m in ('aisec_sdk.posture.scanner', 'aisec_sdk.engine', 'torch', 'numpy')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stderr


def test_detect_format_and_pickle_formats(write: Write, art: Any) -> None:
    torch.save({"w": torch.zeros(2)}, "w.bin")
    assert posture.detect_format("w.bin") in posture.PICKLE_FORMATS
    assert posture.detect_format(write("p.dat", art.proto0_call("os", "system"))) == "pickle"
    assert posture.detect_format(write("n.txt", "hello world\n")) == "unknown"
    safetensors = write("s.bin", art.safetensors_bytes({}, b""))
    assert posture.detect_format(safetensors) not in posture.PICKLE_FORMATS
