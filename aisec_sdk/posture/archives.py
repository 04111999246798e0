"""A lenient zip reader: lists and streams members the way torch's loader sees them.

Python's `zipfile` refuses archives that torch still loads (a CRC that does not match, the
encryption flag set, a local file name that differs from the central directory's), which
is how payloads were hidden from scanners. This reader trusts the central directory like
torch does, falls back to walking local headers when there is none, streams each member
without loading it, and reports every inconsistency instead of failing. Tar headers are
recognised as ``tarfile`` reads them, and tar members judged for safe extraction.
"""

from __future__ import annotations

import bz2
import io
import lzma
import posixpath
import re
import struct
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = [
    "METHODS",
    "ZipListing",
    "ZipMember",
    "inflate",
    "list_zip",
    "looks_like_tar",
    "open_member",
    "tar_anomalies",
    "zip_at_end",
]

METHODS = frozenset({0, 8, 12, 14})
"""Compression methods read: stored, deflate (torch), bzip2 and LZMA (zipfile, numpy)."""

_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_MAX_COMMENT = 65535 + 22
_MAX_MEMBERS = 1_000_000
_ZLIB = type(zlib.decompressobj())
_TAR_BLOCK = 512
# a tar header's numeric fields (mode, uid, gid, size, mtime, checksum) as tarfile reads
# them: octal digits, padded with spaces or NULs
_TAR_NUMBERS = ((100, 108), (108, 116), (116, 124), (124, 136), (136, 148), (148, 156))
_OCTAL = re.compile(rb"[ \0]*[0-7]*[ \0]*")


@dataclass(slots=True)
class ZipMember:
    """One archive member as the central directory (or its local header) describes it."""

    name: str
    header_offset: int
    method: int
    compressed_size: int
    size: int
    crc: int
    flags: int
    data_offset: int = -1


@dataclass(slots=True)
class ZipListing:
    """The members of an archive and the anomalies met while listing them."""

    members: list[ZipMember] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)


def _read_at(fh: IO[bytes], offset: int, size: int) -> bytes:
    fh.seek(offset)
    return fh.read(size)


def _find_eocd(fh: IO[bytes], file_size: int) -> int:
    start = max(0, file_size - _MAX_COMMENT)
    tail = _read_at(fh, start, file_size - start)
    pos = tail.rfind(_EOCD)
    return -1 if pos < 0 else start + pos


def zip_at_end(fh: IO[bytes], file_size: int) -> bool:
    """Whether the file ends with a zip archive whatever comes before it (``zipfile``, and
    so Keras, reads such a file as the archive): an end record whose comment reaches the
    end of the file, right after a central directory."""
    eocd = _find_eocd(fh, file_size)
    record = _read_at(fh, eocd, 22) if eocd >= 0 else b""
    if len(record) < 22:
        return False
    count, cd_size, _, comment = struct.unpack_from("<HIIH", record, 10)
    if eocd + 22 + comment != file_size:
        return False
    if eocd >= 20 and _read_at(fh, eocd - 20, 4) == _EOCD64_LOCATOR:
        return True
    return count > 0 and 0 < cd_size <= eocd and _read_at(fh, eocd - cd_size, 4) == _CENTRAL


def _zip64_extra(extra: bytes, size: int, csize: int, offset: int) -> tuple[int, int, int]:
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + length]
        if tag == 0x0001:
            values = [v for (v,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
        i += 4 + length
    return size, csize, offset


def _central_directory(fh: IO[bytes], file_size: int, eocd: int, out: ZipListing) -> None:
    record = _read_at(fh, eocd, 22)
    if len(record) < 22:
        raise ValueError("end-of-central-directory record is truncated")
    count, cd_size, cd_offset = struct.unpack_from("<HII", record, 10)
    cd_end = eocd
    if eocd >= 20:
        locator = _read_at(fh, eocd - 20, 20)
        if locator[:4] == _EOCD64_LOCATOR:
            cd_end = eocd - 20
            (eocd64_offset,) = struct.unpack_from("<Q", locator, 8)
            rec64 = _read_at(fh, eocd64_offset, 56)
            if rec64[:4] == _EOCD64 and len(rec64) == 56:
                count, cd_size, cd_offset = struct.unpack_from("<QQQ", rec64, 32)
                cd_end = eocd64_offset
    # Bytes prepended to the archive shift every offset by the same amount.
    shift = cd_end - (cd_offset + cd_size)
    if shift < 0 or shift > file_size:
        out.anomalies.append("central directory offset points outside the file")
        shift = 0
    elif shift:
        out.anomalies.append(f"{shift} bytes precede the archive")
    fh.seek(cd_offset + shift)
    blob = fh.read(min(cd_size, file_size))
    pos = 0
    while pos + 46 <= len(blob) and blob[pos : pos + 4] == _CENTRAL:
        if len(out.members) >= _MAX_MEMBERS:
            out.anomalies.append(f"more than {_MAX_MEMBERS} members; the rest were not listed")
            break
        (flags, method, crc, csize, size, nlen, elen, clen) = struct.unpack_from(
            "<HH4xIIIHHH", blob, pos + 8
        )
        (offset,) = struct.unpack_from("<I", blob, pos + 42)
        name = blob[pos + 46 : pos + 46 + nlen].decode("utf-8", "replace")
        extra = blob[pos + 46 + nlen : pos + 46 + nlen + elen]
        size, csize, offset = _zip64_extra(extra, size, csize, offset)
        out.members.append(ZipMember(name, offset + shift, method, csize, size, crc, flags))
        pos += 46 + nlen + elen + clen
    if len(out.members) != count:
        out.anomalies.append(
            f"central directory lists {len(out.members)} members but the end record says {count}"
        )


def _walk_local_headers(fh: IO[bytes], file_size: int, out: ZipListing) -> None:
    offset = 0
    while offset + 30 <= file_size and len(out.members) < _MAX_MEMBERS:
        head = _read_at(fh, offset, 30)
        if head[:4] != _LOCAL:
            break
        flags, method, crc, csize, size, nlen, elen = struct.unpack_from("<HH4xIIIHH", head, 6)
        name = _read_at(fh, offset + 30, nlen).decode("utf-8", "replace")
        if flags & 0x08 and csize == 0:
            out.anomalies.append(f"{name}: size kept in a data descriptor; stopped listing here")
            break
        out.members.append(ZipMember(name, offset, method, csize, size, crc, flags))
        offset += 30 + nlen + elen + csize


def list_zip(fh: IO[bytes], file_size: int) -> ZipListing:
    """List the members of the zip archive ``fh`` without trusting it to be well formed."""
    out = ZipListing()
    eocd = _find_eocd(fh, file_size)
    if eocd >= 0:
        try:
            _central_directory(fh, file_size, eocd, out)
        except (ValueError, struct.error) as exc:
            out.anomalies.append(f"unreadable central directory: {exc}")
    if not out.members:
        if eocd < 0:
            out.anomalies.append("no end-of-central-directory record (truncated archive)")
        _walk_local_headers(fh, file_size, out)
    seen: set[str] = set()
    for member in out.members:
        _check_member(fh, file_size, member, out, seen)
    return out


def _check_member(
    fh: IO[bytes], file_size: int, member: ZipMember, out: ZipListing, seen: set[str]
) -> None:
    name = member.name
    if name in seen:
        out.anomalies.append(f"{name}: listed twice")
    seen.add(name)
    if _escapes(name):
        out.anomalies.append(f"{name}: unsafe member path")
    if member.flags & 0x01:
        out.anomalies.append(f"{name}: encryption flag set (torch ignores it, zipfile refuses)")
    head = _read_at(fh, member.header_offset, 30)
    if len(head) < 30 or head[:4] != _LOCAL:
        out.anomalies.append(f"{name}: no local header at offset {member.header_offset}")
        return
    nlen, elen = struct.unpack_from("<HH", head, 26)
    local_name = _read_at(fh, member.header_offset + 30, nlen).decode("utf-8", "replace")
    if local_name != name:
        out.anomalies.append(f"{name}: local header names it {local_name!r}")
    member.data_offset = member.header_offset + 30 + nlen + elen
    if member.data_offset + member.compressed_size > file_size:
        out.anomalies.append(f"{name}: data runs past the end of the file (truncated)")
    if member.method not in METHODS:
        out.anomalies.append(f"{name}: compression method {member.method} not supported")


def looks_like_tar(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) opens with a tar header ``tarfile`` reads:
    the POSIX ``ustar`` magic, or a pre-POSIX (v7) header, which has none, so it must have
    a checksum that matches (as ``tarfile`` checks it, unsigned or signed), octal numeric
    fields and a name free of control characters (random bytes all but never pass)."""
    if head[257:262] == b"ustar":
        return True
    block = head[:_TAR_BLOCK]
    name = block[:100].split(b"\0", 1)[0]
    if len(block) < _TAR_BLOCK or not name or any(c < 0x20 or c == 0x7F for c in name):
        return False
    if not all(_OCTAL.fullmatch(block[start:end]) for start, end in _TAR_NUMBERS):
        return False
    checksum = block[148:156].split(b"\0", 1)[0].strip()
    rest = block[:148] + block[156:]
    signed = sum(c - 256 if c > 127 else c for c in rest)
    return bool(checksum) and int(checksum, 8) in (256 + sum(rest), 256 + signed)


def _escapes(path: str) -> bool:
    """Whether an archive path is absolute (``/x``, ``\\x``, ``C:x``) or climbs with ``..``:
    extracted as it is, it lands outside the target folder."""
    parts = path.replace("\\", "/").split("/")
    return path.startswith(("/", "\\")) or ".." in parts or (len(path) > 1 and path[1] == ":")


def tar_anomalies(info: tarfile.TarInfo) -> list[str]:
    """What makes a tar member unsafe to extract (what ``tarfile``'s ``data`` filter and
    Python 3.14's default refuse, and older Pythons and ``tar -x`` do not): a path outside
    the target folder, a link that points out of it, a device or FIFO."""
    name = info.name
    found = [f"{name}: unsafe member path"] if _escapes(name) else []
    if info.issym() or info.islnk():
        # a symlink resolves from its own folder, a hard link from the archive's root
        link = info.linkname.replace("\\", "/")
        base = posixpath.dirname(name) if info.issym() else ""
        if link[1:2] == ":" or _escapes(posixpath.normpath(posixpath.join(base, link))):
            kind = "symlink" if info.issym() else "hard link"
            found.append(f"{name}: {kind} to {info.linkname!r}, outside the archive")
    elif info.ischr() or info.isblk() or info.isfifo():
        found.append(f"{name}: device or FIFO member")
    return found


class _MemberStream(io.RawIOBase):
    """Streams one member's bytes (stored, deflate, bzip2 or LZMA), checking its CRC at the end."""

    def __init__(self, fh: IO[bytes], member: ZipMember) -> None:
        self._fh = fh
        self._member = member
        self._pos = member.data_offset
        self._end = member.data_offset + member.compressed_size
        self._crc = 0
        self._decomp: Any = (
            zlib.decompressobj(-15)
            if member.method == 8
            else bz2.BZ2Decompressor()
            if member.method == 12
            else self._lzma()
            if member.method == 14
            else None
        )
        self._produced = 0
        self.crc_mismatch = False

    def _lzma(self) -> Any:
        """Zip's LZMA: a version, the properties' length and the LZMA1 properties, then
        a raw stream (what zipfile, and so numpy.load on an .npz, reads)."""
        head = self._raw(4)
        if len(head) < 4:
            raise ValueError(f"{self._member.name}: LZMA header is truncated")
        (size,) = struct.unpack_from("<H", head, 2)
        props = self._raw(size)
        if size != 5 or len(props) != 5 or props[0] >= 9 * 5 * 5:
            raise ValueError(f"{self._member.name}: LZMA properties are malformed")
        pb, rest = divmod(props[0], 45)
        lp, lc = divmod(rest, 9)
        (dict_size,) = struct.unpack_from("<I", props, 1)
        options = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": lp, "pb": pb}
        return lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[options])

    def readable(self) -> bool:
        return True

    def _raw(self, size: int) -> bytes:
        size = min(size, self._end - self._pos)
        if size <= 0:
            return b""
        self._fh.seek(self._pos)
        data = self._fh.read(size)
        self._pos += len(data)
        if not data:
            self._pos = self._end
        return data

    def readinto(self, buffer: Any) -> int:
        want = len(buffer)
        if self._decomp is None:
            data = self._raw(want)
        else:
            data = inflate(self._decomp, self._raw, want) or b""
        buffer[: len(data)] = data
        self._crc = zlib.crc32(data, self._crc)
        self._produced += len(data)
        if not data and self._produced == self._member.size:
            self.crc_mismatch = self._crc != self._member.crc
        return len(data)


def inflate(decomp: Any, read: Callable[[int], bytes], size: int) -> bytes | None:
    """The next piece (at most ``size`` bytes) of a zlib, bz2 or lzma decompressor's output,
    fed from ``read`` as it asks for input; None once the stream or its input ends.

    Output is bounded per call, so a small bomb never expands in memory at once.
    """
    while not decomp.eof:
        if isinstance(decomp, _ZLIB):
            data = decomp.unconsumed_tail or read(1 << 16)
            if not data:
                return bytes(decomp.flush()) or None
        else:
            data = read(1 << 16) if decomp.needs_input else b""
            if decomp.needs_input and not data:
                return None
        out = bytes(decomp.decompress(data, size))
        if out:
            return out
    return None


def open_member(fh: IO[bytes], member: ZipMember) -> _MemberStream:
    """A stream of the member's uncompressed bytes; ``crc_mismatch`` is set once read to EOF."""
    return _MemberStream(fh, member)
