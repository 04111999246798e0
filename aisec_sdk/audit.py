"""Append-only, hash-chained JSON Lines audit log, and its verification.

Every record carries ``seq`` (0, 1, 2...), ``prev`` (the previous record's ``hash``) and
``hash``: SHA-256 over the canonical JSON of the record without ``hash`` (HMAC-SHA256 when
a key is configured). Any edit, deletion, insertion, reordering or torn tail breaks the
chain at the first bad record. Appends take an exclusive ``flock`` so threads and processes
can share one file without losing or tearing a record.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from aisec_sdk._json import loads

if TYPE_CHECKING:
    from aisec_sdk.policy import Policy

__all__ = [
    "GENESIS",
    "SCHEMA_VERSION",
    "AuditLog",
    "VerifyResult",
    "audit_log_for",
    "audit_log_of",
    "verify",
]

SCHEMA_VERSION = 1
GENESIS = "0" * 64
_REQUIRED = ("v", "seq", "time", "prev", "hash", "alg")


def _canonical(record: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "hash"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _written(record: Mapping[str, Any]) -> bytes:
    """A record as the writer puts it on its line (without the newline)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=True).encode()


def _digest(payload: bytes, key: bytes | None) -> str:
    if key:
        return hmac.new(key, payload, hashlib.sha256).hexdigest()
    return hashlib.sha256(payload).hexdigest()


class AuditLog:
    """Appends chained records to one file; safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str], key: bytes | str | None = None) -> None:
        self.path = Path(path).absolute()  # a later chdir must not move the log
        self.key = key.encode() if isinstance(key, str) else key
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._closer: weakref.finalize[[int], AuditLog] | None = None
        self._known: tuple[int, int, str] | None = None  # (file size, next seq, last hash)
        _writers.add(self)  # weakly: a writer dropped without close() is collected

    def _forget(self) -> None:
        # a forked child must not share the parent's open file description (and its flock)
        self._drop()
        self._lock = threading.Lock()

    def _drop(self) -> None:
        """Close the descriptor (once) and forget the chain state read with it."""
        if self._closer is not None:
            self._closer()
        self._closer = None
        self._fd = None
        self._known = None

    def _open(self) -> int:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            # closed when the writer is collected: AuditLog(path).append(...) per request
            # must not run the process out of descriptors
            self._closer = weakref.finalize(self, os.close, self._fd)
        return self._fd

    def _locked(self) -> int:
        """The descriptor of the file now at ``path``, exclusively locked. A file renamed
        (log rotation) or deleted since it was opened is let go, so records are neither
        appended to the rotated file nor lost in a deleted one."""
        while True:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)
            opened = os.fstat(fd)
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            same = (current.st_dev, current.st_ino) if current else None
            if same == (opened.st_dev, opened.st_ino):
                return fd
            fcntl.flock(fd, fcntl.LOCK_UN)
            self._drop()

    def append(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Chain ``fields`` onto the log and write it; returns the full record."""
        with self._lock:
            fd = self._locked()
            try:
                size = os.fstat(fd).st_size
                if self._known is not None and self._known[0] == size:
                    _, seq, prev = self._known
                    prefix = b""
                else:
                    seq, prev, prefix = _tail_state(fd, size)
                now = time.time()
                record: dict[str, Any] = {
                    **fields,  # first: the chain's own fields below always win
                    "v": SCHEMA_VERSION,
                    "seq": seq,
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
                    + f".{int(now * 1e6) % 1_000_000:06d}Z",
                    "alg": "hmac-sha256" if self.key else "sha256",
                    "prev": prev,
                }
                record["hash"] = _digest(_canonical(record), self.key)
                line = prefix + _written(record) + b"\n"
                os.write(fd, line)
                self._known = (size + len(line), seq + 1, record["hash"])
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        return record

    def close(self) -> None:
        """Close the file (a later append reopens it)."""
        with self._lock:
            self._drop()


_writers: weakref.WeakSet[AuditLog] = weakref.WeakSet()


def _forget_after_fork() -> None:
    for writer in list(_writers):
        writer._forget()


os.register_at_fork(after_in_child=_forget_after_fork)


def _tail_state(fd: int, size: int) -> tuple[int, str, bytes]:
    """Next seq and last hash from the end of the file; a newline prefix if the tail is torn."""
    if size == 0:
        return 0, GENESIS, b""
    window = 4096
    while True:
        start = max(0, size - window)
        data = os.pread(fd, size - start, start)
        prefix = b"" if data.endswith(b"\n") else b"\n"
        lines = data.split(b"\n")
        complete = lines[1:-1] if start > 0 else lines[:-1]
        for raw in reversed(complete):
            try:
                last = loads(raw)
                return int(last["seq"]) + 1, str(last["hash"]), prefix
            except (ValueError, KeyError, TypeError):
                continue
        if start == 0:
            return 0, GENESIS, prefix
        window *= 4


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of `verify`: ``ok``, how many records were good, and the first problem."""

    ok: bool
    records: int
    line: int | None = None
    error: str | None = None

    def __str__(self) -> str:
        if self.ok:
            return f"OK: {self.records} record(s), chain intact"
        return f"FAIL at line {self.line}: {self.error} ({self.records} good record(s) before it)"


def _alg_problem(alg: object, keyed: bool) -> str | None:
    """Why a record's ``alg`` cannot be checked with (or without) a key, or None.

    With a key every record must be HMAC-signed: a plain SHA-256 record in a keyed log is
    what a forger without the key writes (a downgrade), so it never passes.
    """
    if alg == "hmac-sha256":
        return None if keyed else "record is HMAC-signed: give the key (AISEC_AUDIT_KEY)"
    if alg == "sha256":
        return "record is not HMAC-signed although a key was given (forged?)" if keyed else None
    return f"unknown alg {alg!r}"


class _DuplicateKey(ValueError):
    """A JSON object names one key twice: readers disagree on which value counts."""


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        keys = [k for k, _ in pairs]
        raise _DuplicateKey(repr(next(k for k in keys if keys.count(k) > 1)))
    return record


def _locked_size(handle: BinaryIO) -> int:
    """The file's size taken under a shared lock: appends hold the exclusive one, so the
    bytes up to it are whole records (a record being appended is absent, never half read
    and then reported as a torn tail). The lock is let go at once: writers do not wait for
    a verification of a large log."""
    fd = handle.fileno()
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    except OSError:  # a file system without locks: read it as it is
        return os.fstat(fd).st_size
    try:
        return os.fstat(fd).st_size
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lines(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """The lines of the file's first ``size`` bytes, one at a time (a torn last line has no
    newline); what was appended after ``size`` is left for the next verification."""
    while size > 0 and (line := handle.readline(size)):
        size -= len(line)
        yield line


def verify(path: str | os.PathLike[str], key: bytes | str | None = None) -> VerifyResult:
    """Check the whole chain of the log at ``path``; stops at the first bad record.

    With ``key``, every record must be HMAC-SHA256 signed with it. An empty file fails: the
    writer never leaves one (it creates the file to write its first record). The file is
    streamed: memory stays one line whatever the size of the log.
    """
    key_bytes = key.encode() if isinstance(key, str) else key
    with open(path, "rb") as handle:
        return _verify_lines(_lines(handle, _locked_size(handle)), key_bytes)


def _verify_lines(lines: Iterable[bytes], key_bytes: bytes | None) -> VerifyResult:
    """The chain check over the log's lines, each with its newline."""
    prev, expected_seq, good, index = GENESIS, 0, 0, 0
    for index, line in enumerate(lines, start=1):
        if not line.endswith(b"\n"):
            return VerifyResult(False, good, index, "torn record: the last line is incomplete")
        raw = line[:-1]
        try:
            # a key written twice would verify by its last value and read by its first
            record = loads(raw, object_pairs_hook=_unique)
        except _DuplicateKey as exc:
            return VerifyResult(False, good, index, f"key {exc} written twice (edited record)")
        except ValueError:
            return VerifyResult(False, good, index, "not valid JSON (torn or edited record)")
        if not isinstance(record, dict) or any(k not in record for k in _REQUIRED):
            return VerifyResult(False, good, index, "not an audit record (fields missing)")
        problem = _alg_problem(record["alg"], bool(key_bytes))
        if problem:
            return VerifyResult(False, good, index, problem)
        if _digest(_canonical(record), key_bytes) != record["hash"]:
            # before any record verified with the key, the key itself may be the problem
            wrong_key = ", or the key is wrong" if key_bytes and not good else ""
            return VerifyResult(
                False, good, index, f"hash mismatch: the record was edited{wrong_key}"
            )
        if raw != _written(record):
            return VerifyResult(
                False,
                good,
                index,
                "the line is not the record as written (line ending, BOM, spacing, key order "
                "or escapes changed: the file was edited)",
            )
        if record["seq"] != expected_seq:
            return VerifyResult(
                False,
                good,
                index,
                f"sequence {record['seq']} where {expected_seq} was expected "
                "(record deleted, inserted or reordered)",
            )
        if record["prev"] != prev:
            return VerifyResult(
                False, good, index, "prev does not match the previous record's hash (chain broken)"
            )
        prev, expected_seq, good = record["hash"], expected_seq + 1, good + 1
    if index == 0:  # the writer creates the file with its first record: emptied since
        return VerifyResult(False, 0, 1, "the log is empty: every record was removed")
    return VerifyResult(True, good)


_logs: dict[tuple[str, str | None], AuditLog] = {}
_logs_lock = threading.Lock()


def audit_log_for(path: str | os.PathLike[str], key: str | None) -> AuditLog:
    """The shared `AuditLog` of ``path`` (one per file and key in a process)."""
    ident = (str(Path(path).resolve()), key)
    with _logs_lock:
        log = _logs.get(ident)
        if log is None:
            log = _logs[ident] = AuditLog(path, key)
        return log


def audit_log_of(policy: Policy) -> AuditLog | None:
    """The audit log ``policy`` names (``audit_log``, also set by ``AISEC_AUDIT_LOG``), or
    None; looked up once per policy, so a guarded call does no path work."""
    if policy.audit_log is None:
        return None
    log = policy._cached("_audit")
    if not isinstance(log, AuditLog):
        key = policy.audit_key.get_secret_value() if policy.audit_key else None
        log = policy._audit = audit_log_for(policy.audit_log, key)
    return log
