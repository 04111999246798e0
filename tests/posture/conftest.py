"""Builders of real artefacts for the posture scanner tests (written, never loaded)."""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))  # so tests can import report_ids


class Artefacts:
    """Byte-level builders, handed to tests through the ``art`` fixture."""

    @staticmethod
    def short_str(text: str) -> bytes:
        """SHORT_BINUNICODE for ``text``."""
        data = text.encode()
        return b"\x8c" + bytes([len(data)]) + data

    @staticmethod
    def proto0_call(module: str, name: str, arg: str = "id") -> bytes:
        """A protocol-0 pickle calling ``module.name(arg)`` (GLOBAL + REDUCE)."""
        return f"c{module}\n{name}\n(S'{arg}'\ntR.".encode()

    @classmethod
    def proto4_call(cls, module: str, name: str, arg: str = "id") -> bytes:
        """A protocol-4 pickle calling ``module.name(arg)`` through STACK_GLOBAL."""
        s = cls.short_str
        return b"\x80\x04" + s(module) + s(name) + b"\x93" + s(arg) + b"\x85R."

    @staticmethod
    def safetensors_bytes(header: dict[str, object], data: bytes) -> bytes:
        """A safetensors file: u64 header length, the JSON header as given (even lying), data."""
        raw = json.dumps(header).encode()
        raw += b" " * (-len(raw) % 8)
        return struct.pack("<Q", len(raw)) + raw + data

    @staticmethod
    def gguf_bytes(metadata: dict[str, str]) -> bytes:
        """A GGUF v3 file with string metadata and no tensors."""
        out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(metadata))
        for key, value in metadata.items():
            k, v = key.encode(), value.encode()
            out += struct.pack("<Q", len(k)) + k + struct.pack("<I", 8)
            out += struct.pack("<Q", len(v)) + v
        return out


@pytest.fixture
def art() -> type[Artefacts]:
    """The artefact builders."""
    return Artefacts


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """Write bytes (or text) to a file under tmp_path (the working directory); return its
    relative path, which is how findings name it."""

    def _write(name: str, data: bytes | str) -> Path:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_text(data, encoding="utf-8")
        else:
            target.write_bytes(data)
        return Path(name)

    return _write


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run each test inside its tmp_path, so reported paths are short and relative."""
    monkeypatch.chdir(tmp_path)
