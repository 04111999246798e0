"""safetensors header validation: size cap, JSON, dtype x shape = span, contiguous offsets."""

from __future__ import annotations

import math
import re
import struct
from typing import IO, Any

from aisec_sdk._json import loads
from aisec_sdk.posture.models import ScanFinding

__all__ = ["MAX_HEADER", "looks_like_safetensors", "scan_safetensors"]

MAX_HEADER = 100_000_000
_MAX_METADATA_VALUE = 64 * 1024
# Bits per element, as the safetensors format defines its dtypes.
_DTYPE_BITS = {
    "BOOL": 8,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "I64": 64,
    "U64": 64,
    "F64": 64,
    "C64": 64,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
}
_CODE_LIKE = re.compile(
    r"__import__|\bimport\s+\w|\beval\s*\(|\bexec\s*\(|os\.system|subprocess|<script|"
    r"javascript:|\{\{.*\}\}|\{%",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_safetensors(head: bytes) -> bool:
    """An 8-byte little-endian header length (under 2**48) followed by ``{``."""
    if len(head) < 9 or head[8:9] != b"{":
        return False
    length: int = struct.unpack("<Q", head[:8])[0]
    return 2 <= length < 1 << 48


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} in header")
        out[key] = value
    return out


def _problems(header: dict[str, Any], data_size: int) -> list[str]:
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            out.append(f"tensor {name!r}: entry must have exactly dtype, shape, data_offsets")
            continue
        dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
        bits = _DTYPE_BITS.get(dtype) if isinstance(dtype, str) else None
        if bits is None:
            out.append(f"tensor {name!r}: unknown dtype {dtype!r}")
            continue
        if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
        ):
            out.append(f"tensor {name!r}: shape must be a list of non-negative integers")
            continue
        if (
            not isinstance(offsets, list)
            or len(offsets) != 2
            or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            or not 0 <= offsets[0] <= offsets[1]
        ):
            out.append(f"tensor {name!r}: data_offsets must be [begin, end] with begin <= end")
            continue
        total_bits = math.prod(shape) * bits
        if total_bits % 8 or total_bits // 8 != offsets[1] - offsets[0]:
            out.append(
                f"tensor {name!r}: {dtype} x {shape} needs {total_bits / 8:g} bytes but its "
                f"offsets span {offsets[1] - offsets[0]}"
            )
        spans.append((offsets[0], offsets[1], name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin < position:
            out.append(f"tensor {name!r}: overlaps the previous tensor (starts at {begin})")
        elif begin > position:
            out.append(f"tensor {name!r}: gap of {begin - position} bytes before it")
        position = max(position, end)
    if position != data_size:
        out.append(
            f"tensors cover {position} bytes but the file holds {data_size} after the header"
        )
    return out


def _metadata_problems(metadata: Any) -> list[str]:
    if metadata is None:
        return []
    if not isinstance(metadata, dict):
        return ["__metadata__ is not a map of strings"]
    out: list[str] = []
    for key, value in metadata.items():
        if not isinstance(value, str):
            out.append(f"metadata {key!r} is not a string")
        elif len(value) > _MAX_METADATA_VALUE:
            out.append(f"metadata {key!r} is {len(value)} characters long")
        elif _CODE_LIKE.search(value):
            out.append(f"metadata {key!r} contains code or template markup")
    return out


def scan_safetensors(stream: IO[bytes], path: str, file_size: int) -> list[ScanFinding]:
    """Validate the header of a safetensors file (only the header is read)."""

    def invalid(message: str, key: str) -> list[ScanFinding]:
        return [ScanFinding("AISEC-ST001", "high", path, f"safetensors: {message}", key=key)]

    raw_len = stream.read(8)
    (length,) = struct.unpack("<Q", raw_len)
    if length > MAX_HEADER:
        return invalid(f"header length {length} exceeds the {MAX_HEADER}-byte cap", "too-large")
    if length + 8 > file_size:
        return invalid(f"header length {length} runs past the end of the file", "length")
    try:
        text = stream.read(length).decode("utf-8")
        header = loads(text, object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        return invalid(f"header is not valid UTF-8 JSON ({exc})", "json")
    if not isinstance(header, dict):
        return invalid("header is not a JSON object", "json")
    findings = [
        ScanFinding("AISEC-ST001", "high", path, f"safetensors: {problem}", key=problem)
        for problem in _problems(header, file_size - 8 - length)
    ]
    findings += [
        ScanFinding("AISEC-ST002", "medium", path, f"safetensors: {problem}", key=problem)
        for problem in _metadata_problems(header.get("__metadata__"))
    ]
    return findings
