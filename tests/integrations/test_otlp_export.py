"""OTLP export through a real collector: app -> rotel (OTLP/HTTP or gRPC) -> receiver in the test.

The app runs in a subprocess (``aisec_sdk.configure`` installs a process-wide provider),
calls the instrumented OpenAI client against the local fake server, and flushes. The
collector is the ``rotel`` agent binary shipped on PyPI; it forwards over OTLP/HTTP to a
receiver here that decodes the protobuf and checks the spans arrived whole.
"""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.proto")
pytest.importorskip("opentelemetry.exporter.otlp.proto.http")
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"


def _rotel_binary() -> str | None:
    try:
        import rotel  # type: ignore[import-untyped]
    except ImportError:
        return None
    candidate = Path(rotel.__file__).with_name("rotel-agent")
    return (
        str(candidate)
        if candidate.is_file() and os.access(candidate, os.X_OK)
        else shutil.which("rotel-agent")
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """An OTLP/HTTP trace receiver: decodes ``ExportTraceServiceRequest`` bodies."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                encoding = (self.headers.get("content-encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                if self.path.endswith("/v1/traces"):
                    request = ExportTraceServiceRequest()
                    request.ParseFromString(body)
                    owner.requests.append(request)
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def spans(self) -> list[tuple[dict[str, Any], ProtoSpan]]:
        """(resource attributes, span) for every span received."""
        out: list[tuple[dict[str, Any], ProtoSpan]] = []
        for request in self.requests:
            for resource_spans in request.resource_spans:
                resource = {
                    kv.key: kv.value.string_value for kv in resource_spans.resource.attributes
                }
                for scope_spans in resource_spans.scope_spans:
                    out.extend((resource, span) for span in scope_spans.spans)
        return out

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def collector() -> Iterator[tuple[Receiver, int, int]]:
    """rotel listening for OTLP/gRPC and OTLP/HTTP, forwarding to a `Receiver`."""
    binary = _rotel_binary()
    if binary is None:
        pytest.skip("the rotel collector binary is not installed (pip install rotel)")
    receiver = Receiver()
    grpc_port, http_port = _free_port(), _free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"rotel-{http_port}.log"
    command = [
        binary,
        "start",
        "--otlp-grpc-endpoint",
        f"127.0.0.1:{grpc_port}",
        "--otlp-http-endpoint",
        f"127.0.0.1:{http_port}",
        "--exporter",
        "otlp",
        "--otlp-exporter-endpoint",
        receiver.endpoint,
        "--otlp-exporter-protocol",
        "http",
        "--batch-timeout",
        "100ms",
        "--pid-file",
        str(log.with_suffix(".pid")),
        "--log-file",
        str(log),
    ]
    try:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        receiver.close()
        pytest.skip(f"the rotel collector binary cannot run here: {exc}")
    try:
        _wait_listening(process, [grpc_port, http_port])
        yield receiver, grpc_port, http_port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        receiver.close()


def _wait_listening(process: subprocess.Popen[bytes], ports: list[int]) -> None:
    deadline = time.monotonic() + 20
    pending = list(ports)
    while pending and time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            pytest.skip(
                f"the rotel collector exited at start (code {process.returncode}): {error[-500:]}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", pending[0])) == 0:
                pending.pop(0)
                continue
        time.sleep(0.05)
    if pending:
        pytest.skip(f"the rotel collector did not listen on {pending} within 20 s")


APP = textwrap.dedent(
    f"""
    import os, sys
    import openai
    from opentelemetry import trace
    import aisec_sdk
    from aisec_sdk.policy import Policy

    aisec_sdk.configure(exporter="otlp", endpoint=sys.argv[1], protocol=sys.argv[2],
                        service_name="otlp-test-app", metrics_enabled=False)
    policy = Policy(guards={{"prompt_injection": {{"enabled": False}}}})
    aisec_sdk.instrument("openai", policy=policy)
    client = openai.OpenAI(base_url=sys.argv[3], api_key="test-key", max_retries=0)
    with trace.get_tracer("app").start_as_current_span("handle-request"):
        client.chat.completions.create(
            model="gpt-4o", messages=[{{"role": "user", "content": "key {AWS_KEY}"}}])
    trace.get_tracer_provider().shutdown()
    """
)


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_spans_arrive_whole_through_the_collector(
    protocol: str, collector: tuple[Receiver, int, int], fake_openai: Any, tmp_path: Path
) -> None:
    receiver, grpc_port, http_port = collector
    endpoint = f"http://127.0.0.1:{http_port if protocol == 'http/protobuf' else grpc_port}"
    script = tmp_path / "app.py"
    script.write_text(APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AISEC_"))}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH", "")]
    )
    done = subprocess.run(
        [sys.executable, str(script), endpoint, protocol, fake_openai.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    deadline = time.monotonic() + 15
    while len(receiver.spans()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    spans = {span.name: (resource, span) for resource, span in receiver.spans()}
    assert set(spans) == {"handle-request", "chat gpt-4o"}, sorted(spans)
    resource, llm = spans["chat gpt-4o"]
    _, root = spans["handle-request"]
    assert resource["service.name"] == "otlp-test-app"
    assert llm.kind == ProtoSpan.SPAN_KIND_CLIENT
    assert llm.trace_id == root.trace_id and llm.parent_span_id == root.span_id
    assert llm.end_time_unix_nano >= llm.start_time_unix_nano > 0
    attrs = {kv.key: kv.value for kv in llm.attributes}
    assert attrs["gen_ai.provider.name"].string_value == "openai"
    assert attrs["gen_ai.request.model"].string_value == "gpt-4o"
    assert attrs["gen_ai.usage.input_tokens"].int_value > 0
    assert attrs["aisec.action"].string_value == "redact"
    assert attrs["gen_ai.response.finish_reasons"].array_value.values[0].string_value == "stop"
    findings = [e for e in llm.events if e.name == "aisec.finding"]
    assert len(findings) == 1
    event = {kv.key: kv.value for kv in findings[0].attributes}
    assert event["aisec.guard"].string_value == "secrets"
    assert event["aisec.score"].double_value > 0
    assert AWS_KEY not in str(receiver.requests)
    assert AWS_KEY not in str(fake_openai.seen()[0].body)
