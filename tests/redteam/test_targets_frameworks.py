"""Framework targets: the real openai client against a local server, and LangChain."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import weak_assistant

from aisec_sdk.redteam.runner import run
from aisec_sdk.redteam.scorers import CONTROL_PROMPT
from aisec_sdk.redteam.targets import LangChainTarget, OpenAITarget, TargetError, as_target


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, model: str, answer: str) -> None:
        """Server-sent events as the API streams: a role chunk, text deltas, a usage chunk."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {"id": "chatcmpl-aisec", "object": "chat.completion.chunk", "created": 0}
        deltas = [{"role": "assistant", "content": None}]
        deltas += [{"content": answer[i : i + 7]} for i in range(0, len(answer), 7)]
        events = [{**chunk, "model": model, "choices": [{"index": 0, "delta": d}]} for d in deltas]
        events.append({**chunk, "model": model, "choices": [], "usage": {"total_tokens": 2}})
        for event in events:
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found"}})
            return
        with self.server.lock:
            self.server.requests.append(body)
            failing = self.server.fail_first > 0
            if failing:
                self.server.fail_first -= 1
        if failing:
            self._send(503, {"error": {"message": "overloaded", "type": "server_error"}})
            return
        answer = weak_assistant.chat_messages(body["messages"])
        if body.get("stream"):
            self._stream(body["model"], answer)
            return
        self._send(
            200,
            {
                "id": "chatcmpl-aisec",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def _base_url(srv: _Server) -> str:
    return f"http://127.0.0.1:{srv.server_address[1]}/v1"


def _attack_requests(srv: _Server) -> list[dict[str, Any]]:
    """The server's requests but the (at most one) harmless control question."""
    control = [r for r in srv.requests if r["messages"][-1]["content"] == CONTROL_PROMPT]
    assert len(control) <= 1
    return [r for r in srv.requests if r not in control]


def test_openai_endpoint_through_the_real_client(server: _Server) -> None:
    target = OpenAITarget("weak-model", base_url=_base_url(server), api_key="test-key")
    result = run(target, budget=15, seed=4, concurrency=3)
    assert result.overall.attempts == 15 and result.overall.errors == 0
    assert result.attack_success_rate >= 0.8
    assert len(_attack_requests(server)) == 15
    assert all(r["model"] == "weak-model" and r["temperature"] == 0.0 for r in server.requests)
    indirect = [r for r in server.requests if any(m["role"] == "tool" for m in r["messages"])]
    assert indirect, "indirect probes arrive as tool results"
    assert result.target["name"].startswith("openai:weak-model@http://127.0.0.1")


def test_openai_transient_errors_are_retried(server: _Server) -> None:
    server.fail_first = 2
    target = OpenAITarget("weak-model", base_url=_base_url(server), api_key="k")
    result = run(target, budget=2, concurrency=1, backoff=0.0)
    assert [a.outcome for a in result.attempts].count("error") == 0
    assert sum(a.tries for a in result.attempts) == 4
    assert len(server.requests) == 4


def test_langchain_runnable_lambda_gets_text() -> None:
    from langchain_core.runnables import RunnableLambda

    runnable = RunnableLambda(weak_assistant.chat)
    target = as_target(runnable)
    assert isinstance(target, LangChainTarget) and target.input == "text"
    assert target.source[0] is not None and target.source[0].endswith("weak_assistant.py")
    result = run(runnable, budget=10)
    # a text runnable gets no system prompt: only what travels in documents can leak
    assert not any(a.system_prompt for a in result.attempts)
    assert result.families["indirect_injection"].asr == 1.0
    assert result.families["system_prompt_extraction"].successes == 0


def test_langchain_chat_model_gets_messages() -> None:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.outputs import ChatGeneration, ChatResult

    seen: list[list[str]] = []

    class WeakChatModel(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "weak-test-model"

        def _generate(
            self,
            messages: list[BaseMessage],
            stop: Any = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            seen.append([m.type for m in messages])
            system = next((str(m.content) for m in messages if m.type == "system"), None)
            user = next(str(m.content) for m in messages if m.type == "human")
            tool = next((str(m.content) for m in messages if m.type == "tool"), None)
            answer = weak_assistant.chat(user, system=system, document=tool)
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=answer))])

    model = WeakChatModel()
    target = as_target(model)
    assert isinstance(target, LangChainTarget) and target.accepts_system
    result = run(model, budget=10, seed=3)
    assert result.attack_success_rate >= 0.8
    assert ["system", "human", "ai", "tool"] in seen


def test_things_that_are_not_targets_are_rejected() -> None:
    with pytest.raises(TargetError, match="callable"):
        as_target(42)
    with pytest.raises(TargetError, match="MODULE:FUNCTION"):
        as_target("no_colon_here")
    with pytest.raises(TargetError, match="cannot import"):
        as_target("aisec_no_such_module_xyz:f")


def test_cli_accepts_a_target_object(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aisec_sdk.cli import main

    module = f"rt_endpoint_{server.server_address[1]}"
    (tmp_path / f"{module}.py").write_text(
        "from aisec_sdk.redteam import OpenAITarget\n"
        f"endpoint = OpenAITarget('weak-model', base_url={_base_url(server)!r}, api_key='k')\n"
    )
    monkeypatch.chdir(tmp_path)
    args = ["redteam", f"{module}:endpoint", "--budget", "5", "--fail-above", "0.5"]
    assert main([*args, "--sarif", "r.sarif"]) == 1
    assert len(_attack_requests(server)) == 5
    # code scanning needs a location: the line of the user's module that defines the target
    results = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"]
    assert results and all(
        r["locations"][0]["physicalLocation"]
        == {"artifactLocation": {"uri": f"{module}.py"}, "region": {"startLine": 2}}
        for r in results
    )


def test_a_function_returning_the_clients_stream_is_joined(server: _Server) -> None:
    import openai

    client = openai.OpenAI(base_url=_base_url(server), api_key="k", max_retries=0)
    aclient = openai.AsyncOpenAI(base_url=_base_url(server), api_key="k", max_retries=0)

    def turns(prompt: str, system: str | None) -> Any:
        return [{"role": "system", "content": system or ""}, {"role": "user", "content": prompt}]

    def whole(prompt: str, system: str | None = None) -> Any:
        return client.chat.completions.create(model="m", messages=turns(prompt, system))

    def streams(prompt: str, system: str | None = None) -> Any:
        return client.chat.completions.create(
            model="m", messages=turns(prompt, system), stream=True
        )

    async def astreams(prompt: str, system: str | None = None) -> Any:
        return await aclient.chat.completions.create(
            model="m", messages=turns(prompt, system), stream=True
        )

    answers = [a.response for a in run(whole, budget=10, seed=2).attempts]
    assert all(answers) and not any("choices" in a for a in answers)
    for target in (streams, astreams):
        result = run(target, budget=10, seed=2)
        assert [a.response for a in result.attempts] == answers, target.__name__
        assert result.attack_success_rate >= 0.8


def test_a_prompt_template_chain_gets_its_variables_filled() -> None:
    from langchain_core.prompt_values import PromptValue
    from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
    from langchain_core.runnables import RunnableLambda

    def weak_model(prompt: PromptValue) -> str:
        parts = {m.type: str(m.content) for m in prompt.to_messages()}
        system, _, context = parts["system"].partition("\nContext: ")
        return weak_assistant.chat(parts["human"], system=system, document=context or None)

    template = ChatPromptTemplate.from_messages(
        [
            ("system", "{system}\nContext: {context}"),
            MessagesPlaceholder("chat_history"),
            ("human", "{question}"),
        ]
    )
    chain = template | RunnableLambda(weak_model)
    target = as_target(chain)
    assert isinstance(target, LangChainTarget) and target.accepts_system
    result = run(chain, budget=15, seed=2)
    assert result.overall.errors == 0
    assert result.attack_success_rate >= 0.8
    assert result.families["system_prompt_extraction"].successes > 0  # the canary got in

    rag = ChatPromptTemplate.from_messages([("human", "{context}\n\n{question}")])
    rag_target = as_target(rag | RunnableLambda(lambda p: p.to_string()))
    assert not rag_target.accepts_system
    result = run(rag_target, families=["indirect_injection"], budget=4, seed=2)
    assert result.overall.errors == 0
    assert all(a.document and a.document in a.response for a in result.attempts)


def test_an_object_with_invoke_is_a_runnable_and_one_with_query_says_which_method() -> None:
    class Agent:  # not LangChain, invoked the same way
        def invoke(self, text: str) -> dict[str, str]:
            return {"output": weak_assistant.chat(text)}

    class QueryEngine:
        def query(self, text: str) -> str:
            return text

    result = run(Agent(), families=["indirect_injection"], budget=4)
    assert result.overall.errors == 0 and result.attack_success_rate == 1.0
    with pytest.raises(TargetError, match=r"query\(\): name the method.*OBJECT\.query"):
        as_target(QueryEngine())
