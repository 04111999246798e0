"""TensorFlow graphs (``saved_model.pb``, frozen ``.pb`` graphs, ``.pbtxt``): ops that run
Python or reach the file system when the graph executes.

TensorFlow is not needed: the binary graph is walked field by field, without its schema,
along the messages that hold nodes (SavedModel -> MetaGraphDef -> GraphDef -> NodeDef, and
the nodes of the graph's function library), reading each NodeDef's op (field 2) as
protobuf reads it (overlong varints included) and nothing else: a string attribute that
happens to say ``"ReadFile"`` is not an op. A graph that does not parse, or where no node
is found that way, is searched for the bytes ``0x12 <length> <op name>`` instead, and the
text format for ``op: "<op name>"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO

from aisec_sdk.posture.byte_search import finditer_stream
from aisec_sdk.posture.models import ScanFinding
from aisec_sdk.posture.protobuf import Damaged, fields

__all__ = ["TF_SUFFIXES", "scan_tf_graph"]

TF_SUFFIXES = frozenset({".pb", ".pbtxt"})
# op -> what it does; PyFunc-style ops call a Python function, the file ops read or write
# files wherever the graph runs (exfiltration, overwrites)
_OPS = {
    "PyFunc": "calls a Python function",
    "PyFuncStateless": "calls a Python function",
    "EagerPyFunc": "calls a Python function",
    "ReadFile": "reads a file",
    "WriteFile": "writes a file",
}
_NAMES = "|".join(sorted(_OPS, key=len, reverse=True))
_BINARY = re.compile(
    b"\\x12(?:" + b"|".join(bytes([len(op)]) + op.encode() for op in sorted(_OPS)) + b")"
)
_TEXT = re.compile(rf'\bop\s*:\s*"({_NAMES})"'.encode())
_OVERLAP = 64
# message -> {field number: the message it holds} on the way to NodeDefs (their op: field 2)
_HOLDS = {
    "SavedModel": {2: "MetaGraphDef"},
    "MetaGraphDef": {2: "GraphDef"},
    "GraphDef": {1: "NodeDef", 2: "FunctionDefLibrary"},
    "FunctionDefLibrary": {1: "FunctionDef"},
    "FunctionDef": {3: "NodeDef"},
}
_MAX_OP = 256  # longer than any op name


def _ops(stream: IO[bytes], message: str, start: int, end: int) -> Iterator[str]:
    """The op of every NodeDef under the ``message`` stored at ``start:end``."""
    stream.seek(start)
    for number, sub, size in fields(stream, end):
        if message == "NodeDef":
            if number == 2 and size <= _MAX_OP:
                stream.seek(sub)
                yield stream.read(size).decode("utf-8", "replace")
        elif (inner := _HOLDS[message].get(number)) is not None:
            yield from _ops(stream, inner, sub, sub + size)


def _searched(stream: IO[bytes], *, text: bool) -> Iterator[str]:
    """The unsafe ops a byte search finds: the text format, or a graph that did not parse."""
    for match in finditer_stream(stream, (_TEXT if text else _BINARY,), overlap=_OVERLAP):
        yield (match.group(1) if text else match.group()[2:]).decode("ascii")


def _graph_ops(stream: IO[bytes], path: str) -> Iterator[str]:
    """The ops of a binary graph: a SavedModel in ``saved_model.pb`` (or a file that opens
    with its schema version, field 1), else a GraphDef (a frozen graph)."""
    stream.seek(0)
    saved = PurePath(path).name == "saved_model.pb" or stream.read(1) == b"\x08"
    return _ops(stream, "SavedModel" if saved else "GraphDef", 0, stream.seek(0, 2))


def _binary_ops(stream: IO[bytes], path: str) -> list[str]:
    """The ops of a binary graph's nodes; a byte search's finds when it is damaged or not
    laid out as a graph is (no node at all)."""
    try:
        ops = list(_graph_ops(stream, path))
    except Damaged:
        ops = []
    return ops or list(_searched(stream, text=False))


def scan_tf_graph(stream: IO[bytes], path: str, *, text: bool) -> list[ScanFinding]:
    """Findings for a TensorFlow graph file: one per unsafe op found (binary or ``text``)."""
    found: dict[str, int] = {}
    ops = _searched(stream, text=True) if text else _binary_ops(stream, path)
    for op in ops:
        if op in _OPS:
            found[op] = found.get(op, 0) + 1
    return [
        ScanFinding(
            "AISEC-TF001",
            "high",
            path,
            f"TensorFlow graph has {count} {op} op(s): it {_OPS[op]} when the graph runs",
            key=f"op:{op}",
            details={"op": op, "count": count},
        )
        for op, count in sorted(found.items())
    ]
