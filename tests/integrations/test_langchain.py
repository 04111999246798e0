"""The LangChain integration with real langchain-core runnables, fake models, tools, a retriever."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Generator, Iterator
from typing import Any, cast

import pytest
from langchain_core.callbacks import BaseCallbackManager, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake import FakeListLLM, FakeStreamingListLLM
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers import StrOutputParser
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import SpanKind
from pydantic import Field, SecretStr

from aisec_sdk.errors import GuardViolation
from aisec_sdk.instrumentation import instrument, uninstrument
from aisec_sdk.policy import Policy

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
CARD = "4111 1111 1111 1111"
BASE = {"prompt_injection": {"enabled": False}}
REDACT = Policy(guards=BASE)
INTEGRATION = "langchain"  # what the `guarded` fixture applies


class Recorder(GenericFakeChatModel):
    """A fake chat model that remembers the messages it was given."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.seen.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def _answers(*texts: str) -> Iterator[AIMessage]:
    return iter([AIMessage(content=t) for t in texts])


def _events(span: Any) -> list[dict[str, Any]]:
    return [dict(e.attributes or {}) for e in span.events if e.name == "aisec.finding"]


def _by_name(telemetry: Any) -> dict[str, Any]:
    return {s.name: s for s in telemetry.spans()}


# --------------------------------------------------------------------------- chat models


def test_invoke_redacts_the_prompt_before_the_model_sees_it(
    guarded: Policy, telemetry: Any
) -> None:
    model = Recorder(messages=_answers("fine"))
    user_message = HumanMessage(content=f"my key is {AWS_KEY}")
    answer = model.invoke([SystemMessage(content="be brief"), user_message])
    assert answer.content == "fine"
    assert AWS_KEY not in json.dumps([m.content for m in model.seen[0]])
    assert user_message.content == f"my key is {AWS_KEY}"  # the caller's object is untouched
    (span,) = telemetry.llm_spans()
    assert span.kind is SpanKind.CLIENT
    assert span.attributes[gen_ai.GEN_AI_OPERATION_NAME] == "chat"
    assert (
        span.attributes[gen_ai.GEN_AI_PROVIDER_NAME] == "recorder"
    )  # LangChain derives ls_provider from the class name
    assert span.attributes["aisec.action"] == "redact"
    assert span.attributes["aisec.usage.counted"] is True
    assert [e["aisec.guard"] for e in _events(span)] == ["secrets"]


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_blocked_prompt_never_reaches_the_model(guarded: Policy, telemetry: Any) -> None:
    model = Recorder(messages=_answers("never"))
    with pytest.raises(GuardViolation):
        model.invoke(f"use {AWS_KEY}")
    assert model.seen == []
    (span,) = telemetry.llm_spans()
    assert span.attributes["error.type"] == "GuardViolation"


def test_invoke_output_redacted(guarded: Policy, telemetry: Any) -> None:
    model = GenericFakeChatModel(messages=_answers(f"the card is {CARD}"))
    assert model.invoke("card?").content == "the card is <CREDIT_CARD>"
    assert {e["aisec.direction"] for e in _events(telemetry.llm_spans()[0])} == {"output"}


def _calls_tool(args: dict[str, Any]) -> FakeMessagesListChatModel:
    tool_call = {"name": "pay", "args": args, "id": "call-1", "type": "tool_call"}
    return FakeMessagesListChatModel(responses=[AIMessage(content="", tool_calls=[tool_call])])


def test_tool_call_arguments_of_the_answer_are_guarded(guarded: Policy, telemetry: Any) -> None:
    args = {"card": f"card {CARD}", "items": [{"note": f"key {AWS_KEY}"}], "count": 2}
    answer = _calls_tool(args).invoke("pay")
    assert answer.tool_calls[0]["args"] == {
        "card": "card <CREDIT_CARD>",
        "items": [{"note": "key <SECRET:AWS_ACCESS_KEY_ID>"}],
        "count": 2,
    }
    assert [e["aisec.direction"] for e in _events(telemetry.llm_spans()[0])] == ["output"] * 2


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_a_tool_call_argument_can_block_the_answer(guarded: Policy, telemetry: Any) -> None:
    with pytest.raises(GuardViolation):
        _calls_tool({"key": AWS_KEY}).invoke("deploy")
    assert telemetry.llm_spans()[0].attributes["aisec.action"] == "block"


class ToolStreamer(BaseChatModel):
    """A chat model that streams one tool call in pieces, as provider models do."""

    arguments: str
    more: list[str] = Field(default_factory=list)  # the arguments of further calls

    @property
    def _llm_type(self) -> str:
        return "tool-streamer"

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        raise NotImplementedError

    def _stream(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        yield ChatGenerationChunk(message=AIMessageChunk(content="calling"))
        for n, arguments in enumerate([self.arguments, *self.more]):
            for i in range(0, len(arguments), 8):
                first = i == 0
                chunk = tool_call_chunk(
                    name="pay" if first else None,
                    args=arguments[i : i + 8],
                    id=f"call-{n}" if first else None,
                    index=n,
                )
                message = AIMessageChunk(content="", tool_call_chunks=[chunk])
                yield ChatGenerationChunk(message=message)


def test_streamed_tool_call_arguments_are_redacted_in_every_chunk(
    guarded: Policy, telemetry: Any
) -> None:
    card, key = json.dumps({"card": CARD}), json.dumps({"q": f"the key {AWS_KEY} please"})
    chunks = list(ToolStreamer(arguments=card, more=[key]).stream("pay"))
    pieces = [c["args"] or "" for chunk in chunks for c in chunk.tool_call_chunks]
    assert not [p for p in pieces if "4111" in p or AWS_KEY[:8] in p]
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert [c["args"] for c in whole.tool_calls] == [
        {"card": "<CREDIT_CARD>"},
        {"q": "the key <SECRET:AWS_ACCESS_KEY_ID> please"},
    ]
    (span,) = telemetry.llm_spans()
    assert span.attributes["aisec.output.action"] == "redact"
    assert sorted(e["aisec.guard"] for e in _events(span)) == ["pii", "secrets"]


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_a_streamed_tool_call_is_checked_when_it_is_whole(guarded: Policy, telemetry: Any) -> None:
    model = ToolStreamer(arguments=json.dumps({"key": AWS_KEY}))
    with pytest.raises(GuardViolation):
        list(model.stream("deploy"))
    (span,) = telemetry.llm_spans()
    assert span.attributes["aisec.action"] == "block"
    assert [e["aisec.guard"] for e in _events(span)] == ["secrets"]
    telemetry.clear()
    assert "".join(str(c.content) for c in ToolStreamer(arguments='{"n": 2}').stream("x"))


def test_ainvoke_and_batch(guarded: Policy, telemetry: Any) -> None:
    model = FakeListChatModel(responses=[f"key {AWS_KEY}"] * 4)
    answer = asyncio.run(model.ainvoke("hi"))
    assert AWS_KEY not in str(answer.content)
    answers = model.batch(["a", "b", "c"])
    assert all(AWS_KEY not in str(a.content) for a in answers)
    assert len(telemetry.llm_spans()) == 4


def test_stream_redacts_across_chunks(guarded: Policy, telemetry: Any) -> None:
    text = f"Sure, here it is: {AWS_KEY} and that is all I can say about it today."
    model = GenericFakeChatModel(messages=_answers(text))
    chunks = [c.content for c in model.stream("key?")]
    joined = "".join(str(c) for c in chunks)
    assert AWS_KEY not in joined and "<SECRET:AWS_ACCESS_KEY_ID>" in joined
    assert joined.endswith("about it today.")
    (span,) = telemetry.llm_spans()
    assert [e["aisec.guard"] for e in _events(span)] == ["secrets"]


def test_a_clean_stream_records_its_output_action(guarded: Policy, telemetry: Any) -> None:
    """As ``invoke`` does: ``aisec.output.action`` is ``allow`` on a clean stream too."""
    text = "A plain answer in many words. " * 8
    model = GenericFakeChatModel(messages=_answers(text, text))
    list(model.stream("hi"))
    model.invoke("hi")
    assert [s.attributes.get("aisec.output.action") for s in telemetry.llm_spans()] == [
        "allow",
        "allow",
    ]


def test_a_stream_stopped_early_is_not_an_error(guarded: Policy, telemetry: Any) -> None:
    model = GenericFakeChatModel(messages=_answers("word " * 100))
    stream = cast(Generator[Any, None, None], model.stream("hi"))  # a generator underneath
    next(stream)
    stream.close()
    (span,) = telemetry.llm_spans()
    assert span.end_time is not None
    assert span.status.status_code.name == "UNSET" and "error.type" not in span.attributes


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_astream_block_stops_the_stream(guarded: Policy, telemetry: Any) -> None:
    model = GenericFakeChatModel(messages=_answers(f"here: {AWS_KEY} " + "more words " * 20))

    async def main() -> str:
        out = []
        async for chunk in model.astream("key?"):
            out.append(str(chunk.content))
        return "".join(out)

    with pytest.raises(GuardViolation):
        asyncio.run(main())
    (span,) = telemetry.llm_spans()
    assert span.end_time is not None


def test_llms_invoke_stream_and_batch(guarded: Policy, telemetry: Any) -> None:
    llm = FakeListLLM(responses=[f"card {CARD}", "plain", "plain"])
    assert llm.invoke(f"prompt with {AWS_KEY}") == "card <CREDIT_CARD>"
    assert llm.batch(["x", "y"]) == ["plain", "plain"]
    streamer = FakeStreamingListLLM(
        responses=[f"the key {AWS_KEY} is here, and the rest of the text follows."]
    )
    streamed = "".join(streamer.stream("go"))
    assert AWS_KEY not in streamed and streamed.endswith("text follows.")
    spans = telemetry.llm_spans()
    assert len(spans) == 4
    assert {s.attributes[gen_ai.GEN_AI_OPERATION_NAME] for s in spans} == {"text_completion"}


# --------------------------------------------------------------------------- tools and retrievers


@tool
def lookup_order(order_id: str) -> str:
    """Look up an order."""
    return f"order {order_id} was paid with {CARD}"


def test_tool_result_is_checked_as_context(guarded: Policy, telemetry: Any) -> None:
    assert lookup_order.invoke({"order_id": "42"}) == "order 42 was paid with <CREDIT_CARD>"
    (span,) = telemetry.spans("execute_tool")
    assert span.name == "execute_tool lookup_order"
    assert span.attributes[gen_ai.GEN_AI_TOOL_NAME] == "lookup_order"
    assert [(e["aisec.guard"], e["aisec.direction"]) for e in _events(span)] == [("pii", "context")]


def test_tool_span_follows_the_execute_tool_convention(guarded: Policy, telemetry: Any) -> None:
    call = {"name": "lookup_order", "args": {"order_id": "7"}, "id": "call-9", "type": "tool_call"}
    lookup_order.invoke(call)
    (span,) = telemetry.spans("execute_tool")
    assert span.kind is SpanKind.INTERNAL
    attrs = span.attributes
    assert attrs[gen_ai.GEN_AI_OPERATION_NAME] == "execute_tool"
    assert attrs[gen_ai.GEN_AI_TOOL_CALL_ID] == "call-9"
    assert attrs[gen_ai.GEN_AI_TOOL_DESCRIPTION] == "Look up an order."
    assert attrs[gen_ai.GEN_AI_TOOL_TYPE] == "function"
    assert gen_ai.GEN_AI_TOOL_CALL_ARGUMENTS not in attrs  # content: opt-in only
    assert gen_ai.GEN_AI_TOOL_CALL_RESULT not in attrs


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_tool_arguments_are_checked_as_input(guarded: Policy, telemetry: Any) -> None:
    with pytest.raises(GuardViolation):
        lookup_order.invoke({"order_id": AWS_KEY})
    (span,) = telemetry.spans("execute_tool")
    assert span.attributes["aisec.action"] == "block"


class Docs(BaseRetriever):
    """A retriever over a fixed list of documents."""

    docs: list[Document]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return list(self.docs)


def test_retrieved_documents_are_checked_as_context(guarded: Policy, telemetry: Any) -> None:
    store = [
        Document(page_content="shipping takes 3 days"),
        Document(page_content=f"admin key {AWS_KEY}"),
    ]
    docs = Docs(docs=store).invoke("shipping")
    assert [d.page_content for d in docs] == [
        "shipping takes 3 days",
        "admin key <SECRET:AWS_ACCESS_KEY_ID>",
    ]
    assert store[1].page_content == f"admin key {AWS_KEY}"  # the store itself is untouched
    (span,) = telemetry.spans("retrieval")
    assert span.attributes[gen_ai.GEN_AI_OPERATION_NAME] == "retrieval"
    assert span.attributes["aisec.retrieval.documents"] == 2
    assert [e["aisec.direction"] for e in _events(span)] == ["context"]


class Store(Docs):
    """A retriever that hands out its own stored list."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return self.docs


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_retriever_store_is_not_overwritten_with_redacted_copies(
    guarded: Policy, asynchronous: bool
) -> None:
    retriever = Store(
        docs=[Document(page_content=f"card {CARD}"), Document(page_content="no secret")]
    )
    got = asyncio.run(retriever.ainvoke("q")) if asynchronous else retriever.invoke("q")
    assert [d.page_content for d in got] == ["card <CREDIT_CARD>", "no secret"]
    assert got is not retriever.docs
    assert [d.page_content for d in retriever.docs] == [f"card {CARD}", "no secret"]
    assert [d.page_content for d in retriever.invoke("q")] == ["card <CREDIT_CARD>", "no secret"]


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_poisoned_document_stops_a_rag_chain(guarded: Policy, telemetry: Any) -> None:
    model = Recorder(messages=_answers("never"))
    retriever = Docs(docs=[Document(page_content=f"use key {AWS_KEY}")])
    chain = (
        {"context": retriever, "q": RunnableLambda(lambda q: q)}
        | ChatPromptTemplate.from_messages([("system", "{context}"), ("user", "{q}")])
        | model
    )
    with pytest.raises(GuardViolation):
        chain.invoke("question")
    assert model.seen == []


# --------------------------------------------------------------------------- nesting


def test_spans_nest_by_run_ids(guarded: Policy, telemetry: Any) -> None:
    chain = (
        ChatPromptTemplate.from_messages([("user", "{q}")])
        | FakeListChatModel(responses=["ok"])
        | StrOutputParser()
    )
    assert chain.invoke({"q": "hi"}) == "ok"
    spans = _by_name(telemetry)
    root = spans["RunnableSequence"]
    assert root.parent is None or root.parent.span_id not in {
        s.context.span_id for s in spans.values()
    }
    for child in ("ChatPromptTemplate", "chat", "StrOutputParser"):
        assert spans[child].parent.span_id == root.context.span_id, child
    assert {s.context.trace_id for s in spans.values()} == {root.context.trace_id}


def test_concurrent_async_chains_do_not_cross(guarded: Policy, telemetry: Any) -> None:
    def chain_for(i: int) -> Any:
        model = FakeListChatModel(
            responses=[f"answer {i} key {AWS_KEY}" if i % 2 else f"answer {i}"]
        )
        return (
            ChatPromptTemplate.from_messages([("user", "{q}")]) | model | StrOutputParser()
        ).with_config(run_name=f"chain-{i}")

    async def main() -> list[Any]:
        return await asyncio.gather(*(chain_for(i).ainvoke({"q": str(i)}) for i in range(50)))

    results = asyncio.run(main())
    assert results == [
        f"answer {i} key <SECRET:AWS_ACCESS_KEY_ID>" if i % 2 else f"answer {i}" for i in range(50)
    ]
    spans = telemetry.spans()
    chains = {s.context.span_id: s.name for s in spans if s.name.startswith("chain-")}
    models = [s for s in spans if s.name == "chat"]
    assert len(models) == 50
    for span in models:
        i = int(chains[span.parent.span_id].split("-")[1])
        assert span.attributes["aisec.findings.count"] == (1 if i % 2 else 0)


def test_8_threads_do_not_cross(guarded: Policy, telemetry: Any) -> None:
    def work(t: int) -> None:
        for k in range(4):
            i = t * 4 + k
            answer = f"answer {i} key {AWS_KEY}" if i % 2 else f"answer {i}"
            chain = (
                ChatPromptTemplate.from_messages([("user", "{q}")])
                | FakeListChatModel(responses=[answer])
                | StrOutputParser()
            ).with_config(run_name=f"chain-{i}")
            assert AWS_KEY not in chain.invoke({"q": str(i)})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans = telemetry.spans()
    chains = {s.context.span_id: s.name for s in spans if s.name.startswith("chain-")}
    models = [s for s in spans if s.name == "chat"]
    assert len(chains) == len(models) == 32
    for span in models:
        i = int(chains[span.parent.span_id].split("-")[1])
        assert span.attributes["aisec.findings.count"] == (1 if i % 2 else 0)


# --------------------------------------------------------------------------- with OpenAI


def test_chat_openai_makes_one_guarded_llm_span(
    guarded: Policy, fake_openai: Any, telemetry: Any
) -> None:
    from langchain_openai import ChatOpenAI

    instrument("openai", policy=REDACT)
    try:
        model = ChatOpenAI(
            model="gpt-4o", base_url=fake_openai.url, api_key=SecretStr("test-key"), max_retries=0
        )
        fake_openai.queue(content=f"your card: {CARD}")
        answer = model.invoke([HumanMessage(content=f"key {AWS_KEY}")])
        fake_openai.queue(content=f"streamed card {CARD} and a few more words to finish")
        streamed = "".join(str(c.content) for c in model.stream("again"))
        fake_openai.queue(content=f"async card {CARD}")
        later = asyncio.run(model.ainvoke("async"))
    finally:
        uninstrument("openai")
    assert "4111" not in str(answer.content) and "4111" not in streamed
    assert "4111" not in str(later.content)
    assert AWS_KEY not in json.dumps(fake_openai.seen()[0].body)
    llm = telemetry.llm_spans()
    assert [s.instrumentation_scope.name for s in llm] == ["aisec_sdk.integrations.langchain"] * 3
    assert llm[0].name == "chat gpt-4o"
    assert llm[0].attributes[gen_ai.GEN_AI_PROVIDER_NAME] == "openai"
    assert llm[0].attributes[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] > 0
    assert "aisec.usage.counted" not in llm[0].attributes


def test_chat_openai_bound_tools_stream_redacted_arguments(
    guarded: Policy, fake_openai: Any, telemetry: Any
) -> None:
    from langchain_openai import ChatOpenAI

    @tool
    def lookup(q: str) -> str:
        """Look something up."""
        return q

    model = ChatOpenAI(
        model="gpt-4o", base_url=fake_openai.url, api_key=SecretStr("test-key"), max_retries=0
    ).bind_tools([lookup])
    arguments = json.dumps({"q": f"key {AWS_KEY}"})
    fake_openai.queue(
        content="", chunks=[], tool_calls=[{"name": "lookup", "arguments": arguments}]
    )
    chunks = list(model.stream("look it up"))
    assert not [c for chunk in chunks for c in chunk.tool_call_chunks if "AKIA" in c["args"]]
    whole = chunks[0]
    for chunk in chunks[1:]:
        whole += chunk
    assert whole.tool_calls[0]["args"] == {"q": "key <SECRET:AWS_ACCESS_KEY_ID>"}
    (span,) = telemetry.llm_spans()
    assert span.attributes["aisec.output.action"] == "redact"


def test_chat_openai_span_has_request_parameters_and_endpoint(
    guarded: Policy, fake_openai: Any, telemetry: Any
) -> None:
    from langchain_openai import ChatOpenAI

    port = int(fake_openai.url.split(":")[2].split("/")[0])
    model = ChatOpenAI(
        model="gpt-4o",
        base_url=fake_openai.url,
        api_key=SecretStr("test-key"),
        max_retries=0,
        temperature=0.3,
        max_tokens=40,  # type: ignore[call-arg]  # an alias of max_completion_tokens
        top_p=0.9,
        seed=7,
        frequency_penalty=0.5,
        presence_penalty=0.25,
    )
    model.invoke("hi", stop=["END"])
    for _ in model.stream("hi"):
        pass
    model.batch(["a", "b"])
    spans = telemetry.llm_spans()
    assert len(spans) == 4
    for span in spans:
        attrs = span.attributes
        assert attrs["server.address"] == "127.0.0.1" and attrs["server.port"] == port
        assert attrs[gen_ai.GEN_AI_REQUEST_TEMPERATURE] == 0.3
        assert attrs[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] == 40
        assert attrs[gen_ai.GEN_AI_REQUEST_TOP_P] == 0.9
        assert attrs[gen_ai.GEN_AI_REQUEST_SEED] == 7
        assert attrs[gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY] == 0.5
        assert attrs[gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY] == 0.25
    assert spans[0].attributes[gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES] == ("END",)
    assert [s.attributes.get(gen_ai.GEN_AI_REQUEST_STREAM) for s in spans] == [
        None,
        True,
        None,
        None,
    ]


def test_a_model_with_no_endpoint_has_no_server_attributes(guarded: Policy, telemetry: Any) -> None:
    FakeListChatModel(responses=["x"]).invoke("hi")
    (span,) = telemetry.llm_spans()
    assert "server.address" not in span.attributes


# --------------------------------------------------------------------------- lifecycle


def test_uninstrument_restores_langchain(telemetry: Any) -> None:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.tools import BaseTool

    before = (
        BaseCallbackManager.__dict__["__init__"],
        BaseChatModel.__dict__["invoke"],
        BaseTool.__dict__["run"],
    )
    instrument("langchain", policy=REDACT)
    instrument("langchain")
    FakeListChatModel(responses=["x"]).invoke("hi")
    assert len(telemetry.llm_spans()) == 1
    uninstrument("langchain")
    after = (
        BaseCallbackManager.__dict__["__init__"],
        BaseChatModel.__dict__["invoke"],
        BaseTool.__dict__["run"],
    )
    assert after == before
    FakeListChatModel(responses=["x"]).invoke("hi")
    assert len(telemetry.llm_spans()) == 1


def test_a_stream_records_time_to_first_chunk(guarded: Policy, telemetry: Any) -> None:
    model = GenericFakeChatModel(messages=_answers("a streamed answer in a few chunks"))
    for _ in model.stream("hi"):
        pass
    (span,) = telemetry.llm_spans()
    first = span.attributes[gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]
    assert isinstance(first, float) and 0 < first <= (span.end_time - span.start_time) / 1e9
    telemetry.clear()
    GenericFakeChatModel(messages=_answers("not streamed")).invoke("hi")
    (span,) = telemetry.llm_spans()
    assert gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK not in span.attributes


def test_captured_answer_carries_tool_calls(
    guarded: Policy, telemetry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    _calls_tool({"card": f"card {CARD}"}).invoke("pay")
    (span,) = telemetry.llm_spans()
    (message,) = json.loads(span.attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES])
    (part,) = message["parts"]
    assert part["type"] == "tool_call" and part["name"] == "pay" and part["id"] == "call-1"
    assert "4111" not in part["arguments"] and json.loads(part["arguments"])["card"]


def test_captured_tool_call_arguments_keep_non_ascii_text(
    guarded: Policy, telemetry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    _calls_tool({"city": "Zürich"}).invoke("weather")
    (span,) = telemetry.llm_spans()
    (message,) = json.loads(span.attributes[gen_ai.GEN_AI_OUTPUT_MESSAGES])
    (part,) = message["parts"]
    assert "Zürich" in part["arguments"]  # as the input side captures it, not \u-escaped


def test_bound_tools_are_captured_as_definitions(
    guarded: Policy, fake_openai: Any, telemetry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_openai import ChatOpenAI

    @tool
    def weather(city: str) -> str:
        """Weather of a city."""
        return "sunny"

    model = ChatOpenAI(model="gpt-4o", base_url=fake_openai.url, api_key=SecretStr("k"))
    model.bind_tools([weather]).invoke("hi")
    assert gen_ai.GEN_AI_TOOL_DEFINITIONS not in telemetry.llm_spans()[0].attributes
    telemetry.clear()
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    model.bind_tools([weather]).invoke("hi")
    (span,) = telemetry.llm_spans()
    (definition,) = json.loads(span.attributes[gen_ai.GEN_AI_TOOL_DEFINITIONS])
    assert definition["type"] == "function" and definition["name"] == "weather"
    assert definition["parameters"]["properties"]["city"]["type"] == "string"


def test_response_id_is_the_providers_never_a_langchain_run_id(
    guarded: Policy, fake_openai: Any, telemetry: Any
) -> None:
    from langchain_openai import ChatOpenAI

    model = ChatOpenAI(model="gpt-4o", base_url=fake_openai.url, api_key=SecretStr("k"))
    assert str(model.invoke("hi").id).startswith("lc_run")  # LangChain's own id on the message
    for _ in model.stream("hi"):  # a streamed answer carries no provider id
        pass
    GenericFakeChatModel(messages=_answers("no id")).invoke("hi")
    invoked, streamed, fake = telemetry.llm_spans()
    assert invoked.attributes[gen_ai.GEN_AI_RESPONSE_ID] == "chatcmpl-fake"
    assert gen_ai.GEN_AI_RESPONSE_ID not in streamed.attributes
    assert gen_ai.GEN_AI_RESPONSE_ID not in fake.attributes


def test_finish_reasons_of_every_generation(guarded: Policy, telemetry: Any) -> None:
    from langchain_core.outputs import ChatGeneration

    class TwoChoices(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "two-choices"

        def _generate(
            self,
            messages: list[BaseMessage],
            stop: list[str] | None = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            return ChatResult(
                generations=[
                    ChatGeneration(
                        message=AIMessage(content="a", response_metadata={"finish_reason": "stop"})
                    ),
                    ChatGeneration(
                        message=AIMessage(
                            content="b", response_metadata={"finish_reason": "length"}
                        )
                    ),
                ]
            )

    TwoChoices().invoke("hi")
    (span,) = telemetry.llm_spans()
    assert span.attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop", "length")


def test_cached_input_and_reasoning_tokens_from_usage_metadata(
    guarded: Policy, telemetry: Any
) -> None:
    usage: Any = {
        "input_tokens": 10,
        "output_tokens": 4,
        "total_tokens": 14,
        "input_token_details": {"cache_read": 6, "cache_creation": 2},
        "output_token_details": {"reasoning": 3},
    }
    answer = AIMessage(content="hi", usage_metadata=usage)
    FakeMessagesListChatModel(responses=[answer]).invoke("hi")
    (span,) = telemetry.llm_spans()
    attrs = span.attributes
    assert attrs[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] == 10
    assert attrs[gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 6
    assert attrs[gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] == 2
    assert attrs[gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 3


def test_structured_output_is_json(guarded: Policy, fake_openai: Any, telemetry: Any) -> None:
    from langchain_openai import ChatOpenAI
    from pydantic import BaseModel

    class City(BaseModel):
        name: str

    model = ChatOpenAI(model="gpt-4o", base_url=fake_openai.url, api_key=SecretStr("k"))
    fake_openai.queue(content=json.dumps({"name": "Paris"}))
    assert model.with_structured_output(City, method="json_schema").invoke("city?") == City(
        name="Paris"
    )
    model.invoke("plain")
    structured, plain = [s for s in telemetry.llm_spans() if s.name == "chat gpt-4o"]
    assert structured.attributes[gen_ai.GEN_AI_OUTPUT_TYPE] == "json"
    assert gen_ai.GEN_AI_OUTPUT_TYPE not in plain.attributes


def test_captured_prompt_uses_the_genai_roles(
    guarded: Policy, telemetry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "span_only")
    GenericFakeChatModel(messages=_answers("ok")).invoke(
        [SystemMessage(content="be brief"), HumanMessage(content="hi")]
    )
    (span,) = telemetry.llm_spans()
    captured = json.loads(span.attributes[gen_ai.GEN_AI_INPUT_MESSAGES])
    assert [m["role"] for m in captured] == ["system", "user"]
