"""TensorFlow graphs (``saved_model.pb``, frozen ``.pb`` graphs, ``.pbtxt``): ops that run
Python or reach the file system when the graph executes.

TensorFlow is not needed: a NodeDef names its op in field 2, so the binary graph holds the
bytes ``0x12 <length> <op name>`` for every node (in functions too), and the text format
``op: "<op name>"``. A chunked byte search finds them without parsing the protobuf.
"""

from __future__ import annotations

import re
from typing import IO

from aisec_sdk.posture.byte_search import finditer_stream
from aisec_sdk.posture.models import ScanFinding

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


def scan_tf_graph(stream: IO[bytes], path: str, *, text: bool) -> list[ScanFinding]:
    """Findings for a TensorFlow graph file: one per unsafe op found (binary or ``text``)."""
    found: dict[str, int] = {}
    for match in finditer_stream(stream, (_TEXT if text else _BINARY,), overlap=_OVERLAP):
        op = (match.group(1) if text else match.group()[2:]).decode("ascii")
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
