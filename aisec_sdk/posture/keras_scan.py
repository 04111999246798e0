"""Keras models: ``Lambda`` layers, callables imported from outside Keras, and Keras' own
functions that fetch files, run code or switch safe mode off, in a ``.keras`` config.json,
and the same in the JSON a legacy HDF5 file or a TensorFlow SavedModel embeds.

h5py is not needed: the model config of an HDF5 file is a JSON string attribute stored
uncompressed, so a chunked byte search finds the Lambda marker. JSON escapes of plain
characters (``"\\u004cambda"``, which Keras never writes but ``json.loads`` reads as
``"Lambda"``) are decoded before the search.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO, Any

from aisec_sdk._json import loads
from aisec_sdk.posture.byte_search import finditer_stream
from aisec_sdk.posture.models import ScanFinding, Severity, severity_rank
from aisec_sdk.posture.pickle_globals import classify_global, full_name

__all__ = ["HDF5_MAGIC", "is_hdf5", "scan_keras_bytes", "scan_keras_config"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
# Config objects from these packages are Keras' own; any other module is imported on load.
_KERAS_ROOTS = frozenset({"keras", "tf_keras", "tensorflow", "keras_hub", "keras_nlp", "keras_cv"})
# Names Keras resolves inside its own packages that act when the model loads (known
# safe_mode bypasses: CVE-2025-1550, CVE-2025-8747, CVE-2025-9906). A "keras.*" module is
# looked up in Keras' public API and, before Keras 3.9, any module of these packages was
# imported, so one function has many spellings (keras.utils.get_file is
# keras.src.utils.file_utils.get_file and tf.keras.utils.get_file): a gadget is matched
# by its name under any module of _KERAS_ROOTS.
_GADGETS: dict[str, tuple[Severity, str]] = {
    "enable_unsafe_deserialization": ("critical", "turns safe mode off, so Lambda bytecode runs"),
    "set_global_attribute": ("critical", "rewrites Keras' global state, safe mode among it"),
    "func_load": ("critical", "builds a function from serialized bytecode (runs Python code)"),
    "load_model": ("critical", "loads a model the config names, with safe_mode as it says"),
    "load_model_from_hdf5": ("critical", "loads an HDF5 model the config names, Lambdas run"),
    "TorchModuleWrapper": ("critical", "unpickles the torch module its config holds"),
    "load_op_library": ("critical", "loads a native library from a path"),
    "load_library": ("critical", "loads a native library from a path"),
    "get_file": ("high", "downloads a URL and writes or extracts it where the config says"),
    "extract_archive": ("high", "extracts an archive where the config says"),
    "load_data": ("high", "downloads a dataset"),
    "TFSMLayer": ("high", "loads a TensorFlow SavedModel from a path the config names"),
    "load_weights": ("high", "reads a weights file the config names"),
    "load_img": ("high", "reads a file the config names"),
    "read_file": ("high", "reads a file the config names"),
    "image_dataset_from_directory": ("high", "reads the files of a folder the config names"),
    "text_dataset_from_directory": ("high", "reads the files of a folder the config names"),
    "audio_dataset_from_directory": ("high", "reads the files of a folder the config names"),
    "save_model": ("high", "writes a file where the config says"),
    "save_weights": ("high", "writes a file where the config says"),
    "write_file": ("high", "writes a file where the config says"),
    "plot_model": ("high", "writes a file and runs Graphviz"),
}
# File operations of Keras' file_utils and TensorFlow's gfile; their other names are
# path helpers
_FILE_MODULES = frozenset({"file_utils", "gfile"})
_FILE_OPS = frozenset({"copy", "rename", "remove", "rmtree", "makedirs", "mkdir", "File", "GFile"})
# Layers that read their vocabulary from a file (or a URL: tf.io.gfile fetches it) when it
# is given as a string, at load time too, which safe_mode did not stop (CVE-2025-12058;
# newer Keras refuses it in safe mode); TextVectorization passes it to a StringLookup
_VOCABULARY_LAYERS = frozenset(
    {"StringLookup", "IntegerLookup", "TextVectorization", "IndexLookup"}
)
_LAMBDA = re.compile(rb'"class_name"\s*:\s*"Lambda"')
# A string vocabulary in a byte-searched config, whatever layer holds it (its first 200
# characters, escapes undecoded)
_VOCABULARY = re.compile(rb'"vocabulary"\s*:\s*"((?:[^"\\]|\\.){1,200})')
# A run of string-valued keys of one config object, in any order: {"module": "os",
# "class_name": "system", ...} or a function ("class_name": "function", "config": "system")
_STRING_PAIRS = re.compile(
    rb'"\w{1,32}"\s*:\s*"[\w.]{0,200}"(?:\s*,\s*"\w{1,32}"\s*:\s*"[\w.]{0,200}")+'
)
_STRING_PAIR = re.compile(rb'"(\w{1,32})"\s*:\s*"([\w.]{0,200})"')
# \uXXXX escapes of identifier characters; the longest run of a partial escape is 5 bytes
_PLAIN_ESCAPE = re.compile(rb"\\u00(2[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF])")
_OVERLAP = 1024


class _Unescaped(io.RawIOBase):
    """``stream`` with the JSON escapes of identifier characters decoded, chunk by chunk
    (an escape cut at a chunk's end waits for the next chunk)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream, self._held, self._out = stream, b"", b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise io.UnsupportedOperation("only a rewind to the start")
        self._stream.seek(0)
        self._held = self._out = b""
        return 0

    def readinto(self, buffer: Any) -> int:
        while not self._out:
            raw = self._stream.read(1 << 20)
            if not raw and not self._held:
                return 0
            data, self._held = self._held + raw, b""
            cut = data.rfind(b"\\", max(0, len(data) - 5)) if raw else -1
            if cut >= 0:
                data, self._held = data[:cut], data[cut:]
            self._out = _PLAIN_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), data)
        size = min(len(buffer), len(self._out))
        buffer[:size], self._out = self._out[:size], self._out[size:]
        return size


def _json_text(raw: bytes) -> str:
    """The text of a JSON string's bytes (without quotes; cut short, escapes as written)."""
    try:
        text = loads(b'"' + raw + b'"')
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", "replace")
    return text if isinstance(text, str) else raw.decode("utf-8", "replace")


def is_hdf5(stream: IO[bytes]) -> bool:
    """HDF5's signature sits at offset 0, 512, 1024, 2048, ... (after a user block)."""
    for offset in (0, 512, 1024, 2048, 4096):
        stream.seek(offset)
        if stream.read(8) == HDF5_MAGIC:
            return True
    return False


def _layers(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "class_name" in node:
            yield node
        for value in node.values():
            yield from _layers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _layers(value)


def _lambda_finding(path: str, name: str, detail: str) -> ScanFinding:
    return ScanFinding(
        "AISEC-KER001",
        "high",
        path,
        f"Keras Lambda layer {name!r} carries serialized Python code{detail}",
        key=f"lambda:{name}",
    )


def _names(layer: dict[str, Any]) -> list[str]:
    """The names Keras may look up in a config object's module: a function's is its
    config, a class's its class_name; Keras before 3.9 falls back to registered_name."""
    name = layer.get("config") if layer.get("class_name") == "function" else layer.get("class_name")
    names = [name, layer.get("registered_name")]
    return [n for n in dict.fromkeys(names) if isinstance(n, str) and n and ">" not in n]


def _gadget(module: str, name: str) -> tuple[Severity, str] | None:
    """The severity and reason of a Keras-package name that acts on load, else None."""
    if name in _FILE_OPS and _FILE_MODULES & set(module.split(".")):
        return "high", "copies, moves, writes or deletes files"
    return _GADGETS.get(name)


def _judge(layer: dict[str, Any], path: str) -> ScanFinding | None:
    """A finding when a config object names a Keras gadget (`_GADGETS`), or a callable
    outside Keras that the import tiers of pickles judge dangerous (high/critical) or
    unknown (medium); the worst of the names Keras may look up counts."""
    module = layer.get("module")
    if not isinstance(module, str) or not module:
        return None
    worst: ScanFinding | None = None
    for name in _names(layer):
        dotted = full_name(module, name)
        if module.split(".", 1)[0] in _KERAS_ROOTS:
            gadget = _gadget(module, name)
            if gadget is None:
                continue
            severity, reason = gadget
            finding = ScanFinding(
                "AISEC-KER003",
                severity,
                path,
                f"Keras config calls {dotted} at load time: it {reason} (a safe_mode bypass)",
                key=f"gadget:{dotted}",
                details={"global": dotted, "tier": "dangerous"},
            )
        else:
            tier, found, why = classify_global(module, name)
            if found is None:
                continue
            finding = ScanFinding(
                "AISEC-KER002",
                found,
                path,
                f"Keras config imports {dotted} at load time: {why}",
                key=f"import:{dotted}",
                details={"global": dotted, "tier": tier},
            )
        if worst is None or severity_rank(finding.severity) > severity_rank(worst.severity):
            worst = finding
    return worst


def _vocabulary_file(path: str, owner: str, vocabulary: str) -> ScanFinding:
    """The finding for a lookup layer's vocabulary given as a path or URL, which the layer
    reads (or fetches) when the model loads (see `_VOCABULARY_LAYERS`)."""
    shown = vocabulary[:200]
    action = "fetches" if "://" in shown else "reads"
    return ScanFinding(
        "AISEC-KER003",
        "high",
        path,
        f"Keras config's {owner} {action} its vocabulary from {shown!r} at load time: a file "
        "outside the model, which safe_mode did not stop (CVE-2025-12058)",
        key=f"vocabulary:{shown}",
        details={"vocabulary": shown, "tier": "dangerous"},
    )


def _vocabulary_layer(layer: dict[str, Any], path: str) -> ScanFinding | None:
    """A finding when a Keras lookup layer's config gives its vocabulary as a string."""
    module = layer.get("module")
    if isinstance(module, str) and module.split(".", 1)[0] not in _KERAS_ROOTS:
        return None  # imported from elsewhere: judged as an import
    owner = next((n for n in _names(layer) if n in _VOCABULARY_LAYERS), None)
    config = layer.get("config")
    vocabulary = config.get("vocabulary") if isinstance(config, dict) else None
    if owner is None or not isinstance(vocabulary, str) or not vocabulary:
        return None
    return _vocabulary_file(path, owner, vocabulary)


def scan_keras_config(data: bytes, path: str) -> list[ScanFinding]:
    """Findings for a Keras ``config.json`` (from a ``.keras`` archive)."""
    try:
        config = loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        return [
            ScanFinding(
                "AISEC-MOD001",
                "medium",
                path,
                f"Keras config is not JSON: {exc}",
                key="keras-config",
            )
        ]
    findings = []
    reported: set[int] = set()  # the function objects of Lambda layers already reported
    for layer in _layers(config):
        for judged in (_judge(layer, path), _vocabulary_layer(layer, path)):
            if judged is not None and judged not in findings:
                findings.append(judged)
        if layer.get("class_name") == "Lambda":
            raw = layer.get("config")
            cfg: dict[str, Any] = raw if isinstance(raw, dict) else {}
            name = str(cfg.get("name") or layer.get("name") or "?")
            function = cfg.get("function")
            reported.add(id(function))
            detail = " (bytecode)" if isinstance(function, dict | list) else ""
            findings.append(_lambda_finding(path, name, detail))
        elif layer.get("class_name") == "__lambda__" and id(layer) not in reported:
            # Keras deserializes a __lambda__ object's bytecode wherever it sits (an
            # activation, an initializer), not only as a Lambda layer's function
            findings.append(
                ScanFinding(
                    "AISEC-KER001",
                    "high",
                    path,
                    "Keras config holds a __lambda__ function object: serialized Python code "
                    "(bytecode) outside a Lambda layer",
                    key=f"__lambda__:{len(findings)}",
                )
            )
    return findings


def scan_keras_bytes(
    stream: IO[bytes], path: str, *, source: str = "the HDF5 model config"
) -> list[ScanFinding]:
    """Findings for a file that embeds Keras configs as JSON text (an HDF5 model's
    ``model_config``, a SavedModel's ``keras_metadata.pb`` or ``saved_model.pb`` layer
    metadata), from its raw bytes read in chunks: each Lambda marker, config objects whose
    module lies outside Keras and Keras gadgets. ``source`` names where they sit in the message."""
    hits = 0
    found: list[ScanFinding] = []
    unescaped = io.BufferedReader(_Unescaped(stream), buffer_size=1 << 20)
    patterns = (_LAMBDA, _STRING_PAIRS, _VOCABULARY)
    for match in finditer_stream(unescaped, patterns, overlap=_OVERLAP):
        if match.re is _LAMBDA:
            hits += 1
            continue
        if match.re is _VOCABULARY:
            judged: ScanFinding | None = _vocabulary_file(
                path, "lookup layer", _json_text(match[1])
            )
        else:
            pairs = _STRING_PAIR.findall(match[0])
            layer = {k.decode("ascii"): v.decode("ascii") for k, v in pairs}
            judged = _judge(layer, path)
        if judged is not None and judged not in found:
            found.append(judged)
    if hits:
        message = f"{hits} Keras Lambda marker(s) in {source}: serialized Python code"
        found.insert(0, ScanFinding("AISEC-KER001", "high", path, message, key="lambda"))
    return found
