"""CycloneDX export: structure, references and schema validation (1.6 and 1.7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aisec_sdk.bom import (
    DatasetComponent,
    EndpointComponent,
    FunctionComponent,
    ModelComponent,
    ProviderComponent,
    Usage,
    apply_policy,
    to_cyclonedx,
    validate,
)
from aisec_sdk.bom.cyclonedx import CycloneDxError
from aisec_sdk.bom.model import Bom, BomBuilder, FileFacts


def _bom() -> Bom:
    builder = BomBuilder()
    builder.add(FunctionComponent(ref="function:api/app.ask", name="app.ask", services=["api"]))
    builder.add(
        ModelComponent(
            ref="model:llama3",
            name="llama3",
            provider="ollama",
            usage=Usage(calls=2, input_tokens=9),
        )
    )
    builder.add(ModelComponent(ref="model:acme/bert", name="acme/bert", provider="huggingface"))
    builder.add(ProviderComponent(ref="provider:ollama", name="ollama"))
    builder.add(
        EndpointComponent(
            ref="endpoint:http://localhost:11434",
            name="http://localhost:11434",
            scheme="http",
            host="localhost",
            port=11434,
        )
    )
    builder.add(
        EndpointComponent(
            ref="endpoint:http://10.9.8.7:8000",
            name="http://10.9.8.7:8000",
            scheme="http",
            host="10.9.8.7",
            port=8000,
            locations=["app.py:3"],
        )
    )
    builder.add(
        DatasetComponent(
            ref="dataset:train.csv",
            name="train.csv",
            file=FileFacts(path="train.csv", sha256="ef" * 32, size=12, format="csv", rows=2),
        )
    )
    builder.relate("function:api/app.ask", "calls", "model:llama3", "runtime", Usage(calls=2))
    builder.relate("model:llama3", "served-by", "provider:ollama", "runtime")
    builder.relate("provider:ollama", "reached-at", "endpoint:http://localhost:11434", "runtime")
    builder.relate("model:acme/bert", "trained-on", "dataset:train.csv", "model-card")
    return apply_policy(builder.build("demo", services=["api"]), None)


@pytest.mark.parametrize("spec", ["1.6", "1.7"])
def test_document_structure(spec: str) -> None:
    bom = _bom()
    document = to_cyclonedx(bom, spec)
    validate(document)
    components = {c["bom-ref"]: c for c in document["components"]}
    services = {s["bom-ref"]: s for s in document["services"]}
    refs = set(components) | set(services)
    # Every component and service appears once in dependencies; every edge points at one.
    dependency_refs = [d["ref"] for d in document["dependencies"]]
    assert dependency_refs[0] == "aisec:subject"
    assert sorted(dependency_refs[1:]) == sorted(refs)
    for dependency in document["dependencies"]:
        assert set(dependency["dependsOn"]) <= refs
    subject = document["dependencies"][0]["dependsOn"]
    assert "function:api/app.ask" in subject and "model:llama3" not in subject
    # Local ollama: no key, no trust boundary; the unclaimed endpoint is its own service.
    ollama = services["provider:ollama"]
    assert ollama["endpoints"] == ["http://localhost:11434"]
    assert ollama["x-trust-boundary"] is False and "authenticated" not in ollama
    plain = services["endpoint:http://10.9.8.7:8000"]
    assert plain["x-trust-boundary"] is True
    assert any(
        p["name"] == "aisec:finding" and p["value"].startswith("plaintext-endpoint")
        for p in plain["properties"]
    )
    assert document["annotations"][0]["subjects"] == ["endpoint:http://10.9.8.7:8000"]
    bert = components["model:acme/bert"]
    assert bert["modelCard"]["modelParameters"]["datasets"] == [{"ref": "dataset:train.csv"}]
    assert bert["externalReferences"] == [
        {"type": "distribution", "url": "https://huggingface.co/acme/bert"}
    ]
    dataset = components["dataset:train.csv"]
    assert dataset["type"] == "data" and dataset["data"] == [
        {"type": "dataset", "name": "train.csv"}
    ]
    names = {
        p["name"]
        for item in (*components.values(), *services.values())
        for p in item.get("properties", [])
    }
    assert names and all(name.startswith("aisec:") for name in names)
    assert {"name": "aisec:calls", "value": "2"} in components["model:llama3"]["properties"]


def test_validation_rejects_broken_documents() -> None:
    document: dict[str, Any] = to_cyclonedx(_bom())
    document["components"][0]["type"] = "spaceship"
    with pytest.raises(CycloneDxError, match="schema violation at /components/0/type"):
        validate(document)
    with pytest.raises(CycloneDxError):
        validate(json.dumps(document))
    with pytest.raises(CycloneDxError, match="unsupported specVersion"):
        validate({"bomFormat": "CycloneDX", "specVersion": "1.2"})
    with pytest.raises(ValueError, match="unsupported CycloneDX spec"):
        to_cyclonedx(_bom(), "2.0")
