"""How callables receive an attack: parameters, messages, return values."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from aisec_sdk.redteam.targets import CallableTarget, Conversation, OpenAITarget, as_target

CONV = Conversation(system="SYS", user="USER", document="DOC")


def _send(target: Any, conversation: Conversation = CONV) -> str:
    return asyncio.run(as_target(target).send(conversation))


def test_parameters_are_matched_by_name() -> None:
    def with_context(question: str, instructions: str | None = None, context: str = "") -> str:
        return f"{question}|{instructions}|{context}"

    def with_documents(q: str, system_prompt: str = "", documents: list[str] | None = None) -> str:
        return f"{q}|{system_prompt}|{documents}"

    assert _send(with_context) == "USER|SYS|DOC"
    assert _send(with_documents) == "USER|SYS|['DOC']"
    assert as_target(with_context).accepts_system


def test_text_only_callables_get_the_document_inline() -> None:
    def bare(text: str) -> str:
        return text

    target = as_target(bare)
    assert not target.accepts_system
    assert _send(bare) == "USER\n\n<document>\nDOC\n</document>"
    assert _send(bare, Conversation(None, "just this")) == "just this"


def test_message_callables_and_forced_modes() -> None:
    def chat(history: list[dict[str, Any]]) -> str:
        return ",".join(m["role"] for m in history)

    def anything(x: Any) -> str:
        return type(x).__name__

    assert _send(chat) == "system,user,assistant,tool"
    assert _send(CallableTarget(anything, input="messages")) == "list"
    assert _send(CallableTarget(anything, input="text")) == "str"


def test_return_values_become_text() -> None:
    class Message:
        content = "from .content"

    class Bot:
        async def __call__(self, prompt: str) -> dict[str, str]:
            return {"output": "from a dict"}

    assert _send(lambda prompt: Message()) == "from .content"
    assert _send(Bot()) == "from a dict"
    assert _send(lambda prompt: None) == ""
    assert as_target(Bot()).source[0] == __file__


def test_replies_wrapped_the_way_clients_return_them_become_text() -> None:
    class Text:
        def __init__(self, text: str) -> None:
            self.text = text

    class Block:  # an Anthropic-style message: content is a list of text blocks
        def __init__(self) -> None:
            self.content = [Text("block one, "), Text("block two")]

    chat_completion_json = {"choices": [{"message": {"role": "assistant", "content": "choice"}}]}
    ollama_json = {"model": "m", "message": {"role": "assistant", "content": "ollama"}}

    assert _send(lambda prompt: Text("from .text")) == "from .text"
    assert _send(lambda prompt: Block()) == "block one, block two"
    assert _send(lambda prompt: chat_completion_json) == "choice"
    assert _send(lambda prompt: ollama_json) == "ollama"
    assert _send(lambda prompt: {"output_text": "responses api"}) == "responses api"
    assert _send(lambda prompt: b"bytes") == "bytes"


def test_a_real_openai_chat_completion_returned_as_is_becomes_its_text() -> None:
    from openai.types.chat import ChatCompletion

    completion = ChatCompletion.model_validate(
        {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "the model's words"},
                }
            ],
        }
    )
    assert _send(lambda prompt: completion) == "the model's words"


def test_an_openai_answer_without_text_is_empty_not_the_message_repr() -> None:
    from openai.types.chat import ChatCompletion

    def completion(message: dict[str, Any]) -> ChatCompletion:
        choice = {"index": 0, "finish_reason": "stop", "message": message}
        body = {"id": "c", "object": "chat.completion", "created": 0, "model": "m"}
        return ChatCompletion.model_validate({**body, "choices": [choice]})

    call = {"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    answers = [
        completion({"role": "assistant", "content": "words"}),
        completion({"role": "assistant", "content": None, "tool_calls": [call]}),
    ]

    async def create(**options: Any) -> ChatCompletion:
        return answers.pop(0)

    client = SimpleNamespace(chat=SimpleNamespace(completions=SimpleNamespace(create=create)))
    target = OpenAITarget("m", client=client)
    assert _send(target) == "words"
    assert _send(target) == ""  # a tool call only: no text, not "ChatCompletionMessage(...)"


def test_message_input_is_also_read_from_the_annotation() -> None:
    def typed(prompt: list[dict[str, str]]) -> str:
        return ",".join(m["role"] for m in prompt)

    def batch(prompts: list[str]) -> str:
        return type(prompts).__name__

    def text(prompt: str) -> str:
        return type(prompt).__name__

    assert _send(typed) == "system,user,assistant,tool"
    assert _send(batch) == "str"
    assert _send(text) == "str"


def test_the_user_turn_goes_by_name_when_it_is_not_the_first_parameter() -> None:
    def keyword_only(*, prompt: str) -> str:
        return prompt

    def system_first(system: str, question: str) -> str:
        return f"{system}|{question}"

    assert _send(keyword_only, Conversation(None, "hi")) == "hi"
    assert _send(system_first, Conversation("SYS", "hi")) == "SYS|hi"
    assert as_target(system_first).accepts_system


def test_required_parameters_the_red_team_cannot_fill_get_neutral_values() -> None:
    def gradio_style(message: str, history: list[Any]) -> str:
        return f"{message}|{history}"

    def rag(question: str, context: str) -> str:
        return f"{question}|{context!r}"

    def extras(prompt: str, *, user_id: str, top_k: int, options: dict[str, Any], tag) -> str:  # type: ignore[no-untyped-def]
        return f"{prompt}|{user_id!r}|{top_k}|{options}|{tag}"

    direct = Conversation(None, "USER")
    assert _send(gradio_style, direct) == "USER|[]"
    assert _send(rag, direct) == "USER|''"
    assert _send(rag) == "USER|'DOC'"
    assert _send(extras, direct) == "USER|''|0|{}|None"


def test_a_kwargs_only_callable_gets_the_user_turn_as_prompt() -> None:
    def handler(**kwargs: Any) -> str:
        return repr(kwargs)

    assert _send(handler, Conversation(None, "USER")) == "{'prompt': 'USER'}"


def test_lists_tuples_and_pipeline_outputs_become_their_answer() -> None:
    from pydantic import BaseModel

    class Reply(BaseModel):
        reply: str
        confidence: float = 0.5

    chat_pipeline = [
        {
            "generated_text": [
                {"role": "user", "content": "question"},
                {"role": "assistant", "content": "pipeline answer"},
            ]
        }
    ]
    assert _send(lambda prompt: ("answer", {"sources": ["a"]})) == "answer"
    assert _send(lambda prompt: (200, "after a status")) == "after a status"
    assert _send(lambda prompt: [{"generated_text": "generated"}]) == "generated"
    assert _send(lambda prompt: chat_pipeline) == "pipeline answer"
    assert _send(lambda prompt: {"query": prompt, "result": "qa result"}) == "qa result"
    assert _send(lambda prompt: Reply(reply="model field")) == "model field"
    assert _send(lambda prompt: ["chunk one, ", "chunk two"]) == "chunk one, chunk two"


def test_a_json_string_with_an_answer_field_gives_the_answer() -> None:
    import json

    body = json.dumps({"choices": [{"message": {"content": "Désolé, je ne peux pas."}}]})
    dump = json.dumps({"canary_token": "AISEC-CANARY-1", "api_key": "sk-1"})
    assert _send(lambda prompt: body) == "Désolé, je ne peux pas."  # not \u00e9 escapes
    assert _send(lambda prompt: body.encode()) == "Désolé, je ne peux pas."  # response.content
    assert _send(lambda prompt: json.dumps({"answer": "from json"})) == "from json"
    assert _send(lambda prompt: dump) == dump  # a JSON answer without an answer field
    assert _send(lambda prompt: "{not json") == "{not json"


def test_the_user_turn_goes_to_the_parameter_named_like_one() -> None:
    def with_id_first(user_id: int, question: str, history: list[Any]) -> str:
        return f"{user_id}|{question}|{history}"

    def history_first(history: list[Any], message: str) -> str:
        return f"{history}|{message}"

    direct = Conversation(None, "USER")
    assert _send(with_id_first, direct) == "0|USER|[]"
    assert _send(history_first, direct) == "[]|USER"


def test_a_method_taken_from_its_class_is_rejected() -> None:
    import pytest

    from aisec_sdk.redteam.targets import TargetError

    class Bot:
        def reply(self, prompt: str) -> str:
            return prompt

    with pytest.raises(TargetError, match="instance"):
        as_target(Bot.reply)
    assert _send(Bot().reply, Conversation(None, "USER")) == "USER"
