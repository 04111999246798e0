"""ONNX models: recognised by their protobuf prologue; external-data paths are checked.

Only the fields needed are decoded (ModelProto.graph -> GraphProto.initializer ->
TensorProto.external_data); tensor bytes are skipped with seeks, never read.
"""

from __future__ import annotations

import posixpath
from typing import IO

from aisec_sdk.posture.models import ScanFinding

__all__ = ["looks_like_onnx", "scan_onnx"]

_MODEL_TAGS = frozenset({0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72})
_GRAPH, _INITIALIZER, _EXTERNAL_DATA = 7, 5, 13
_MAX_ENTRY = 1 << 16


def looks_like_onnx(head: bytes) -> bool:
    """``ir_version`` (field 1, a small varint) first, then another ModelProto field."""
    return len(head) >= 3 and head[0] == 0x08 and 1 <= head[1] <= 20 and head[2] in _MODEL_TAGS


def _varint(stream: IO[bytes]) -> int:
    result = shift = 0
    while True:
        byte = stream.read(1)
        if not byte:
            raise ValueError("unexpected end of file in a varint")
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(stream: IO[bytes], end: int) -> list[tuple[int, int, int]]:
    """(field number, start, length) of each length-delimited field up to ``end``."""
    out: list[tuple[int, int, int]] = []
    while stream.tell() < end:
        key = _varint(stream)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _varint(stream)
        elif wire == 1:
            stream.seek(8, 1)
        elif wire == 5:
            stream.seek(4, 1)
        elif wire == 2:
            length = _varint(stream)
            start = stream.tell()
            if start + length > end:
                raise ValueError(f"field {number} runs past its message")
            out.append((number, start, length))
            stream.seek(start + length)
        else:
            raise ValueError(f"unsupported wire type {wire}")
    return out


def _entry(stream: IO[bytes], start: int, length: int) -> tuple[str, str]:
    stream.seek(start)
    key = value = ""
    for number, sub, size in _fields(stream, start + length):
        stream.seek(sub)
        text = stream.read(min(size, _MAX_ENTRY)).decode("utf-8", "replace")
        key, value = (text, value) if number == 1 else (key, text) if number == 2 else (key, value)
    return key, value


def scan_onnx(stream: IO[bytes], path: str, file_size: int) -> list[ScanFinding]:
    """Findings for an ONNX file on a seekable stream."""
    findings: list[ScanFinding] = []
    try:
        stream.seek(0)
        for number, start, length in _fields(stream, file_size):
            if number != _GRAPH:
                continue
            stream.seek(start)
            for tensor_field, t_start, t_len in _fields(stream, start + length):
                if tensor_field != _INITIALIZER:
                    continue
                stream.seek(t_start)
                for entry_field, e_start, e_len in _fields(stream, t_start + t_len):
                    if entry_field != _EXTERNAL_DATA:
                        continue
                    key, value = _entry(stream, e_start, e_len)
                    norm = posixpath.normpath(value.replace("\\", "/"))
                    if key == "location" and (
                        norm.startswith(("/", "../")) or norm == ".." or ":" in norm[:3]
                    ):
                        findings.append(
                            ScanFinding(
                                "AISEC-ONNX001",
                                "high",
                                path,
                                f"external data location {value!r} leaves the model folder",
                                key=f"location:{value}",
                            )
                        )
    except (ValueError, OSError) as exc:
        findings.append(
            ScanFinding(
                "AISEC-MOD001", "medium", path, f"malformed ONNX protobuf: {exc}", key="onnx"
            )
        )
    return findings
