"""Pickle opcode walk: dangerous families, memo and STACK_GLOBAL tricks, tiers, strict mode."""

from __future__ import annotations

import collections
import io
import os
import pathlib
import pickle
import pickletools
import sys
import tracemalloc
import types
import zipfile
from typing import Any

import numpy as np
import pytest
import torch

from aisec_sdk.posture.models import ScanFinding
from aisec_sdk.posture.pickle_globals import classify_global
from aisec_sdk.posture.pickle_scan import looks_like_pickle, scan_pickle

CRITICAL = [
    ("os", "system"),
    ("posix", "system"),
    ("nt", "system"),
    ("subprocess", "Popen"),
    ("subprocess", "check_output"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("builtins", "compile"),
    ("builtins", "getattr"),
    ("builtins", "__import__"),
    ("__builtin__", "eval"),
    ("runpy", "run_path"),
    ("runpy", "_run_code"),
    ("pip", "main"),
    ("pip._internal.cli.main", "main"),
    ("importlib", "import_module"),
    ("marshal", "loads"),
    ("pty", "spawn"),
    ("code", "InteractiveInterpreter"),
    ("ctypes", "CDLL"),
    ("sys", "exit"),
    ("operator", "attrgetter"),
    ("_operator", "methodcaller"),
    ("torch", "load"),
    ("torch.serialization", "load"),
    ("asyncio.subprocess", "create_subprocess_shell"),
    ("pickle", "loads"),
    ("numpy.testing._private.utils", "runstring"),
    # loaders reached through their implementation modules
    ("torch.serialization", "_load"),
    ("torch.serialization", "_legacy_load"),
    ("numpy.lib.npyio", "load"),
    ("numpy.lib._npyio_impl", "load"),
    ("pandas.io.pickle", "read_pickle"),
    ("joblib.numpy_pickle", "load"),
    ("yaml", "unsafe_load"),
    ("yaml", "load"),
    ("logging.config", "dictConfig"),
    ("transformers.dynamic_module_utils", "get_class_from_dynamic_module"),
    ("shelve", "open"),
    ("typing", "get_type_hints"),
    ("typing", "_eval_type"),
    # exec the import block of a pickled torch.fx GraphModule
    ("torch.fx.graph_module", "reduce_graph_module"),
    # dlopen a path: torch.ops / torch.classes load_library, whatever object owns it
    ("torch", "ops.load_library"),
    ("torch._classes", "classes.load_library"),
    ("imaplib", "IMAP4_stream"),  # runs its argument as a shell command
    # torch.jit.load and the torch._C loaders under it (TorchScript, mobile, torch.package)
    ("torch.jit", "load"),
    ("torch._C", "_jit_load"),
    ("torch._C", "import_ir_module"),
    ("torch._C", "import_ir_module_from_buffer"),
    ("torch._C", "_import_ir_module_from_package"),
    ("torch._C", "_load_for_lite_interpreter"),
    ("torch._C", "_load_jit_module_from_bytes"),
]
HIGH = [
    ("builtins", "open"),
    ("socket", "create_connection"),
    ("webbrowser", "open"),
    ("functools", "partial"),
    ("shutil", "rmtree"),
    ("urllib.request", "urlopen"),
    ("requests.api", "get"),
    ("huggingface_hub", "hf_hub_download"),
    ("operator", "call"),
    # read or write files of the loader's choosing
    ("numpy", "savetxt"),
    ("numpy", "fromfile"),
    ("numpy.lib.format", "open_memmap"),
    ("torch", "save"),
    ("torch", "from_file"),
    ("torch", "UntypedStorage.from_file"),
    ("torch", "ByteStorage.from_file"),
    ("linecache", "getline"),
    ("dbm", "open"),
]


def _rules(findings: list[ScanFinding]) -> list[tuple[str, str]]:
    return [(f.rule_id, f.severity) for f in findings]


@pytest.mark.parametrize(("module", "name"), CRITICAL)
def test_code_execution_families_are_critical_in_both_encodings(
    art: Any, module: str, name: str
) -> None:
    for payload in (art.proto0_call(module, name), art.proto4_call(module, name)):
        findings = scan_pickle(io.BytesIO(payload), "m.pkl")
        assert _rules(findings) == [("AISEC-PKL001", "critical")], findings
        assert (
            f"{module}.{name}".replace("__builtin__", "builtins").replace("_operator", "operator")
            in findings[0].message
        )


@pytest.mark.parametrize(("module", "name"), HIGH)
def test_network_file_and_call_helpers_are_high(art: Any, module: str, name: str) -> None:
    findings = scan_pickle(io.BytesIO(art.proto4_call(module, name)), "m.pkl")
    assert _rules(findings) == [("AISEC-PKL002", "high")]


def test_real_reduce_objects_for_every_protocol() -> None:
    import os

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("echo owned",))

    for protocol in range(6):
        findings = scan_pickle(io.BytesIO(pickle.dumps(Evil(), protocol=protocol)), "x")
        assert _rules(findings) == [("AISEC-PKL001", "critical")], protocol


def test_memoized_strings_fetched_back_for_stack_global(art: Any) -> None:
    s = art.short_str
    # Push module and name, memoize them, pop both, then fetch them back from the memo.
    payload = (
        b"\x80\x04"
        + s("builtins")
        + b"\x94"
        + s("exec")
        + b"\x94"
        + b"00"
        + b"h\x00h\x01\x93"
        + s("print(1)")
        + b"\x85R."
    )
    pickletools.dis(payload, out=io.StringIO())  # a valid stream
    findings = scan_pickle(io.BytesIO(payload), "x")
    assert _rules(findings) == [("AISEC-PKL001", "critical")]
    assert "builtins.exec" in findings[0].message


def test_protocol0_put_get_and_dup_tricks(art: Any) -> None:
    s = art.short_str
    put_get = b"\x80\x02" + s("os") + b"p0\n0" + s("system") + b"q\x01" + b"0g0\nh\x01\x93N\x85R."
    dup = b"\x80\x04" + s("subprocess") + b"20" + s("getoutput") + b"\x93" + s("id") + b"\x85R."
    long_put = b"\x80\x04" + s("runpy") + b"r\x05\x00\x00\x00" + b"0" + s("decoy") + b"0"
    long_put += b"j\x05\x00\x00\x00" + s("run_path") + b"\x93N\x85R."
    for payload in (put_get, dup, long_put):
        assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [("AISEC-PKL001", "critical")]


def test_unicode_string_variants_resolve(art: Any) -> None:
    def binunicode(text: str) -> bytes:
        return b"X" + len(text).to_bytes(4, "little") + text.encode()

    def binunicode8(text: str) -> bytes:
        return b"\x8d" + len(text).to_bytes(8, "little") + text.encode()

    payload = b"\x80\x04" + binunicode("os") + binunicode8("popen") + b"\x93N\x85R."
    assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [("AISEC-PKL001", "critical")]


def test_qualified_name_into_dangerous_module_and_dunder(art: Any) -> None:
    # STACK_GLOBAL accepts dotted names: torch + serialization.load is torch.serialization.load.
    sneaky = art.proto4_call("torch", "serialization.load")
    dunder = art.proto4_call("collections", "OrderedDict.__init__.__globals__")
    assert _rules(scan_pickle(io.BytesIO(sneaky), "x")) == [("AISEC-PKL001", "critical")]
    assert _rules(scan_pickle(io.BytesIO(dunder), "x")) == [("AISEC-PKL001", "critical")]


def test_unresolvable_stack_global_and_extension_codes(art: Any) -> None:
    s = art.short_str
    # The module name is the result of a call (REDUCE), not a string: unresolvable.
    computed = b"\x80\x04" + b"N" + b")" + b"R" + s("system") + b"\x93N\x85R."
    findings = scan_pickle(io.BytesIO(computed), "x")
    assert ("AISEC-PKL004", "high") in _rules(findings)
    ext = b"\x80\x02\x82\x07N\x85R."
    assert ("AISEC-PKL004", "high") in _rules(scan_pickle(io.BytesIO(ext), "x"))


def test_nested_pickle_inside_bytes(art: Any) -> None:
    inner = art.proto4_call("os", "system", "id")
    outer = b"\x80\x04C" + bytes([len(inner)]) + inner + b"."
    findings = scan_pickle(io.BytesIO(outer), "x.pkl")
    assert _rules(findings) == [("AISEC-PKL001", "critical")]
    assert "nested pickle" in findings[0].message


def test_allow_list_is_clean() -> None:
    state = collections.OrderedDict(w=torch.zeros(3), b=torch.ones(2, dtype=torch.int64))
    buffers = io.BytesIO()
    torch.save(state, buffers, _use_new_zipfile_serialization=False)
    for data in (
        pickle.dumps(collections.OrderedDict(a=1)),
        pickle.dumps(np.arange(10).reshape(2, 5)),
        pickle.dumps({1, 2, frozenset({3})}, protocol=2),
        pickle.dumps([complex(1, 2), slice(1, 2), bytearray(b"x")], protocol=4),
        buffers.getvalue(),
    ):
        assert scan_pickle(io.BytesIO(data), "x") == []


def test_dill_array_rebuild_is_allowed_but_its_code_builders_are_not(art: Any) -> None:
    # dill.dumps of any ndarray imports dill._dill._create_array(f, args, state, npdict):
    # a call of f (judged on its own) and a BUILD, nothing a plain pickle cannot do
    assert scan_pickle(io.BytesIO(art.proto4_call("dill._dill", "_create_array")), "x") == []
    for name in ("_create_code", "_create_function", "_import_module", "_get_attr"):
        payload = art.proto4_call("dill._dill", name)
        assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [("AISEC-PKL001", "critical")]


def test_unknown_import_is_medium_and_strict_makes_it_high(art: Any) -> None:
    payload = art.proto4_call("sklearn.linear_model", "LogisticRegression")
    assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [("AISEC-PKL003", "medium")]
    strict = scan_pickle(io.BytesIO(payload), "x", strict=True)
    assert _rules(strict) == [("AISEC-PKL003", "high")]


def test_truncated_pickle_reports_payload_and_malformation(art: Any) -> None:
    payload = art.proto0_call("os", "system")[:-1]  # no STOP: loaders still run the REDUCE
    findings = scan_pickle(io.BytesIO(payload), "x")
    assert ("AISEC-PKL001", "critical") in _rules(findings)
    assert ("AISEC-PKL005", "medium") in _rules(findings)
    garbage = b"\x80\x04\xff\xfe" + b"junk"
    assert _rules(scan_pickle(io.BytesIO(garbage), "x")) == [("AISEC-PKL005", "medium")]


def test_crafted_length_fails_fast_without_allocating() -> None:
    huge = b"\x80\x04\x8e" + (1 << 60).to_bytes(8, "little") + b"abc"
    findings = scan_pickle(io.BytesIO(huge), "x", limit=len(huge))
    assert _rules(findings) == [("AISEC-PKL005", "medium")]
    assert "remain" in findings[0].message


def test_repeated_imports_are_one_finding_with_a_count(art: Any) -> None:
    one = art.proto0_call("os", "system")[:-1]
    payload = b"(" + one + b"0" + one + b"0l."
    findings = scan_pickle(io.BytesIO(payload), "x")
    assert len(findings) == 1 and findings[0].details["count"] == 2


def test_probe_for_headerless_pickles(art: Any) -> None:
    assert looks_like_pickle(io.BytesIO(art.proto0_call("os", "system")))
    assert looks_like_pickle(io.BytesIO(art.proto0_call("os", "system")[:-1]))
    assert not looks_like_pickle(io.BytesIO(art.proto0_call("os", "system")[:-1]), complete=True)
    for text in (b"name,email\nbob,b@x.org\n", b'{"a": 1}\n', b"# hello\nimport os\n", b""):
        assert not looks_like_pickle(io.BytesIO(text))


def test_classification_tiers() -> None:
    assert classify_global("torch._utils", "_rebuild_tensor_v2")[0] == "safe"
    assert classify_global("torch", "FloatStorage")[0] == "safe"
    assert classify_global("numpy._core.multiarray", "_reconstruct")[0] == "safe"
    assert classify_global("os.path", "join")[:2] == ("dangerous", "critical")
    assert classify_global("mymodule", "Thing")[:2] == ("unknown", "medium")


def test_joblib_raw_array_data_is_low_not_malformed(art: Any) -> None:
    s = art.short_str
    wrapper = b"\x80\x04" + s("joblib.numpy_pickle") + s("NumpyArrayWrapper") + b"\x93)\x81}b"
    payload = wrapper + b"\x00\x00\x80\x3f" * 8 + b"."  # raw float32 bytes follow the BUILD
    findings = scan_pickle(io.BytesIO(payload), "m.joblib")
    assert _rules(findings) == [("AISEC-PKL005", "low")]


def test_mark_flood_is_bounded_and_fails_the_scan(art: Any) -> None:
    # The bound keeps memory flat, but what follows the flood is unscanned: high, not medium.
    flood = b"\x80\x02" + b"(" * (1 << 21) + b"."
    findings = scan_pickle(io.BytesIO(flood), "x", limit=len(flood))
    assert _rules(findings) == [("AISEC-PKL005", "high")]
    assert "stack deeper" in findings[0].message
    # after a benign first pickle, a headerless flood is not mistaken for trailing data
    second = pickle.dumps({"a": 1}, protocol=2) + b"(" + b"K\x01" * ((1 << 20) + 8)
    second += art.proto0_call("os", "system")
    findings = scan_pickle(io.BytesIO(second), "x", limit=len(second))
    assert ("AISEC-PKL005", "high") in _rules(findings)


def test_trailing_tensor_bytes_are_quiet_but_a_broken_second_pickle_is_not(art: Any) -> None:
    first = pickle.dumps({"a": 1}, protocol=2)
    trailing = first + b"\x80\x02\x00\x00\x00\x00" + bytes(100)  # like a storage size of 640
    assert scan_pickle(io.BytesIO(trailing), "x") == []
    second = first + b"\x80\x02" + b"N0" * 20 + b"\xff"
    assert _rules(scan_pickle(io.BytesIO(second), "x")) == [("AISEC-PKL005", "medium")]
    payload = first + art.proto4_call("os", "system")
    assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [("AISEC-PKL001", "critical")]


@pytest.mark.parametrize(("first_protocol", "second_protocol"), [(0, 0), (2, 0), (4, 1), (0, 1)])
def test_headerless_pickle_after_the_first_is_walked(
    art: Any, first_protocol: int, second_protocol: int
) -> None:
    """A second ``pickle.load`` on the stream runs a protocol 0/1 pickle, header or not."""
    first = pickle.dumps({"a": [1, 2]}, protocol=first_protocol)
    payload = art.proto0_call("os", "system")
    if second_protocol == 1:
        payload = b"(" + payload[:-1] + b"0l."  # protocol-1 style: the call inside a list
    assert _rules(scan_pickle(io.BytesIO(first + payload), "x")) == [("AISEC-PKL001", "critical")]
    # no STOP: the loader has already run the call when it fails
    broken = scan_pickle(io.BytesIO(first + payload[:-1]), "x")
    assert ("AISEC-PKL001", "critical") in _rules(broken)
    # data after the last pickle that imports nothing is not a finding
    for tail in (b"\n", b"hello world\n", b"N" * 50, bytes(range(256))):
        assert scan_pickle(io.BytesIO(first + tail), "x") == []


def test_every_torch_dtype_and_storage_class_is_allow_listed() -> None:
    """bf16 and quantized checkpoints name ``torch.BFloat16Storage``, ``torch.QInt8Storage``."""
    names = [n for n in dir(torch) if isinstance(getattr(torch, n), torch.dtype)]
    names += [n for n in dir(torch) if n.endswith("Storage") and n != "Storage"]
    assert {n: classify_global("torch", n)[0] for n in names} == dict.fromkeys(names, "safe")
    for near in ("float_power", "int_repr", "bitwise_not", "quantize_per_tensor"):
        assert classify_global("torch", near)[0] != "safe"
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(3, dtype=torch.bfloat16)}, buffer)
    with zipfile.ZipFile(buffer) as archive:
        data = archive.read(next(n for n in archive.namelist() if n.endswith("data.pkl")))
    assert scan_pickle(io.BytesIO(data), "x") == []


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_nested_pickle_in_pickled_bytes_at_every_protocol(art: Any, protocol: int) -> None:
    """Protocols 0-2 pickle bytes as ``_codecs.encode(text, "latin1")``, a string opcode."""
    inner = art.proto4_call("os", "system", "id")
    findings = scan_pickle(io.BytesIO(pickle.dumps({"blob": inner}, protocol=protocol)), "x")
    assert _rules(findings) == [("AISEC-PKL001", "critical")]
    assert "nested pickle" in findings[0].message


def test_numpy_generators_array_subclasses_and_paths_are_allow_listed(art: Any) -> None:
    """Values common in sklearn/joblib artefacts and training checkpoints (Lightning keeps
    hyper-parameters, paths included, in the checkpoint)."""
    values = {
        "rng": np.random.default_rng(0),
        "philox": np.random.Generator(np.random.Philox(1)),
        "legacy": np.random.RandomState(0),
        "masked": np.ma.array([1, 2], mask=[False, True]),
        "matrix": np.matrix([[1, 2]]),
        "records": np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        "data_dir": pathlib.PurePosixPath("/data/train"),
        "out_dir": pathlib.Path("runs"),
    }
    for protocol in (2, 4):
        assert scan_pickle(io.BytesIO(pickle.dumps(values, protocol=protocol)), "x") == []
    methods = art.proto4_call("pathlib", "Path.unlink", "/etc/passwd")
    assert _rules(scan_pickle(io.BytesIO(methods), "x")) == [("AISEC-PKL002", "high")]


class _Zeros(io.RawIOBase):
    """``head``, then ``size`` zero bytes (never held), then ``tail``."""

    def __init__(self, head: bytes, size: int, tail: bytes) -> None:
        self._parts: list[bytes | int] = [head, size, tail]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._parts:
            part = self._parts[0]
            if isinstance(part, int):
                n = min(len(buffer), part)
                buffer[:n] = bytes(n)
                self._parts[0] = part - n
            else:
                n = min(len(buffer), len(part))
                buffer[:n] = part[:n]
                self._parts[0] = part[n:]
            if n:
                return n
            self._parts.pop(0)
        return 0


def test_huge_operands_are_stepped_over_not_held(art: Any) -> None:
    """A BINBYTES8 of 300 MiB (a bomb's worth of zeros) costs no memory, and what follows
    it is still walked; an oversized nested pickle is reported, not silently dropped."""
    size = 300 << 20
    header = b"\x80\x04\x8e" + size.to_bytes(8, "little")
    payload = b"0" + art.proto4_call("os", "system")[2:]
    tracemalloc.start()
    try:
        stream = io.BufferedReader(_Zeros(header, size, payload))
        findings = scan_pickle(stream, "x", limit=len(header) + size + len(payload))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert _rules(findings) == [("AISEC-PKL001", "critical")] and peak < 16 << 20
    nested = _Zeros(header + b"\x80\x04", size - 2, b"0N.")
    found = scan_pickle(io.BufferedReader(nested), "x", limit=len(header) + size + 3)
    assert _rules(found) == [("AISEC-PKL005", "high")]
    assert "larger than" in found[0].message
    # the same bytes as data after the last pickle (raw storages): dropped with the rest
    first = pickle.dumps(0, protocol=2)
    tail = _Zeros(first + header + b"\x80\x04", size - 2, b"\xff")
    assert scan_pickle(io.BufferedReader(tail), "x", limit=len(first + header) + size + 1) == []


class _System:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("echo owned",))


def _joblib_like(
    value: object, protocol: int, monkeypatch: pytest.MonkeyPatch, dtype_code: str = ""
) -> bytes:
    """What joblib.dump writes (joblib is not a dependency): each ndarray pickled as a
    joblib.numpy_pickle.NumpyArrayWrapper, then an alignment padding and the raw bytes.
    ``dtype_code``: object dtypes pickled as ``numpy.dtype(dtype_code)`` with no state."""

    class NumpyArrayWrapper:
        def __init__(self, array: Any) -> None:
            self.subclass, self.shape, self.order = type(array), array.shape, "C"
            self.dtype, self.allow_mmap, self.numpy_array_alignment_bytes = array.dtype, True, 16

    NumpyArrayWrapper.__module__ = "joblib.numpy_pickle"
    NumpyArrayWrapper.__qualname__ = "NumpyArrayWrapper"
    module = types.ModuleType("joblib.numpy_pickle")
    module.NumpyArrayWrapper = NumpyArrayWrapper  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "joblib", types.ModuleType("joblib"))
    monkeypatch.setitem(sys.modules, "joblib.numpy_pickle", module)
    out = io.BytesIO()

    class Pickler(pickle._Pickler):
        def reducer_override(self, obj: Any) -> Any:
            if dtype_code and isinstance(obj, np.dtype) and obj.hasobject:
                return np.dtype, (dtype_code, False, True)
            return NotImplemented

        def save(self, obj: Any, save_persistent_id: bool = True) -> None:
            if not isinstance(obj, np.ndarray):
                super().save(obj, save_persistent_id)  # type: ignore[misc]
                return
            super().save(NumpyArrayWrapper(obj))  # type: ignore[misc]
            if self.proto >= 4:  # type: ignore[attr-defined]
                self.framer.commit_frame(force=True)  # type: ignore[attr-defined]
            if obj.dtype.hasobject:  # a pickle of its own, from a fresh pickler
                pickle.dump(obj, out, protocol=self.proto)  # type: ignore[attr-defined]
                return
            padding = 16 - (out.tell() + 1) % 16
            out.write(bytes([padding]) + b"\xff" * padding + obj.tobytes())

    Pickler(out, protocol=protocol).dump(value)
    return out.getvalue()


@pytest.mark.parametrize("protocol", [2, 4])
def test_joblib_array_bytes_are_stepped_over(
    monkeypatch: pytest.MonkeyPatch, art: Any, protocol: int
) -> None:
    """An import pickled after a joblib array was hidden behind its raw bytes (a low
    'not scanned' note, exit 0): the wrapper's shape and dtype say how many to skip."""
    arrays = {
        "w": np.arange(-6.0, 6.0).reshape(3, 4),
        "mask": np.array([True, False, True]),
        "labels": np.array(["cat", "dog"]),
        "codes": np.arange(24, dtype=np.int8).reshape(2, 3, 4),
    }
    clean = _joblib_like(arrays, protocol, monkeypatch)
    assert scan_pickle(io.BytesIO(clean), "m.joblib") == []
    evil = {**arrays, "hook": _System()}
    findings = scan_pickle(io.BytesIO(_joblib_like(evil, protocol, monkeypatch)), "m.joblib")
    assert ("AISEC-PKL001", "critical") in _rules(findings)
    assert ("AISEC-PKL005", "low") not in _rules(findings)


@pytest.mark.parametrize("protocol", [2, 4])
def test_joblib_object_arrays_are_pickles_of_their_own(
    monkeypatch: pytest.MonkeyPatch, protocol: int
) -> None:
    """joblib writes an array holding objects as a second pickle after its wrapper and
    loads it with a fresh unpickler: walked with the outer memo, its BINGETs named the
    outer pickle's strings; skipped as raw bytes (a structure with an object field has an
    item size), its imports went unseen behind a low 'not scanned' note."""
    labels = np.array(["cat", None, 3], dtype=object)
    rows = np.zeros(40, dtype=[("a", "<i4"), ("o", "O")])
    clean = _joblib_like({"labels": labels, "rows": rows, "w": np.ones(3)}, protocol, monkeypatch)
    assert scan_pickle(io.BytesIO(clean), "m.joblib") == []
    rows[0]["o"] = _System()
    evil = _joblib_like({"rows": rows, "w": np.ones(3)}, protocol, monkeypatch)
    assert _rules(scan_pickle(io.BytesIO(evil), "m.joblib")) == [("AISEC-PKL001", "critical")]


@pytest.mark.parametrize("code", ["O", "object", "object_"])
def test_joblib_object_dtype_named_any_way_numpy_reads(
    monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    """numpy.dtype('object') with no state pickled holds objects as 'O8' does: the array
    after the wrapper is a pickle of its own, not raw bytes of unknown layout."""
    labels = np.array(["cat", None, 3], dtype=object)
    clean = _joblib_like({"labels": labels, "w": np.ones(3)}, 4, monkeypatch, code)
    assert scan_pickle(io.BytesIO(clean), "m.joblib") == []
    labels[1] = _System()
    evil = _joblib_like({"labels": labels, "w": np.ones(3)}, 4, monkeypatch, code)
    assert _rules(scan_pickle(io.BytesIO(evil), "m.joblib")) == [("AISEC-PKL001", "critical")]


def test_a_wrapper_inside_an_object_array_pickle_hides_no_bytes() -> None:
    """joblib loads an object array's pickle with plain pickle.load, for which a
    NumpyArrayWrapper is an ordinary object with no raw data after it: bytes a wrapper
    claims there are opcodes that run (here os.system('id'))."""
    wrapper = b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}"

    def dtype(code: bytes) -> bytes:
        value = b"cnumpy\ndtype\nX" + len(code).to_bytes(4, "little") + code + b"\x89\x88\x87R"
        return b"X\x05\x00\x00\x00dtype" + value + b"s"

    call = b"0cposix\nsystem\n(U\x02idtR0N"  # what the claimed array bytes really are
    shape = b"X\x05\x00\x00\x00shapeK" + bytes([len(call)]) + b"\x85s"
    inner = b"\x80\x02" + wrapper + dtype(b"|u1") + shape + b"b" + call + b"."
    outer = b"\x80\x02" + wrapper + dtype(b"O8") + b"b" + inner + b"."
    assert _rules(scan_pickle(io.BytesIO(outer), "m.joblib")) == [("AISEC-PKL001", "critical")]


def test_python2_names_are_judged_as_the_unpickler_maps_them(art: Any) -> None:
    """Protocol 0-2 pickles name Python 2 modules; pickle's own tables map them
    (thread -> _thread, SocketServer -> socketserver, __builtin__.reduce -> functools)."""
    for module, name in (
        ("thread", "start_new_thread"),
        ("SimpleHTTPServer", "test"),
        ("SocketServer", "TCPServer"),
        ("__builtin__", "reduce"),
    ):
        findings = scan_pickle(io.BytesIO(art.proto0_call(module, name)), "x")
        assert _rules(findings) == [("AISEC-PKL002", "high")], module
    assert _rules(scan_pickle(io.BytesIO(art.proto0_call("__builtin__", "intern")), "x")) == [
        ("AISEC-PKL001", "critical")
    ]
    for module, name in (("__builtin__", "xrange"), ("__builtin__", "unicode")):
        assert scan_pickle(io.BytesIO(art.proto0_call(module, name)), "x") == [], name


def test_classes_of_a_script_are_unknown_but_its_dunders_are_not() -> None:
    # torch.save(model) of a class defined in train.py imports __main__.Net
    assert classify_global("__main__", "Net")[:2] == ("unknown", "medium")
    assert classify_global("__main__", "__builtins__.eval")[:2] == ("dangerous", "critical")
    assert classify_global("__main__", "Net.__reduce__")[:2] == ("dangerous", "critical")


@pytest.mark.parametrize(
    ("module", "name", "severity"),
    [
        ("torch.serialization", "os.system", "critical"),  # torch.serialization imports os
        ("posixpath", "os.system", "critical"),
        ("json.decoder", "re.sys.modules", "critical"),
        ("random", "_os.system", "high"),  # a private alias: no tail is known, still a module
    ],
)
def test_dotted_names_that_walk_through_module_attributes(
    art: Any, module: str, name: str, severity: str
) -> None:
    payload = art.proto4_call(module, name)
    assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [
        ("AISEC-PKL001" if severity == "critical" else "AISEC-PKL002", severity)
    ]
    proto0 = b"\x80\x04" + art.proto0_call(module, name)  # GLOBAL under protocol 4 too
    assert _rules(scan_pickle(io.BytesIO(proto0), "x"))[0][1] == severity


def test_nested_classes_and_methods_stay_unknown(art: Any) -> None:
    for name in ("Outer.Inner", "Model._Config", "_Private.Inner"):
        payload = art.proto4_call("mypkg.models", name)
        assert _rules(scan_pickle(io.BytesIO(payload), "x")) == [("AISEC-PKL003", "medium")]


def test_headerless_pickle_in_bytes_is_walked_for_what_it_runs(art: Any) -> None:
    # torch.storage._load_from_bytes hands its bytes to torch.load, which unpickles a
    # protocol 0 stream as readily as a zip: no protocol header is needed.
    payload = art.proto0_call("os", "system")
    loader = b"\x80\x02ctorch.storage\n_load_from_bytes\n"
    as_bytes = loader + b"C" + bytes([len(payload)]) + payload + b"\x85R."
    latin = loader + b"c_codecs\nencode\nX" + len(payload).to_bytes(4, "little") + payload
    latin += art.short_str("latin1") + b"\x86R\x85R."
    for outer in (as_bytes, latin):
        assert ("AISEC-PKL001", "critical") in _rules(scan_pickle(io.BytesIO(outer), "x"))
    # text and array data that merely look like import lines add nothing
    values = {
        "text": "cat\ndog\n(S'x'\n",
        "code": "class Foo:\n    pass\n",
        "array": np.frombuffer(bytes(range(256)) * 64, dtype=np.float32),
    }
    for protocol in (0, 2, 4):
        assert scan_pickle(io.BytesIO(pickle.dumps(values, protocol=protocol)), "x") == []


def test_pickles_nested_past_the_bound_are_reported_not_dropped(art: Any) -> None:
    payload = art.proto4_call("os", "system")
    for _ in range(5):  # each level hands its bytes to a loader the walk cannot see through
        payload = b"\x80\x04C" + bytes([len(payload)]) + payload + b"."
    findings = scan_pickle(io.BytesIO(payload), "x")
    assert _rules(findings) == [("AISEC-PKL005", "high")]
    assert "nested more than" in findings[0].message
