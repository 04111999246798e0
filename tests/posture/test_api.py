"""The public surface of aisec_sdk.posture: exports, lazy loading, format detection."""

from __future__ import annotations

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


def test_command_module_import_is_light(imported_by: Callable[[str], set[str]]) -> None:
    heavy = {"aisec_sdk.posture.scanner", "aisec_sdk.engine", "torch", "numpy"}
    assert imported_by("aisec_sdk.posture.command") & heavy == set()


def test_detect_format_and_pickle_formats(write: Write, art: Any) -> None:
    torch.save({"w": torch.zeros(2)}, "w.bin")
    assert posture.detect_format("w.bin") in posture.PICKLE_FORMATS
    assert posture.detect_format(write("p.dat", art.proto0_call("os", "system"))) == "pickle"
    assert posture.detect_format(write("n.txt", "hello world\n")) == "unknown"
    safetensors = write("s.bin", art.safetensors_bytes({}, b""))
    assert posture.detect_format(safetensors) not in posture.PICKLE_FORMATS
