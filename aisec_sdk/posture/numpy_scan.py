"""NumPy ``.npy`` files: an object dtype means the payload is a pickle, which is walked too."""

from __future__ import annotations

import ast
import struct
from collections.abc import Callable
from typing import IO, Any

from aisec_sdk.posture.models import ScanFinding
from aisec_sdk.posture.pickle_scan import holds_objects, scan_pickle

__all__ = ["NPY_MAGIC", "scan_npy"]

NPY_MAGIC = b"\x93NUMPY"
_MAX_HEADER = 1 << 20


def _has_object(descr: Any) -> bool:
    """Whether a dtype description holds objects, read as ``numpy.lib.format`` reads it: a
    string (``'|O'``, ``'O8'``, ``'object'``), a subarray ``(dtype, shape)``, or fields,
    each ``(name, dtype[, shape])`` whose dtype does (the name, or its ``(title, name)``
    pair, is only a label: a field called 'Offset' is not an object). Any iterable is
    taken as fields, as numpy takes it (a 2-character key ``'aO'`` is field a of dtype O)."""
    if isinstance(descr, str):
        return holds_objects(descr)
    if isinstance(descr, tuple):
        return bool(descr) and _has_object(descr[0])
    if isinstance(descr, list | dict | set | frozenset):
        return any(
            _has_object(list(field)[1])
            for field in descr
            if isinstance(field, str | tuple | list) and len(field) >= 2
        )
    return False


def _header(stream: IO[bytes]) -> dict[str, Any]:
    fixed = stream.read(8)
    if len(fixed) < 8 or fixed[:6] != NPY_MAGIC:
        raise ValueError("file is too short for an .npy header")
    major = fixed[6]
    if major == 1:
        (length,) = struct.unpack("<H", stream.read(2))
    elif major in (2, 3):
        (length,) = struct.unpack("<I", stream.read(4))
    else:
        raise ValueError(f"unknown .npy format version {major}")
    if length > _MAX_HEADER:
        raise ValueError(f"header of {length} bytes is larger than {_MAX_HEADER}")
    raw = stream.read(length)
    if len(raw) < length:
        raise ValueError("header is truncated")
    value = ast.literal_eval(raw.decode("utf-8" if major == 3 else "latin-1").strip())
    if not isinstance(value, dict) or not {"descr", "shape", "fortran_order"} <= value.keys():
        raise ValueError("header is not a dict with descr, shape and fortran_order")
    return value


def scan_npy(
    stream: IO[bytes],
    path: str,
    *,
    strict: bool = False,
    archive: Callable[[bytes], list[ScanFinding]] | None = None,
) -> list[ScanFinding]:
    """Findings for one ``.npy`` stream: object arrays, and what their pickle imports
    (``archive`` as in `scan_pickle`)."""
    try:
        header = _header(stream)
    except (ValueError, SyntaxError, struct.error, UnicodeDecodeError, MemoryError) as exc:
        return [
            ScanFinding(
                "AISEC-MOD001", "medium", path, f"malformed .npy header: {exc}", key="npy-header"
            )
        ]
    if not _has_object(header["descr"]):
        return []
    found = [
        ScanFinding(
            "AISEC-NPY001",
            "medium",
            path,
            f"array of dtype {header['descr']!r} is stored as a pickle; numpy.load "
            "with allow_pickle=True runs it",
            key="object-dtype",
            details={"shape": list(header.get("shape") or ())},
        )
    ]
    return found + scan_pickle(stream, path, strict=strict, archive=archive, _where="object array")
