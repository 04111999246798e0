"""GGUF files: header sanity and chat templates that reach Python internals (SSTI)."""

from __future__ import annotations

import struct
from typing import IO, Any

from aisec_sdk.posture.models import ScanFinding
from aisec_sdk.posture.templates import template_findings

__all__ = ["GGUF_MAGIC", "scan_gguf"]

GGUF_MAGIC = b"GGUF"
_SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
_STRING, _ARRAY = 8, 9
_MAX_COUNT = 1 << 32
_MAX_STRING = 256 << 20


class _Reader:
    """Reads GGUF values in the file's byte order: ``"<"``, or ``">"`` for a big-endian
    file (the gguf package reads both)."""

    def __init__(self, stream: IO[bytes], order: str) -> None:
        self.stream = stream
        self._structs = {code: struct.Struct(order + code) for code in ("I", *_SCALARS.values())}

    def take(self, size: int) -> bytes:
        data = self.stream.read(size)
        if len(data) < size:
            raise ValueError("unexpected end of file")
        return data

    def unpack(self, code: str) -> Any:
        packed = self._structs[code]
        return packed.unpack(self.take(packed.size))[0]

    def string(self) -> str:
        length = self.unpack("Q")
        if length > _MAX_STRING:
            raise ValueError(f"string of {length} bytes")
        return self.take(length).decode("utf-8", "replace")

    def value(self, kind: int, keep: bool) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string() if keep else self._skip_string()
        if kind == _ARRAY:
            item, count = self.unpack("I"), self.unpack("Q")
            if count > _MAX_COUNT:
                raise ValueError(f"array of {count} items")
            if item in _SCALARS:
                self._skip(count * self._structs[_SCALARS[item]].size)
            else:
                for _ in range(count):
                    self.value(item, keep=False)
            return None
        raise ValueError(f"unknown metadata value type {kind}")

    def _skip_string(self) -> None:
        length = self.unpack("Q")
        if length > _MAX_STRING:
            raise ValueError(f"string of {length} bytes")
        self._skip(length)

    def _skip(self, size: int) -> None:
        while size > 0:
            got = len(self.stream.read(min(size, 1 << 20)))
            if not got:
                raise ValueError("unexpected end of file")
            size -= got


def scan_gguf(stream: IO[bytes], path: str) -> list[ScanFinding]:
    """Findings for a GGUF file (metadata only; tensor data is not read)."""
    findings: list[ScanFinding] = []
    try:
        head = stream.read(8)  # the magic, then the version
        if len(head) < 8:
            raise ValueError("unexpected end of file")
        (version,), (swapped,) = struct.unpack("<I", head[4:]), struct.unpack(">I", head[4:])
        order = "<"
        if version not in (2, 3) and swapped in (2, 3):
            order, version = ">", swapped
        reader = _Reader(stream, order)
        if version not in (2, 3):
            raise ValueError(f"unsupported GGUF version {version}")
        tensors, entries = reader.unpack("Q"), reader.unpack("Q")
        if tensors > _MAX_COUNT or entries > _MAX_COUNT:
            raise ValueError(f"implausible counts: {tensors} tensors, {entries} metadata entries")
        for _ in range(entries):
            key = reader.string()
            kind = reader.unpack("I")
            # tokenizer.chat_template and the named ones: tokenizer.chat_template.tool_use
            value = reader.value(kind, keep="chat_template" in key.split("."))
            if isinstance(value, str):
                findings += template_findings(value, path, key)
    except (ValueError, struct.error) as exc:
        findings.append(
            ScanFinding("AISEC-MOD001", "medium", path, f"malformed GGUF header: {exc}", key="gguf")
        )
    return findings
