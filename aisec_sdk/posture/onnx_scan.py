"""ONNX models: recognised by their protobuf prologue; external-data paths are checked.

Only the messages that can hold tensors are decoded (graphs, initializers, sparse
initializers, node attributes, subgraphs, functions), down to TensorProto.external_data;
tensor bytes are skipped with seeks, never read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import IO

from aisec_sdk.posture.models import ScanFinding

__all__ = ["looks_like_onnx", "scan_onnx"]

_MODEL_TAGS = frozenset({0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72})
_EXTERNAL_DATA = 13  # TensorProto.external_data
# Where tensors sit: message kind -> {field number: kind of the message in that field}.
_CHILDREN: dict[str, dict[int, str]] = {
    "model": {7: "graph", 25: "function"},  # ModelProto.graph, .functions
    "graph": {1: "node", 5: "tensor", 15: "sparse"},  # node, initializer, sparse_initializer
    "function": {7: "node"},
    "node": {5: "attribute"},
    # AttributeProto: t, g, tensors, graphs, sparse_tensor, sparse_tensors
    "attribute": {5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse"},
    "sparse": {1: "tensor", 2: "tensor"},  # SparseTensorProto.values, .indices
}
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


def _tensors(stream: IO[bytes], start: int, end: int, kind: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every TensorProto inside the message at ``start``..``end``; onnx.load
    resolves external data for each one, wherever it sits (node attributes, subgraphs)."""
    stack = [(start, end, kind)]
    while stack:
        begin, stop, kind = stack.pop()
        if kind == "tensor":
            yield begin, stop
            continue
        stream.seek(begin)
        for number, sub, size in _fields(stream, stop):
            child = _CHILDREN[kind].get(number)
            if child is not None:
                stack.append((sub, sub + size, child))


def _locations(stream: IO[bytes], start: int, end: int) -> Iterator[str]:
    stream.seek(start)
    for number, sub, size in _fields(stream, end):
        if number == _EXTERNAL_DATA:
            key, value = _entry(stream, sub, size)
            if key == "location":
                yield value


def scan_onnx(stream: IO[bytes], path: str, file_size: int) -> list[ScanFinding]:
    """Findings for an ONNX file on a seekable stream."""
    findings: list[ScanFinding] = []
    try:
        for t_start, t_end in _tensors(stream, 0, file_size, "model"):
            for value in _locations(stream, t_start, t_end):
                norm = posixpath.normpath(value.replace("\\", "/"))
                if norm.startswith(("/", "../")) or norm == ".." or ":" in norm[:3]:
                    finding = ScanFinding(
                        "AISEC-ONNX001",
                        "high",
                        path,
                        f"external data location {value!r} leaves the model folder",
                        key=f"location:{value}",
                    )
                    if finding not in findings:
                        findings.append(finding)
    except (ValueError, OSError) as exc:
        findings.append(
            ScanFinding(
                "AISEC-MOD001", "medium", path, f"malformed ONNX protobuf: {exc}", key="onnx"
            )
        )
    return findings
