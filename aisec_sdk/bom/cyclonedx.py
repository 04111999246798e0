"""CycloneDX 1.6 / 1.7 JSON export of a `Bom`, built as plain dicts and validated.

cyclonedx-python-lib does not model ``modelCard`` or ``component.data``, so the document is
written by hand and checked with its strict JSON-schema validator (bundled schemas, offline).

Mapping:
- models -> ``machine-learning-model`` components; ``modelCard.modelParameters.datasets``
  holds ``{ref}`` links to the ``data`` components they were trained or evaluated on;
- datasets -> ``data`` components with ``data[{type: dataset}]``, hashes and sizes;
- frameworks -> ``library`` components with a ``pkg:pypi`` (or ``pkg:npm``) purl;
- application functions -> ``application`` components (``group`` = service name);
- providers -> ``services`` with their endpoints, ``authenticated``, ``x-trust-boundary`` and
  ``data[{flow, classification: PII}]`` when a PII finding was recorded on their calls
  (flow as seen from the application: ``outbound`` = PII in prompts sent to the service);
  endpoints no provider claims become services of their own;
- relationships -> ``dependencies`` (the subject depends on whatever nothing else depends on);
- everything else (usage counts, first/last seen, locations, findings) -> ``aisec:*``
  properties; policy findings are also ``annotations`` on the affected component.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from aisec_sdk.attributes import PROVIDER_LOCAL_PREFIX
from aisec_sdk.bom.model import (
    Bom,
    Component,
    DatasetComponent,
    EndpointComponent,
    FrameworkComponent,
    FunctionComponent,
    ModelComponent,
    ProviderComponent,
)
from aisec_sdk.bom.spans import is_loopback

__all__ = ["SPECS", "CycloneDxError", "to_cyclonedx", "validate"]

SPECS = ("1.6", "1.7")
_SUBJECT_REF = "aisec:subject"
# Providers usable without credentials; every other provider's API needs a key.
_KEYLESS_PROVIDERS = frozenset({"ollama", "huggingface", "local"})
_MAX_LOCATIONS = 20
# a Hugging Face repository id (``namespace/name``): what a huggingface.co link may name
_HUB_ID = re.compile(r"[A-Za-z0-9][\w-]*(?:\.[\w-]+)*/[\w-]+(?:\.[\w-]+)*")


class CycloneDxError(ValueError):
    """The document does not validate against the CycloneDX schema."""


def _time(value: datetime | None) -> str:
    value = value or datetime.now(UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _props(pairs: list[tuple[str, object]]) -> list[dict[str, str]]:
    return [
        {"name": f"aisec:{name}", "value": str(value)}
        for name, value in pairs
        if value not in (None, "", [], 0)
    ]


def _common_props(component: Component) -> list[tuple[str, object]]:
    usage = component.usage
    pairs: list[tuple[str, object]] = [
        ("kind", getattr(component, "kind", "")),
        ("sources", ",".join(component.sources)),
        ("services", ",".join(component.services)),
        ("calls", usage.calls),
        ("input_tokens", usage.input_tokens),
        ("output_tokens", usage.output_tokens),
        ("first_seen", _time(usage.first_seen) if usage.first_seen else None),
        ("last_seen", _time(usage.last_seen) if usage.last_seen else None),
    ]
    pairs += [("location", loc) for loc in component.locations[:_MAX_LOCATIONS]]
    if len(component.locations) > _MAX_LOCATIONS:
        pairs.append(("locations.total", len(component.locations)))
    pairs += sorted(component.properties.items())
    return pairs


def _hashes(sha256: str | None) -> dict[str, Any]:
    return {"hashes": [{"alg": "SHA-256", "content": sha256}]} if sha256 else {}


def _model(model: ModelComponent, datasets: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": model.ref,
        "name": model.name,
    }
    if model.version:
        out["version"] = model.version
    if model.provider:
        out["supplier"] = {"name": model.provider}
    pairs = [
        *_common_props(model),
        ("provider", model.provider),
        ("response_models", ",".join(model.response_models)),
    ]
    if model.file is not None:
        out.update(_hashes(model.file.sha256))
        pairs += [
            ("path", model.file.path),
            ("format", model.file.format),
            ("size", model.file.size),
        ]
    if model.provider == "huggingface" and model.file is None and _HUB_ID.fullmatch(model.name):
        out["externalReferences"] = [
            {"type": "distribution", "url": f"https://huggingface.co/{model.name}"}
        ]
    out["modelCard"] = {"modelParameters": {"datasets": [{"ref": ref} for ref in datasets]}}
    out["properties"] = _props(pairs)
    return out


def _dataset(dataset: DatasetComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "data", "bom-ref": dataset.ref, "name": dataset.name}
    pairs = _common_props(dataset)
    if dataset.file is not None:
        out.update(_hashes(dataset.file.sha256))
        pairs += [
            ("path", dataset.file.path),
            ("format", dataset.file.format),
            ("size", dataset.file.size),
            ("rows", dataset.file.rows),
        ]
    out["data"] = [{"type": "dataset", "name": dataset.name}]
    out["properties"] = _props(pairs)
    return out


def _framework(framework: FrameworkComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "library", "bom-ref": framework.ref, "name": framework.name}
    if framework.version:
        out["version"] = framework.version
    out["purl"] = framework.purl
    out["properties"] = _props(_common_props(framework))
    return out


def _function(function: FunctionComponent) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "application", "bom-ref": function.ref, "name": function.name}
    if function.services:
        out["group"] = function.services[0]
    out["properties"] = _props(_common_props(function))
    return out


def _service(
    service: ProviderComponent | EndpointComponent, endpoints: list[EndpointComponent]
) -> dict[str, Any]:
    out: dict[str, Any] = {"bom-ref": service.ref, "name": service.name}
    pairs = _common_props(service)
    if isinstance(service, ProviderComponent):
        out["provider"] = {"name": service.name}
        pairs += [("findings", service.findings), ("blocked", service.blocked)]
    if endpoints:
        out["endpoints"] = sorted({e.name for e in endpoints})
    local = all(is_loopback(e.host) for e in endpoints) if endpoints else False
    in_process = service.name.startswith(PROVIDER_LOCAL_PREFIX)  # in-process models
    if isinstance(service, ProviderComponent) and not (
        in_process or service.name in _KEYLESS_PROVIDERS
    ):
        out["authenticated"] = True
    out["x-trust-boundary"] = not (local or in_process)
    if isinstance(service, ProviderComponent) and service.data_classifications:
        urls = sorted({e.name for e in endpoints})
        flows = []
        for flow in service.pii_flows:
            entry: dict[str, Any] = {
                "flow": flow,
                "classification": "PII",
                "description": "personal data sent to the service"
                if flow == "outbound"
                else "personal data received from the service",
            }
            if urls:
                entry["destination" if flow == "outbound" else "source"] = urls
            flows.append(entry)
        out["data"] = flows
    out["properties"] = _props(pairs)
    return out


def to_cyclonedx(bom: Bom, spec: str = "1.6") -> dict[str, Any]:
    """The CycloneDX ``spec`` (``1.6`` or ``1.7``) JSON document of ``bom``, as a dict."""
    if spec not in SPECS:
        raise ValueError(f"unsupported CycloneDX spec {spec!r}; choose one of {', '.join(SPECS)}")
    from aisec_sdk import __version__

    refs = {c.ref: c for c in bom.components}
    edges: dict[str, set[str]] = defaultdict(set)
    model_data: dict[str, list[str]] = defaultdict(list)
    endpoints_of: dict[str, list[EndpointComponent]] = defaultdict(list)
    owner: dict[str, str] = {}  # endpoint ref -> the provider service that lists it
    for rel in bom.relationships:
        target = refs.get(rel.target)
        if rel.kind == "reached-at" and isinstance(target, EndpointComponent):
            endpoints_of[rel.source].append(target)
            owner.setdefault(rel.target, rel.source)
            continue
        if rel.kind in ("trained-on", "evaluated-on"):
            model_data[rel.source].append(rel.target)
        edges[rel.source].add(rel.target)

    components: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    for component in bom.components:
        if isinstance(component, ModelComponent):
            components.append(_model(component, sorted(set(model_data[component.ref]))))
        elif isinstance(component, DatasetComponent):
            components.append(_dataset(component))
        elif isinstance(component, FrameworkComponent):
            components.append(_framework(component))
        elif isinstance(component, FunctionComponent):
            components.append(_function(component))
        elif isinstance(component, ProviderComponent):
            services.append(_service(component, endpoints_of[component.ref]))
        elif component.ref not in owner:
            services.append(_service(component, [component]))
    emitted = {item["bom-ref"] for item in (*components, *services)}
    roots = emitted - {t for deps in edges.values() for t in deps}
    dependencies = [{"ref": _SUBJECT_REF, "dependsOn": sorted(roots & emitted)}]
    dependencies += [
        {"ref": ref, "dependsOn": sorted(edges.get(ref, set()) & emitted)}
        for ref in sorted(emitted)
    ]
    subject: dict[str, Any] = {
        "type": "application",
        "bom-ref": _SUBJECT_REF,
        "name": bom.subject or "application",
    }
    subject_props = _props(
        [("services", ",".join(bom.services)), ("findings", len(bom.findings))]
        + [("env", name) for name in bom.environment_variables]
    )
    if subject_props:
        subject["properties"] = subject_props
    tool = {"type": "application", "name": "aisec-sdk", "version": __version__}
    doc: dict[str, Any] = {
        "$schema": f"http://cyclonedx.org/schema/bom-{spec}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": uuid.uuid4().urn,
        "version": 1,
        "metadata": {
            "timestamp": _time(bom.generated_at),
            "tools": {"components": [tool]},
            "component": subject,
        },
        "components": components,
        "services": services,
        "dependencies": dependencies,
    }
    subject_of = {f.ref: owner.get(f.ref, f.ref) for f in bom.findings}
    annotations = [
        {
            "subjects": [subject_of[finding.ref]],
            "annotator": {"component": tool},
            "timestamp": _time(bom.generated_at),
            "text": f"[{finding.rule}] {finding.severity}: {finding.message}",
        }
        for finding in bom.findings
        if subject_of[finding.ref] in emitted
    ]
    for item in (*components, *services):
        mine = [f for f in bom.findings if subject_of[f.ref] == item["bom-ref"]]
        item["properties"] += _props([("finding", f"{f.rule}: {f.message}") for f in mine])
        if not item["properties"]:
            del item["properties"]
    if annotations:
        doc["annotations"] = annotations
    return doc


def validate(document: dict[str, Any] | str) -> None:
    """Raise `CycloneDxError` unless the document validates against its spec's schema."""
    try:
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
    except ImportError as exc:
        raise ImportError(
            "validating CycloneDX needs cyclonedx-python-lib: pip install 'aisec-sdk[bom]'"
        ) from exc

    text = document if isinstance(document, str) else json.dumps(document)
    spec = (
        json.loads(text).get("specVersion")
        if isinstance(document, str)
        else document.get("specVersion")
    )
    versions = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}
    if spec not in versions:
        raise CycloneDxError(f"unsupported specVersion {spec!r}")
    error = JsonStrictValidator(versions[spec]).validate_str(text)
    if error is not None:
        detail = getattr(error, "data", None)
        message = getattr(detail, "message", None) or str(error).splitlines()[0]
        path = "/".join(str(p) for p in getattr(detail, "absolute_path", []))
        raise CycloneDxError(f"CycloneDX {spec} schema violation at /{path}: {message}")
