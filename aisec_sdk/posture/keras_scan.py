"""Keras models: ``Lambda`` layers and callables imported from outside Keras in a
``.keras`` config.json, and ``Lambda`` layers in a legacy HDF5 file.

h5py is not needed: the model config of an HDF5 file is a JSON string attribute stored
uncompressed, so a chunked byte search finds the Lambda marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from aisec_sdk._json import loads
from aisec_sdk.posture.byte_search import finditer_stream
from aisec_sdk.posture.models import ScanFinding
from aisec_sdk.posture.pickle_globals import classify_global, full_name

__all__ = ["HDF5_MAGIC", "is_hdf5", "scan_hdf5", "scan_keras_config"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
# Config objects from these packages are Keras' own; any other module is imported on load.
_KERAS_ROOTS = frozenset({"keras", "tf_keras", "tensorflow", "keras_hub", "keras_nlp", "keras_cv"})
_LAMBDA = re.compile(rb'"class_name"\s*:\s*"Lambda"')
# {"module": "os", "class_name": "system", ...} or a function: "class_name": "function",
# "config": "system"; as Keras writes them (keys in this order), in the HDF5 model config
_MODULE_OBJECT = re.compile(
    rb'"module"\s*:\s*"([\w.]{1,200})"\s*,\s*"class_name"\s*:\s*"([\w.]{1,200})"'
    rb'(?:\s*,\s*"config"\s*:\s*"([\w.]{1,200})")?'
)
_OVERLAP = 1024


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


def _foreign(layer: dict[str, Any], path: str) -> ScanFinding | None:
    """A finding when a config object names a callable outside Keras that the import
    tiers of pickles judge dangerous (high/critical) or unknown (medium)."""
    module, name = layer.get("module"), layer.get("class_name")
    if name == "function":  # a function reference: its name is the config
        name = layer.get("config")
    if not isinstance(module, str) or not isinstance(name, str) or not module:
        return None
    if module.split(".", 1)[0] in _KERAS_ROOTS:
        return None
    tier, severity, reason = classify_global(module, name)
    if severity is None:
        return None
    dotted = full_name(module, name)
    return ScanFinding(
        "AISEC-KER002",
        severity,
        path,
        f"Keras config imports {dotted} at load time: {reason}",
        key=f"import:{dotted}",
        details={"global": dotted, "tier": tier},
    )


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
    for layer in _layers(config):
        foreign = _foreign(layer, path)
        if foreign is not None and foreign not in findings:
            findings.append(foreign)
        if layer.get("class_name") == "Lambda":
            raw = layer.get("config")
            cfg: dict[str, Any] = raw if isinstance(raw, dict) else {}
            name = str(cfg.get("name") or layer.get("name") or "?")
            function = cfg.get("function")
            detail = " (bytecode)" if isinstance(function, dict | list) else ""
            findings.append(_lambda_finding(path, name, detail))
    return findings


def scan_hdf5(stream: IO[bytes], path: str) -> list[ScanFinding]:
    """Findings for an HDF5 file, from the model config in its raw bytes (read in chunks):
    each Lambda marker, and config objects whose module lies outside Keras."""
    hits = 0
    found: list[ScanFinding] = []
    for match in finditer_stream(stream, (_LAMBDA, _MODULE_OBJECT), overlap=_OVERLAP):
        if match.re is _LAMBDA:
            hits += 1
            continue
        module, name, config = (g.decode("ascii") if g else None for g in match.groups())
        layer = {"module": module, "class_name": name, "config": config}
        foreign = _foreign(layer, path)
        if foreign is not None and foreign not in found:
            found.append(foreign)
    if hits:
        found.insert(
            0, _lambda_finding(path, f"{hits} in model_config", " (found in the HDF5 model config)")
        )
    return found
