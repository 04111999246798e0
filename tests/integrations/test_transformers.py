"""The transformers integration on a tiny GPT-2 built here, with a tokenizer trained here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402
from torch.utils.data import Dataset  # noqa: E402

from aisec_sdk.errors import GuardViolation  # noqa: E402
from aisec_sdk.instrumentation import instrument, uninstrument  # noqa: E402
from aisec_sdk.policy import Policy  # noqa: E402

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
BASE = {"prompt_injection": {"enabled": False}}
REDACT = Policy(guards=BASE)
INTEGRATION = "transformers"  # what the `guarded` fixture applies


def _force(tokenizer: Any, word: str) -> Any:
    token_id = tokenizer.convert_tokens_to_ids(word)
    return lambda batch_id, ids: [token_id]


def _pipe(tiny: tuple[Any, Any, Path]) -> Any:
    model, tokenizer, _ = tiny
    return transformers.pipeline("text-generation", model=model, tokenizer=tokenizer)


def test_text_generation_output_is_guarded(guarded: Policy, tiny: Any, telemetry: Any) -> None:
    _, tokenizer, _ = tiny
    out = _pipe(tiny)(
        "hello world",
        max_new_tokens=2,
        do_sample=False,
        prefix_allowed_tokens_fn=_force(tokenizer, AWS_KEY),
    )
    text = out[0]["generated_text"]
    assert text.startswith("hello world")
    assert AWS_KEY not in text and "<SECRET:AWS_ACCESS_KEY_ID>" in text
    (span,) = telemetry.llm_spans()
    assert span.kind is SpanKind.INTERNAL
    assert span.name == f"text_completion {tiny[0].name_or_path or 'gpt2'}"
    assert span.attributes[gen_ai.GEN_AI_PROVIDER_NAME] == "aisec.local.transformers"
    assert span.attributes[gen_ai.GEN_AI_OPERATION_NAME] == "text_completion"
    assert span.attributes[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] == 2
    assert span.attributes[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] == 2
    assert "aisec.usage.counted" not in span.attributes
    assert [e.attributes["aisec.direction"] for e in span.events if e.name == "aisec.finding"] == [
        "output"
    ] * 2


def test_new_text_only_is_guarded(guarded: Policy, tiny: Any, telemetry: Any) -> None:
    _, tokenizer, _ = tiny
    out = _pipe(tiny)(
        "tell me",
        max_new_tokens=1,
        do_sample=False,
        return_full_text=False,
        prefix_allowed_tokens_fn=_force(tokenizer, AWS_KEY),
    )
    assert out[0]["generated_text"].strip() == "<SECRET:AWS_ACCESS_KEY_ID>"


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_blocked_prompt_never_reaches_the_model(guarded: Policy, tiny: Any, telemetry: Any) -> None:
    model = tiny[0]
    calls: list[int] = []
    hook = model.register_forward_hook(lambda *a: calls.append(1))
    try:
        with pytest.raises(GuardViolation):
            _pipe(tiny)(f"the deploy key is {AWS_KEY}", max_new_tokens=2, do_sample=False)
    finally:
        hook.remove()
    assert calls == []
    (span,) = telemetry.llm_spans()
    assert span.attributes["error.type"] == "GuardViolation"


def test_chat_input_is_checked_and_the_answer_guarded(
    guarded: Policy, tiny: Any, telemetry: Any
) -> None:
    _, tokenizer, _ = tiny
    chat = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": f"my key {AWS_KEY}"},
    ]
    out = _pipe(tiny)(
        chat, max_new_tokens=1, do_sample=False, prefix_allowed_tokens_fn=_force(tokenizer, AWS_KEY)
    )
    messages = out[0]["generated_text"]
    assert messages[-1]["role"] == "assistant"
    assert AWS_KEY not in messages[-1]["content"]
    assert AWS_KEY not in messages[1]["content"]  # the prompt was redacted before generation
    (span,) = telemetry.llm_spans()
    assert span.attributes[gen_ai.GEN_AI_OPERATION_NAME] == "chat"
    directions = [e.attributes["aisec.direction"] for e in span.events if e.name == "aisec.finding"]
    assert directions == ["input", "output"]


def test_streamed_inputs_are_guarded_as_the_pipeline_reads_them(
    guarded: Policy, tiny: Any, telemetry: Any
) -> None:
    _, tokenizer, _ = tiny

    def prompts() -> Iterator[str]:
        yield "hello world"
        yield f"the deploy key is {AWS_KEY}"

    class Prompts(Dataset[str]):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> str:
            return ["tell me", f"my key {AWS_KEY}"][i]

    force = _force(tokenizer, "cats")
    for source in (prompts(), Prompts()):
        telemetry.clear()
        results = _pipe(tiny)(
            source, max_new_tokens=1, do_sample=False, prefix_allowed_tokens_fn=force
        )
        texts = [r[0]["generated_text"] for r in results]
        assert len(texts) == 2 and all(t.endswith("cats") for t in texts), texts
        assert AWS_KEY not in texts[1] and "<SECRET:AWS_ACCESS_KEY_ID>" in texts[1]
        (span,) = telemetry.llm_spans()
        assert span.attributes[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] == 2
        assert [
            e.attributes["aisec.direction"] for e in span.events if e.name == "aisec.finding"
        ] == ["input"]
    telemetry.clear()
    force = _force(tokenizer, AWS_KEY)
    results = _pipe(tiny)(
        prompts(), max_new_tokens=1, do_sample=False, prefix_allowed_tokens_fn=force
    )
    first = next(iter(results))[0]["generated_text"]
    assert first.startswith("hello world") and AWS_KEY not in first
    del results  # dropped unfinished: the span still ends, once
    assert len(telemetry.llm_spans()) == 1


@pytest.mark.parametrize("guarded", ["block"], indirect=True)
def test_a_blocked_streamed_input_never_reaches_the_model(
    guarded: Policy, tiny: Any, telemetry: Any
) -> None:
    model = tiny[0]
    calls: list[int] = []

    def prompts() -> Iterator[str]:
        yield "hello world"
        yield f"the deploy key is {AWS_KEY}"

    hook = model.register_forward_hook(lambda *a: calls.append(1))
    try:
        results = _pipe(tiny)(prompts(), max_new_tokens=1, do_sample=False)
        assert next(results)[0]["generated_text"].startswith("hello world")
        seen = len(calls)
        with pytest.raises(GuardViolation):
            next(results)
    finally:
        hook.remove()
    assert len(calls) == seen
    (span,) = telemetry.llm_spans()
    assert span.attributes["error.type"] == "GuardViolation"


def test_content_capture_is_opt_in_and_redacted(
    guarded: Policy, tiny: Any, telemetry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tokenizer, _ = tiny
    force = _force(tokenizer, AWS_KEY)
    _pipe(tiny)("hello world", max_new_tokens=1, do_sample=False, prefix_allowed_tokens_fn=force)
    assert gen_ai.GEN_AI_OUTPUT_MESSAGES not in telemetry.llm_spans()[0].attributes
    telemetry.clear()
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    _pipe(tiny)("hello world", max_new_tokens=1, do_sample=False, prefix_allowed_tokens_fn=force)
    attrs = telemetry.llm_spans()[0].attributes
    captured = json.loads(attrs[gen_ai.GEN_AI_INPUT_MESSAGES])
    assert captured[0]["parts"][0]["content"] == "hello world"
    output = attrs[gen_ai.GEN_AI_OUTPUT_MESSAGES]
    assert AWS_KEY not in output and "SECRET" in output


def test_generate_on_the_model(guarded: Policy, tiny: Any, telemetry: Any) -> None:
    model, tokenizer, _ = tiny
    ids = tokenizer("hello world how", return_tensors="pt").input_ids
    out = model.generate(ids, max_new_tokens=4, do_sample=False)
    (span,) = telemetry.llm_spans()
    assert span.kind is SpanKind.INTERNAL
    assert span.attributes[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] == 3
    assert span.attributes[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] == out.shape[-1] - 3
    assert span.attributes[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] == 4


def test_from_pretrained_records_the_model_for_the_bom(
    guarded: Policy, tiny: Any, telemetry: Any
) -> None:
    _, _, directory = tiny
    transformers.AutoModelForCausalLM.from_pretrained(directory)
    (span,) = telemetry.spans("aisec.model.load")
    attrs = span.attributes
    assert attrs[gen_ai.GEN_AI_REQUEST_MODEL] == str(directory)
    assert attrs["aisec.model.source"] == "local"
    assert attrs["aisec.model.format"] == "safetensors"
    assert attrs["aisec.model.files"] == ("model.safetensors",)
    expected = hashlib.sha256((directory / "model.safetensors").read_bytes()).hexdigest()
    assert attrs["aisec.model.sha256"] == (expected,)
    assert attrs["aisec.posture.findings.count"] == 0


def test_pickle_weights_and_trust_remote_code_are_findings(
    guarded: Policy, tiny: Any, tmp_path: Path, telemetry: Any
) -> None:
    model = tiny[0]
    model.config.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    try:
        transformers.AutoModelForCausalLM.from_pretrained(
            tmp_path, trust_remote_code=True, use_safetensors=False
        )
    except (OSError, ValueError) as exc:  # a transformers version that refuses .bin weights
        pytest.skip(f"this transformers does not load pickle weights: {exc}")
    (span,) = telemetry.spans("aisec.model.load")
    rules = sorted(
        e.attributes["aisec.rule_id"] for e in span.events if e.name == "aisec.posture.finding"
    )
    assert rules == ["AISEC-CODE001", "AISEC-RT001"]
    assert span.attributes["aisec.model.format"] in ("pickle", "pytorch-zip")
    assert span.attributes["aisec.model.trust_remote_code"] is True


def test_uninstrument_restores_transformers(tiny: Any, telemetry: Any) -> None:
    from transformers.generation.utils import GenerationMixin
    from transformers.modeling_utils import PreTrainedModel
    from transformers.pipelines.text_generation import TextGenerationPipeline

    before = (
        TextGenerationPipeline.__dict__["__call__"],
        GenerationMixin.__dict__["generate"],
        PreTrainedModel.__dict__["from_pretrained"],
    )
    instrument("transformers", policy=REDACT)
    instrument("transformers")
    uninstrument("transformers")
    after = (
        TextGenerationPipeline.__dict__["__call__"],
        GenerationMixin.__dict__["generate"],
        PreTrainedModel.__dict__["from_pretrained"],
    )
    assert after == before
    _pipe(tiny)("hello", max_new_tokens=1, do_sample=False)
    assert telemetry.llm_spans() == []


def test_a_failed_model_load_records_the_error(
    guarded: Policy, tmp_path: Path, telemetry: Any
) -> None:
    from transformers import GPT2LMHeadModel

    with pytest.raises(OSError):
        GPT2LMHeadModel.from_pretrained(tmp_path)  # an empty directory: no config, no weights
    (span,) = telemetry.spans("aisec.model.load")
    assert span.attributes["error.type"] == "OSError"
    assert span.status.status_code is StatusCode.ERROR


def test_generation_parameters_and_response_model(
    guarded: Policy, tiny: Any, telemetry: Any
) -> None:
    _pipe(tiny)(
        "hello world",
        max_new_tokens=3,
        do_sample=True,
        temperature=0.7,
        top_k=5,
        top_p=0.9,
        num_return_sequences=2,
    )
    (span,) = telemetry.llm_spans()
    attrs = span.attributes
    assert attrs[gen_ai.GEN_AI_REQUEST_MAX_TOKENS] == 3
    assert attrs[gen_ai.GEN_AI_REQUEST_TEMPERATURE] == 0.7
    assert attrs[gen_ai.GEN_AI_REQUEST_TOP_K] == 5
    assert attrs[gen_ai.GEN_AI_REQUEST_TOP_P] == 0.9
    assert attrs[gen_ai.GEN_AI_REQUEST_CHOICE_COUNT] == 2
    assert attrs[gen_ai.GEN_AI_RESPONSE_MODEL] == attrs[gen_ai.GEN_AI_REQUEST_MODEL]
