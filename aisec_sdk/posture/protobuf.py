"""Reading protobuf messages field by field, without their schemas (ONNX models,
TensorFlow graphs): length-delimited fields are listed, nothing else is decoded."""

from __future__ import annotations

from typing import IO

__all__ = ["Damaged", "fields", "varint"]


def varint(stream: IO[bytes]) -> int:
    """The varint at the stream's position (overlong encodings are read, as protobuf does)."""
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


class Damaged(ValueError):
    """A message that cannot be read to its end; ``fields`` holds the fields before the
    damage (a field that runs past the message cut at its end)."""

    def __init__(self, message: str, fields: list[tuple[int, int, int]]) -> None:
        super().__init__(message)
        self.fields = fields


def fields(stream: IO[bytes], end: int) -> list[tuple[int, int, int]]:
    """(field number, start, length) of each length-delimited field up to ``end``."""
    out: list[tuple[int, int, int]] = []
    try:
        while stream.tell() < end:
            key = varint(stream)
            number, wire = key >> 3, key & 7
            if wire == 0:
                varint(stream)
            elif wire == 1:
                stream.seek(8, 1)
            elif wire == 5:
                stream.seek(4, 1)
            elif wire == 2:
                length = varint(stream)
                start = stream.tell()
                if start + length > end:
                    out.append((number, start, max(0, end - start)))
                    raise ValueError(f"field {number} runs past its message")
                out.append((number, start, length))
                stream.seek(start + length)
            else:
                raise ValueError(f"unsupported wire type {wire}")
    except ValueError as exc:
        raise Damaged(str(exc), out) from None
    return out
