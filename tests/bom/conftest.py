"""Fixtures for the AI-BOM tests: real SDK tracer providers and GenAI-convention spans."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Tracer, TracerProvider
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import server_attributes
from opentelemetry.trace import SpanKind

from aisec_sdk.bom import BomCollector
from aisec_sdk.bom.cyclonedx import to_cyclonedx, validate
from aisec_sdk.bom.model import Bom

LlmCall = Callable[..., None]


@pytest.fixture
def provider_with() -> Iterator[Callable[..., tuple[TracerProvider, BomCollector]]]:
    """Build an SDK tracer provider for a service with a `BomCollector` on it."""
    made: list[TracerProvider] = []

    def build(service: str = "svc", **collector: Any) -> tuple[TracerProvider, BomCollector]:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        bom_collector = BomCollector(**collector)
        provider.add_span_processor(bom_collector)
        made.append(provider)
        return provider, bom_collector

    yield build
    for provider in made:
        provider.shutdown()


@pytest.fixture
def llm_call() -> LlmCall:
    """Emit one CLIENT span shaped as the GenAI semantic conventions define a chat call."""

    def call(
        tracer: Tracer,
        model: str,
        provider: str | None = "openai",
        *,
        host: str | None = "api.openai.com",
        port: int | None = 443,
        tokens: tuple[int, int] = (10, 5),
        response_model: str | None = None,
        findings: list[dict[str, Any]] | None = None,
        action: str | None = None,
        deprecated_system: bool = False,
    ) -> None:
        attributes: dict[str, Any] = {
            gen_ai.GEN_AI_OPERATION_NAME: gen_ai.GenAiOperationNameValues.CHAT.value,
            gen_ai.GEN_AI_REQUEST_MODEL: model,
        }
        if provider is not None:
            key = gen_ai.GEN_AI_SYSTEM if deprecated_system else gen_ai.GEN_AI_PROVIDER_NAME
            attributes[key] = provider
        if host is not None:
            attributes[server_attributes.SERVER_ADDRESS] = host
        if port is not None:
            attributes[server_attributes.SERVER_PORT] = port
        with tracer.start_as_current_span(
            f"chat {model}", kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            span.set_attribute(gen_ai.GEN_AI_RESPONSE_MODEL, response_model or model)
            span.set_attribute(gen_ai.GEN_AI_USAGE_INPUT_TOKENS, tokens[0])
            span.set_attribute(gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS, tokens[1])
            for finding in findings or []:
                span.add_event("aisec.finding", finding)
            if findings:
                span.set_attribute("aisec.findings.count", len(findings))
            if action:
                span.set_attribute("aisec.action", action)

    return call


@pytest.fixture
def valid_cyclonedx() -> Callable[[Bom], dict[str, dict[str, Any]]]:
    """Export a BOM as CycloneDX 1.6 and 1.7, validate both, return them by spec."""

    def export(bom: Bom) -> dict[str, dict[str, Any]]:
        documents = {}
        for spec in ("1.6", "1.7"):
            document = to_cyclonedx(bom, spec)
            validate(document)
            validate(json.dumps(document))
            assert document["specVersion"] == spec
            documents[spec] = document
        return documents

    return export
