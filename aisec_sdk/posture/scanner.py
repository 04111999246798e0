"""The posture scanner: walks paths, identifies each file by its magic bytes, dispatches.

Model files are recognised by content, never by extension, and never imported or
unpickled. Archives are opened with a lenient reader and their members go through the
same dispatch (so a pickle inside a zip inside a zip is found). Source code and datasets,
which have no magic bytes, are recognised by extension once no model format matched.
A file that cannot be read or parsed becomes a finding; the scan always goes on.
"""

from __future__ import annotations

import bz2
import hashlib
import io
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from aisec_sdk.posture import archives
from aisec_sdk.posture.code_scan import scan_notebook, scan_python
from aisec_sdk.posture.config_scan import MAX_CONFIG_SIZE, config_format, is_config, scan_config
from aisec_sdk.posture.gguf_scan import GGUF_MAGIC, scan_gguf
from aisec_sdk.posture.hf_config_scan import (
    HF_CONFIG_NAMES,
    is_chat_template,
    scan_chat_template,
    scan_hf_config,
)
from aisec_sdk.posture.keras_scan import HDF5_MAGIC, is_hdf5, scan_keras_bytes, scan_keras_config
from aisec_sdk.posture.mcp_scan import scan_mcp_config
from aisec_sdk.posture.models import FileResult, ScanFinding, ScanReport
from aisec_sdk.posture.numpy_scan import NPY_MAGIC, scan_npy
from aisec_sdk.posture.onnx_scan import looks_like_onnx, scan_onnx
from aisec_sdk.posture.pickle_scan import PICKLE_PROTOCOL_MAGIC, looks_like_pickle, scan_pickle
from aisec_sdk.posture.rules import RULES
from aisec_sdk.posture.safetensors_scan import looks_like_safetensors, scan_safetensors
from aisec_sdk.posture.tf_scan import TF_SUFFIXES, scan_tf_graph
from aisec_sdk.posture.torchscript_scan import scan_torchscript

if TYPE_CHECKING:
    from aisec_sdk.policy import Policy

__all__ = ["PICKLE_FORMATS", "detect_format", "scan_file", "scan_paths"]

_HEAD = 512  # a tar header
_MAX_DEPTH = 4
_MAX_CONFIG = 32 << 20
_MAX_SOURCE = 16 << 20
_SPOOL = 64 << 20
_MAX_DECOMPRESSED = 4 << 30
_CHUNK = 1 << 20
_MAX_ARCHIVED_DATASET = 1 << 30  # copied to disk to be read: a bomb must not fill it
_PICKLE_NAMES = re.compile(r"(?:^|/)data\.pkl$|\.(?:pkl|pickle)$", re.I)
_TORCH_STORAGE = re.compile(r"(?:^|/)data/\d+$")
# torch's legacy tar format: torch.load unpickles these members
_TORCH_TAR_MEMBERS = frozenset({"sys_info", "pickle", "storages", "tensors"})
_CODE_SUFFIXES = {".py": "python", ".pyw": "python", ".ipynb": "notebook"}
_DATA_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "text",
    ".parquet": "parquet",
    ".arrow": "arrow",  # Arrow IPC (Hugging Face datasets' save_to_disk)
    ".feather": "arrow",
}
_COLUMNAR = ("parquet", "arrow")  # datasets read with pyarrow
_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".venv",
        "venv",
        ".eggs",
        "site-packages",
        "dist-packages",
    }
)
_COMPRESSED = ("gzip", "bz2", "xz", "lzma", "zlib", "zfile")
# joblib's oldest format (joblib.load still reads it): "ZF", the length in hex padded to
# 19 characters, maybe a space, then a zlib stream
_ZFILE_HEADER = 21
_DECOMPRESSORS: dict[str, Callable[[], Any]] = {
    "gzip": lambda: zlib.decompressobj(-zlib.MAX_WBITS),  # a member's data, after its header
    "zlib": zlib.decompressobj,
    "zfile": zlib.decompressobj,
    "bz2": bz2.BZ2Decompressor,
    "xz": lzma.LZMADecompressor,
    "lzma": lambda: lzma.LZMADecompressor(lzma.FORMAT_ALONE),
}
# What Python's gzip, bz2 and lzma modules (gzip.open, joblib's bz2/xz/lzma) read after the
# end of a stream: the next one, until the input ends or holds no stream (lzma.open reads
# xz and legacy lzma streams in any order)
_NEXT_STREAM: dict[str, Callable[[], Any]] = {
    "gzip": _DECOMPRESSORS["gzip"],
    "bz2": bz2.BZ2Decompressor,
    "xz": lzma.LZMADecompressor,
    "lzma": lzma.LZMADecompressor,
}
_PIECE = 1 << 12  # compressed bytes a decompressor gets at a time (see _Input)

PICKLE_FORMATS = frozenset(
    {"pickle", "pytorch-zip", "pytorch-tar", "gzip", "bz2", "xz", "lzma", "zlib", "zfile"}
)
"""`detect_format` results whose loaders unpickle (torch.load, joblib.load, pickle.load)."""


def _sniff(head: bytes) -> str:
    """The format that ``head`` (a file's first bytes) announces, or ``unknown``."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    # Before pickle and zlib: header lengths such as 0x0280 or 0x0178 look like their magic.
    if looks_like_safetensors(head):
        return "safetensors"
    if head[:2] in PICKLE_PROTOCOL_MAGIC:
        return "pickle"
    if head[:6] == NPY_MAGIC:
        return "numpy"
    if head[:8] == HDF5_MAGIC:
        return "hdf5"
    if head[:4] == GGUF_MAGIC:
        return "gguf"
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:6] == b"ARROW1":
        return "arrow"
    if archives.looks_like_tar(head):
        return "tar"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bz2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if _is_lzma_alone(head):
        return "lzma"
    if head[:4] == b"ZF0x":
        return "zfile"
    if len(head) >= 2 and head[0] == 0x78 and head[1] in (0x01, 0x5E, 0x9C, 0xDA):
        return "zlib"
    if looks_like_onnx(head):
        return "onnx"
    return "unknown"


def _is_lzma_alone(head: bytes) -> bool:
    """The header of a legacy ``.lzma`` stream (``LZMA_Alone``, joblib's ``compress="lzma"``):
    the usual properties byte (lc=3, lp=0, pb=2), and the dictionary size (2^n or
    2^n + 2^(n-1)) and uncompressed size (unknown, or under 256 GiB) liblzma accepts."""
    if len(head) < 13 or head[0] != 0x5D:
        return False
    dictionary = int.from_bytes(head[1:5], "little")
    size = int.from_bytes(head[5:13], "little")
    top = dictionary.bit_length() - 1
    plausible = top >= 12 and dictionary in (1 << top, (1 << top) | (1 << (top - 1)))
    return plausible and (size == (1 << 64) - 1 or size < 1 << 38)


def _zip_flavour(names: Iterable[str]) -> str:
    names = list(names)
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "pytorch-zip"
    if "config.json" in names and ("metadata.json" in names or "model.weights.h5" in names):
        return "keras"
    if names and all(n.endswith(".npy") for n in names):
        return "npz"
    return "zip"


def _tar_flavour(names: Iterable[str]) -> str:
    return "pytorch-tar" if {"pickle", "storages"} <= set(names) else "tar"


def _member_format(name: str, head: bytes, parses: Callable[[], bool]) -> str:
    """An archive member's format from its first bytes; an unrecognised member is a pickle
    when its name says so or ``parses`` (the costlier check, run last) finds one."""
    fmt = _sniff(head)
    if fmt == "unknown" and (_PICKLE_NAMES.search(name) is not None or parses()):
        return "pickle"
    return fmt


def _content_format(fh: IO[bytes], head: bytes, size: int, *, complete: bool = False) -> str:
    """A seekable stream's format from its content (``head``: its first bytes): a magic, an
    HDF5 signature after a user block, or a pickle without a protocol header (when
    ``complete``, only one that reaches STOP and imports something: what text files need).
    The stream is left at its start."""
    fmt = _sniff(head)
    if fmt == "unknown" and is_hdf5(fh):
        fmt = "hdf5"
    if fmt == "unknown":
        fh.seek(0)
        fmt = "pickle" if looks_like_pickle(fh, size, complete=complete) else "unknown"
    fh.seek(0)
    return fmt


def detect_format(path: str | os.PathLike[str]) -> str:
    """The format of a weights file from its content: ``pytorch-zip``, ``pickle``,
    ``safetensors``, ``numpy``, ``npz``, ``keras``, ``hdf5``, ``gguf``, ``onnx``, ``zip``,
    ``pytorch-tar`` (torch's oldest format), ``tar``, ``gzip``/``bz2``/``xz``/``lzma``/
    ``zlib``/``zfile`` (compressed, e.g. joblib), ``parquet``, ``arrow`` or ``unknown``.
    """
    target = Path(path)
    with target.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        fmt = _content_format(fh, fh.read(_HEAD), size)
        if fmt == "zip":
            listing = archives.list_zip(fh, size)
            return _zip_flavour(m.name for m in listing.members)
        if fmt == "tar":
            fh.seek(0)
            try:
                with tarfile.open(fileobj=fh, mode="r:") as tar:
                    return _tar_flavour(tar.getnames())
            except tarfile.TarError:
                return "tar"
        return fmt


class _Window(io.RawIOBase):
    """A seekable view of ``size`` bytes of ``fh`` from ``start`` (a stored zip member)."""

    def __init__(self, fh: IO[bytes], start: int, size: int) -> None:
        self._fh, self._start, self._size, self._pos = fh, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        self._fh.seek(self._start + self._pos)
        data = self._fh.read(want)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class _Input:
    """A compressed file, read in pieces of at most `_PIECE` bytes from a 64 KiB buffer.

    A stream that ends inside a piece leaves the rest unused (a decompressor's
    ``unused_data``, a copy): small pieces keep a file of tiny streams linear to read.
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh, self._buffer, self._pos = fh, b"", 0

    def read(self, size: int) -> bytes:
        if self._pos == len(self._buffer):
            self._buffer, self._pos = self._fh.read(1 << 16), 0
        piece = self._buffer[self._pos : self._pos + min(size, _PIECE)]
        self._pos += len(piece)
        return piece

    def unread(self, count: int) -> None:
        """Give back the last ``count`` bytes of the last piece read."""
        self._pos -= count

    def exact(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer at the end of the file)."""
        data = b""
        while len(data) < size and (piece := self.read(size - len(data))):
            data += piece
        return data

    def skip(self, end: Callable[[bytes], int]) -> None:
        """Read on until ``end`` finds where the skipped bytes end in a piece (-1: not
        in it), and give back the rest of that piece."""
        while piece := self.read(_PIECE):
            offset = end(piece)
            if offset >= 0:
                self.unread(len(piece) - offset)
                return


def _after_zeros(piece: bytes) -> int:
    """Where the zero bytes that start ``piece`` end (-1: it is all zeros)."""
    rest = piece.lstrip(b"\0")
    return len(piece) - len(rest) if rest else -1


def _after_nul(piece: bytes) -> int:
    """Where ``piece`` goes on after its first NUL (-1: it has none)."""
    return piece.find(b"\0") + 1 or -1


def _gzip_header(source: _Input) -> bool:
    """Step over a gzip member's header as Python's gzip module reads it (a header CRC is
    skipped, not checked); False at the end of the input or where no member starts."""
    fixed = source.exact(10)
    if fixed[:3] != b"\x1f\x8b\x08" or len(fixed) < 10:
        return False
    flags = fixed[3]
    if flags & 4:  # FEXTRA
        source.exact(int.from_bytes(source.exact(2), "little"))
    for flag in (8, 16):  # FNAME, FCOMMENT: NUL-terminated
        if flags & flag:
            source.skip(_after_nul)
    if flags & 2:  # FHCRC
        source.exact(2)
    return True


class _Decompressed(io.RawIOBase):
    """Streams the decompressed bytes of a gzip, bzip2, xz, legacy lzma, zlib or joblib
    ``ZF`` stream, and of the streams after it that Python reads on as one
    (`_NEXT_STREAM`: ``gzip.compress(a) + gzip.compress(b)`` is ``a + b`` to gzip.open).

    Output is produced at most one read at a time (``max_length``), so a small bomb never
    expands in memory, and the stream fails past `_MAX_DECOMPRESSED` bytes (all streams
    together). A gzip member's CRC is not checked: gzip checks it after handing out the
    member's data, which a loader may already have run.
    """

    def __init__(self, inner: IO[bytes], kind: str) -> None:
        self._source, self._kind = _Input(inner), kind
        self._decomp: Any = None if kind == "gzip" else _DECOMPRESSORS[kind]()
        if kind == "zfile":
            self._source.exact(_ZFILE_HEADER)
            if self._source.exact(1) not in (b" ", b""):  # joblib skips one space there
                self._source.unread(1)
        self._fresh = False  # a stream after the first that has given no output yet
        self._done = False
        self._total = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = b""
        while not data and not self._done:
            piece = self._inflate(len(buffer))
            if piece is None:
                self._done = not self._next_stream()
            else:
                data = piece
        self._total += len(data)
        if self._total > _MAX_DECOMPRESSED:
            raise ValueError(f"decompresses to more than {_MAX_DECOMPRESSED >> 30} GiB")
        buffer[: len(data)] = data
        return len(data)

    def _inflate(self, size: int) -> bytes | None:
        """The current stream's next output (`archives.inflate`); None at its end."""
        if self._decomp is None:  # gzip: the first member's header
            if not _gzip_header(self._source):
                raise ValueError("gzip header is cut short or names no deflate data")
            self._decomp = _DECOMPRESSORS["gzip"]()
        try:
            return archives.inflate(self._decomp, self._source.read, size)
        except (OSError, lzma.LZMAError, zlib.error):
            if not self._fresh:
                raise
            return None  # bytes that start no stream: bz2 and lzma ignore them, gzip fails
        finally:
            self._fresh = False

    def _next_stream(self) -> bool:
        """Start the stream after the one that ended; False when there is none."""
        if self._kind not in _NEXT_STREAM or not self._decomp.eof:
            return False  # a single stream, or the input ended inside the stream
        self._source.unread(len(self._decomp.unused_data))
        if self._kind == "gzip":
            self._source.exact(8)  # the member's CRC and size
            self._source.skip(_after_zeros)  # gzip steps over zero padding between members
            if not _gzip_header(self._source):
                return False
        elif not self._source.exact(1):
            return False
        else:
            self._source.unread(1)
        self._decomp, self._fresh = _NEXT_STREAM[self._kind](), True
        return True


class _Prefixed(io.RawIOBase):
    """``head`` (bytes already read from ``stream``), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: io.BufferedReader[Any]) -> None:
        self._head, self._stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._head:
            return self._stream.readinto(buffer)
        size = min(len(buffer), len(self._head))
        buffer[:size], self._head = self._head[:size], self._head[size:]
        return size


def _with_head(stream: io.BufferedReader[Any]) -> tuple[bytes, io.BufferedReader[Any]]:
    """The first `_HEAD` bytes of ``stream`` (fewer only at its end) and a reader that
    still starts with them. ``peek`` returns what one raw read gave, and a decompressor
    may give a few bytes first (a tar's ``ustar`` at 257, a zip magic split in two)."""
    head = stream.read(_HEAD)  # a buffered read reads on until it has them all
    return head, io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 16)


class _Scan:
    """One scan run: options, the report being built, and the dispatch over formats."""

    def __init__(self, *, strict: bool, policy: Policy | None) -> None:
        self.strict = strict
        self.policy = policy
        self.report = ScanReport(strict=strict)

    # -- entry points ---------------------------------------------------------------------
    def path(self, target: Path, display: str, *, explicit: bool) -> None:
        """Scan one file; whatever goes wrong becomes a finding on that file."""
        try:
            self._file(target, display, explicit=explicit)
        except OSError as exc:
            message = f"file could not be read: {exc.strerror or exc}"
            self.failed(display, "AISEC-MOD001", message, size=_size(target))
        except Exception as exc:  # e.g. RecursionError on absurdly nested code
            suffix = target.suffix.lower()
            rule = (
                "AISEC-CODE010"
                if suffix in _CODE_SUFFIXES
                else "AISEC-DATA006"
                if suffix in _DATA_SUFFIXES
                else "AISEC-MOD001"
            )
            self.failed(display, rule, f"file could not be analysed: {type(exc).__name__}: {exc}")

    def failed(self, display: str, rule: str, message: str, *, size: int = 0) -> None:
        """Record a file (or folder) that could not be scanned, as a finding on it."""
        severity = RULES[rule].severity
        self._add(
            FileResult(display, "other", "unreadable", size),
            [ScanFinding(rule, severity, display, message, key="failed")],
        )

    def _add(self, result: FileResult, findings: list[ScanFinding]) -> None:
        result.findings = len(findings)
        self.report.files.append(result)
        self.report.findings.extend(findings)

    def _file(self, target: Path, display: str, *, explicit: bool) -> None:
        size = target.stat().st_size
        suffix = target.suffix.lower()
        with target.open("rb") as fh:
            head = fh.read(_HEAD)
            textual = suffix in _DATA_SUFFIXES or suffix in _CODE_SUFFIXES
            # Text formats must parse to STOP; other files may be truncated payloads.
            fmt = _content_format(fh, head, size, complete=textual)
            if fmt in _COLUMNAR:
                return self._dataset(target, display, fmt)
            # zipfile (so Keras) reads an archive after any other bytes; torch and numpy
            # look at the start, where a pickle or a header may open the same file
            appended = fmt != "zip" and archives.zip_at_end(fh, size)
            if suffix in TF_SUFFIXES and fmt in ("onnx", "unknown"):
                # saved_model.pb opens like an ONNX model (field 1 varint, field 2 bytes)
                found = scan_tf_graph(fh, display, text=suffix == ".pbtxt")
                # Keras layers saved with the graph (keras_metadata.pb, or saved_model.pb's
                # object metadata) keep their configs as JSON text, Lambda bytecode included
                found += scan_keras_bytes(fh, display, source="the SavedModel's Keras metadata")
                if fmt == "onnx":
                    fh.seek(0)
                    found += self.blob(fh, display, size, head, fmt, depth=0)[0]
                if appended:
                    found += self._zip(fh, display, size, depth=0)[0]
                fh.seek(0)
                return self._add(
                    FileResult(display, "model", "tensorflow", size, _sha256(fh)), found
                )
            # bytes no other reader owns (not code, data or a config), then a zip: a zip
            if appended and fmt == "unknown" and not (textual or is_config(target.name)):
                fmt, appended = "zip", False
            # train.jsonl.gz, or a train.jsonl that is gzip inside (what some exports write)
            data_fmt = _DATA_SUFFIXES.get(
                Path(target.stem).suffix.lower(), _DATA_SUFFIXES.get(suffix)
            )
            if fmt in _COMPRESSED and data_fmt not in (None, *_COLUMNAR) and _text_inside(fh, fmt):
                fh.seek(0)  # train.jsonl.gz: records are read as they decompress
                inner = _decompressed(fh, fmt)
                return self._dataset(target, display, data_fmt, inner, f"{fmt}+{data_fmt}")
            fh.seek(0)
            if fmt != "unknown":
                found, fmt = self.blob(fh, display, size, head, fmt, depth=0)
                if appended:
                    found += self._zip(fh, display, size, depth=0)[0]
                self._add(FileResult(display, "model", fmt, size, _sha256(fh)), found)
                return
        if suffix == ".safetensors":  # the loader rejects it; a scanner must not pass it
            message = (
                "safetensors: the file does not start with a header (an 8-byte length "
                "under 2**48, then '{')"
            )
            found = [ScanFinding("AISEC-ST001", "high", display, message, key="no-header")]
            return self._add(FileResult(display, "model", "unknown", size), found)
        if suffix == ".json" and target.name not in HF_CONFIG_NAMES:
            from aisec_sdk.posture.dataset_scan import json_dataset_format

            layout = json_dataset_format(target)  # records, not settings
            if layout is not None:
                return self._dataset(target, display, layout[0], items=layout[1])
        kind = _CODE_SUFFIXES.get(suffix)
        if kind is not None:
            return self._code(target, display, kind, size)
        template = is_chat_template(target)
        if template or target.name in HF_CONFIG_NAMES:
            kind = "jinja" if template else "json"
            if size > _MAX_CONFIG:
                found = [_too_large(display)]
            elif template:
                found = scan_chat_template(target.read_bytes(), display)
            else:
                data = target.read_bytes()
                found = scan_hf_config(data, display) + _keras_json(data, display)
                if size <= MAX_CONFIG_SIZE:  # an app's config.json holds keys like any config
                    found += scan_config(data, display)
            return self._add(FileResult(display, "config", kind, size), found)
        if is_config(target.name) and size <= MAX_CONFIG_SIZE:
            data = target.read_bytes()
            found = scan_config(data, display)
            if suffix == ".json":
                found += _keras_json(data, display) + scan_mcp_config(data, display)
            return self._add(FileResult(display, "config", config_format(target.name), size), found)
        data_fmt = _DATA_SUFFIXES.get(suffix)
        # Plain .txt files in a folder are mostly notes and licences: datasets only by name.
        if data_fmt is not None and (explicit or data_fmt != "text"):
            return self._dataset(target, display, data_fmt)
        if explicit:
            self._add(FileResult(display, "other", "unknown", size), [])
        else:
            self.report.skipped += 1

    def _code(self, target: Path, display: str, kind: str, size: int) -> None:
        if size > _MAX_SOURCE:
            self._add(FileResult(display, "code", kind, size), [])
            return
        data = target.read_bytes()
        if kind == "notebook":
            found = scan_notebook(data, display)
        else:
            found = scan_python(data.decode("utf-8", "replace"), display)
        self._add(FileResult(display, "code", kind, size), found)

    def _dataset(
        self,
        target: Path,
        display: str,
        fmt: str,
        stream: io.BufferedReader[Any] | None = None,
        label: str | None = None,
        items: list[Any] | None = None,
    ) -> None:
        """Scan a dataset file, or the decompressed ``stream`` read from it (``label``
        names that format in the file list, ``gzip+jsonl``), or its JSON records ``items``
        parsed already."""
        from aisec_sdk.posture.dataset_scan import scan_dataset

        size = target.stat().st_size
        fmt_label = label or fmt
        if fmt in _COLUMNAR:
            try:
                import pyarrow  # type: ignore[import-untyped]  # noqa: F401
            except ImportError:
                self._add(
                    FileResult(
                        display, "dataset", fmt, size, stats={"skipped": "pyarrow is not installed"}
                    ),
                    [],
                )
                return
        from aisec_sdk.engine import engine_for

        stats: dict[str, Any] = {}
        try:
            engine_for(self.policy)
        except Exception as exc:  # a broken guard set-up must not pass for a clean dataset
            message = (
                f"records not scanned: the guards failed to load ({type(exc).__name__}: {exc})"
            )
            found = [ScanFinding("AISEC-DATA006", "medium", display, message, key="guards")]
            self._add(FileResult(display, "dataset", fmt_label, size, stats=stats), found)
            return
        try:
            found, stats = scan_dataset(
                target, display, fmt, policy=self.policy, stream=stream, items=items
            )
        except Exception as exc:  # a reader's own failure must not stop the scan
            found = _unreadable_dataset(display, exc)
        self._add(FileResult(display, "dataset", fmt_label, size, stats=stats), found)

    # -- model formats --------------------------------------------------------------------
    def blob(
        self, fh: IO[bytes], display: str, size: int, head: bytes, fmt: str, depth: int
    ) -> tuple[list[ScanFinding], str]:
        """Findings for one model-format stream (a file, a member, a decompressed stream)."""
        try:
            return self._blob(fh, display, size, head, fmt, depth)
        except Exception as exc:  # never crash on a hostile file; report it instead
            return [
                ScanFinding(
                    "AISEC-MOD001",
                    "medium",
                    display,
                    f"{fmt} file could not be parsed: {type(exc).__name__}: {exc}",
                    key=f"crash:{fmt}",
                )
            ], fmt

    def _blob(
        self, fh: IO[bytes], display: str, size: int, head: bytes, fmt: str, depth: int
    ) -> tuple[list[ScanFinding], str]:
        archive = self._archive_in(display, depth)
        if fmt == "pickle":
            limit = size if size >= 0 else None
            return scan_pickle(fh, display, strict=self.strict, limit=limit, archive=archive), fmt
        if fmt == "numpy":
            return scan_npy(fh, display, strict=self.strict, archive=archive), fmt
        if fmt == "safetensors":
            found = scan_safetensors(fh, display, size)
            if head[:2] in PICKLE_PROTOCOL_MAGIC and any(f.rule_id == "AISEC-ST001" for f in found):
                fh.seek(0)  # not a valid safetensors file: it may be the pickle it also looks like
                found += scan_pickle(fh, display, strict=self.strict, limit=size, archive=archive)
            return found, fmt
        if fmt == "gguf":
            return scan_gguf(fh, display), fmt
        if fmt in ("zip", "tar", "onnx", "hdf5"):
            with _seekable(fh) as seekable:
                if fmt == "zip":
                    return self._zip(seekable, display, size, depth)
                if fmt == "tar":
                    return self._tar(seekable, display, depth)
                if fmt == "onnx":
                    return scan_onnx(seekable, display, size), fmt
                return scan_keras_bytes(seekable, display), fmt
        if fmt in _COMPRESSED and depth < _MAX_DEPTH:
            inner_head, inner = _with_head(_decompressed(fh, fmt))
            inner_fmt = _sniff(inner_head)
            if inner_fmt in ("pickle", "numpy", "gguf"):  # streamed as they decompress
                found, inner_fmt = self._blob(inner, display, -1, b"", inner_fmt, depth + 1)
                return found, f"{fmt}+{inner_fmt}"
            with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as copy:
                copied = _copy_capped(inner, copy)
                if copied is None:
                    message = (
                        f"decompresses to more than {_MAX_DECOMPRESSED >> 30} GiB; not scanned"
                    )
                    return [
                        ScanFinding("AISEC-MOD001", "medium", display, message, key="bomb")
                    ], fmt
                # dispatched as the same bytes would be uncompressed (a joblib pickle of
                # protocol 0-1 has no magic; raw weights or a text are no pickle)
                inner_fmt = _content_format(copy, inner_head, copied)
                found, inner_fmt = self._blob(
                    copy, display, copied, inner_head, inner_fmt, depth + 1
                )
                return found, f"{fmt}+{inner_fmt}"
        return [], fmt

    def _archive_in(self, display: str, depth: int) -> Callable[[bytes], list[ScanFinding]]:
        """Scans a zip that a pickle carries as bytes (a pickled tensor is a torch.save file)."""

        def scan(data: bytes) -> list[ScanFinding]:
            return self._nested(io.BytesIO(data), display, len(data), data[:_HEAD], "zip", depth)

        return scan

    def _nested(
        self, fh: IO[bytes], where: str, size: int, head: bytes, fmt: str, depth: int
    ) -> list[ScanFinding]:
        """Findings for a stream found inside another (an archive member, a zip a pickle
        carries), one level deeper; past `_MAX_DEPTH` levels, a finding that it was skipped."""
        if depth >= _MAX_DEPTH:
            message = f"{fmt} nested more than {_MAX_DEPTH} levels deep; not scanned"
            return [ScanFinding("AISEC-MOD001", "high", where, message, key="depth")]
        return self.blob(fh, where, size, head, fmt, depth + 1)[0]

    def _zip(
        self, fh: IO[bytes], display: str, size: int, depth: int
    ) -> tuple[list[ScanFinding], str]:
        listing = archives.list_zip(fh, size)
        flavour = _zip_flavour(m.name for m in listing.members)
        found = [_anomaly(display, text) for text in listing.anomalies]
        torch_like = flavour == "pytorch-zip"
        for member in listing.members:
            if member.data_offset < 0 or member.method not in archives.METHODS:
                continue
            if torch_like and _TORCH_STORAGE.search(member.name):
                continue  # raw tensor bytes; torch never unpickles them
            try:
                found += self._member(fh, display, member, depth)
            except Exception as exc:  # one hostile member must not hide the others
                message = f"member could not be scanned: {type(exc).__name__}: {exc}"
                where = f"{display}!{member.name}"
                found.append(ScanFinding("AISEC-MOD001", "medium", where, message, key="crash"))
        if torch_like:  # torch.jit.save archives: the operators their code/ calls
            found += scan_torchscript(fh, display, listing.members)
        return found, flavour

    def _tar(self, fh: IO[bytes], display: str, depth: int) -> tuple[list[ScanFinding], str]:
        """Every regular member of a tar, dispatched by content (torch.load reads the legacy
        tar format's ``pickle``, ``storages`` and ``tensors`` members as pickles)."""
        found: list[ScanFinding] = []
        names: list[str] = []
        try:
            with tarfile.open(fileobj=fh, mode="r:") as tar:
                for info in tar:
                    names.append(info.name)
                    found += [_anomaly(display, t) for t in archives.tar_anomalies(info)]
                    stream = tar.extractfile(info) if info.isfile() else None
                    if stream is not None:
                        found += self._tar_member(stream, f"{display}!{info.name}", info, depth)
        except tarfile.TarError as exc:  # what was read before the damage is still reported
            message = f"tar archive is malformed after {len(names)} member(s): {exc}"
            found.append(ScanFinding("AISEC-MOD001", "medium", display, message, key="tar"))
        return found, _tar_flavour(names)

    def _tar_member(
        self, stream: IO[bytes], where: str, info: tarfile.TarInfo, depth: int
    ) -> list[ScanFinding]:
        head = stream.read(_HEAD)
        stream.seek(0)
        fmt = _member_format(
            info.name,
            head,
            lambda: (
                info.name.rsplit("/", 1)[-1] in _TORCH_TAR_MEMBERS
                or looks_like_pickle(stream, info.size)
            ),
        )
        stream.seek(0)
        if fmt == "unknown" or fmt in _COLUMNAR:
            return self._archived_dataset(stream, where, fmt)
        return self._nested(stream, where, info.size, head, fmt, depth)

    def _archived_dataset(self, stream: IO[bytes], where: str, fmt: str) -> list[ScanFinding]:
        """Findings for a dataset member of an archive (``data.zip!train.jsonl``), read from
        a temporary copy (up to 1 GiB); members that are not datasets by extension give none."""
        from aisec_sdk.posture.dataset_scan import scan_dataset

        name = PurePosixPath(where.rsplit("!", 1)[-1])
        data_fmt = fmt if fmt in _COLUMNAR else _DATA_SUFFIXES.get(name.suffix.lower())
        if data_fmt is None or data_fmt == "text":  # notes and licences, as in folders
            return []
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder, "member" + name.suffix)
            with copy.open("wb") as out:
                if _copy_capped(stream, out, _MAX_ARCHIVED_DATASET) is None:
                    message = f"larger than {_MAX_ARCHIVED_DATASET >> 20} MiB; not scanned"
                    return [ScanFinding("AISEC-DATA006", "medium", where, message, key="bomb")]
            try:
                return scan_dataset(copy, where, data_fmt, policy=self.policy)[0]
            except Exception as exc:  # a reader's own failure must not stop the scan
                return _unreadable_dataset(where, exc)

    def _member(
        self, fh: IO[bytes], display: str, member: archives.ZipMember, depth: int
    ) -> list[ScanFinding]:
        where = f"{display}!{member.name}"
        stream = archives.open_member(fh, member)
        head, reader = _with_head(io.BufferedReader(stream, buffer_size=1 << 16))
        fmt = _member_format(
            member.name,
            head,
            lambda: looks_like_pickle(
                io.BufferedReader(archives.open_member(fh, member)), member.size
            ),
        )
        found: list[ScanFinding] = []
        if fmt == "pickle":
            archive = self._archive_in(where, depth)
            found = scan_pickle(
                reader, where, strict=self.strict, limit=member.size, archive=archive
            )
            while reader.read(_CHUNK):  # to the end, so the CRC can be checked
                pass
            if stream.crc_mismatch:
                found.append(
                    ScanFinding(
                        "AISEC-ARC001",
                        "medium",
                        where,
                        "archive anomaly: CRC does not match the member's data "
                        "(torch loads it, zipfile refuses)",
                        key="crc",
                    )
                )
        elif member.name.rsplit("/", 1)[-1] == "config.json":
            too_large = member.size > _MAX_CONFIG
            found = [_too_large(where)] if too_large else scan_keras_config(reader.read(), where)
        elif fmt == "unknown" or fmt in _COLUMNAR:
            found = self._archived_dataset(reader, where, fmt)
        else:
            stored = fmt in ("zip", "onnx", "hdf5") and member.method == 0  # seek, not copy
            source = (
                io.BufferedReader(_Window(fh, member.data_offset, member.size))
                if stored
                else reader
            )
            found = self._nested(source, where, member.size, head, fmt, depth)
        return found


@contextmanager
def _seekable(fh: IO[bytes]) -> Iterator[IO[bytes]]:
    """``fh`` itself when it can seek, else a spooled copy (memory, then disk)."""
    if fh.seekable():
        yield fh
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as copy:
        shutil.copyfileobj(fh, copy, _CHUNK)
        copy.seek(0)
        yield copy


def _too_large(where: str) -> ScanFinding:
    """The finding for a model config or chat template over `_MAX_CONFIG`: its loader
    reads it whole, so padding one must not hide what it holds."""
    message = (
        f"larger than {_MAX_CONFIG >> 20} MiB, which no real config is: its chat templates, "
        "custom code and Keras layers were not checked"
    )
    return ScanFinding("AISEC-MOD001", "high", where, message, key="too-large")


def _anomaly(display: str, text: str) -> ScanFinding:
    """The finding for one archive anomaly (``text`` names the member and what is wrong)."""
    return ScanFinding("AISEC-ARC001", "medium", display, f"archive anomaly: {text}", key=text)


def _unreadable_dataset(where: str, exc: Exception) -> list[ScanFinding]:
    """The finding for a dataset (a file or an archive member) its reader failed on."""
    message = f"dataset could not be read: {type(exc).__name__}: {exc}"
    return [ScanFinding("AISEC-DATA006", "low", where, message, key="unreadable")]


def _decompressed(fh: IO[bytes], kind: str) -> io.BufferedReader[Any]:
    """The decompressed content of ``fh`` (``kind`` as in `_COMPRESSED`), buffered."""
    return io.BufferedReader(_Decompressed(fh, kind), buffer_size=1 << 16)


def _keras_json(data: bytes, display: str) -> list[ScanFinding]:
    """Keras checks for a model architecture saved as JSON (``model.to_json()``, or the
    config.json of an unpacked .keras archive): Lambda layers and foreign callables."""
    if b'"class_name"' not in data:
        return []
    return [f for f in scan_keras_config(data, display) if f.rule_id != "AISEC-MOD001"]


def _text_inside(fh: IO[bytes], kind: str) -> bool:
    """Whether a compressed stream holds text rather than a model format or a pickle (a
    joblib file named data.csv.gz is still scanned as the pickle it is)."""
    fh.seek(0)
    try:
        head, inner = _with_head(_decompressed(fh, kind))
        return _sniff(head) == "unknown" and not looks_like_pickle(inner, complete=True)
    except (OSError, ValueError, EOFError, lzma.LZMAError, zlib.error):
        return False  # broken: the model path reports it


def _copy_capped(source: IO[bytes], target: IO[bytes], cap: int = _MAX_DECOMPRESSED) -> int | None:
    """Copy ``source`` into ``target``; the byte count, or None past ``cap`` bytes."""
    total = 0
    while chunk := source.read(_CHUNK):
        total += len(chunk)
        if total > cap:
            return None
        target.write(chunk)
    return total


def _sha256(fh: IO[bytes]) -> str:
    fh.seek(0)
    digest = hashlib.sha256()
    while chunk := fh.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _size(target: Path) -> int:
    """The size ``stat`` gives (a file that cannot be opened may still have one), else 0."""
    try:
        return target.stat().st_size
    except OSError:
        return 0


def _walk(root: Path, unreadable: Callable[[OSError], None]) -> Iterator[Path]:
    """The files under ``root``; each folder that cannot be listed goes to ``unreadable``."""
    for folder, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
        )
        for name in sorted(files):
            yield Path(folder, name)


def _scanned_names(reached: list[tuple[Path, bool]]) -> list[tuple[Path, bool]]:
    """The names one file (all of ``reached``, the names that lead to it, with whether each
    was named on the command line) is scanned under: the named ones, else the links' names
    (what the user sees and a loader goes by: a Hugging Face snapshot's
    ``tokenizer_config.json``, not its ``blobs/<hash>``), else its first name; one name per
    distinct file name, since what is checked depends on the name, not on the folder."""
    shown = [n for n in reached if n[1]] or [n for n in reached if n[0].is_symlink()] or reached[:1]
    by_name: dict[str, tuple[Path, bool]] = {}
    for file, explicit in shown:
        by_name.setdefault(file.name, (file, explicit))
    return list(by_name.values())


def scan_paths(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    strict: bool = False,
    *,
    policy: Policy | None = None,
) -> ScanReport:
    """Scan files and folders (recursively) and return one report.

    Findings name files as the paths were given (a folder's files under that folder).
    ``strict`` makes pickle imports outside the allow-list ``high``. ``policy`` configures
    the guards used on datasets (the default policy when None). Raises `FileNotFoundError`
    for a path that does not exist, before anything is scanned.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    targets = [Path(p) for p in paths]
    for target in targets:
        if not target.exists():
            raise FileNotFoundError(f"no such file or folder: {target}")
    scan = _Scan(strict=strict, policy=policy)
    # a file named on the command line counts as named even when a folder before it holds it
    named = {t.resolve() for t in targets if not t.is_dir()}
    names: dict[Path, list[tuple[Path, bool]]] = {}  # real path -> the names that reach it
    for target in targets:
        if target.is_dir():
            # Links to files are followed (a Hugging Face cache snapshot is all links into
            # blobs/); links to folders are not, so a loop cannot trap the walk.
            unreadable: list[OSError] = []
            files = []
            for file in _walk(target, unreadable.append):
                if file.is_file():
                    files.append((file, False))
                else:  # a FIFO, socket, device or dangling link: never opened, counted
                    scan.report.skipped += 1
            for error in unreadable:  # what it holds is not scanned: say so
                folder = Path(error.filename or target).as_posix()
                message = f"folder could not be read: {error.strerror or error}; not scanned"
                scan.failed(folder, "AISEC-MOD001", message)
        else:
            files = [(target, True)]
        for file, explicit in files:
            real = file.resolve()
            names.setdefault(real, []).append((file, explicit or real in named))
    for reached in names.values():
        for file, explicit in _scanned_names(reached):
            if file.is_file():
                scan.path(file, file.as_posix(), explicit=explicit)
            else:
                scan.failed(file.as_posix(), "AISEC-MOD001", "not a regular file; not read")
    return scan.report


def scan_file(
    path: str | os.PathLike[str], strict: bool = False, *, policy: Policy | None = None
) -> ScanReport:
    """Scan one file (for example weights about to be loaded); see `scan_paths`."""
    target = Path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no such file: {target}")
    return scan_paths([target], strict=strict, policy=policy)
