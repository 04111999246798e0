"""The BOM model: merging evidence, the builder, JSON round trip, allow-list rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aisec_sdk.bom import (
    Bom,
    EndpointComponent,
    FrameworkComponent,
    ModelComponent,
    ProviderComponent,
    Usage,
    apply_policy,
)
from aisec_sdk.bom.allowlist import allowed
from aisec_sdk.bom.model import BomBuilder, FileFacts
from aisec_sdk.policy import Policy

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_usage_adds_counts_and_widens_the_window() -> None:
    early = Usage(first_seen=T0, last_seen=T0 + timedelta(1), calls=2, input_tokens=5)
    late = Usage(
        first_seen=T0 + timedelta(2), last_seen=T0 + timedelta(3), calls=1, output_tokens=7
    )
    merged = early.merged(late)
    assert (merged.first_seen, merged.last_seen) == (T0, T0 + timedelta(3))
    assert (merged.calls, merged.input_tokens, merged.output_tokens) == (3, 5, 7)
    assert Usage().merged(early) == early


def test_components_merge_their_evidence() -> None:
    from_code = ModelComponent(
        ref="model:gpt-4o", name="gpt-4o", sources=["code"], locations=["app.py:3"]
    )
    at_runtime = ModelComponent(
        ref="model:gpt-4o",
        name="gpt-4o",
        provider="openai",
        sources=["runtime"],
        services=["api"],
        usage=Usage(calls=4),
    )
    merged = from_code.merged(at_runtime)
    assert merged.provider == "openai"
    assert (merged.sources, merged.locations, merged.services) == (
        ["code", "runtime"],
        ["app.py:3"],
        ["api"],
    )
    assert merged.usage.calls == 4
    providers = ProviderComponent(ref="provider:x", name="x", findings=2, blocked=1).merged(
        ProviderComponent(ref="provider:x", name="x", findings=3, pii_flows=["outbound"])
    )
    assert (providers.findings, providers.blocked, providers.pii_flows) == (5, 1, ["outbound"])
    with pytest.raises(ValueError, match="cannot merge"):
        from_code.merged(ModelComponent(ref="model:other", name="other"))


def test_installed_version_wins_over_the_declared_one() -> None:
    """Whichever comes first, the installed version (source ``package``) is the version
    and purl; a different declared pin is kept as ``declared_version``."""
    declared = FrameworkComponent(
        ref="framework:openai",
        name="openai",
        version="1.55.0",
        sources=["manifest"],
        properties={"requirement": "==1.55.0"},
    )
    installed = FrameworkComponent(
        ref="framework:openai", name="openai", version="3.57.0", sources=["package"]
    )
    for merged in (declared.merged(installed), installed.merged(declared)):
        assert merged.version == "3.57.0" and merged.purl == "pkg:pypi/openai@3.57.0"
        assert merged.properties == {"declared_version": "1.55.0", "requirement": "==1.55.0"}
    same = declared.merged(installed.model_copy(update={"version": "1.55.0"}))
    assert same.version == "1.55.0" and "declared_version" not in same.properties
    # two declarations (a requirements pin and a lock file): the first one stays
    locked = FrameworkComponent(
        ref="framework:openai", name="openai", version="1.56.0", sources=["manifest"]
    )
    assert declared.merged(locked).version == "1.55.0"


def test_builder_merges_relationships_and_sorts() -> None:
    builder = BomBuilder()
    builder.add(ModelComponent(ref="model:b", name="b"))
    builder.add(ModelComponent(ref="model:a", name="a"))
    builder.relate("model:a", "served-by", "provider:p", "code")
    builder.relate("model:a", "served-by", "provider:p", "runtime", Usage(calls=2))
    builder.relate("model:a", "served-by", "provider:p", ["otlp"], Usage(calls=1))
    bom = builder.build("x", services=["s2", "s1", "s2"])
    assert [c.ref for c in bom.components] == ["model:a", "model:b"]
    (rel,) = bom.relationships
    assert rel.sources == ["code", "otlp", "runtime"] and rel.usage.calls == 3
    assert bom.services == ["s1", "s2"]


def test_json_round_trip_keeps_component_kinds() -> None:
    builder = BomBuilder()
    builder.add(FrameworkComponent(ref="framework:torch", name="torch", version="2.13.0+cpu"))
    builder.add(
        ModelComponent(
            ref="model:m.safetensors",
            name="m.safetensors",
            file=FileFacts(path="m.safetensors", sha256="ab" * 32, size=10, format="safetensors"),
        )
    )
    builder.add(EndpointComponent(ref="endpoint:https://h", name="https://h", host="h"))
    bom = builder.build("proj", environment_variables=["OPENAI_API_KEY"])
    again = Bom.model_validate_json(bom.model_dump_json())
    assert again == bom
    framework = again.component("framework:torch")
    assert isinstance(framework, FrameworkComponent)
    assert framework.purl == "pkg:pypi/torch@2.13.0%2Bcpu"
    merged = bom.merged(again)
    assert [c.ref for c in merged.components] == [c.ref for c in bom.components]


def test_allowed_patterns() -> None:
    assert allowed(None, "anything")
    assert not allowed([], "anything")
    assert allowed(["GPT-4o*"], "gpt-4o-mini")
    assert not allowed(["gpt-4o"], "gpt-4o-mini")
    assert allowed(["*.openai.azure.com"], "x", "myco.openai.azure.com")


def test_policy_rules_on_each_kind() -> None:
    local = ModelComponent(
        ref="model:clf.pt",
        name="clf.pt",
        file=FileFacts(path="clf.pt", sha256="cd" * 32, size=1, format="pytorch-zip"),
    )
    builder = BomBuilder()
    for component in (
        local,
        ModelComponent(ref="model:gpt-4o", name="gpt-4o", response_models=["gpt-4o-2024"]),
        ProviderComponent(ref="provider:groq", name="groq"),
        EndpointComponent(
            ref="endpoint:http://10.0.0.5:8000",
            name="http://10.0.0.5:8000",
            scheme="http",
            host="10.0.0.5",
            port=8000,
        ),
        EndpointComponent(
            ref="endpoint:http://localhost:11434",
            name="http://localhost:11434",
            scheme="http",
            host="localhost",
            port=11434,
        ),
        FrameworkComponent(
            ref="framework:langchain-core", name="langchain-core", sources=["package"]
        ),
        FrameworkComponent(ref="framework:vllm", name="vllm", sources=["package"]),
    ):
        builder.add(component)
    bom = builder.build("x")

    # No policy: only the non-loopback plaintext endpoint.
    assert [(f.rule, f.ref) for f in apply_policy(bom, None).findings] == [
        ("plaintext-endpoint", "endpoint:http://10.0.0.5:8000")
    ]

    policy = Policy(
        allowed_models=["gpt-4o", "gpt-4o-2024", f"sha256:{'cd' * 32}"],
        allowed_providers=["openai"],
        allowed_endpoints=["10.0.0.*", "localhost:11434"],
        allowed_packages=["LangChain_Core"],
    )
    found = {(f.rule, f.ref) for f in apply_policy(bom, policy).findings}
    assert found == {
        ("shadow-ai", "provider:groq"),
        ("plaintext-endpoint", "endpoint:http://10.0.0.5:8000"),
        ("shadow-ai", "framework:vllm"),
    }


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        (["gpt-4o"], "model 'gpt-4o' answered as 'gpt-4o-2024-08-06' is not"),
        (["gpt-4o*"], None),  # the family's pattern covers its dated snapshots
        (["gpt-4o", "gpt-4o-2024-*"], None),
        (["gpt-4o-2024-*"], "model 'gpt-4o' is not"),  # a response model approves no name
    ],
)
def test_the_name_and_every_response_model_must_be_allowed(
    patterns: list[str], message: str | None
) -> None:
    """What answered the calls is checked too: an approved name served as a model no
    pattern covers (a dated snapshot, a gateway's fallback) is an unapproved model."""
    model = ModelComponent(
        ref="model:gpt-4o", name="gpt-4o", response_models=["gpt-4o", "gpt-4o-2024-08-06"]
    )
    bom = Bom(subject="x", components=[model])
    findings = apply_policy(bom, Policy(allowed_models=patterns)).findings
    assert [(f.rule, f.ref, f.message[: len(message or "")]) for f in findings] == (
        [("unapproved-model", "model:gpt-4o", message)] if message else []
    )


def test_a_gateway_fallback_to_another_model_is_unapproved() -> None:
    served = ModelComponent(ref="model:gpt-4o", name="gpt-4o", response_models=["llama-3.1-70b"])
    bom = Bom(subject="x", components=[served])
    (finding,) = apply_policy(bom, Policy(allowed_models=["gpt-4o*"])).findings
    assert (finding.rule, finding.ref) == ("unapproved-model", "model:gpt-4o")
    assert "answered as 'llama-3.1-70b' is not in the policy's allowed_models" in finding.message
