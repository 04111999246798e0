"""The collector fed by aisec_sdk's own integrations: the real openai client on loopback."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openai
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from aisec_sdk import Policy
from aisec_sdk.bom import (
    BomCollector,
    EndpointComponent,
    ModelComponent,
    ProviderComponent,
    to_cyclonedx,
    validate,
)
from aisec_sdk.instrumentation import instrument, uninstrument


class _ChatHandler(BaseHTTPRequestHandler):
    """Answers ``POST /v1/chat/completions`` like the OpenAI API (non-streaming JSON)."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        reply = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": f"{body['model']}-2026-01-01",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "Done."},
                }
            ],
            "usage": {"prompt_tokens": 21, "completion_tokens": 2, "total_tokens": 23},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_openai_integration_spans_build_the_bom(server: str) -> None:
    provider = TracerProvider(resource=Resource.create({"service.name": "helpdesk"}))
    collector = BomCollector(policy=Policy(allowed_models=["gpt-4o-mini*"]))
    provider.add_span_processor(collector)
    policy = Policy(guards={"prompt_injection": {"enabled": False}})
    instrument("openai", policy=policy, tracer_provider=provider)
    try:
        client = openai.OpenAI(base_url=server, api_key="test-key", max_retries=0)
        for question in ("Reset my password", "Mail the invoice to jane.doe@example.com"):
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
            )
    finally:
        uninstrument("openai")
        provider.shutdown()

    bom = collector.bom()
    model = bom.component("model:gpt-4o-mini")
    assert isinstance(model, ModelComponent)
    assert (model.usage.calls, model.usage.input_tokens, model.usage.output_tokens) == (2, 42, 4)
    assert model.response_models == ["gpt-4o-mini-2026-01-01"]
    assert model.provider == "openai" and model.services == ["helpdesk"]
    framework = bom.component("framework:openai")
    assert framework is not None and framework.version == metadata.version("openai")
    # server.address/port and url.scheme: a plaintext endpoint is known at run time.
    endpoints = bom.of_kind("endpoint")
    assert [e.name for e in endpoints] == [f"http://127.0.0.1:{urlsplit(server).port}"]
    assert isinstance(endpoints[0], EndpointComponent) and endpoints[0].scheme == "http"
    openai_provider = bom.component("provider:openai")
    assert isinstance(openai_provider, ProviderComponent)
    assert openai_provider.pii_flows == ["outbound"]  # the e-mail address in the prompt
    assert openai_provider.findings >= 1
    assert bom.findings == []  # an allowed model, a loopback endpoint
    for spec in ("1.6", "1.7"):
        validate(to_cyclonedx(bom, spec))


def test_transformers_model_load_is_evidence_not_a_call(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel

    config = GPT2Config(n_layer=1, n_head=2, n_embd=8, vocab_size=32, n_positions=16)
    GPT2LMHeadModel(config).save_pretrained(tmp_path / "tiny")
    provider = TracerProvider()
    collector = BomCollector()
    provider.add_span_processor(collector)
    instrument("transformers", tracer_provider=provider)
    try:
        AutoModelForCausalLM.from_pretrained(str(tmp_path / "tiny"))
    finally:
        uninstrument("transformers")
        provider.shutdown()

    bom = collector.bom()
    (model,) = bom.of_kind("model")
    assert isinstance(model, ModelComponent)
    assert model.usage.calls == 0 and model.usage.first_seen is not None
    assert model.properties["load.source"] == "local"
    assert model.properties["load.format"] == "safetensors"
    assert model.properties["loads"] == "1"
    weights = (tmp_path / "tiny" / "model.safetensors").read_bytes()
    assert hashlib.sha256(weights).hexdigest() in model.properties["load.sha256"]
    service = next(s for s in to_cyclonedx(bom)["services"] if s["name"] == model.provider)
    assert service["x-trust-boundary"] is False and "authenticated" not in service
