"""The AI-BOM collector reads what the integrations record (models, providers, files)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from aisec_sdk.instrumentation import instrument, uninstrument
from aisec_sdk.policy import Policy

POLICY = Policy(guards={"prompt_injection": {"enabled": False}})


def test_bom_collector_builds_the_inventory_from_integration_spans(
    fake_openai: Any, tiny: Any
) -> None:
    bom_module = pytest.importorskip("aisec_sdk.bom")
    import openai
    import transformers

    collector = bom_module.BomCollector()
    provider = TracerProvider()
    provider.add_span_processor(collector)
    instrument("openai", "transformers", policy=POLICY, tracer_provider=provider)
    try:
        client = openai.OpenAI(base_url=fake_openai.url, api_key="test-key", max_retries=0)
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        transformers.AutoModelForCausalLM.from_pretrained(tiny[2])
    finally:
        uninstrument("openai", "transformers")
    bom = collector.bom()
    remote = bom.component("model:gpt-4o")
    assert remote is not None and remote.provider == "openai"
    local = bom.component(f"model:{tiny[2]}")
    assert local is not None and local.provider == "aisec.local.transformers"
    expected = hashlib.sha256((tiny[2] / "model.safetensors").read_bytes()).hexdigest()
    assert local.properties["load.sha256"] == expected
    assert local.properties["load.format"] == "safetensors"
    assert [e.host for e in bom.of_kind("endpoint")] == ["127.0.0.1"]
