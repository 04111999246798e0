"""Model and dataset files: format from magic bytes and headers, SHA-256, size, row count.

Nothing is imported, unpickled or fully parsed: the file's bytes decide the model format
(``safetensors``, ``pytorch-zip``, ``pytorch-legacy``, ``pickle``, ``joblib``, ``onnx``,
``gguf``, ``numpy``, ``npz``, ``keras``, ``hdf5``, ``tflite``). Datasets are
recognised by extension (``jsonl``, ``csv``, ``tsv``) or magic (``parquet``, ``arrow``)
and their rows counted by streaming.
"""

from __future__ import annotations

import csv
import hashlib
import pickletools
from pathlib import Path

from aisec_sdk.bom.model import FileFacts

__all__ = ["dataset_format", "file_facts", "model_format", "pickle_names_code"]

_HEAD = 1 << 16
# The legacy (pre-zip) torch.save format starts with a pickled magic number.
_TORCH_LEGACY_MAGIC = b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
# A TensorFlow Lite flatbuffer names its schema at bytes 4..8.
_TFLITE_IDENTIFIER = b"TFL3"
_MODEL_FORMATS = frozenset(
    {
        "pytorch-zip",
        "pytorch-tar",
        "pickle",
        "safetensors",
        "numpy",
        "npz",
        "keras",
        "hdf5",
        "gguf",
        "onnx",
    }
)
_COMPRESSED = frozenset({"gzip", "bz2", "xz", "zlib"})
_JOBLIB_SUFFIXES = frozenset({".joblib", ".pkl", ".pickle"})
# pickle opcodes that name or call code: a class, a function, a copyreg extension
_CODE_OPCODES = frozenset(
    {"GLOBAL", "STACK_GLOBAL", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "REDUCE", "BUILD"}
    | {"EXT1", "EXT2", "EXT4"}
)
_MAX_PLAIN_PICKLE = 64 << 20
_MAX_PICKLE_OPCODES = 1_000_000
_DATASET_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}


def model_format(path: Path) -> str | None:
    """The model format of a file from its content, or None when it is not a model.

    The posture scanner's `detect_format` sniffs the bytes; pickles are then told apart as
    ``joblib`` or ``pytorch-legacy`` by their first bytes, and a compressed stream counts as
    a (compressed) ``joblib`` dump only under a joblib/pickle file name.
    """
    from aisec_sdk.posture.scanner import detect_format

    try:
        fmt = detect_format(path)
        if fmt == "pickle":
            with path.open("rb") as handle:
                head = handle.read(_HEAD)
            if head[2:].startswith(_TORCH_LEGACY_MAGIC):
                return "pytorch-legacy"
            if b"joblib" in head:
                return "joblib"
            return "pickle"
    except Exception:  # an unreadable or hostile file is the scanner's business, not ours
        return None
    if fmt in _COMPRESSED and path.suffix.lower() in _JOBLIB_SUFFIXES:
        return "joblib"
    if fmt in _MODEL_FORMATS:
        return fmt
    try:
        with path.open("rb") as handle:
            return "tflite" if handle.read(8)[4:] == _TFLITE_IDENTIFIER else None
    except OSError:
        return None


def pickle_names_code(path: Path) -> bool:
    """Whether a pickle names a class or a function, as any model's pickle does; one of
    plain values (dicts, lists, strings, numbers: a cache) is data. The opcodes are only
    decoded, never run. Undecided (a large or malformed pickle) counts as naming code."""
    if path.stat().st_size > _MAX_PLAIN_PICKLE:
        return True
    try:
        with path.open("rb") as handle:
            for count, (opcode, _, _) in enumerate(pickletools.genops(handle)):
                if opcode.name in _CODE_OPCODES or count >= _MAX_PICKLE_OPCODES:
                    return True
    except Exception:  # not a clean pickle: the posture scanner's business, keep it listed
        return True
    return False


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
