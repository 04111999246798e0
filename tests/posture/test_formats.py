"""safetensors, NumPy, Keras, HDF5, GGUF, ONNX and compressed pickles, by magic bytes."""

from __future__ import annotations

import bz2
import functools
import gzip
import io
import json
import lzma
import pickle
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from report_ids import rule_ids

from aisec_sdk.posture import detect_format, scan_file, scan_paths

Write = Callable[[str, bytes | str], Path]

F32_2x2 = {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}


def test_valid_safetensors_is_clean(write: Write, art: Any) -> None:
    header = {
        "a": F32_2x2,
        "b": {"dtype": "BF16", "shape": [3], "data_offsets": [16, 22]},
        "__metadata__": {"format": "pt"},
    }
    path = write("model.safetensors", art.safetensors_bytes(header, bytes(22)))
    assert detect_format(path) == "safetensors"
    assert scan_file(path).findings == []


@pytest.mark.parametrize(
    ("header", "data_size", "needle"),
    [
        ({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 100]}}, 100, "needs 16 bytes"),
        ({"a": F32_2x2, "b": {**F32_2x2, "data_offsets": [8, 24]}}, 24, "overlaps"),
        ({"a": F32_2x2, "b": {**F32_2x2, "data_offsets": [20, 36]}}, 36, "gap of 4 bytes"),
        ({"a": F32_2x2}, 64, "file holds 64"),
        ({"a": {**F32_2x2, "dtype": "EVIL"}}, 16, "unknown dtype"),
        ({"a": {**F32_2x2, "shape": [-2, -2]}}, 16, "non-negative"),
        ({"a": {**F32_2x2, "data_offsets": [16, 0]}}, 16, "begin <= end"),
        ({"a": {**F32_2x2, "extra": 1}}, 16, "exactly dtype"),
    ],
)
def test_lying_safetensors_headers(
    write: Write, art: Any, header: dict[str, Any], data_size: int, needle: str
) -> None:
    report = scan_file(write("lie.safetensors", art.safetensors_bytes(header, bytes(data_size))))
    assert report.findings and all(f.rule_id == "AISEC-ST001" for f in report.findings)
    assert any(needle in f.message for f in report.findings), report.findings
    assert {f.severity for f in report.findings} == {"high"}


def test_safetensors_header_size_json_and_duplicates(write: Write) -> None:
    too_big = struct.pack("<Q", 200_000_000) + b"{" + bytes(100)
    past_end = struct.pack("<Q", 5000) + b'{"a": 1}'
    not_json = struct.pack("<Q", 8) + b"{not js}"
    entry = b'{"dtype":"U8","shape":[1],"data_offsets":[0,1]}'
    dup = b'{"a":' + entry + b',"a":' + entry + b"}"
    duplicated = struct.pack("<Q", len(dup)) + dup + b"\x00"
    for name, data, needle in (
        ("big.st", too_big, "cap"),
        ("end.st", past_end, "past the end"),
        ("json.st", not_json, "JSON"),
        ("dup.st", duplicated, "duplicate key"),
    ):
        report = scan_file(write(name, data))
        assert [f.rule_id for f in report.findings] == ["AISEC-ST001"]
        assert needle in report.findings[0].message


def test_safetensors_metadata_sanity(write: Write, art: Any) -> None:
    header = {
        "a": F32_2x2,
        "__metadata__": {"note": "__import__('os').system('id')", "big": "x" * 70000},
    }
    report = scan_file(write("meta.safetensors", art.safetensors_bytes(header, bytes(16))))
    assert rule_ids(report) == [("AISEC-ST002", "medium"), ("AISEC-ST002", "medium")]


def test_numpy_object_array_and_its_payload(tmp_path: Path) -> None:
    import os

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("id",))

    plain = tmp_path / "plain.npy"
    np.save(plain, np.zeros((3, 3)))
    assert detect_format(plain) == "numpy"
    assert scan_file(plain).findings == []
    objects = tmp_path / "objects.npy"
    array = np.empty(2, dtype=object)
    array[0], array[1] = {"a": 1}, Evil()
    np.save(objects, array, allow_pickle=True)
    expected = [("AISEC-NPY001", "medium"), ("AISEC-PKL001", "critical")]
    assert rule_ids(scan_file(objects)) == expected


def test_numpy_structured_dtype_with_object_field(tmp_path: Path, write: Write) -> None:
    path = tmp_path / "rec.npy"
    np.save(path, np.zeros(2, dtype=[("x", "<i4"), ("y", "O")]), allow_pickle=True)
    assert ("AISEC-NPY001", "medium") in rule_ids(scan_file(path))
    broken = write("broken.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': <nope")
    assert rule_ids(scan_file(broken)) == [("AISEC-MOD001", "medium")]


@pytest.mark.parametrize(
    "descr",
    [
        "object",  # numpy.dtype("object"), as numpy.lib.format reads the header
        "O8",
        ("|O", (1,)),  # a subarray of objects
        [("a", ("|O", (1,)))],  # a field that is one
        [("a", [("b", "<i4"), ("c", "O")])],  # a nested structure
        {"aO": 0},  # any iterable is fields to numpy: key 'aO' is field a of dtype O
    ],
)
def test_every_spelling_of_an_object_dtype_in_an_npy_header(
    write: Write, art: Any, descr: object
) -> None:
    header = repr({"descr": descr, "fortran_order": False, "shape": (1,)}).encode()
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header
    findings = scan_file(write("x.npy", npy + art.proto4_call("os", "system"))).findings
    assert {(f.rule_id, f.severity) for f in findings} == {
        ("AISEC-NPY001", "medium"),
        ("AISEC-PKL001", "critical"),
    }


def _keras_files(layers: list[dict[str, Any]]) -> dict[str, bytes]:
    """A Sequential model of ``layers`` as a .keras archive, architecture JSON and an HDF5
    file holding its config."""
    config = json.dumps({"class_name": "Sequential", "config": {"layers": layers}}).encode()
    return {
        "m.keras": _keras_archive(layers),
        "m.json": config,
        "m.h5": b"\x89HDF\r\n\x1a\n" + bytes(1000) + b"model_config" + config + bytes(64),
    }


def _keras_archive(layers: list[dict[str, Any]]) -> bytes:
    config = {"class_name": "Sequential", "config": {"name": "seq", "layers": layers}}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n" + bytes(64))
    return out.getvalue()


def test_keras_archive_lambda_layer(write: Write) -> None:
    dense = {"class_name": "Dense", "config": {"name": "d", "units": 2}}
    lam = {
        "class_name": "Lambda",
        "config": {"name": "evil", "function": {"class_name": "__lambda__"}},
    }
    clean = write("clean.keras", _keras_archive([dense]))
    assert detect_format(clean) == "keras"
    assert scan_file(clean).findings == []
    report = scan_file(write("model.bin", _keras_archive([dense, lam])))
    assert [(f.rule_id, f.path) for f in report.findings] == [
        ("AISEC-KER001", "model.bin!config.json")
    ]
    assert "evil" in report.findings[0].message


def test_keras_lambda_function_object_outside_a_lambda_layer(write: Write) -> None:
    """Keras loads a "__lambda__" object's bytecode wherever it is, e.g. as an activation."""
    code = {"class_name": "__lambda__", "config": {"code": "4wEAAAAA", "defaults": None}}
    dense = {"class_name": "Dense", "config": {"name": "d", "units": 2, "activation": code}}
    report = scan_file(write("act.keras", _keras_archive([dense])))
    assert rule_ids(report) == [("AISEC-KER001", "high")]
    assert "__lambda__" in report.findings[0].message


def test_keras_config_importing_callables_from_outside_keras(write: Write) -> None:
    """Keras imports the module a config object names (CVE-2025-1550 on Keras < 3.9)."""

    def obj(module: str, name: str, **config: Any) -> dict[str, Any]:
        return {"module": module, "class_name": name, "config": config, "registered_name": None}

    own = obj(
        "keras.layers", "Dense", units=2, kernel_initializer=obj("keras.initializers", "Zeros")
    )
    own["config"]["activation"] = {"module": "keras.src.activations", "class_name": "function",
                                   "config": "relu"}  # fmt: skip
    assert scan_file(write("ok.keras", _keras_archive([own]))).findings == []
    evil = obj(
        "keras.layers", "Dense", units=2, kernel_initializer=obj("os", "system", command="id")
    )
    helper = {"module": "subprocess", "class_name": "function", "config": "check_output"}
    custom = obj("my_project.layers", "Gate")
    found = scan_file(write("m.keras", _keras_archive([evil, custom, {"activation": helper}])))
    assert {(f.rule_id, f.severity, f.details["global"]) for f in found.findings} == {
        ("AISEC-KER002", "critical", "os.system"),
        ("AISEC-KER002", "critical", "subprocess.check_output"),
        ("AISEC-KER002", "medium", "my_project.layers.Gate"),
    }


def test_hdf5_lambda_marker_without_h5py(write: Write) -> None:
    config = json.dumps(
        {
            "class_name": "Functional",
            "config": {"layers": [{"class_name": "Lambda", "config": {"name": "l1"}}]},
        }
    )
    body = b"\x89HDF\r\n\x1a\n" + bytes(2_000_000) + b"model_config" + config.encode() + bytes(100)
    path = write("model.h5", body)
    assert detect_format(path) == "hdf5"
    assert rule_ids(scan_file(path)) == [("AISEC-KER001", "high")]
    assert scan_file(write("plain.h5", b"\x89HDF\r\n\x1a\n" + bytes(1000))).findings == []


def test_hdf5_config_importing_callables_from_outside_keras(write: Write) -> None:
    """The legacy .h5 loader deserializes the same config objects as a .keras file."""
    dense = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}
    evil = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2,
            "activation": {"module": "posix", "class_name": "function", "config": "system"},
            "kernel_initializer": {"module": "subprocess", "class_name": "Popen"}}}  # fmt: skip
    head = b"\x89HDF\r\n\x1a\n" + bytes((1 << 20) - 8 - 130)  # a match straddles 1 MiB
    for name, layers, expected in (
        ("ok.h5", [dense], set()),
        ("evil.h5", [dense, evil], {"posix.system", "subprocess.Popen"}),
    ):
        config = json.dumps({"class_name": "Sequential", "config": {"layers": layers}})
        report = scan_file(write(name, head + b"model_config" + config.encode() + bytes(64)))
        assert {f.details["global"] for f in report.findings} == expected, name
        assert {(f.rule_id, f.severity) for f in report.findings} <= {("AISEC-KER002", "critical")}


def test_hdf5_config_spelt_with_json_escapes_or_keys_reordered(write: Write) -> None:
    """json.loads reads "\\u004cambda" as "Lambda" and a config object's keys in any order;
    Keras never writes either, so the byte search must not depend on them."""
    head = b"\x89HDF\r\n\x1a\n" + bytes((1 << 20) - 8 - 130)  # an escape straddles 1 MiB
    layers = [
        {"class_name": "Dense", "config": {"units": 2}},
        {"class_name": "\\u004cambd\\u0061", "config": {"name": "l"}},
        {"class_name": "function", "registered_name": "x", "module": "po\\u0073ix",
         "config": "system"},
    ]  # fmt: skip
    config = json.dumps({"class_name": "Sequential", "config": {"layers": layers}})
    config = config.replace("\\\\", "\\")  # keep the escapes as written, not doubled
    path = write("escaped.h5", head + b"model_config" + config.encode() + bytes(64))
    assert {(f.rule_id, f.severity) for f in scan_file(path).findings} == {
        ("AISEC-KER001", "high"),
        ("AISEC-KER002", "critical"),
    }
    plain = config.replace("\\u004cambd\\u0061", "Dense").replace("po\\u0073ix", "keras")
    assert scan_file(write("plain.h5", head + plain.encode() + bytes(64))).findings == []


def test_keras_gadgets_inside_the_keras_namespace(write: Write) -> None:
    """Keras resolves names inside its own packages even with safe_mode on: loaders,
    downloaders and the safe-mode switch are bypasses (CVE-2025-8747, CVE-2025-9906), by
    any module path, by class_name, a function's config, or registered_name (old Keras)."""

    def fn(module: str, name: str) -> dict[str, Any]:
        return {"module": module, "class_name": "function", "config": name,
                "registered_name": "function"}  # fmt: skip

    def lam(function: dict[str, Any]) -> dict[str, Any]:
        return {"module": "keras.layers", "class_name": "Lambda",
                "config": {"name": "l", "function": function, "arguments": {}}}  # fmt: skip

    ordinary: list[dict[str, Any]] = [
        {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
         "config": {"name": "get_file", "units": 2,
                    "activation": fn("keras.src.activations", "relu"),
                    "kernel_initializer": {"module": "keras.initializers",
                                           "class_name": "GlorotUniform", "config": {}}}},
        {"module": "keras.layers", "class_name": "StringLookup", "config": {"name": "s"}},
        {"module": "keras.losses", "class_name": "function", "config": "mean_squared_error"},
    ]  # fmt: skip
    gadgets: list[dict[str, Any]] = [
        lam(fn("keras.utils", "get_file")),
        lam(fn("keras.config", "enable_unsafe_deserialization")),
        lam(fn("keras.src.utils.file_utils", "get_file")),
        lam(fn("keras.src.backend.common.global_state", "set_global_attribute")),
        lam(fn("keras.models", "load_model")),
        lam(fn("tensorflow.io.gfile", "rmtree")),
        {"module": "keras.src.utils.python_utils", "class_name": "Unknown",
         "registered_name": "func_load", "config": {}},
        {"module": "keras.layers", "class_name": "TorchModuleWrapper",
         "config": {"name": "t", "module": "gASVAAAA"}},
    ]  # fmt: skip
    expected = {
        ("AISEC-KER001", "high", None),
        ("AISEC-KER003", "high", "keras.utils.get_file"),
        ("AISEC-KER003", "critical", "keras.config.enable_unsafe_deserialization"),
        ("AISEC-KER003", "high", "keras.src.utils.file_utils.get_file"),
        ("AISEC-KER003", "critical", "keras.src.backend.common.global_state.set_global_attribute"),
        ("AISEC-KER003", "critical", "keras.models.load_model"),
        ("AISEC-KER003", "high", "tensorflow.io.gfile.rmtree"),
        ("AISEC-KER003", "critical", "keras.src.utils.python_utils.func_load"),
        ("AISEC-KER003", "critical", "keras.layers.TorchModuleWrapper"),
    }

    for name, data in _keras_files(ordinary).items():
        assert scan_file(write(name, data)).findings == [], name
    for name, data in _keras_files(ordinary + gadgets).items():
        report = scan_file(write(name, data))
        found = {(f.rule_id, f.severity, f.details.get("global")) for f in report.findings}
        assert found == expected, name
        get_file = next(f for f in report.findings if f.key == "gadget:keras.utils.get_file")
        assert "downloads a URL" in get_file.message and "safe_mode" in get_file.message


def test_lookup_layers_reading_a_vocabulary_file(write: Write) -> None:
    """StringLookup, IntegerLookup and TextVectorization read a string vocabulary as a file
    (tf.io.gfile fetches a URL) when the model loads, safe_mode on (CVE-2025-12058)."""

    def lookup(class_name: str, vocabulary: object, module: str | None = "keras.layers") -> Any:
        layer = {"class_name": class_name, "config": {"name": "v", "vocabulary": vocabulary}}
        return layer if module is None else {"module": module, **layer}

    ordinary = [
        lookup("StringLookup", ["a", "b"]),
        lookup("IntegerLookup", [1, 2, 3]),
        lookup("TextVectorization", None),
        lookup("StringLookup", ""),
    ]
    paths = {
        "StringLookup": "/etc/passwd",
        "IntegerLookup": "../../secrets/ids.txt",
        "TextVectorization": "https://attacker.example/v.txt",
        "IndexLookup": "gs://bucket/vocab",
    }
    readers = [lookup(name, path) for name, path in paths.items()]
    readers.append(lookup("StringLookup", "vocab.txt", module=None))  # Keras 2 writes no module
    expected = {("AISEC-KER003", "high", path) for path in [*paths.values(), "vocab.txt"]}

    for name, data in _keras_files(ordinary).items():
        assert scan_file(write(name, data)).findings == [], name
    for name, data in _keras_files(ordinary + readers).items():
        report = scan_file(write(name, data))
        found = {(f.rule_id, f.severity, f.details["vocabulary"]) for f in report.findings}
        assert found == expected, name
        url = next(f for f in report.findings if f.details["vocabulary"].startswith("https:"))
        assert "fetches" in url.message and "CVE-2025-12058" in url.message
    # the HDF5 byte search reads a key spelt with escapes as json.loads does
    escaped = b'model_config{"config": {"\\u0076ocabulary": "\\/etc\\/shadow"}}'
    report = scan_file(write("e.h5", b"\x89HDF\r\n\x1a\n" + bytes(100) + escaped))
    assert [(f.rule_id, f.details["vocabulary"]) for f in report.findings] == [
        ("AISEC-KER003", "/etc/shadow")
    ]


def test_gguf_template_injection_and_benign(write: Write, art: Any) -> None:
    benign = art.gguf_bytes({"general.name": "tiny", "tokenizer.chat_template": "{{ messages }}"})
    ssti = art.gguf_bytes(
        {
            "general.name": "x",
            "tokenizer.chat_template": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        }
    )
    path = write("benign.gguf", benign)
    assert detect_format(path) == "gguf"
    assert scan_file(path).findings == []
    assert rule_ids(scan_file(write("evil.bin", ssti))) == [("AISEC-TPL001", "critical")]
    truncated = write("trunc.gguf", benign[:30])
    assert rule_ids(scan_file(truncated)) == [("AISEC-MOD001", "medium")]


def test_big_endian_gguf_is_read_too(write: Write) -> None:
    """The gguf package (and so transformers' GGUF loading) reads big-endian files."""

    def text(value: str) -> bytes:
        return struct.pack(">Q", len(value.encode())) + value.encode()

    entries = {"general.architecture": "llama", "tokenizer.chat_template": "{{ x.__class__ }}"}
    body = b"GGUF" + struct.pack(">IQQ", 3, 0, len(entries))
    for key, value in entries.items():
        body += text(key) + struct.pack(">I", 8) + text(value)
    assert rule_ids(scan_file(write("be.gguf", body))) == [("AISEC-TPL001", "critical")]


def test_gguf_named_chat_templates_are_checked(write: Write, art: Any) -> None:
    """llama.cpp stores extra templates as tokenizer.chat_template.<name> (tool_use, rag)."""
    ssti = "{{ lipsum.__globals__['os'].popen('id').read() }}"
    named = {"tokenizer.chat_template": "{{ messages }}", "tokenizer.chat_template.tool_use": ssti}
    report = scan_file(write("named.gguf", art.gguf_bytes(named)))
    assert rule_ids(report) == [("AISEC-TPL001", "critical")]
    assert "tokenizer.chat_template.tool_use" in report.findings[0].message
    other = {"general.description": ssti}  # not a template: never rendered
    assert scan_file(write("other.gguf", art.gguf_bytes(other))).findings == []


def _pb_field(number: int, payload: bytes) -> bytes:
    def varint(value: int) -> bytes:
        out = b""
        while True:
            byte = value & 0x7F
            value >>= 7
            out += bytes([byte | (0x80 if value else 0)])
            if not value:
                return out

    return varint(number << 3 | 2) + varint(len(payload)) + payload


def _onnx(location: str) -> bytes:
    entry = _pb_field(1, b"location") + _pb_field(2, location.encode())
    tensor = _pb_field(8, b"w") + _pb_field(13, entry)
    graph = _pb_field(1, _pb_field(4, b"Relu")) + _pb_field(5, tensor)  # a node, an initializer
    return b"\x08\x08" + _pb_field(2, b"pytorch") + _pb_field(7, graph)


def test_onnx_external_data_paths(write: Write) -> None:
    ok = write("ok.onnx", _onnx("weights.bin"))
    assert detect_format(ok) == "onnx"
    assert scan_file(ok).findings == []
    for location in ("../../etc/passwd", "/etc/shadow"):
        report = scan_file(write("bad.onnx", _onnx(location)))
        assert rule_ids(report) == [("AISEC-ONNX001", "high")]


def test_onnx_external_data_anywhere_in_the_model(write: Write) -> None:
    """onnx.load resolves external data for every tensor: node attributes (Constant),
    subgraphs (If/Loop), sparse initializers and functions, not only initializers."""

    def tensor(location: str) -> bytes:
        entry = _pb_field(1, b"location") + _pb_field(2, location.encode())
        return _pb_field(8, b"w") + _pb_field(13, entry)

    def model(graph: bytes, functions: bytes = b"") -> bytes:
        return b"\x08\x08" + _pb_field(7, graph) + functions

    def constant(location: str) -> bytes:  # NodeProto{op_type, attribute{name, t}}
        attribute = _pb_field(1, b"value") + _pb_field(5, tensor(location))
        return _pb_field(4, b"Constant") + _pb_field(5, attribute)

    subgraph = _pb_field(5, tensor("../outside.bin"))
    branch = _pb_field(4, b"If") + _pb_field(
        5, _pb_field(1, b"then_branch") + _pb_field(6, subgraph)
    )
    sparse = _pb_field(15, _pb_field(1, tensor("/abs/values.bin")) + _pb_field(2, tensor("ok.bin")))
    function = _pb_field(25, _pb_field(1, b"f") + _pb_field(7, constant("../../f.bin")))
    cases = {
        "constant.onnx": model(_pb_field(1, constant("../../etc/passwd"))),
        "subgraph.onnx": model(_pb_field(1, branch)),
        "sparse.onnx": model(sparse),
        "function.onnx": model(_pb_field(1, constant("w.bin")), function),
    }
    for name, data in cases.items():
        assert rule_ids(scan_file(write(name, data))) == [("AISEC-ONNX001", "high")], name
    assert scan_file(write("fine.onnx", model(_pb_field(1, constant("data/w.bin"))))).findings == []


@pytest.mark.parametrize(
    ("name", "compress"),
    [
        ("joblib.z", zlib.compress),
        ("model.gz", gzip.compress),
        ("m.bz2", bz2.compress),
        ("m.xz", lzma.compress),
        ("m.lzma", functools.partial(lzma.compress, format=lzma.FORMAT_ALONE)),  # joblib "lzma"
        # joblib's oldest format, which joblib.load still reads: "ZF", hex length, zlib
        ("old.pkl", lambda data: b"ZF" + hex(len(data)).ljust(19).encode() + zlib.compress(data)),
        # ... and with the one extra space joblib <= 0.8.4 wrote under Python 2
        ("py2.pkl", lambda data: b"ZF" + hex(len(data)).ljust(20).encode() + zlib.compress(data)),
    ],
)
def test_compressed_pickles_like_joblib(
    write: Write, art: Any, name: str, compress: Callable[[bytes], bytes]
) -> None:
    path = write(name, compress(art.proto0_call("os", "system")))
    assert rule_ids(scan_file(path)) == [("AISEC-PKL001", "critical")]
    benign = write("ok-" + name, compress(pickle.dumps({"a": [1, 2, 3]})))
    assert scan_file(benign).findings == []
    # what is no pickle uncompressed is none compressed: raw weights, a text
    for data in (b"\x82\x6e" + bytes(range(256)) * 4, b"# Release notes\nNothing to see.\n"):
        assert scan_file(write("raw.bin", data)).findings == []
        assert scan_file(write("packed-" + name, compress(data))).findings == [], data[:8]


def _gzip_member(data: bytes, header: bytes = b"", flags: int = 0, crc: int | None = None) -> bytes:
    """One gzip member of ``data``: ``header`` is what ``flags`` announce after the fixed
    10 bytes (FEXTRA, FNAME, FCOMMENT, FHCRC), ``crc`` a trailer CRC to write instead."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflate.compress(data) + deflate.flush()
    crc = zlib.crc32(data) if crc is None else crc
    trailer = struct.pack("<II", crc, len(data))
    return b"\x1f\x8b\x08" + bytes([flags]) + bytes(6) + header + body + trailer


def test_streams_after_the_first_are_read_as_python_reads_them(write: Write, art: Any) -> None:
    """gzip.open, bz2.open and lzma.open (joblib's bz2, xz and lzma) read the streams that
    follow one another in a file as one: a pickle split across two is whole to them."""
    payload = art.proto4_call("os", "system")
    a, b = payload[:9], payload[9:]  # inside the module name
    alone = functools.partial(lzma.compress, format=lzma.FORMAT_ALONE)
    cases = {
        "split.gz": (gzip.compress(a) + gzip.compress(b), gzip.decompress),
        # zero padding between members, and optional header fields; a header CRC gzip
        # does not check (zlib's own gzip reader rejected the file)
        "padded.gz": (
            _gzip_member(a, b"\x03\x00abc" + b"name\0" + b"note\0" + b"\xff\xff", 4 | 8 | 16 | 2)
            + bytes(1000)
            + _gzip_member(b"")
            + gzip.compress(b),
            gzip.decompress,
        ),
        "hcrc.gz": (_gzip_member(payload, b"\xff\xff", 2), gzip.decompress),
        "split.bz2": (bz2.compress(a) + bz2.compress(b), bz2.decompress),
        "split.xz": (lzma.compress(a) + lzma.compress(b), lzma.decompress),
        "split.lzma": (alone(a) + lzma.compress(b), lzma.decompress),  # lzma.open mixes them
    }
    for name, (data, decompress) in cases.items():
        assert decompress(data) == payload, name  # what the loader unpickles
        assert rule_ids(scan_file(write(name, data))) == [("AISEC-PKL001", "critical")], name
    # gzip checks a member's CRC only after handing out its data: the pickle has run
    bad_crc = write("crc.gz", _gzip_member(a) + _gzip_member(b, crc=0))
    with pytest.raises(gzip.BadGzipFile), gzip.open(bad_crc) as stream:
        assert stream.read(len(payload)) == payload
        stream.read()
    assert rule_ids(scan_file(bad_crc)) == [("AISEC-PKL001", "critical")]
    # bytes after the last stream that start none are no content: clean, as before
    benign = pickle.dumps({"a": [1, 2, 3]})
    for compress in (gzip.compress, bz2.compress, lzma.compress):
        data = compress(benign[:5]) + compress(benign[5:]) + b"trailing bytes\n"
        assert scan_file(write("t.bin", data)).findings == [], compress


def test_records_in_a_later_gzip_member_are_scanned(write: Write) -> None:
    rows = [b'{"text": "hello"}\n', b'{"text": "key AKIAIOSFODNN7EXAMPLF here"}\n']
    report = scan_file(write("rows.jsonl.gz", gzip.compress(rows[0]) + gzip.compress(rows[1])))
    assert "AISEC-DATA002" in {f.rule_id for f in report.findings}


def test_files_written_by_the_safetensors_library_are_clean() -> None:
    import torch
    from safetensors.torch import save_file

    tensors = {
        "embed.weight": torch.randn(7, 5),
        "norm.bias": torch.zeros(3, dtype=torch.bfloat16),
        "mask": torch.ones(2, 2, dtype=torch.bool),
        "ids": torch.arange(11, dtype=torch.int64),
        "empty": torch.zeros(0, 4),
    }
    save_file(tensors, "lib.safetensors", metadata={"format": "pt", "note": "trained on x"})
    assert scan_file("lib.safetensors").findings == []


def test_header_lengths_that_look_like_other_magics(write: Write, art: Any) -> None:
    for length in (0x0280, 0x0178, 0x059C):  # pickle \x80\x02 and zlib \x78\x01 lookalikes
        entry = json.dumps({"t": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}}).encode()
        header = entry + b" " * (length - len(entry))
        path = write(f"h{length}.safetensors", struct.pack("<Q", length) + header + b"\x00")
        assert detect_format(path) == "safetensors"
        assert scan_file(path).findings == []
    # A pickle shaped to look like safetensors is still walked as a pickle.
    payload = b"\x80\x02" + b"\x00" * 6 + b"{" + art.proto0_call("os", "system")
    report = scan_file(write("poly.bin", payload))
    assert "AISEC-ST001" in {f.rule_id for f in report.findings}


def test_compressed_archives_and_safetensors_are_scanned_too(write: Write, art: Any) -> None:
    header = {"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 100]}}
    lying = gzip.compress(art.safetensors_bytes(header, bytes(100)))
    report = scan_file(write("w.safetensors.gz", lying))
    assert {f.rule_id for f in report.findings} == {"AISEC-ST001"}
    assert report.files[0].format == "gzip+safetensors"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data.pkl", art.proto4_call("os", "system"))
    report = scan_file(write("bundle.zip.xz", lzma.compress(archive.getvalue())))
    assert [(f.rule_id, f.path) for f in report.findings] == [
        ("AISEC-PKL001", "bundle.zip.xz!data.pkl")
    ]


def test_hugging_face_configs_custom_code_and_chat_templates(write: Write) -> None:
    custom = {
        "model_type": "evil",
        "auto_map": {"AutoModel": "modeling_evil.EvilModel", "AutoConfig": "configuration_evil.C"},
    }
    report = scan_file(write("repo/config.json", json.dumps(custom)))
    assert rule_ids(report) == [("AISEC-MOD002", "medium")]
    assert "modeling_evil" in report.findings[0].message
    assert scan_file(write("plain/config.json", json.dumps({"model_type": "bert"}))).findings == []
    ssti = "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}"
    tokenizer = {"chat_template": [{"name": "default", "template": ssti}]}
    report = scan_file(write("repo/tokenizer_config.json", json.dumps(tokenizer)))
    assert rule_ids(report) == [("AISEC-TPL001", "critical")]
    benign = {"chat_template": "{% for m in messages %}{{ m['content'] }}{% endfor %}"}
    assert scan_file(write("ok/tokenizer_config.json", json.dumps(benign))).findings == []
    assert scan_file(write("vscode/config.json", "{not json")).findings == []


def test_configs_padded_past_the_size_cap_fail_instead_of_passing(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """transformers and Keras read a padded tokenizer_config.json, chat template or
    config.json whole; past the scanner's cap they were skipped without a finding."""
    from aisec_sdk.posture import scanner

    monkeypatch.setattr(scanner, "_MAX_CONFIG", 4096)
    ssti = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    padded = json.dumps({"chat_template": ssti, "pad": " " * 5000})
    lam = {"class_name": "Lambda", "config": {"name": "l" * 5000}}
    for name, data in (
        ("m/tokenizer_config.json", padded.encode()),
        ("m/chat_template.jinja", (ssti + " " * 5000).encode()),
        ("big.keras", _keras_archive([lam])),
    ):
        report = scan_paths([str(write(name, data))])
        assert [(f.rule_id, f.severity) for f in report.findings] == [("AISEC-MOD001", "high")]
    assert scan_paths([str(write("ok/tokenizer_config.json", "{}"))]).findings == []


def test_chat_templates_saved_on_their_own_are_checked(write: Write) -> None:
    """transformers saves chat_template.jinja / additional_chat_templates/*.jinja, and
    processors chat_template.json: the template a server renders, outside tokenizer_config."""
    ssti = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    for name, text in (
        ("m/chat_template.jinja", ssti),
        ("m/additional_chat_templates/tool_use.jinja", ssti),
        ("m/chat_template.json", json.dumps({"chat_template": ssti})),
    ):
        assert rule_ids(scan_file(write(name, text))) == [("AISEC-TPL001", "critical")], name
    benign = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    assert scan_file(write("ok/chat_template.jinja", benign)).findings == []
    assert scan_file(write("site/templates/page.jinja", ssti)).findings == []  # a web page


@pytest.mark.parametrize(
    "template",
    [
        r"{{ ''|attr('\x5f\x5fclass\x5f\x5f')|attr('\x5f\x5fmro\x5f\x5f') }}",
        r"{{ cycler['\u005f\u005finit\u005f\u005f'] }}",
        r"{{ joiner['\137\137init\137\137'] }}",
        "{% set a = '__cla' ~ 'ss__' %}{{ ''[a] }}",
        "{{ lipsum['__glob' + 'als__'] }}",
        "{{ (lipsum|attr(['__glo', 'bals__']|join))['os'] }}",
        "{% set n = request.args.x %}{{ lipsum|attr(n) }}",
        # a subscript falls back to getattr; names built by a filter
        "{{ ''['XXclassXX'|replace('X', '_')] }}",
        "{{ [''] | map(attribute='XXclassXX'|replace('X', '_')) | list }}",
        # what only looks like a comment, or the end of a tag, to a lexer without strings
        # or brackets
        "{{ '{#' }}{{ cycler.__init__ }}{{ '#}' }}",
        "{{ '}}' ~ lipsum.__globals__ }}",
        "{{ {'a': {'b': 1}} ~ lipsum.__globals__ }}",
        # text that becomes a value: a block set, a macro, a block called as self.name()
        "{% set x %}__class__{% endset %}{{ ''[x] }}",
        "{% macro m() %}__globals__{% endmacro %}{{ lipsum[m()] }}",
        "{% block b %}__class__{% endblock %}{{ ''[self.b()] }}",
    ],
)
def test_obfuscated_template_injection(write: Write, template: str) -> None:
    """Jinja decodes escapes and joins strings before it looks a name up."""
    report = scan_file(write("tokenizer_config.json", json.dumps({"chat_template": template})))
    assert rule_ids(report) == [("AISEC-TPL001", "critical")]


@pytest.mark.parametrize(
    "name",
    [
        "'__in' 'it__'",  # Jinja's parser joins adjacent literals
        "'__in'\n\"it__\"",
        r"'\N{LOW LINE}\N{LOW LINE}init\N{LOW LINE}\N{LOW LINE}'",
        r"'\N{low line}_in' 'it\x5f\u005f'",
        r"'\U0000005f_init__'",
    ],
)
def test_string_literals_are_read_as_jinja_reads_them(write: Write, art: Any, name: str) -> None:
    """Jinja's lexer decodes every Python string escape, and its parser joins adjacent
    literals: a name spelt so must be seen, in every place a chat template is read."""
    jinja2 = pytest.importorskip("jinja2")
    assert jinja2.Environment().from_string("{{ " + name + " }}").render() == "__init__"
    template = "{{ cycler[" + name + "] }}"
    gguf = art.gguf_bytes({"general.architecture": "llama", "tokenizer.chat_template": template})
    for path in (
        write("tokenizer_config.json", json.dumps({"chat_template": template})),
        write("chat_template.jinja", template),
        write("model.gguf", gguf),
    ):
        assert rule_ids(scan_file(path)) == [("AISEC-TPL001", "critical")], path
    plain = "{{ messages[0]['con' 'tent'] }}{{ '\\N{LOW LINE}' }}{{ '\\N{no such name}' }}"
    assert scan_file(write("ok/chat_template.jinja", plain)).findings == []


def test_everyday_chat_templates_stay_clean(write: Write) -> None:
    templates = [
        "{% set ns = namespace(sys=false) %}{% for m in messages %}{{ '<|' + m['role'] + "
        "'|>\\n' + m['content'] | trim + '<|end|>' }}{% endfor %}",
        "{{- tool_call.arguments | tojson }}{{- '\", \"arguments\": ' }}{{ '\\u003cturn\\u003e' }}",
        "{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|join(', ') }}",
        "{{ message|attr('content') }}{{ raise_exception('roles must alternate') }}",
        # only the code in tags runs: not comments, text or raw blocks
        "{# the __init__ of a model is not here #}{{ messages[messages|length - 1].content }}",
        "You write Python, e.g. def __init__(self): ...\n{% for m in messages %}{{ m.content }}"
        "{% endfor %}{% raw %}{{ x.__class__ }}{% endraw %}",
    ]
    for template in templates:
        data = json.dumps({"chat_template": template})
        assert scan_file(write("tokenizer_config.json", data)).findings == [], template


def test_object_array_of_plain_values_does_not_fail_the_default_scan(tmp_path: Path) -> None:
    path = tmp_path / "labels.npy"
    np.save(path, np.array(["cat", "dog", None, 3], dtype=object), allow_pickle=True)
    report = scan_file(path)
    assert rule_ids(report) == [("AISEC-NPY001", "medium")]
    assert not report.at_or_above("high")


def test_a_safetensors_file_without_a_header_is_invalid(write: Write) -> None:
    for name, data in (
        ("huge.safetensors", struct.pack("<Q", 1 << 63) + b"{}"),
        ("zero.safetensors", struct.pack("<Q", 0) + b"{}"),
        ("array.safetensors", struct.pack("<Q", 4) + b"[[]]"),
        ("short.safetensors", b"\x10\x00"),
        ("empty.safetensors", b""),
    ):
        assert rule_ids(scan_file(write(name, data))) == [("AISEC-ST001", "high")], name


def _node(name: str, op: str) -> bytes:
    """A GraphDef node: NodeDef.name (field 1) and NodeDef.op (field 2)."""
    fields = b"\x0a" + bytes([len(name)]) + name.encode()
    fields += b"\x12" + bytes([len(op)]) + op.encode()
    return b"\x0a" + bytes([len(fields)]) + fields


def test_tensorflow_graphs_with_python_or_file_ops(write: Write) -> None:
    def saved_model(*ops: str) -> bytes:  # SavedModel{schema 1, meta_graphs{graph_def{...}}}
        graph = b"".join(_node(f"n{i}", op) for i, op in enumerate(ops))
        meta = b"\x12" + bytes([len(graph)]) + graph
        return b"\x08\x01\x12" + bytes([len(meta)]) + meta

    risky = scan_file(write("m/saved_model.pb", saved_model("Placeholder", "PyFunc", "ReadFile")))
    assert rule_ids(risky) == [("AISEC-TF001", "high"), ("AISEC-TF001", "high")]
    assert risky.files[0].format == "tensorflow"
    plain = write("ok/saved_model.pb", saved_model("Placeholder", "MatMul"))
    assert scan_file(plain).findings == []
    text = 'node {\n  name: "f"\n  op: "EagerPyFunc"\n}\nnode { op: "Const" }\n'
    assert rule_ids(scan_file(write("graph.pbtxt", text))) == [("AISEC-TF001", "high")]
    # a zip ending the file (zipfile reads it; here as an unknown field protobuf skips)
    # does not make the graph a mere archive
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("notes.txt", "hello")
    size = len(archive.getvalue())
    field = b"\x7a" + bytes([size | 0x80, size >> 7]) + archive.getvalue()  # field 15, bytes
    both = scan_file(write("frozen.pb", _node("f", "PyFunc") + field))
    assert rule_ids(both) == [("AISEC-ARC001", "medium"), ("AISEC-TF001", "high")]
    assert both.files[0].format == "tensorflow"


def _field(number: int, value: bytes) -> bytes:
    """A length-delimited protobuf field (lengths under 128)."""
    return bytes([number << 3 | 2, len(value)]) + value


def test_tensorflow_ops_are_read_as_protobuf_reads_them(write: Write) -> None:
    """Overlong varints (a 2-byte tag or length) still name the op; a string attribute
    that says "ReadFile" (AttrValue.s is field 2 too) is not an op."""
    overlong_tag = _field(1, b"py") + b"\x92\x00\x06PyFunc"
    overlong_length = _field(1, b"py") + b"\x12\x86\x00PyFunc"
    for node in (overlong_tag, overlong_length):
        graph = _field(1, node)
        assert rule_ids(scan_file(write("frozen.pb", graph))) == [("AISEC-TF001", "high")]
        saved = write("m/saved_model.pb", b"\x08\x01" + _field(2, _field(2, graph)))
        assert rule_ids(scan_file(saved)) == [("AISEC-TF001", "high")]
    label = _field(1, b"label") + _field(2, _field(2, b"ReadFile"))  # attr {label: "ReadFile"}
    const = _field(1, _field(1, b"c") + _field(2, b"Const") + _field(5, label))
    assert scan_file(write("const.pb", const)).findings == []
    function = _field(2, _field(1, _field(3, _field(2, b"ReadFile"))))  # library.function.node_def
    assert rule_ids(scan_file(write("lib.pb", const + function))) == [("AISEC-TF001", "high")]
    # no node where a SavedModel keeps them: the bytes are searched, as before
    elsewhere = _field(1, _field(2, _field(1, _field(1, b"py") + _field(2, b"PyFunc"))))
    assert rule_ids(scan_file(write("n/saved_model.pb", elsewhere))) == [("AISEC-TF001", "high")]


def test_keras_layers_in_a_savedmodel_metadata(write: Write) -> None:
    """tf.keras saves each layer's config as JSON in keras_metadata.pb (SavedMetadata
    nodes, field 4 a string); load_model rebuilds Lambda layers from it, bytecode included."""

    def metadata(*configs: dict[str, Any]) -> bytes:
        out = b""
        for config in configs:
            text = json.dumps(config).encode()
            node = b"\x22" + bytes([len(text) | 0x80, len(text) >> 7]) + text
            out += b"\x0a" + bytes([len(node) | 0x80, len(node) >> 7]) + node
        return out

    dense = {"class_name": "Dense", "config": {"name": "d", "units": 2}}
    lam = {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAA", None]}}
    foreign = {"module": "posix", "class_name": "function", "config": "system"}
    report = scan_file(write("m/keras_metadata.pb", metadata(dense, lam, foreign)))
    assert rule_ids(report) == [("AISEC-KER001", "high"), ("AISEC-KER002", "critical")]
    assert scan_file(write("ok/keras_metadata.pb", metadata(dense))).findings == []


def test_keras_architecture_saved_as_json(write: Write) -> None:
    layers = [
        {"class_name": "Dense", "config": {"name": "d", "units": 2}},
        {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAA", None, None]}},
    ]
    model = {"class_name": "Sequential", "config": {"layers": layers}, "keras_version": "2.15"}
    assert rule_ids(scan_file(write("model.json", json.dumps(model)))) == [("AISEC-KER001", "high")]
    unpacked = {"module": "builtins", "class_name": "function", "config": "exec"}
    assert rule_ids(scan_file(write("x/config.json", json.dumps(unpacked)))) == [
        ("AISEC-KER002", "critical")
    ]
    dense = {"class_name": "Sequential", "config": {"layers": layers[:1]}}
    assert scan_file(write("dense.json", json.dumps(dense))).findings == []


def test_structured_field_names_are_not_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "points.npy"
    fields = [("Opacity", "<f4"), (("Origin title", "Offset"), "<i8"), ("sub", [("O2", "<f4")])]
    np.save(path, np.zeros(3, dtype=fields))
    assert scan_file(path).findings == []
    nested = tmp_path / "nested.npy"
    np.save(nested, np.zeros(2, dtype=[("a", [("b", "O")], (2,))]), allow_pickle=True)
    assert ("AISEC-NPY001", "medium") in rule_ids(scan_file(nested))
