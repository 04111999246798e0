"""Tool and retrieval spans (``execute_tool``, ``retrieval``) are not model calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from aisec_sdk.bom import BomCollector, bom_from_otlp
from aisec_sdk.bom.model import Bom
from aisec_sdk.bom.spans import is_llm_span
from aisec_sdk.exporters import OtlpJsonFileSpanExporter

Build = Callable[..., tuple[TracerProvider, BomCollector]]

_TOOL = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "search",
    "aisec.framework": "langchain-core",
}
_RETRIEVAL = {
    "gen_ai.operation.name": "retrieval",
    "gen_ai.data_source.id": "docs",
    "aisec.framework": "langchain-core",
}


@pytest.mark.parametrize("attributes", [_TOOL, _RETRIEVAL], ids=["tool", "retrieval"])
def test_tool_and_retrieval_spans_are_not_llm_spans(attributes: dict[str, str]) -> None:
    assert not is_llm_span(attributes)
    assert is_llm_span({**attributes, "gen_ai.operation.name": "chat"})


def _agent_run(provider: TracerProvider, llm_call: Callable[..., None]) -> None:
    """A guarded function runs a tool and a retriever; the tool calls a model."""
    tracer = provider.get_tracer("aisec_sdk.integrations.langchain")
    with tracer.start_as_current_span(
        "aisec.guard app.answer", attributes={"aisec.function": "app.answer"}
    ):
        with tracer.start_as_current_span("execute_tool search", attributes=_TOOL):
            llm_call(provider.get_tracer("opentelemetry.instrumentation.openai_v2"), "gpt-4o")
        with tracer.start_as_current_span("retrieval docs", attributes=_RETRIEVAL):
            pass


def _check(bom: Bom) -> None:
    model = bom.component("model:gpt-4o")
    assert model is not None
    # The model call inside the tool is counted: the tool span is not an outer LLM call.
    assert (model.usage.calls, model.usage.input_tokens, model.usage.output_tokens) == (1, 10, 5)
    function = bom.component("function:svc/app.answer")
    assert function is not None
    assert function.usage.calls == 1  # one invocation; its tool and retriever runs are not calls
    assert bom.component("framework:langchain-core") is None  # no call went through it
    assert ("function:svc/app.answer", "calls", "model:gpt-4o") in {
        (r.source, r.kind, r.target) for r in bom.relationships
    }


def test_collector_counts_the_model_call_inside_a_tool(
    provider_with: Build, llm_call: Callable[..., None]
) -> None:
    provider, collector = provider_with()
    _agent_run(provider, llm_call)
    _check(collector.bom())


def test_otlp_reader_counts_the_model_call_inside_a_tool(
    tmp_path: Path, provider_with: Build, llm_call: Callable[..., None]
) -> None:
    provider, _ = provider_with()
    path = tmp_path / "spans.jsonl"
    provider.add_span_processor(SimpleSpanProcessor(OtlpJsonFileSpanExporter(path)))
    _agent_run(provider, llm_call)
    provider.force_flush()
    _check(bom_from_otlp([path]))
