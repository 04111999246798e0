"""Pickle opcode walk: what a pickle would import, found without ever unpickling it.

The walk simulates the unpickler's stack and memo with placeholders, so imports are
resolved however they are spelt: ``GLOBAL``/``INST`` operands, ``STACK_GLOBAL`` over strings
pushed directly, duplicated, or fetched back from the memo (``MEMOIZE``/``PUT``/``GET``).
Several pickles in a row (the legacy torch format) and pickles nested inside byte strings
are scanned too. The raw array bytes joblib writes after a ``NumpyArrayWrapper`` are
stepped over (its shape and dtype are followed on the stack). Parsing stops at the first
broken opcode and reports what came before.
"""

from __future__ import annotations

import contextlib
import io
import math
import pickletools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import IO, Any

from aisec_sdk.posture.models import ScanFinding, Severity
from aisec_sdk.posture.pickle_globals import classify_global, full_name, is_identifier_path

__all__ = [
    "PICKLE_PROTOCOL_MAGIC",
    "PickleWalk",
    "holds_objects",
    "looks_like_pickle",
    "scan_pickle",
    "walk_pickles",
]

PICKLE_PROTOCOL_MAGIC = tuple(bytes([0x80, p]) for p in range(2, 6))
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save output, which torch.storage._load_from_bytes loads
_TEXT_MAGIC = tuple(m.decode("latin-1") for m in (*PICKLE_PROTOCOL_MAGIC, _ZIP_MAGIC[:2]))
# A pickle needs no protocol header (torch.storage._load_from_bytes and pickle.loads take
# protocol 0 bytes): byte strings that start with an opcode and import a well-formed name
# within their first MiB are walked too, keeping only the dangerous imports they make.
_OPCODE_BYTES = frozenset(op.code.encode("latin-1")[0] for op in pickletools.opcodes)
_PROBE = 1 << 20
# text that may be latin-1 bytes of such a pickle: GLOBAL, MARK, a short string, a frame
_TEXT_OPENERS = frozenset("c(\x8c\x95")
_TEXT_IMPORT = re.compile(
    r"[ci][A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n|\x93"
)  # GLOBAL, INST, STACK_GLOBAL
_DANGEROUS_RULES = frozenset({"AISEC-PKL001", "AISEC-PKL002"})
_MAX_NESTING = 3
_IN_MEMORY = 64 << 20
_MAX_STACK = 1 << 20  # real pickles stay shallow; a flood of MARKs must not exhaust memory
_MAX_MEMO = 1 << 23  # past this, new memo entries are not kept (fetches then resolve nothing)
_MAX_OPERAND = 256 << 20  # larger byte strings are stepped over, not held in memory
_MAX_OPCODES = 1 << 24  # ~20 s of walking; real checkpoints need a few million at most
_JOBLIB_ARRAY = "joblib.numpy_pickle.NumpyArrayWrapper"
_MARK = object()
_TRUNCATED = "pickle stream ended without a STOP opcode (truncated)"
_JOBLIB_KEYS = frozenset({"shape", "dtype", "numpy_array_alignment_bytes"})
_INTS = frozenset({"INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4"})
_DTYPE_CODE = re.compile(r"[<>|=]?([?bBiufcmMSUV])(\d*)")


def _stack_effect(op: pickletools.OpcodeInfo) -> tuple[int, bool, int]:
    before = list(op.stack_before)
    to_mark = pickletools.markobject in before
    if to_mark:
        before = before[: before.index(pickletools.markobject)]
    return len(before), to_mark, len(op.stack_after)


_EFFECTS = {op.name: _stack_effect(op) for op in pickletools.opcodes}
# Opcodes the walk treats specially; every other opcode only moves the simulated stack.
(
    _GENERIC,
    _GLOBAL,
    _STACK_GLOBAL,
    _EXT,
    _PUT,
    _MEMOIZE,
    _GET,
    _STRING,
    _BYTES,
    _DUP,
    _MARK_OP,
    _STOP,
    _VALUED,
) = range(13)
_KIND: dict[str, int] = dict.fromkeys(_EFFECTS, _GENERIC) | {
    "GLOBAL": _GLOBAL, "INST": _GLOBAL, "STACK_GLOBAL": _STACK_GLOBAL,
    "EXT1": _EXT, "EXT2": _EXT, "EXT4": _EXT,
    "PUT": _PUT, "BINPUT": _PUT, "LONG_BINPUT": _PUT, "MEMOIZE": _MEMOIZE,
    "GET": _GET, "BINGET": _GET, "LONG_BINGET": _GET,
    "UNICODE": _STRING, "SHORT_BINUNICODE": _STRING, "BINUNICODE": _STRING,
    "BINUNICODE8": _STRING, "STRING": _STRING, "BINSTRING": _STRING, "SHORT_BINSTRING": _STRING,
    "BINBYTES": _BYTES, "SHORT_BINBYTES": _BYTES, "BINBYTES8": _BYTES, "BYTEARRAY8": _BYTES,
    "DUP": _DUP, "MARK": _MARK_OP, "STOP": _STOP,
} | dict.fromkeys(  # opcodes whose values the walk follows (joblib's array layout)
    (*_INTS, "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_DICT", "SETITEM",
     "SETITEMS", "NEWOBJ", "REDUCE", "BUILD"),
    _VALUED,
)  # fmt: skip


@dataclass
class PickleWalk:
    """What one walk over a stream found: imports with counts, problems, and opcode count."""

    imports: dict[str, int] = field(default_factory=dict)
    qualified: dict[str, str] = field(default_factory=dict)  # import -> its dotted name part
    dynamic: list[str] = field(default_factory=list)
    nested: list[tuple[int, bytes]] = field(default_factory=list)
    oversized: list[tuple[int, int]] = field(default_factory=list)
    error: str | None = None
    limited: bool = False  # the walk stopped at one of its own bounds, not at broken bytes
    opcodes: int = 0
    pickles: int = 0


def _walk_one(stream: IO[bytes], walk: PickleWalk, *, joblib_arrays: bool = True) -> bool:
    """Walk one pickle up to STOP; True when STOP was reached. ``joblib_arrays``: the
    pickle is read by joblib's unpickler, so raw array bytes follow each NumpyArrayWrapper."""
    stack: list[Any] = []
    memo: dict[int, Any] = {}

    def pop() -> Any:
        return stack.pop() if stack else None

    def pop_mark() -> list[Any]:
        above: list[Any] = []
        while stack:
            item = stack.pop()
            if item is _MARK:
                break
            above.append(item)
        return above[::-1]

    for op, arg, pos in pickletools.genops(stream):
        walk.opcodes += 1
        name = op.name
        kind = _KIND[name]
        if kind == _VALUED and _JOBLIB_ARRAY not in walk.imports:
            kind = _GENERIC  # values are followed only in joblib files: plain walks stay fast
        if kind == _GENERIC:
            pops, to_mark, pushes = _EFFECTS[name]
            if to_mark:
                pop_mark()
            for _ in range(pops):
                pop()
            stack.extend([None] * pushes)
        elif kind == _VALUED:
            pops, to_mark, pushes = _EFFECTS[name]
            marked = pop_mark() if to_mark else []
            popped = [pop() for _ in range(pops)][::-1]
            pushed = _value(name, arg, popped, marked)
            if joblib_arrays and name == "BUILD" and isinstance(popped[0], _JoblibArray):
                _skip_joblib_array(stream, popped[1], walk)
            stack.extend([None] * pushes if pushed is None else pushed)
        elif kind == _PUT:
            if len(memo) < _MAX_MEMO:
                memo[int(arg or 0)] = stack[-1] if stack else None
        elif kind == _GET:
            stack.append(memo.get(int(arg or 0)))
        elif kind == _STRING:
            if isinstance(arg, str):
                # bytes at protocol 0-2 are _codecs.encode(str, "latin1")
                if arg[:2] in _TEXT_MAGIC or (
                    arg[:1] in _TEXT_OPENERS and _TEXT_IMPORT.search(arg, 0, _PROBE)
                ):
                    _nested(walk, pos, arg.encode("latin-1", "replace"))
                stack.append(arg)
            else:
                stack.append(None)
        elif kind == _MEMOIZE:
            if len(memo) < _MAX_MEMO:
                memo[len(memo)] = stack[-1] if stack else None
        elif kind == _MARK_OP:
            stack.append(_MARK)
        elif kind == _GLOBAL:
            module, _, attr = str(arg).partition(" ")
            if name == "INST":
                pop_mark()
            stack.append(_Global(_record(walk, module, attr)))
        elif kind == _STACK_GLOBAL:
            attr_v, module_v = pop(), pop()
            if isinstance(module_v, str) and isinstance(attr_v, str):
                stack.append(_Global(_record(walk, module_v, attr_v)))
            else:
                walk.dynamic.append(f"STACK_GLOBAL at byte {pos or 0}")
                stack.append(None)
        elif kind == _EXT:
            walk.dynamic.append(f"{name} extension code {arg} at byte {pos or 0}")
            stack.append(None)
        elif kind == _BYTES:
            if isinstance(arg, _Skipped):
                if _nested_magic(bytes(arg)):
                    walk.oversized.append((pos or 0, arg.size))
            elif isinstance(arg, bytes | bytearray):
                _nested(walk, pos, bytes(arg))
            stack.append(None)
        elif kind == _DUP:
            stack.append(stack[-1] if stack else None)
        else:  # STOP
            return True
        if len(stack) > _MAX_STACK:
            raise _LimitReached(f"stack deeper than {_MAX_STACK} items at byte {pos or 0}")
        if walk.opcodes > _MAX_OPCODES:
            raise _LimitReached(f"more than {_MAX_OPCODES} opcodes at byte {pos or 0}")
    return False


class _LimitReached(ValueError):
    """The walk hit one of its bounds (stack depth, opcode count); no real pickle does, so
    what follows is unscanned on purpose: a payload placed after a flood."""


def _nested(walk: PickleWalk, pos: int | None, data: bytes) -> None:
    """Keep a byte string that is itself a pickle or a zip: whoever loads it runs its imports."""
    if _nested_magic(data) or _headerless(data):
        walk.nested.append((pos or 0, data))


def _headerless(data: bytes) -> bool:
    """A protocol 0/1 (or header-less) pickle that imports a well-formed name early on."""
    if not data or data[0] not in _OPCODE_BYTES or (b"\n" not in data and b"\x93" not in data):
        return False
    walk = PickleWalk()
    with contextlib.suppress(Exception):  # broken bytes: what was read before still counts
        _walk_one(_InMemory(data[:_PROBE]), walk)
    return any(is_identifier_path(name) for name in walk.imports)


def _nested_magic(data: bytes) -> bool:
    return data[:2] in PICKLE_PROTOCOL_MAGIC or data[:4] == _ZIP_MAGIC


def _record(walk: PickleWalk, module: str, attr: str) -> str:
    key = full_name(module, attr)
    walk.imports[key] = walk.imports.get(key, 0) + 1
    if "." in attr and len(attr) > len(walk.qualified.get(key, "")):
        walk.qualified[key] = attr  # the longest split has every tail of the shorter ones
    return key


class _Global:
    """An imported callable on the simulated stack."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def holds_objects(code: str) -> bool:
    """Whether a dtype string names Python objects, as numpy reads it: ``'O'``, ``'|O8'``,
    ``'object'``, ``'object_'``."""
    return code.lstrip("<>|=").startswith(("O", "object"))


class _Dtype:
    """``numpy.dtype(code)`` on the simulated stack; BUILD may give its item size and its
    flags, which numpy takes as they are written (``hasobject`` is flag 0x01)."""

    __slots__ = ("code", "flags", "size")

    def __init__(self, code: str) -> None:
        self.code, self.size = code, 0
        self.flags: int | None = None

    def hasobject(self) -> bool:
        """Whether numpy (and so joblib) takes the dtype to hold objects."""
        if self.flags is not None:
            return bool(self.flags & 0x01)
        return holds_objects(self.code)

    def itemsize(self) -> int | None:
        """Bytes per item, or None for object (and unknown) dtypes."""
        match = _DTYPE_CODE.fullmatch(self.code)
        if match is None:
            return None
        if self.size > 0:
            return self.size
        letter, digits = match.groups()
        if letter == "?":
            return 1
        if not digits:
            return None
        return int(digits) * (4 if letter == "U" else 1)


class _JoblibArray:
    """A joblib NumpyArrayWrapper: its BUILD is followed by the raw array bytes."""

    __slots__ = ()


def _value(name: str, arg: Any, popped: list[Any], marked: list[Any]) -> list[Any] | None:
    """What an opcode pushes, where the walk needs the value (joblib array layout);
    None: placeholders. Only ints, tuples, a few dict keys and two objects are followed."""
    if name in _INTS:
        return [arg if isinstance(arg, int) else None]
    if name == "EMPTY_TUPLE":
        return [()]
    if name in ("TUPLE1", "TUPLE2", "TUPLE3"):
        return [tuple(popped)]
    if name == "TUPLE":
        return [tuple(marked)]
    if name == "EMPTY_DICT":
        return [{}]
    if name in ("SETITEM", "SETITEMS"):
        target, pairs = popped[0], popped[1:] if name == "SETITEM" else marked
        if isinstance(target, dict):
            for key, value in zip(pairs[::2], pairs[1::2], strict=False):
                if key in _JOBLIB_KEYS:
                    target[key] = value
        return [target]
    if name in ("NEWOBJ", "REDUCE"):
        func, args = popped
        called = func.name if isinstance(func, _Global) else ""
        if called == _JOBLIB_ARRAY:
            return [_JoblibArray()]
        if called == "numpy.dtype" and isinstance(args, tuple) and args:
            return [_Dtype(args[0])] if isinstance(args[0], str) else None
        return None
    if name == "BUILD":
        target, state = popped
        if isinstance(target, _Dtype) and isinstance(state, tuple) and len(state) > 5:
            target.size = state[5] if isinstance(state[5], int) else 0
            if len(state) > 7 and isinstance(state[7], int):
                target.flags = state[7]
        return [target]
    return None


def _skip_joblib_array(stream: Any, state: Any, walk: PickleWalk) -> None:
    """Step over the raw bytes joblib writes after a NumpyArrayWrapper (an alignment
    padding, then the array), so the walk goes on with the pickle after them.

    An array whose dtype holds objects (as its flags say: an object dtype, or a structure
    with an object field) is a pickle of its own there, which joblib loads with plain
    ``pickle.load``: it is walked with its own stack and memo (an index into the outer
    memo names something else), and a wrapper inside it is a plain object with no raw
    bytes after it. An unknown layout is left to fail."""
    if not isinstance(state, dict):
        return
    shape, dtype = state.get("shape"), state.get("dtype")
    if not isinstance(dtype, _Dtype):
        return
    if dtype.hasobject():
        _walk_one(stream, walk, joblib_arrays=False)
        return
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return
    itemsize = dtype.itemsize()
    if itemsize is None:
        return
    size = math.prod(shape) * itemsize
    if isinstance(state.get("numpy_array_alignment_bytes"), int):
        padding = stream.read(1)
        size += padding[0] if padding else 0
    _discard(stream.read, size)


def _discard(read: Callable[[int], bytes], size: int) -> int:
    """Read and drop ``size`` bytes in bounded chunks; how many there were."""
    done = 0
    while done < size and (chunk := read(min(size - done, 1 << 20))):
        done += len(chunk)
    return done


class _Skipped(bytes):
    """An operand over `_MAX_OPERAND` bytes, stepped over: holds its first bytes and
    reports its full length, so genops carries on (strings decode to their head)."""

    size: int

    def __len__(self) -> int:
        return self.size


class _Guarded:
    """What genops reads from: tracks the offset and refuses reads past the known size.

    A crafted length (``BINBYTES8`` claiming terabytes) fails fast instead of allocating.
    """

    def __init__(self, stream: IO[bytes], limit: int | None) -> None:
        self._inner = (
            stream
            if isinstance(stream, io.BufferedReader)
            else io.BufferedReader(_Raw(stream), buffer_size=1 << 16)
        )
        self._limit = limit
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        if self._limit is not None and size > self._limit - self.offset:
            raise ValueError(
                f"an opcode at byte {self.offset} wants {size} bytes; only "
                f"{self._limit - self.offset} remain"
            )
        if size > _MAX_OPERAND:
            return self._skip(size)
        data = self._inner.read(size)
        self.offset += len(data)
        return data

    def _skip(self, size: int) -> bytes:
        """Step over an operand too large to hold, keeping its first bytes."""
        head = self._inner.read(8)
        done = len(head) + _discard(self._inner.read, size - len(head))
        self.offset += done
        if done < size:
            return head  # short: genops reports the truncation
        skipped = _Skipped(head)
        skipped.size = size
        return skipped

    def readline(self, size: int = -1) -> bytes:
        data = self._inner.readline(min(size, 1 << 20) if size >= 0 else 1 << 20)
        self.offset += len(data)
        return data

    def peek(self, size: int) -> bytes:
        return self._inner.peek(size)[:size]

    def tell(self) -> int:
        return self.offset


class _InMemory(io.BytesIO):
    """A pickle small enough to hold: BytesIO never over-allocates on a crafted length."""

    def peek(self, size: int) -> bytes:
        at = self.tell()
        with self.getbuffer() as view:
            return bytes(view[at : at + size])


class _Raw(io.RawIOBase):
    """Adapts any readable binary stream to `io.BufferedReader`."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def walk_pickles(stream: IO[bytes], limit: int | None = None) -> PickleWalk:
    """Walk every pickle in a row from ``stream`` (torch's legacy format has five).

    ``limit`` is the number of bytes the stream holds, when known.
    """
    reader: _Guarded | _InMemory
    if limit is not None and limit <= _IN_MEMORY:
        reader = _InMemory(stream.read(limit))  # C-speed reads for the common small pickle
    else:
        reader = _Guarded(stream, limit)
    walk = PickleWalk()
    while True:
        # Without a protocol header the next bytes may be a protocol 0/1 pickle, or data.
        headerless = walk.pickles > 0 and reader.peek(2) not in PICKLE_PROTOCOL_MAGIC
        imports_before, dynamic_before = dict(walk.imports), len(walk.dynamic)
        nested_before, oversized_before = len(walk.nested), len(walk.oversized)
        opcodes_before = walk.opcodes
        try:
            error = None if _walk_one(reader, walk) else _TRUNCATED  # type: ignore[arg-type]
        except Exception as exc:
            error = _describe(exc)
            walk.limited = isinstance(exc, _LimitReached)
        if error is not None and walk.pickles > 0 and not walk.limited:
            new = [name for name in walk.imports if name not in imports_before]
            # Raw tensor bytes after the last pickle break within a few opcodes: not an
            # error. Headerless bytes are data unless they import a well-formed name.
            trailing = (
                not any(is_identifier_path(name) for name in new)
                if headerless
                else not new
                and len(walk.dynamic) == dynamic_before
                and walk.opcodes - opcodes_before <= 4
            )
            if trailing:
                walk.imports, walk.dynamic = imports_before, walk.dynamic[:dynamic_before]
                del walk.nested[nested_before:], walk.oversized[oversized_before:]
                return walk
        if error is not None:
            walk.error = error
            return walk
        walk.pickles += 1
        if not reader.peek(1):
            return walk


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "..."


def looks_like_pickle(
    stream: IO[bytes], limit: int | None = None, *, complete: bool = False
) -> bool:
    """For files without a protocol header: does this parse as a (protocol 0/1) pickle?

    True when the walk reaches STOP importing only dotted identifiers (and, when
    ``complete``, at least one), or (unless ``complete``) resolves at least one
    well-formed import before breaking: a loader would already have executed it. At most
    the first 64 MiB are read, so probing a large non-pickle file stays cheap.
    """
    walk = PickleWalk()
    bound = _IN_MEMORY if limit is None else min(limit, _IN_MEMORY)
    try:
        done = _walk_one(_Guarded(stream, bound), walk)  # type: ignore[arg-type]
    except Exception:
        done = False
    # Text reaches STOP by chance ("import os, x\n" is an INST of 'mport os, x'; the '.' of
    # "torch==2.1" is STOP), but a pickle only imports dotted identifiers, and a text file
    # (``complete``) is a pickle only when it imports something: data alone runs nothing.
    names_ok = all(is_identifier_path(name) for name in walk.imports)
    if done and walk.opcodes > 1 and names_ok and (walk.imports or not complete):
        return True
    return not complete and any(is_identifier_path(name) for name in walk.imports)


def scan_pickle(
    stream: IO[bytes],
    path: str,
    *,
    strict: bool = False,
    limit: int | None = None,
    archive: Callable[[bytes], list[ScanFinding]] | None = None,
    _depth: int = 0,
    _where: str = "",
) -> list[ScanFinding]:
    """Findings for the pickle(s) read from ``stream``; ``path`` names them in reports.

    ``limit`` is how many bytes the stream holds, when known (guards crafted lengths).
    ``archive`` scans a zip carried as bytes (a pickled tensor holds a whole torch.save
    file, loaded with torch.load on unpickling); without it such zips are not looked into.
    """
    walk = walk_pickles(stream, limit)
    findings: list[ScanFinding] = []
    prefix = f"{_where}: " if _where else ""
    for name, count in sorted(walk.imports.items()):
        attr = walk.qualified.get(name, "")
        tier, severity, reason = classify_global(name[: len(name) - len(attr)].rstrip("."), attr)
        if tier == "safe" or severity is None:
            continue
        if tier == "unknown":
            rule = "AISEC-PKL003"
            sev: Severity = "high" if strict else severity
        else:
            rule = "AISEC-PKL001" if severity == "critical" else "AISEC-PKL002"
            sev = severity
        times = f" ({count} times)" if count > 1 else ""
        findings.append(
            ScanFinding(
                rule,
                sev,
                path,
                f"{prefix}pickle imports {name}{times}: {reason}",
                key=f"{_where}{name}",
                details={"global": name, "count": count, "tier": tier},
            )
        )
    for where in walk.dynamic:
        findings.append(
            ScanFinding(
                "AISEC-PKL004",
                "high",
                path,
                f"{prefix}import built from non-string operands ({where})",
                key=f"{_where}{where}",
            )
        )
    if walk.error is not None and walk.limited:
        findings.append(
            ScanFinding(
                "AISEC-PKL005",
                "high",
                path,
                f"{prefix}scan stopped after {walk.opcodes} opcodes: {walk.error}; the rest "
                "of the stream was not scanned (a flood that hides what follows)",
                key=f"{_where}malformed",
                details={"opcodes": walk.opcodes},
            )
        )
    elif walk.error is not None and _JOBLIB_ARRAY in walk.imports:
        # joblib writes raw array bytes between opcodes; the walk cannot step over them.
        findings.append(
            ScanFinding(
                "AISEC-PKL005",
                "low",
                path,
                f"{prefix}joblib array data after {walk.opcodes} opcodes; the rest of the "
                "stream was not scanned",
                key=f"{_where}malformed",
                details={"opcodes": walk.opcodes},
            )
        )
    elif walk.error is not None:
        findings.append(
            ScanFinding(
                "AISEC-PKL005",
                "medium",
                path,
                f"{prefix}malformed pickle after {walk.opcodes} opcodes: {walk.error}",
                key=f"{_where}malformed",
                details={"opcodes": walk.opcodes},
            )
        )
    for offset, size in walk.oversized:
        findings.append(
            ScanFinding(
                "AISEC-PKL005",
                "high",
                path,
                f"{prefix}nested pickle or archive of {size} bytes at byte {offset} is larger "
                f"than the {_MAX_OPERAND >> 20} MiB the scanner holds; not scanned",
                key=f"{_where}oversized:{offset}",
                details={"bytes": size},
            )
        )
    if _depth < _MAX_NESTING:
        for offset, payload in walk.nested:
            if payload[:4] == _ZIP_MAGIC:
                label = f"{prefix}nested archive at byte {offset}: "
                findings += [
                    replace(f, message=label + f.message, key=f"{_where}{offset}:{f.key}")
                    for f in (archive(payload) if archive is not None else [])
                ]
                continue
            inner = scan_pickle(
                io.BytesIO(payload),
                path,
                strict=strict,
                limit=len(payload),
                archive=archive,
                _depth=_depth + 1,
                _where=f"{_where}nested pickle at byte {offset}",
            )
            if payload[:2] not in PICKLE_PROTOCOL_MAGIC:  # text or array bytes, maybe a pickle:
                inner = [f for f in inner if f.rule_id in _DANGEROUS_RULES]  # only what it runs
            findings += inner
    elif walk.nested:  # real files nest one level (a pickled tensor); deeper hides a payload
        findings.append(
            ScanFinding(
                "AISEC-PKL005",
                "high",
                path,
                f"{prefix}{len(walk.nested)} pickle(s) or archive(s) nested more than "
                f"{_MAX_NESTING} levels deep; not scanned",
                key=f"{_where}depth",
            )
        )
    return findings
