"""A tiny "service" for the fleet test, run as its own process.

    python fleet_service.py SERVICE SPANS_FILE [SNAPSHOT_FILE]

It sets up telemetry with ``aisec_sdk.configure(exporter="jsonl")`` (OTLP JSON lines, the
Collector file-exporter format), runs a ``@guard``-ed function that makes GenAI-convention
LLM client spans, and exits without flushing by hand: the SDK's exit hook and the
`BomCollector` snapshot (written at exit) must do it.
"""

from __future__ import annotations

import sys
from typing import Any

from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import server_attributes
from opentelemetry.trace import SpanKind

import aisec_sdk
from aisec_sdk.bom import BomCollector

# Each service: (function, [(provider, model, host, input tokens, output tokens)], questions)
PLANS: dict[str, tuple[str, list[tuple[str, str, str, int, int]], list[str]]] = {
    "checkout": (
        "answer",
        [("openai", "gpt-4o", "api.openai.com", 120, 30)],
        ["where is my order?", "refund to jane.doe@example.com please", "thanks"],
    ),
    "search": (
        "embed_and_rank",
        [
            ("azure.ai.openai", "text-embedding-3-small", "myco.openai.azure.com", 40, 0),
            ("anthropic", "claude-3-5-haiku", "api.anthropic.com", 60, 12),
        ],
        ["red shoes", "blue hat"],
    ),
}


def main(service: str, spans_file: str, snapshot: str | None) -> None:
    provider = aisec_sdk.configure(
        "jsonl", path=spans_file, service_name=service, batch=False, metrics_enabled=False
    )
    if snapshot:
        provider.add_span_processor(BomCollector(snapshot=snapshot, snapshot_format="json"))
    tracer = trace.get_tracer("opentelemetry.instrumentation.openai_v2")
    function_name, calls, questions = PLANS[service]
    policy = aisec_sdk.Policy(guards={"prompt_injection": {"enabled": False}})

    def body(question: str) -> str:
        for system, model, host, tokens_in, tokens_out in calls:
            attributes: dict[str, Any] = {
                gen_ai.GEN_AI_OPERATION_NAME: "chat",
                gen_ai.GEN_AI_PROVIDER_NAME: system,
                gen_ai.GEN_AI_REQUEST_MODEL: model,
                server_attributes.SERVER_ADDRESS: host,
                server_attributes.SERVER_PORT: 443,
            }
            with tracer.start_as_current_span(
                f"chat {model}", kind=SpanKind.CLIENT, attributes=attributes
            ) as span:
                span.set_attribute(gen_ai.GEN_AI_RESPONSE_MODEL, f"{model}-2025")
                span.set_attribute(gen_ai.GEN_AI_USAGE_INPUT_TOKENS, tokens_in)
                span.set_attribute(gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS, tokens_out)
        return "ok"

    body.__name__ = body.__qualname__ = function_name
    guarded = aisec_sdk.guard(policy=policy)(body)
    for question in questions:
        guarded(question)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
