"""Hugging Face ``transformers``: local text generation guarded and traced; model loads recorded.

* ``TextGenerationPipeline.__call__`` (prompts and chat input) and, where the installed
  version has it, ``Text2TextGenerationPipeline.__call__``: input guards on the prompt or
  the chat messages before generation, output guards on the generated text (only the new
  text when the pipeline returns the prompt too). Token usage is exact: it is read from
  the ``generate`` call the pipeline makes.
  A generator or a torch ``Dataset`` of inputs (which the pipeline streams) is checked
  item by item as the pipeline reads it, and each result as it comes out; the span ends
  with the stream.
* ``GenerationMixin.generate`` called directly: a span with token usage (token ids carry
  no text to guard; guard text with the pipeline or ``@guard``).
* ``PreTrainedModel.from_pretrained``: an ``aisec.model.load {name}`` span for the AI-BOM
  (name or path, revision, weight files with format and SHA-256 when local) with posture
  findings as ``aisec.posture.finding`` events: ``trust_remote_code=True`` and
  pickle-format weights.

Spans are kind INTERNAL (the model runs in this process) and carry
``gen_ai.provider.name = "aisec.local.transformers"``: the GenAI conventions define no
value for local models and allow a custom one. ``transformers`` is imported only when the
instrumentor is applied.
"""

from __future__ import annotations

import contextvars
import hashlib
import os
import sys
import types
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import wrapt
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import Span, SpanKind

from aisec_sdk.attributes import (
    ATTR_MESSAGE,
    ATTR_MODEL_FILE_FORMATS,
    ATTR_MODEL_FILES,
    ATTR_MODEL_FORMAT,
    ATTR_MODEL_PATH,
    ATTR_MODEL_REVISION,
    ATTR_MODEL_SHA256,
    ATTR_MODEL_SOURCE,
    ATTR_PATH,
    ATTR_POSTURE_FINDINGS_COUNT,
    ATTR_RULE_ID,
    ATTR_SEVERITY,
    ATTR_TRUST_REMOTE_CODE,
    EVENT_POSTURE_FINDING,
    SPAN_MODEL_LOAD,
)
from aisec_sdk.attributes import PROVIDER_TRANSFORMERS as PROVIDER
from aisec_sdk.decorator import is_messages

from ._base import (
    AisecInstrumentor,
    Args,
    Kwargs,
    LlmCall,
    Patch,
    Runtime,
    guard_output,
    is_suppressed,
    record_error,
    request_attributes,
)

__all__ = [
    "ATTR_MODEL_FILES",
    "ATTR_MODEL_FORMAT",
    "ATTR_MODEL_PATH",
    "ATTR_MODEL_REVISION",
    "ATTR_MODEL_SHA256",
    "ATTR_MODEL_SOURCE",
    "EVENT_POSTURE_FINDING",
    "PROVIDER",
    "TransformersInstrumentor",
]

RULE_TRUST_REMOTE_CODE = "AISEC-CODE001"
RULE_PICKLE_WEIGHTS = "AISEC-RT001"
_WEIGHT_SUFFIXES = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".pkl",
    ".gguf",
    ".onnx",
    ".h5",
    ".msgpack",
)
_HASH_LIMIT = 4 << 30  # bytes; larger files are listed without a hash

# The pipeline call in progress: ``generate`` reports its token counts to it.
_pipeline_call: contextvars.ContextVar[LlmCall | None] = contextvars.ContextVar(
    "aisec_tf_call", default=None
)
_loading: contextvars.ContextVar[bool] = contextvars.ContextVar("aisec_tf_loading", default=False)


class TransformersInstrumentor(AisecInstrumentor):
    """Guards and traces transformers pipelines and ``generate``; records model loads."""

    scope = "aisec_sdk.integrations.transformers"
    framework = "transformers"
    _instruments = ("transformers >= 4.40",)

    def _patches(self, runtime: Runtime) -> list[Patch]:
        return [
            Patch(
                "transformers.pipelines.text_generation",
                "TextGenerationPipeline.__call__",
                partial(_pipeline, runtime),
            ),
            Patch(
                "transformers.pipelines.text2text_generation",
                "Text2TextGenerationPipeline.__call__",
                partial(_pipeline, runtime),
            ),
            Patch(
                "transformers.generation.utils",
                "GenerationMixin.generate",
                partial(_generate, runtime),
            ),
            Patch(
                "transformers.modeling_utils",
                "PreTrainedModel.from_pretrained",
                partial(_from_pretrained, runtime),
            ),
        ]


def _model_name(model: Any) -> str | None:
    name = getattr(model, "name_or_path", None)
    if name:
        return str(name)
    config = getattr(model, "config", None)
    return getattr(config, "model_type", None)


def _local_call(
    runtime: Runtime,
    operation: str,
    model: str | None,
    kwargs: Mapping[str, Any],
    function: str,
    *,
    guards: bool = True,
) -> LlmCall:
    """An in-process GenAI operation (span kind INTERNAL) with its generation parameters;
    the model that answers is the one loaded, so it is also the response model."""
    return LlmCall(
        runtime,
        operation,
        PROVIDER,
        model,
        kind=SpanKind.INTERNAL,
        attributes={**request_attributes(kwargs), gen_ai.GEN_AI_RESPONSE_MODEL: model},
        function=function,
        guards=guards,
    )


# --------------------------------------------------------------------------- pipelines


def _is_chat(value: Any) -> bool:
    return is_messages(value) and isinstance(value[0], Mapping)


def _guard_inputs(llm: LlmCall, value: Any) -> Any:
    call = llm.call
    if call is None:
        return value
    if isinstance(value, str):
        return call.check_text(value, "input")
    if _is_chat(value):
        return list(call.check_messages(value))
    if isinstance(value, list | tuple):
        return [_guard_inputs(llm, v) for v in value]
    return value


def _guard_generated(llm: LlmCall, prompt: Any, generated: Any) -> Any:
    """The guarded form of one ``generated_text`` (a string, or a chat with a new message)."""
    if isinstance(generated, str):
        head = prompt if isinstance(prompt, str) and generated.startswith(prompt) else ""
        return head + guard_output(llm.call, generated[len(head) :])
    if _is_chat(generated) and generated and generated[-1].get("role") == "assistant":
        content = generated[-1].get("content")
        if isinstance(content, str):
            return [*generated[:-1], {**generated[-1], "content": guard_output(llm.call, content)}]
    return generated


def _guard_outputs(llm: LlmCall, prompt: Any, result: Any) -> Any:
    if isinstance(result, Mapping):
        for key in ("generated_text", "summary_text", "translation_text"):
            if key in result:
                return {**result, key: _guard_generated(llm, prompt, result[key])}
        return result
    if isinstance(result, list):
        batched = isinstance(prompt, list | tuple) and not _is_chat(prompt)
        prompts = prompt if batched and len(prompt) == len(result) else [prompt] * len(result)
        return [_guard_outputs(llm, p, r) for p, r in zip(prompts, result, strict=True)]
    return result


def _captured(value: Any, role: str) -> list[tuple[str, str]]:
    """(role, text) pairs of prompts, chats or pipeline results, for content capture."""
    if isinstance(value, str):
        return [(role, value)]
    if isinstance(value, Mapping):
        if "role" in value and isinstance(value.get("content"), str):
            return [(str(value["role"]), value["content"])]
        generated = value.get("generated_text")
        if isinstance(generated, list) and generated:
            return _captured(generated[-1], role)
        return _captured(generated, role) if generated is not None else []
    if isinstance(value, list | tuple):
        return [pair for item in value for pair in _captured(item, role)]
    return []


def _pipeline(
    runtime: Runtime, wrapped: Callable[..., Any], instance: Any, args: Args, kwargs: Kwargs
) -> Any:
    if is_suppressed() or _pipeline_call.get() is not None:
        return wrapped(*args, **kwargs)
    value = args[0] if args else kwargs.get("text_inputs")
    chat = _is_chat(value) or (
        isinstance(value, list | tuple) and bool(value) and _is_chat(value[0])
    )
    operation = (
        gen_ai.GenAiOperationNameValues.CHAT
        if chat
        else gen_ai.GenAiOperationNameValues.TEXT_COMPLETION
    ).value
    model = _model_name(getattr(instance, "model", None))
    llm = _local_call(runtime, operation, model, kwargs, "transformers.pipeline")
    if _is_stream(value):
        return _stream_pipeline(llm, wrapped, args, kwargs, value)
    token = _pipeline_call.set(llm)
    try:
        with llm.running():
            checked = _guard_inputs(llm, value)
            if args:
                args = (checked, *args[1:])
            elif "text_inputs" in kwargs:
                kwargs["text_inputs"] = checked
            result = _guard_outputs(llm, checked, wrapped(*args, **kwargs))
            if llm.capture:
                llm.capture_messages(gen_ai.GEN_AI_INPUT_MESSAGES, _captured(checked, "user"))
                llm.capture_messages(gen_ai.GEN_AI_OUTPUT_MESSAGES, _captured(result, "assistant"))
    finally:
        _pipeline_call.reset(token)
    llm.end()
    return result


def _is_stream(value: Any) -> bool:
    """Inputs the pipeline reads lazily and answers with an iterator: a generator or a
    torch ``Dataset``."""
    if isinstance(value, types.GeneratorType):
        return True
    dataset = getattr(sys.modules.get("torch.utils.data"), "Dataset", None)
    return isinstance(dataset, type) and isinstance(value, dataset)


def _guard_item(llm: LlmCall, item: Any) -> Any:
    """One streamed input: a prompt, a chat, or one message of a chat."""
    if llm.call is not None and isinstance(item, Mapping) and is_messages([item]):
        return llm.call.check_messages([item])[0]
    return _guard_inputs(llm, item)


def _stream_pipeline(
    llm: LlmCall, wrapped: Callable[..., Any], args: Args, kwargs: Kwargs, inputs: Any
) -> Any:
    """A pipeline call over streamed inputs: inputs checked as read, results as produced."""
    prompts: deque[Any] = deque()  # checked inputs not yet answered, oldest first

    def checked() -> Iterator[Any]:
        items = (
            (inputs[i] for i in range(len(inputs)))
            if not isinstance(inputs, types.GeneratorType) and hasattr(inputs, "__len__")
            else inputs
        )
        for item in items:
            item = _guard_item(llm, item)
            prompts.append(item)
            yield item

    if args:
        args = (checked(), *args[1:])
    else:
        kwargs["text_inputs"] = checked()
    token = _pipeline_call.set(llm)
    try:
        with llm.running():  # a generator's first input is read now: a block raises here
            results = iter(wrapped(*args, **kwargs))
    finally:
        _pipeline_call.reset(token)
    return _GuardedResults(results, llm, prompts)


def _results(results: Any, llm: LlmCall, prompts: deque[Any]) -> Iterator[Any]:
    # Holds no reference to the proxy, so a dropped proxy is collected and ends the span.
    error: BaseException | None = None
    try:
        while True:
            token = _pipeline_call.set(llm)
            try:
                with trace.use_span(llm.span, end_on_exit=False):
                    result = next(results)
            except StopIteration:
                break
            finally:
                _pipeline_call.reset(token)
            yield _guard_outputs(llm, prompts.popleft() if prompts else None, result)
    except GeneratorExit:
        raise
    except BaseException as exc:
        error = exc
        raise
    finally:
        llm.end(error)


class _GuardedResults(wrapt.ObjectProxy[Any]):
    """The pipeline's result iterator, each result guarded; the span ends exactly once."""

    def __init__(self, results: Any, llm: LlmCall, prompts: deque[Any]) -> None:
        super().__init__(results)
        self._self_llm = llm
        self._self_iter = _results(results, llm, prompts)

    def __iter__(self) -> _GuardedResults:
        return self

    def __next__(self) -> Any:
        return next(self._self_iter)

    def __del__(self) -> None:
        llm = getattr(self, "_self_llm", None)
        if llm is not None:
            llm.end()


# --------------------------------------------------------------------------- generate


def _usage(
    model: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], output: Any
) -> tuple[int | None, int | None]:
    inputs = kwargs.get("input_ids", kwargs.get("inputs", args[0] if args else None))
    sequences = getattr(output, "sequences", output)
    in_shape = getattr(inputs, "shape", None)
    out_shape = getattr(sequences, "shape", None)
    if in_shape is None or out_shape is None or len(out_shape) != 2:
        return None, None
    input_tokens = int(inputs.numel())
    if getattr(getattr(model, "config", None), "is_encoder_decoder", False):
        return input_tokens, int(sequences.numel())
    return input_tokens, int(out_shape[0] * max(0, out_shape[-1] - in_shape[-1]))


def _generate(
    runtime: Runtime, wrapped: Callable[..., Any], instance: Any, args: Args, kwargs: Kwargs
) -> Any:
    outer = _pipeline_call.get()
    if outer is not None:
        output = wrapped(*args, **kwargs)
        added_in, added_out = _usage(instance, args, kwargs, output)
        if added_in is not None:
            outer.set_usage(
                (outer.input_tokens or 0) + added_in, (outer.output_tokens or 0) + (added_out or 0)
            )
        return output
    if is_suppressed():
        return wrapped(*args, **kwargs)
    operation = gen_ai.GenAiOperationNameValues.TEXT_COMPLETION.value
    function = "transformers.generate"
    llm = _local_call(runtime, operation, _model_name(instance), kwargs, function, guards=False)
    with llm.running():
        output = wrapped(*args, **kwargs)
    llm.set_usage(*_usage(instance, args, kwargs, output))
    llm.end()
    return output


# --------------------------------------------------------------------------- model loading


def _detect_format(path: Path) -> str:
    """Weights format from the file's content (the posture scanner's sniffing when present)."""
    try:
        from aisec_sdk.posture.scanner import detect_format
    except ImportError:
        return _sniff(path)
    try:
        return detect_format(path)
    except Exception:
        return _sniff(path)


def _sniff(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[:2] in (b"PK",):
        return "pytorch-zip" if path.suffix in (".bin", ".pt", ".pth", ".ckpt") else "zip"
    if head[:1] == b"\x80":
        return "pickle"
    if head[:4] == b"GGUF":
        return "gguf"
    if len(head) >= 9 and head[8:9] == b"{":
        return "safetensors"
    return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _weight_files(directory: Path, subfolder: str | None) -> list[Path]:
    root = directory / subfolder if subfolder else directory
    return sorted(p for p in root.iterdir() if p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES))


def _finding(span: Span, rule_id: str, severity: str, message: str, path: str) -> None:
    span.add_event(
        EVENT_POSTURE_FINDING,
        {
            ATTR_RULE_ID: rule_id,
            ATTR_SEVERITY: severity,
            ATTR_MESSAGE: message,
            ATTR_PATH: path,
        },
    )


def _record_model(span: Span, name: str, kwargs: Mapping[str, Any]) -> None:
    """Model facts for the AI-BOM and posture findings, onto the load span."""
    local = Path(name)
    revision = kwargs.get("revision")
    findings = 0
    if kwargs.get("trust_remote_code") is True:
        _finding(
            span,
            RULE_TRUST_REMOTE_CODE,
            "high",
            "trust_remote_code=True runs code downloaded with the model",
            name,
        )
        findings += 1
    if local.is_dir():
        span.set_attribute(ATTR_MODEL_SOURCE, "local")
        span.set_attribute(ATTR_MODEL_PATH, str(local.resolve()))
        files = _weight_files(local, kwargs.get("subfolder"))
        formats = [_detect_format(f) for f in files]
        hashes = [_sha256(f) if f.stat().st_size <= _HASH_LIMIT else "" for f in files]
        span.set_attribute(ATTR_MODEL_FILES, [f.name for f in files])
        span.set_attribute(ATTR_MODEL_FILE_FORMATS, formats)
        span.set_attribute(ATTR_MODEL_SHA256, hashes)
        prefer_safetensors = kwargs.get("use_safetensors") is not False and "safetensors" in formats
        loaded = [fmt for fmt in formats if (fmt == "safetensors") == prefer_safetensors]
        if loaded:
            span.set_attribute(ATTR_MODEL_FORMAT, loaded[0])
        from aisec_sdk.posture.scanner import PICKLE_FORMATS  # also torch's tar, compressed

        for path, fmt in zip(files, formats, strict=True):
            if fmt in PICKLE_FORMATS and not prefer_safetensors:
                _finding(
                    span,
                    RULE_PICKLE_WEIGHTS,
                    "medium",
                    "model weights were loaded from a pickle-format file, which runs code on load",
                    str(path),
                )
                findings += 1
    else:
        span.set_attribute(ATTR_MODEL_SOURCE, "hub")
        span.set_attribute(ATTR_MODEL_REVISION, str(revision or "main"))
    if revision and local.is_dir():
        span.set_attribute(ATTR_MODEL_REVISION, str(revision))
    span.set_attribute(ATTR_POSTURE_FINDINGS_COUNT, findings)


def _from_pretrained(
    runtime: Runtime, wrapped: Callable[..., Any], instance: Any, args: Args, kwargs: Kwargs
) -> Any:
    if is_suppressed() or _loading.get():
        return wrapped(*args, **kwargs)
    name_or_path = args[0] if args else kwargs.get("pretrained_model_name_or_path")
    name = os.fspath(name_or_path) if isinstance(name_or_path, str | os.PathLike) else None
    if name is None or not runtime.current_policy().telemetry:
        return wrapped(*args, **kwargs)
    span = runtime.tracer.start_span(
        f"{SPAN_MODEL_LOAD} {name}",
        kind=SpanKind.INTERNAL,
        attributes={
            gen_ai.GEN_AI_REQUEST_MODEL: name,
            gen_ai.GEN_AI_PROVIDER_NAME: PROVIDER,
            **runtime.framework_attributes(),
            ATTR_TRUST_REMOTE_CODE: kwargs.get("trust_remote_code") is True,
        },
    )
    token = _loading.set(True)
    try:
        with trace.use_span(span, end_on_exit=False):
            model = wrapped(*args, **kwargs)
        if span.is_recording():
            _record_model(span, name, kwargs)
    except BaseException as exc:
        record_error(span, exc)
        raise
    finally:
        _loading.reset(token)
        span.end()
    return model
