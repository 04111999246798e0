"""`BomCollector` fed by real spans from an SDK TracerProvider."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aisec_sdk.bom import BomCollector, ModelComponent, ProviderComponent
from aisec_sdk.bom.model import Bom
from aisec_sdk.policy import Policy

Build = Callable[..., tuple[TracerProvider, BomCollector]]


def _relation(bom: Bom, source: str, kind: str, target: str) -> Any:
    edges: dict[tuple[str, str, str], Any] = {
        (r.source, r.kind, r.target): r for r in bom.relationships
    }
    assert (source, kind, target) in edges, f"no {source} -{kind}-> {target} in {list(edges)}"
    return edges[(source, kind, target)]


def test_models_providers_and_endpoints_come_from_genai_attributes(
    provider_with: Build, llm_call: Callable[..., None], valid_cyclonedx: Any
) -> None:
    provider, collector = provider_with("checkout")
    tracer = provider.get_tracer("opentelemetry.instrumentation.openai_v2")
    llm_call(tracer, "gpt-4o", tokens=(100, 20), response_model="gpt-4o-2024-08-06")
    llm_call(tracer, "gpt-4o", tokens=(50, 10))
    llm_call(
        tracer,
        "claude-3-5-haiku",
        "anthropic",
        host="api.anthropic.com",
        tokens=(7, 3),
        deprecated_system=True,
    )

    bom = collector.bom()
    gpt = bom.component("model:gpt-4o")
    assert isinstance(gpt, ModelComponent)
    assert gpt.provider == "openai"
    assert (gpt.usage.calls, gpt.usage.input_tokens, gpt.usage.output_tokens) == (2, 150, 30)
    assert gpt.response_models == ["gpt-4o", "gpt-4o-2024-08-06"]
    assert gpt.services == ["checkout"]
    assert gpt.usage.first_seen is not None and gpt.usage.last_seen is not None
    assert gpt.usage.first_seen <= gpt.usage.last_seen
    claude = bom.component("model:claude-3-5-haiku")
    assert isinstance(claude, ModelComponent) and claude.provider == "anthropic"
    assert bom.component("endpoint:https://api.openai.com") is not None
    assert _relation(bom, "model:gpt-4o", "served-by", "provider:openai").usage.calls == 2
    assert _relation(bom, "provider:anthropic", "reached-at", "endpoint:https://api.anthropic.com")
    # The instrumentation scope names the framework; its version comes from metadata.
    framework = bom.component("framework:openai")
    assert framework is not None and framework.version
    assert _relation(bom, "framework:openai", "wraps", "model:gpt-4o")
    assert bom.services == ["checkout"]
    valid_cyclonedx(bom)


def test_function_is_linked_through_intermediate_spans(
    provider_with: Build, llm_call: Callable[..., None]
) -> None:
    provider, collector = provider_with()
    tracer = provider.get_tracer("app")
    for _ in range(3):
        with (
            tracer.start_as_current_span("handler", attributes={"aisec.function": "app.ask"}),
            tracer.start_as_current_span("retrieve"),
        ):  # a plain span in between
            llm_call(tracer, "gpt-4o-mini")
    llm_call(tracer, "gpt-4o-mini")  # outside any function

    bom = collector.bom()
    function = bom.component("function:svc/app.ask")
    assert function is not None and function.usage.calls == 3
    calls = _relation(bom, "function:svc/app.ask", "calls", "model:gpt-4o-mini")
    assert calls.usage.calls == 3
    model = bom.component("model:gpt-4o-mini")
    assert model is not None and model.usage.calls == 4


def test_nested_llm_spans_count_once(provider_with: Build, llm_call: Callable[..., None]) -> None:
    provider, collector = provider_with()
    outer = provider.get_tracer("opentelemetry.instrumentation.langchain")
    inner = provider.get_tracer("opentelemetry.instrumentation.openai_v2")
    with outer.start_as_current_span(
        "chat gpt-4o",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 10,
            "gen_ai.usage.output_tokens": 4,
        },
    ):
        llm_call(inner, "gpt-4o", tokens=(10, 4))

    bom = collector.bom()
    model = bom.component("model:gpt-4o")
    assert model is not None
    assert (model.usage.calls, model.usage.input_tokens) == (1, 10)
    assert _relation(bom, "framework:langchain", "wraps", "model:gpt-4o")
    assert _relation(bom, "framework:openai", "wraps", "model:gpt-4o")


def test_pii_findings_classify_the_data_sent_to_a_provider(
    provider_with: Build, llm_call: Callable[..., None], valid_cyclonedx: Any
) -> None:
    provider, collector = provider_with()
    tracer = provider.get_tracer("x")
    llm_call(
        tracer,
        "gpt-4o",
        findings=[
            {"aisec.guard": "pii", "aisec.direction": "input", "aisec.category": "LLM02"},
            {"aisec.guard": "secrets", "aisec.direction": "input"},
        ],
        action="redact",
    )
    llm_call(
        tracer,
        "mistral-large",
        "mistral_ai",
        host="api.mistral.ai",
        findings=[{"guard": "pii", "direction": "output"}],
        action="block",
    )
    llm_call(
        tracer,
        "claude-3-opus",
        "anthropic",
        host="api.anthropic.com",
        findings=[{"aisec.guard": "prompt_injection"}],
    )

    bom = collector.bom()
    openai = bom.component("provider:openai")
    assert isinstance(openai, ProviderComponent)
    assert (openai.data_classifications, openai.pii_flows, openai.findings) == (
        ["PII"],
        ["outbound"],
        2,
    )
    mistral = bom.component("provider:mistral_ai")
    assert isinstance(mistral, ProviderComponent)
    assert mistral.pii_flows == ["inbound"] and mistral.blocked == 1
    anthropic = bom.component("provider:anthropic")
    assert isinstance(anthropic, ProviderComponent) and anthropic.data_classifications == []

    services = {s["name"]: s for s in valid_cyclonedx(bom)["1.6"]["services"]}
    assert services["openai"]["data"][0]["flow"] == "outbound"
    assert services["openai"]["data"][0]["classification"] == "PII"
    assert services["openai"]["data"][0]["destination"] == ["https://api.openai.com"]
    assert services["mistral_ai"]["data"][0]["flow"] == "inbound"
    assert "data" not in services["anthropic"]
    assert services["openai"]["authenticated"] is True
    assert services["openai"]["x-trust-boundary"] is True


def test_a_response_model_outside_the_allow_list_is_a_finding(
    provider_with: Build, llm_call: Callable[..., None]
) -> None:
    """``gpt-4o`` is approved, the snapshot that answered is not: a BOM finding. The span
    check runs when the span starts, before any response, so the span carries none."""
    provider, collector = provider_with(policy=Policy(allowed_models=["gpt-4o"]))
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    llm_call(provider.get_tracer("x"), "gpt-4o", response_model="gpt-4o-2024-08-06")
    (finding,) = collector.bom().findings
    assert (finding.rule, finding.ref) == ("unapproved-model", "model:gpt-4o")
    assert "'gpt-4o-2024-08-06'" in finding.message
    (span,) = memory.get_finished_spans()
    assert not span.events


def test_policy_allow_lists_turn_into_findings(
    provider_with: Build, llm_call: Callable[..., None]
) -> None:
    policy = Policy(
        allowed_models=["gpt-4o*"],
        allowed_providers=["openai"],
        allowed_endpoints=["api.openai.com"],
    )
    provider, collector = provider_with(policy=policy)
    memory = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("x")
    llm_call(tracer, "gpt-4o-mini")
    assert collector.bom().findings == []

    for _ in range(2):  # the second call is answered from the collector's cache
        llm_call(tracer, "llama3", "ollama", host="gpu-box.internal", port=11434)
    expected = {
        ("unapproved-model", "model:llama3"),
        ("shadow-ai", "provider:ollama"),
        ("shadow-ai", "endpoint://gpu-box.internal:11434"),
    }
    assert {(f.rule, f.ref) for f in collector.bom().findings} == expected
    # The same findings are on the spans themselves.
    allowed_span, *flagged = memory.get_finished_spans()
    assert not allowed_span.events
    for span in flagged:
        marks = {
            (e.attributes["aisec.bom.rule"], e.attributes["aisec.bom.ref"])
            for e in span.events
            if e.name == "aisec.bom.finding" and e.attributes
        }
        assert marks == expected
        assert (span.attributes or {})["aisec.bom.findings.count"] == 3


def test_collector_is_thread_safe(provider_with: Build, llm_call: Callable[..., None]) -> None:
    provider, collector = provider_with()
    tracer = provider.get_tracer("x")
    threads, per_thread = 8, 150

    def work(n: int) -> None:
        for _ in range(per_thread):
            llm_call(tracer, f"model-{n % 2}", tokens=(3, 1))
            collector.bom()  # reading while others write

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    bom = collector.bom()
    for name in ("model-0", "model-1"):
        model = bom.component(f"model:{name}")
        assert model is not None
        assert model.usage.calls == threads // 2 * per_thread
        assert model.usage.input_tokens == 3 * threads // 2 * per_thread
    provider_component = bom.component("provider:openai")
    assert provider_component is not None
    assert provider_component.usage.calls == threads * per_thread


def test_unrelated_spans_and_open_spans_are_not_counted(provider_with: Build) -> None:
    provider, collector = provider_with()
    tracer = provider.get_tracer("x")
    with tracer.start_as_current_span("GET /health", attributes={"http.route": "/health"}):
        pass
    with tracer.start_as_current_span(
        "chat gpt-4o",
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
        },
    ):
        assert collector.bom().components == []
    assert [c.ref for c in collector.bom().components] == ["model:gpt-4o"]


def test_snapshot_is_written_on_shutdown(
    tmp_path: Path, provider_with: Build, llm_call: Callable[..., None]
) -> None:
    target = tmp_path / "out" / "bom.json"
    provider, _ = provider_with(snapshot=target, snapshot_format="json")
    llm_call(provider.get_tracer("x"), "gpt-4o")
    assert not target.exists()
    provider.shutdown()
    data = json.loads(target.read_text())
    assert [c["ref"] for c in data["components"] if c["kind"] == "model"] == ["model:gpt-4o"]


def test_guarded_function_spans_feed_the_collector(llm_call: Callable[..., None]) -> None:
    """The real ``@guard`` decorator on the global provider names the calling function."""
    from aisec_sdk import guard

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    collector = BomCollector()
    provider.add_span_processor(collector)
    tracer = provider.get_tracer("opentelemetry.instrumentation.openai_v2")

    # Guards are not what this test is about; keep the policy minimal.
    @guard(policy=Policy(guards={"prompt_injection": {"enabled": False}}))
    def ask(question: str) -> str:
        llm_call(tracer, "gpt-4o-mini")
        return "ok"

    ask("what is the capital of France?")
    bom = collector.bom()
    functions = [c for c in bom.of_kind("function") if c.name.endswith("ask")]
    assert len(functions) == 1
    assert _relation(bom, functions[0].ref, "calls", "model:gpt-4o-mini").usage.calls == 1
    openai = bom.component("provider:openai")
    assert isinstance(openai, ProviderComponent) and openai.pii_flows == []

    # PII in the guarded function's input flows out with the LLM calls made under it.
    ask("write to jane.doe@example.com about the invoice")
    openai = collector.bom().component("provider:openai")
    assert isinstance(openai, ProviderComponent)
    assert (openai.pii_flows, openai.data_classifications) == (["outbound"], ["PII"])


def test_deprecated_token_attributes_are_counted_and_invalid_counts_ignored(
    provider_with: Build,
) -> None:
    provider, collector = provider_with()
    tracer = provider.get_tracer("opentelemetry.instrumentation.anthropic")
    spans: list[dict[str, Any]] = [
        # the names instrumentations used before gen_ai.usage.input/output_tokens
        {"gen_ai.usage.prompt_tokens": 70, "gen_ai.usage.completion_tokens": 30},
        # the current names win when a span carries both
        {"gen_ai.usage.input_tokens": 5, "gen_ai.usage.prompt_tokens": 999},
        # a negative count is no count
        {"gen_ai.usage.input_tokens": -40, "gen_ai.usage.output_tokens": -1},
    ]
    for tokens in spans:
        attributes = {"gen_ai.system": "anthropic", "gen_ai.request.model": "claude-3-5-sonnet"}
        with tracer.start_as_current_span("chat", attributes={**attributes, **tokens}):
            pass
    usage = collector.bom().component("model:claude-3-5-sonnet").usage  # type: ignore[union-attr]
    assert (usage.calls, usage.input_tokens, usage.output_tokens) == (3, 75, 30)


def test_provider_spelling_and_stray_spaces_make_no_second_component(
    provider_with: Build,
) -> None:
    provider, collector = provider_with()
    tracer = provider.get_tracer("custom")
    for name, model in (("OpenAI", "gpt-4o"), ("openai", "gpt-4o "), (" openai", "\tgpt-4o")):
        attributes = {"gen_ai.provider.name": name, "gen_ai.request.model": model}
        with tracer.start_as_current_span("chat", attributes=attributes):
            pass
    bom = collector.bom()
    assert [c.ref for c in bom.components] == ["model:gpt-4o", "provider:openai"]
    assert bom.component("model:gpt-4o").usage.calls == 3  # type: ignore[union-attr]


def test_model_calls_inside_an_agent_span_are_counted(provider_with: Build) -> None:
    """An ``invoke_agent`` span wraps the model calls the agent makes; it is no model call
    itself, so the calls inside it are counted (a chat span inside a chat span is the same
    call instrumented twice, and counts once)."""
    provider, collector = provider_with()
    tracer = provider.get_tracer("opentelemetry.instrumentation.openai_agents")
    agent: dict[str, str | int] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "support",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 25,  # the agent's total: not counted twice
    }
    chat = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai"}
    with tracer.start_as_current_span("invoke_agent support", attributes=agent):
        for model in ("gpt-4o", "gpt-4o-mini"):
            outer: dict[str, str | int] = {**chat, "gen_ai.request.model": model}
            outer["gen_ai.usage.input_tokens"] = 10
            inner = {**chat, "gen_ai.request.model": model}  # the same call, a second library
            with (
                tracer.start_as_current_span(f"chat {model}", attributes=outer),
                tracer.start_as_current_span("chat", attributes=inner),
            ):
                pass
    # a remote agent (no model spans inside): evidence, but no model call counted
    remote = {"gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "aws.bedrock"}
    with tracer.start_as_current_span("invoke_agent", attributes=remote):
        pass
    bom = collector.bom()
    usage = {c.ref: (c.usage.calls, c.usage.input_tokens) for c in bom.components}
    assert usage["model:gpt-4o"] == (1, 10) and usage["model:gpt-4o-mini"] == (1, 10)
    assert usage["provider:openai"] == (2, 20)
    assert usage["provider:aws.bedrock"] == (0, 0)
