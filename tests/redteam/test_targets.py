"""How callables receive an attack: parameters, messages, return values."""

from __future__ import annotations

import asyncio
from typing import Any

from aisec_sdk.redteam.targets import CallableTarget, Conversation, as_target

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
