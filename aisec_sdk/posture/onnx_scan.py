"""ONNX models: recognised by their protobuf prologue; external-data paths and operator
domains are checked.

Only the messages that can hold tensors or nodes are decoded (graphs, nodes, attributes,
subgraphs, functions, initializers), down to TensorProto.external_data and the domain and
op_type of each node; tensor bytes are skipped with seeks, never read.

A node whose domain is neither ONNX's nor one built into onnxruntime needs a custom-op
library that the deployer loads as native code (``register_custom_ops_library``), unless
the model defines that operator itself as a local function (FunctionProto).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from aisec_sdk.posture.models import ScanFinding, Severity
from aisec_sdk.posture.protobuf import Damaged, fields

__all__ = ["looks_like_onnx", "scan_onnx"]

_MODEL_TAGS = frozenset({0x12, 0x1A, 0x22, 0x28, 0x32, 0x3A, 0x42, 0x72})
_EXTERNAL_DATA = 13  # TensorProto.external_data
# Where tensors and nodes sit: message kind -> {field number: kind of the message there}.
_CHILDREN: dict[str, dict[int, str]] = {
    "model": {7: "graph", 8: "opset", 25: "function"},  # graph, opset_import, functions
    "graph": {1: "node", 5: "tensor", 15: "sparse"},  # node, initializer, sparse_initializer
    "function": {7: "node", 9: "opset"},  # node, opset_import
    "node": {5: "attribute"},
    # AttributeProto: t, g, tensors, graphs, sparse_tensor, sparse_tensors
    "attribute": {5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse"},
    "sparse": {1: "tensor", 2: "tensor"},  # SparseTensorProto.values, .indices
}
# The string fields read: NodeProto op_type, domain, overload; FunctionProto name, domain,
# overload; OperatorSetIdProto domain; AttributeProto name, s (of custom nodes only).
_STRINGS: dict[str, dict[int, str]] = {
    "node": {4: "op_type", 7: "domain", 8: "overload"},
    "function": {1: "name", 10: "domain", 13: "overload"},
    "opset": {1: "domain"},
    "attribute": {1: "name", 4: "s"},
}
_MAX_ENTRY = 1 << 16
# ONNX's own domains, and those whose kernels ship inside onnxruntime itself
# (onnxruntime core/graph/constants.h): contrib ops, the NCHWc and NHWC layout ops its
# optimiser writes into saved optimised models, experimental, DirectML and ATen ops.
_BUILTIN_DOMAINS = frozenset(
    {
        "",
        "ai.onnx",
        "ai.onnx.ml",
        "ai.onnx.training",
        "ai.onnx.preview.training",
        "com.microsoft",
        "com.microsoft.nchwc",
        "com.microsoft.experimental",
        "com.ms.internal.nhwc",
        "com.microsoft.dml",
        "org.pytorch.aten",
    }
)
_EXTENSIONS_DOMAINS = frozenset({"ai.onnx.contrib", "com.microsoft.extensions"})
# Attributes that make a custom node run code or reach a host the model chooses:
# onnxruntime's (language-interop) PyOp imports `module` and calls `class_name`;
# onnxruntime-extensions' cloud ops (AzureTextToText, OpenAIAudioToText, ...) post the
# node's inputs to `model_uri`.
_REACH = {"module": "imports the Python module", "model_uri": "sends its inputs to"}
# onnxruntime's language interop creates a PyOp kernel for every node of this type,
# whatever its domain (the default one and com.microsoft included)
_INTEROP_OPS = frozenset({"PyOp"})
_MAX_DOMAINS = 32
_MAX_NAMES = 8


def looks_like_onnx(head: bytes) -> bool:
    """``ir_version`` (field 1, a small varint) first, then another ModelProto field."""
    return len(head) >= 3 and head[0] == 0x08 and 1 <= head[1] <= 20 and head[2] in _MODEL_TAGS


def _text(stream: IO[bytes], start: int, size: int) -> str:
    stream.seek(start)
    return stream.read(min(size, _MAX_ENTRY)).decode("utf-8", "replace")


def _entry(stream: IO[bytes], start: int, length: int) -> tuple[str, str]:
    stream.seek(start)
    key = value = ""
    for number, sub, size in fields(stream, start + length):
        text = _text(stream, sub, size)
        key, value = (text, value) if number == 1 else (key, text) if number == 2 else (key, value)
    return key, value


@dataclass
class _Model:
    """What the walk collected: tensors, custom-domain calls, local functions, imports."""

    tensors: list[tuple[int, int]] = field(default_factory=list)
    # (domain, op_type, overload) of nodes outside the built-in domains -> node count
    calls: dict[tuple[str, str, str], int] = field(default_factory=dict)
    functions: set[tuple[str, str, str]] = field(default_factory=set)
    imports: set[str] = field(default_factory=set)
    # (domain, op_type, attribute, value) of nodes that import Python or name a URL
    reach: list[tuple[str, str, str, str]] = field(default_factory=list)


def _walk(stream: IO[bytes], size: int, model: _Model) -> str | None:
    """Fill ``model`` from the ModelProto on ``stream``; the first damage found, if any
    (the walk reads on around it, so what precedes it is still collected)."""
    damage: str | None = None
    # (start, end, kind, the custom node call whose attribute this is)
    stack: list[tuple[int, int, str, tuple[str, str, str] | None]] = [(0, size, "model", None)]
    while stack:
        begin, stop, kind, owner = stack.pop()
        if kind == "tensor":
            model.tensors.append((begin, stop))
            continue
        fields, broken = _readable(stream, begin, stop)
        damage = damage or broken
        # attribute names and values matter on custom nodes only (`_REACH`)
        wanted = _STRINGS.get(kind, {}) if kind != "attribute" or owner else {}
        children: list[tuple[int, int, str]] = []
        strings: dict[str, str] = {}
        for number, sub, length in fields:
            child = _CHILDREN.get(kind, {}).get(number)
            if child is not None:
                children.append((sub, sub + length, child))
            name = wanted.get(number)
            if name is not None:  # the last one wins, as in protobuf
                strings[name] = _text(stream, sub, length)
        domain = strings.get("domain", "")
        call: tuple[str, str, str] | None = None
        if kind == "opset" and domain not in _BUILTIN_DOMAINS:
            model.imports.add(domain)
        elif kind == "function":
            model.functions.add((domain, strings.get("name", ""), strings.get("overload", "")))
        elif kind == "node" and (
            domain not in _BUILTIN_DOMAINS or strings.get("op_type") in _INTEROP_OPS
        ):  # a node whose attributes are read (`_REACH`)
            call = (domain, strings.get("op_type", ""), strings.get("overload", ""))
            if domain not in _BUILTIN_DOMAINS:
                model.calls[call] = model.calls.get(call, 0) + 1
        elif owner and strings.get("name") in _REACH and len(model.reach) < _MAX_DOMAINS:
            model.reach.append((owner[0], owner[1], strings["name"], strings.get("s", "")))
        stack += [(sub, end, child, call) for sub, end, child in children]
    return damage


def _readable(
    stream: IO[bytes], begin: int, stop: int
) -> tuple[list[tuple[int, int, int]], str | None]:
    """The fields of the message at ``begin``..``stop`` up to any damage, and the damage."""
    stream.seek(begin)
    try:
        return fields(stream, stop), None
    except Damaged as exc:
        return exc.fields, str(exc)


def _locations(stream: IO[bytes], start: int, end: int) -> Iterator[str]:
    stream.seek(start)
    for number, sub, size in fields(stream, end):
        if number == _EXTERNAL_DATA:
            key, value = _entry(stream, sub, size)
            if key == "location":
                yield value


def _external_data(stream: IO[bytes], model: _Model, path: str) -> list[ScanFinding]:
    findings: list[ScanFinding] = []
    for t_start, t_end in model.tensors:
        for value in _locations(stream, t_start, t_end):
            norm = posixpath.normpath(value.replace("\\", "/"))
            if norm.startswith(("/", "../")) or norm == ".." or ":" in norm[:3]:
                finding = ScanFinding(
                    "AISEC-ONNX001",
                    "high",
                    path,
                    f"external data location {value!r} leaves the model folder",
                    key=f"location:{value}",
                )
                if finding not in findings:
                    findings.append(finding)
    return findings


def _short(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _custom_ops(model: _Model, path: str) -> list[ScanFinding]:
    """One AISEC-ONNX002 per custom domain (op types named), imported-only ones as low
    notes, and one AISEC-ONNX003 per node attribute that imports Python or names a URL."""
    ops: dict[str, dict[str, int]] = {}
    for (domain, op_type, overload), count in model.calls.items():
        if (domain, op_type, overload) not in model.functions:  # a local function is no custom op
            counts = ops.setdefault(domain, {})
            counts[op_type] = counts.get(op_type, 0) + count
    local = {domain for domain, _, _ in model.functions}
    declared = sorted(model.imports - set(ops) - local)
    findings: list[ScanFinding] = []
    for domain in sorted(ops)[:_MAX_DOMAINS]:
        names = sorted(ops[domain])
        listed = ", ".join(_short(n) for n in names[:_MAX_NAMES])
        more = f" and {len(names) - _MAX_NAMES} more" if len(names) > _MAX_NAMES else ""
        library = (
            "onnxruntime-extensions' native custom-op library"
            if domain in _EXTENSIONS_DOMAINS
            else "a native custom-op library that onnxruntime does not ship"
        )
        message = (
            f"operators from custom domain {_short(domain)} ({listed}{more}, "
            f"{sum(ops[domain].values())} node(s)) run only after {library} is loaded "
            "(register_custom_ops_library)"
        )
        findings.append(_finding("AISEC-ONNX002", "medium", path, message, domain, names))
    for domain in declared[: max(0, _MAX_DOMAINS - len(findings))]:
        message = f"imports the custom operator set {_short(domain)} (no node found using it)"
        findings.append(_finding("AISEC-ONNX002", "low", path, message, domain, []))
    hidden = len(ops) + len(declared) - len(findings)
    if hidden > 0:
        message = f"custom operator domains: {hidden} more custom domains not listed"
        findings.append(ScanFinding("AISEC-ONNX002", "medium", path, message, key="domains:more"))
    for domain, op_type, attribute, value in dict.fromkeys(model.reach):
        if len(findings) >= 2 * _MAX_DOMAINS:
            break
        message = (
            f"node {_short(op_type)} of domain {_short(domain)} {_REACH[attribute]} "
            f"{_short(value)} ({attribute}) when it runs"
        )
        findings.append(
            ScanFinding(
                "AISEC-ONNX003",
                "high",
                path,
                message,
                key=f"reach:{domain}:{op_type}:{attribute}:{value}",
                details={"domain": domain, "op_type": op_type, attribute: value},
            )
        )
    return findings


def _finding(
    rule: str, severity: Severity, path: str, message: str, domain: str, names: list[str]
) -> ScanFinding:
    details: dict[str, object] = {"domain": domain, "op_types": names[:_MAX_NAMES]}
    return ScanFinding(rule, severity, path, message, key=f"domain:{domain}", details=details)


def scan_onnx(stream: IO[bytes], path: str, file_size: int) -> list[ScanFinding]:
    """Findings for an ONNX file on a seekable stream (what was read before any damage is
    still reported, followed by a malformed-file finding)."""
    model = _Model()
    damage: str | None
    try:
        damage = _walk(stream, file_size, model)
    except OSError as exc:
        damage = str(exc)
    findings: list[ScanFinding] = []
    try:
        findings += _external_data(stream, model, path)
    except (ValueError, OSError) as exc:
        damage = damage or str(exc)
    findings += _custom_ops(model, path)
    if damage is not None:
        findings.append(
            ScanFinding(
                "AISEC-MOD001", "medium", path, f"malformed ONNX protobuf: {damage}", key="onnx"
            )
        )
    return findings
