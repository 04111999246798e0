"""Model and dataset files: format from magic bytes and headers, SHA-256, size, row count.

Nothing is imported, unpickled or fully parsed: a few header bytes decide the model format
(``safetensors``, ``pytorch-zip``, ``pytorch-legacy``, ``pickle``, ``joblib``, ``onnx``,
``gguf``, ``numpy``, ``numpy-npz``, ``keras``, ``keras-h5``, ``tflite``). Datasets are
recognised by extension (``jsonl``, ``csv``, ``tsv``) or magic (``parquet``, ``arrow``)
and their rows counted by streaming.
"""

from __future__ import annotations

import csv
import hashlib
import struct
import zipfile
from pathlib import Path

from aisec_sdk.bom.model import FileFacts

__all__ = ["dataset_format", "file_facts", "model_format"]

_HEAD = 1 << 16
_PICKLE_PROTOCOLS = range(2, 6)
# The legacy (pre-zip) torch.save format starts with a pickled magic number.
_TORCH_LEGACY_MAGIC = b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
# Protobuf tags of ONNX ModelProto fields that follow ir_version (field 1).
_ONNX_NEXT_TAGS = frozenset({0x12, 0x1A, 0x22, 0x2A, 0x32, 0x3A, 0x42, 0x72})
_DATASET_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}


def _zip_format(path: Path, head: bytes) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        # torch.load accepts some archives zipfile rejects; the first member name tells.
        return "pytorch-zip" if b"data.pkl" in head[:512] else None
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "pytorch-zip"
    if "config.json" in names and any(n.endswith(".h5") or n == "metadata.json" for n in names):
        return "keras"
    if names and all(n.endswith(".npy") for n in names):
        return "numpy-npz"
    return None


def _is_safetensors(head: bytes, size: int) -> bool:
    if len(head) < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 0 < length <= size - 8 and head[8:9] == b"{"


def _is_onnx(head: bytes) -> bool:
    if len(head) < 3 or head[0] != 0x08:
        return False
    version, shift, index = 0, 0, 1
    while index < min(len(head), 6):
        byte = head[index]
        version |= (byte & 0x7F) << shift
        shift, index = shift + 7, index + 1
        if not byte & 0x80:
            break
    return 1 <= version <= 64 and index < len(head) and head[index] in _ONNX_NEXT_TAGS


def model_format(path: Path) -> str | None:
    """The model format of a file from its first bytes, or None when it is not a model."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
        size = path.stat().st_size
    except OSError:
        return None
    if head.startswith(b"PK\x03\x04"):
        return _zip_format(path, head)
    if head.startswith(b"GGUF"):
        return "gguf"
    if head.startswith(b"\x93NUMPY"):
        return "numpy"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return "keras-h5"
    if head[4:8] == b"TFL3":
        return "tflite"
    if len(head) > 2 and head[0] == 0x80 and head[1] in _PICKLE_PROTOCOLS:
        if head[2:].startswith(_TORCH_LEGACY_MAGIC):
            return "pytorch-legacy"
        return "joblib" if b"joblib" in head else "pickle"
    if _is_safetensors(head, size):
        return "safetensors"
    if _is_onnx(head):
        return "onnx"
    return None


def dataset_format(path: Path) -> str | None:
    """The dataset format of a file (extension for text formats, magic for binary ones)."""
    known = _DATASET_EXTENSIONS.get(path.suffix.lower())
    if known:
        return known
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return None
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1"):
        return "arrow"
    return None


def _rows(path: Path, fmt: str) -> int | None:
    try:
        if fmt == "jsonl":
            with path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
        if fmt in ("csv", "tsv"):
            with path.open(newline="", encoding="utf-8", errors="replace") as handle:
                reader = csv.reader(handle, delimiter="\t" if fmt == "tsv" else ",")
                return max(sum(1 for row in reader if row) - 1, 0)
        if fmt == "parquet":
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            return int(pq.ParquetFile(path).metadata.num_rows)
    except (ImportError, OSError, csv.Error, ValueError):
        return None
    return None


def file_facts(path: Path, root: Path, fmt: str, count_rows: bool = False) -> FileFacts:
    """SHA-256 (streamed), size, format and, for datasets, the number of records."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = path.as_posix()
    return FileFacts(
        path=shown,
        sha256=digest.hexdigest(),
        size=size,
        format=fmt,
        rows=_rows(path, fmt) if count_rows else None,
    )
