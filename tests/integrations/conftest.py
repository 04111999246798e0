"""Fixtures for the integration tests: span capture, a local OpenAI-compatible server, a tiny model.

The server speaks the parts of the OpenAI HTTP API the integration wraps, on 127.0.0.1:
chat completions (JSON and SSE, usage chunks, tool calls), legacy text completions (JSON and
SSE), the Responses API (JSON and its event stream), embeddings, 429/500 errors with
``retry-after-ms`` (so the client retries fast) and a stream cut off mid-way. Each test
queues the replies it wants and reads back the requests the server saw.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from aisec_sdk.policy import Policy

# --------------------------------------------------------------------------- telemetry


class Capture:
    """Finished spans recorded by the global tracer provider."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self.exporter = exporter

    def spans(self, prefix: str = "") -> list[ReadableSpan]:
        """Finished spans whose name starts with ``prefix``, oldest first."""
        return [s for s in self.exporter.get_finished_spans() if s.name.startswith(prefix)]

    def llm_spans(self) -> list[ReadableSpan]:
        """Finished spans of our integrations (scope ``aisec_sdk.integrations.*``)."""
        return [
            s
            for s in self.exporter.get_finished_spans()
            if s.instrumentation_scope is not None
            and s.instrumentation_scope.name.startswith("aisec_sdk.integrations.")
        ]

    def clear(self) -> None:
        self.exporter.clear()


@pytest.fixture(scope="session")
def _capture() -> Capture:
    """One in-memory exporter on the process's SDK tracer provider (set here if none is)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider), "another test set a non-SDK tracer provider"
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return Capture(exporter)


@pytest.fixture
def telemetry(_capture: Capture) -> Iterator[Capture]:
    """Span capture, cleared for each test."""
    _capture.clear()
    yield _capture
    _capture.clear()


# --------------------------------------------------------------------------- server


@dataclass
class Reply:
    """One queued answer: an HTTP error, or a completion (content, tool calls, usage)."""

    status: int = 200
    content: str = "Hello! How can I help you today?"
    chunks: list[str] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    usage: bool = True
    cut_after: int | None = None
    delay: float = 0.0
    details: bool = False  # usage with cached-input and reasoning token counts (2 and 1)


@dataclass
class Seen:
    """One request the server received."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def _split(text: str, size: int = 5) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _words(text: str) -> int:
    return max(1, len(text.split()))


class FakeOpenAI:
    """A local OpenAI-compatible HTTP server; replies are queued per test."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[Seen] = []
        self.default = Reply()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                owner._handle(self, self.path, body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # cut-off streams reset connections on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def queue(self, **reply: Any) -> None:
        """Queue one reply (see `Reply`); unqueued requests get the default reply."""
        with self._lock:
            self.replies.append(Reply(**reply))

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()
            self.default = Reply()

    def seen(self, path: str = "") -> list[Seen]:
        """Requests received whose path ends with ``path``."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(path)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # ------------------------------------------------------------------ handlers

    def _handle(self, handler: BaseHTTPRequestHandler, path: str, body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append(Seen(path, body, dict(handler.headers.items())))
            reply = self.replies.pop(0) if self.replies else self.default
        if reply.delay:
            time.sleep(reply.delay)
        if reply.status != 200:
            kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
            self._json(
                handler,
                {"error": {"message": f"fake {reply.status}", "type": kind, "code": kind}},
                reply.status,
                {"retry-after-ms": "1"},
            )
            return
        if path.endswith("/chat/completions"):
            if body.get("stream"):
                self._sse(handler, self._chat_chunks(body, reply), reply.cut_after, done=True)
            else:
                self._json(handler, self._chat(body, reply))
        elif path.endswith("/responses"):
            if body.get("stream"):
                self._sse(handler, self._response_events(body, reply), reply.cut_after, done=False)
            else:
                self._json(handler, self._response(body, reply, "completed"))
        elif path.endswith("/completions"):
            if body.get("stream"):
                self._sse(handler, self._completion_chunks(body, reply), reply.cut_after, done=True)
            else:
                self._json(handler, self._completion(body, reply))
        elif path.endswith("/embeddings"):
            self._json(handler, self._embeddings(body))
        else:
            self._json(handler, {"error": {"message": "not found"}}, 404)

    @staticmethod
    def _json(
        handler: BaseHTTPRequestHandler,
        obj: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(obj).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)

    @staticmethod
    def _sse(
        handler: BaseHTTPRequestHandler,
        events: list[tuple[str | None, Any]],
        cut_after: int | None,
        *,
        done: bool,
    ) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "text/event-stream")
        handler.send_header("transfer-encoding", "chunked")
        handler.end_headers()

        def write(text: str) -> None:
            data = text.encode()
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        for n, (event, data) in enumerate(events):
            if cut_after is not None and n >= cut_after:
                handler.close_connection = True
                handler.wfile.flush()
                handler.connection.shutdown(socket.SHUT_RDWR)
                return
            prefix = f"event: {event}\n" if event else ""
            write(f"{prefix}data: {json.dumps(data)}\n\n")
        if done:
            write("data: [DONE]\n\n")
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()

    # ------------------------------------------------------------------ payloads

    @staticmethod
    def _prompt_tokens(body: dict[str, Any]) -> int:
        prompt = body.get("messages") or body.get("input") or body.get("prompt") or ""
        return _words(json.dumps(prompt))

    def _usage(self, body: dict[str, Any], content: str) -> dict[str, int]:
        prompt = self._prompt_tokens(body)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": _words(content),
            "total_tokens": prompt + _words(content),
        }

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        """A legacy ``/completions`` answer: one choice per prompt of a list."""
        prompts = body.get("prompt")
        count = len(prompts) if isinstance(prompts, list) else 1
        out: dict[str, Any] = {
            "id": "cmpl-fake",
            "object": "text_completion",
            "created": 1,
            "model": f"{body.get('model')}-2026",
            "choices": [
                {"index": i, "text": reply.content, "finish_reason": "stop", "logprobs": None}
                for i in range(count)
            ],
        }
        if reply.usage:
            out["usage"] = self._usage(body, " ".join([reply.content] * count))
        return out

    def _completion_chunks(
        self, body: dict[str, Any], reply: Reply
    ) -> list[tuple[str | None, Any]]:
        base = {"id": "cmpl-fake", "object": "text_completion", "created": 1}
        base["model"] = f"{body.get('model')}-2026"

        def chunk(text: str, finish: str | None = None) -> tuple[None, Any]:
            choice = {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
            return None, {**base, "choices": [choice]}

        events: list[tuple[str | None, Any]] = [
            chunk(piece) for piece in (reply.chunks or _split(reply.content))
        ]
        events.append(chunk("", "stop"))
        if (body.get("stream_options") or {}).get("include_usage") and reply.usage:
            content = "".join(reply.chunks or [reply.content])
            events.append((None, {**base, "choices": [], "usage": self._usage(body, content)}))
        return events

    def _chat(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": f"call_{i}", "type": "function", "function": tc}
                for i, tc in enumerate(reply.tool_calls)
            ]
        out: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1,
            "model": f"{body.get('model')}-2026",
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
        }
        if reply.usage:
            out["usage"] = {
                "prompt_tokens": self._prompt_tokens(body),
                "completion_tokens": _words(reply.content),
                "total_tokens": self._prompt_tokens(body) + _words(reply.content),
            }
            if reply.details:
                out["usage"]["prompt_tokens_details"] = {"cached_tokens": 2}
                out["usage"]["completion_tokens_details"] = {"reasoning_tokens": 1}
        return out

    def _chat_chunks(self, body: dict[str, Any], reply: Reply) -> list[tuple[str | None, Any]]:
        base = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": f"{body.get('model')}-2026",
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, Any]:
            return None, {
                **base,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        events: list[tuple[str | None, Any]] = [chunk({"role": "assistant", "content": ""})]
        events += [chunk({"content": piece}) for piece in (reply.chunks or _split(reply.content))]
        for i, tc in enumerate(reply.tool_calls or ()):
            events.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": i,
                                "id": f"call_{i}",
                                "type": "function",
                                "function": {"name": tc["name"], "arguments": ""},
                            }
                        ]
                    }
                )
            )
            for piece in _split(tc["arguments"], 7):
                events.append(
                    chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
                )
        events.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
        include_usage = (body.get("stream_options") or {}).get("include_usage")
        if include_usage and reply.usage:
            content = "".join(reply.chunks or [reply.content])
            events.append(
                (
                    None,
                    {
                        **base,
                        "choices": [],
                        "usage": {
                            "prompt_tokens": self._prompt_tokens(body),
                            "completion_tokens": _words(content),
                            "total_tokens": self._prompt_tokens(body) + _words(content),
                        },
                    },
                )
            )
        return events

    def _response(
        self, body: dict[str, Any], reply: Reply, status: str, text: str | None = None
    ) -> dict[str, Any]:
        content = reply.content if text is None else text
        output: list[dict[str, Any]] = []
        if status == "completed" or text is not None:
            output.append(
                {
                    "type": "message",
                    "id": "msg_1",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": content, "annotations": []}],
                }
            )
        for i, tc in enumerate(reply.tool_calls or () if status == "completed" else ()):
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_{i}",
                    "call_id": f"call_{i}",
                    "name": tc["name"],
                    "arguments": tc["arguments"],
                    "status": "completed",
                }
            )
        out: dict[str, Any] = {
            "id": "resp_fake",
            "object": "response",
            "created_at": 1,
            "status": status,
            "model": f"{body.get('model')}-2026",
            "output": output if status == "completed" else [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            "metadata": {},
            "temperature": None,
            "top_p": None,
        }
        if reply.usage and status == "completed":
            out["usage"] = {
                "input_tokens": self._prompt_tokens(body),
                "output_tokens": _words(content),
                "total_tokens": self._prompt_tokens(body) + _words(content),
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            }
        return out

    def _response_events(self, body: dict[str, Any], reply: Reply) -> list[tuple[str | None, Any]]:
        seq = iter(range(10_000))
        events: list[tuple[str | None, Any]] = []

        def add(kind: str, **data: Any) -> None:
            events.append((kind, {"type": kind, "sequence_number": next(seq), **data}))

        add("response.created", response=self._response(body, reply, "in_progress"))
        add("response.in_progress", response=self._response(body, reply, "in_progress"))
        item = {
            "type": "message",
            "id": "msg_1",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        add("response.output_item.added", output_index=0, item=item)
        add(
            "response.content_part.added",
            output_index=0,
            content_index=0,
            item_id="msg_1",
            part={"type": "output_text", "text": "", "annotations": []},
        )
        for piece in reply.chunks or _split(reply.content):
            add(
                "response.output_text.delta",
                output_index=0,
                content_index=0,
                item_id="msg_1",
                delta=piece,
                logprobs=[],
            )
        text = "".join(reply.chunks or [reply.content])
        add(
            "response.output_text.done",
            output_index=0,
            content_index=0,
            item_id="msg_1",
            text=text,
            logprobs=[],
        )
        part = {"type": "output_text", "text": text, "annotations": []}
        add(
            "response.content_part.done",
            output_index=0,
            content_index=0,
            item_id="msg_1",
            part=part,
        )
        add(
            "response.output_item.done",
            output_index=0,
            item={**item, "status": "completed", "content": [part]},
        )
        for i, tc in enumerate(reply.tool_calls or (), start=1):
            call = {
                "type": "function_call",
                "id": f"fc_{i - 1}",
                "call_id": f"call_{i - 1}",
                "name": tc["name"],
                "arguments": "",
                "status": "in_progress",
            }
            add("response.output_item.added", output_index=i, item=call)
            for piece in _split(tc["arguments"], 7):
                add(
                    "response.function_call_arguments.delta",
                    output_index=i,
                    item_id=call["id"],
                    delta=piece,
                )
            done = {**call, "arguments": tc["arguments"], "status": "completed"}
            add(
                "response.function_call_arguments.done",
                output_index=i,
                item_id=call["id"],
                name=tc["name"],
                arguments=tc["arguments"],
            )
            add("response.output_item.done", output_index=i, item=done)
        add("response.completed", response=self._response(body, reply, "completed", text))
        return events

    @staticmethod
    def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        return {
            "object": "list",
            "model": f"{body.get('model')}-2026",
            "data": [
                {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3, 0.4]}
                for i in range(len(items))
            ],
            "usage": {"prompt_tokens": 3 * len(items), "total_tokens": 3 * len(items)},
        }


@pytest.fixture(scope="session")
def _fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


@pytest.fixture
def fake_openai(_fake_openai: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The local OpenAI-compatible server, its queue and request log reset for each test."""
    _fake_openai.reset()
    yield _fake_openai
    _fake_openai.reset()


# The injection detector's model is developed elsewhere; these tests pin the guards they use.
_BASE = {"prompt_injection": {"enabled": False}}
_POLICIES = {
    "redact": {**_BASE},
    "block": {**_BASE, "secrets": {"action": "block"}},
}


@pytest.fixture
def guarded(request: pytest.FixtureRequest) -> Iterator[Policy]:
    """The test module's ``INTEGRATION`` applied with the policy given by indirect
    parametrization: a `Policy`, a mapping of its fields, or a name (``"block"``: secrets
    block); ``"redact"`` if none."""
    from aisec_sdk.instrumentation import instrument, uninstrument
    from aisec_sdk.policy import as_policy

    param = getattr(request, "param", "redact")
    given = param if isinstance(param, Policy | dict) else Policy(guards=_POLICIES[param])
    integration: str = request.module.INTEGRATION
    instrument(integration, policy=given)
    yield as_policy(given)
    uninstrument(integration)


@pytest.fixture
def openai_instrumented() -> Iterator[None]:
    """The OpenAI integration applied for one test, removed afterwards."""
    from aisec_sdk.instrumentation import instrument, uninstrument

    instrument("openai")
    yield
    uninstrument("openai")


# --------------------------------------------------------------------------- a tiny local model

TINY_CORPUS = [
    "hello world how are you today",
    "the deploy key is AKIAIOSFODNN7EXAMPLE",
    "tell me a story about cats and dogs",
    "user assistant system",
]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    """A 1-layer GPT-2 with random weights and a word-level tokenizer trained on TINY_CORPUS.

    Returns (model, tokenizer, directory the two were saved to). Nothing is downloaded.
    """
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.train_from_iterator(
        TINY_CORPUS, trainers.WordLevelTrainer(special_tokens=["[UNK]", "[EOS]"])
    )
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", eos_token="[EOS]", pad_token="[EOS]"
    )
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }} {{ m['content'] }} {% endfor %}"
    )
    torch.manual_seed(0)
    config = transformers.GPT2Config(
        n_layer=1,
        n_head=2,
        n_embd=16,
        n_positions=64,
        vocab_size=tokenizer.vocab_size,
        bos_token_id=1,
        eos_token_id=1,
        pad_token_id=1,
    )
    model = transformers.GPT2LMHeadModel(config)
    directory = tmp_path_factory.mktemp("tiny-gpt2")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return model, tokenizer, directory
