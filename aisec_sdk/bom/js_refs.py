"""Model names, providers, endpoints and variable names in JavaScript and TypeScript code.

Read with regular expressions, not a parser, so only the plain shapes count, and only in a
file that imports or requires an AI package (the curated npm list):

- ``model:``, ``modelId:``, ``modelName:``, ``deploymentName:`` string values (an options
  object: ``openai.chat.completions.create({ model: "gpt-4o" })``): a model, of the only
  provider the file's imports name, else of the provider its name belongs to (``gpt-*``,
  ``claude-*``...);
- a provider function of the Vercel AI SDK called with a string
  (``import { openai } from "@ai-sdk/openai"`` then ``openai("gpt-4o")`` or
  ``openai.embedding("text-embedding-3-small")``): a model of that provider;
- ``baseURL:``, ``endpoint:``, ``azureEndpoint:``... with an ``http(s)://`` URL: an endpoint.

Variable names read as ``process.env.NAME``, ``process.env["NAME"]``,
``import.meta.env.NAME`` or ``Deno.env.get("NAME")`` are found in every such file (the
caller keeps the AI-related ones). Files over 1 MiB (bundles, minified code) are skipped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator

from aisec_sdk.bom.code_refs import CodeRef, guess_provider

__all__ = ["JS_SUFFIXES", "MAX_SOURCE_BYTES", "js_references"]

JS_SUFFIXES = frozenset({".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx"})
MAX_SOURCE_BYTES = 1 << 20

# npm packages whose client or provider functions name the provider of their models
_NPM_PROVIDERS: dict[str, str] = {
    **dict.fromkeys(("openai", "@ai-sdk/openai", "@langchain/openai", "@openai/agents"), "openai"),
    **dict.fromkeys(
        ("@anthropic-ai/sdk", "@ai-sdk/anthropic", "@langchain/anthropic"), "anthropic"
    ),
    **dict.fromkeys(
        ("@google/generative-ai", "@google/genai", "@ai-sdk/google", "@langchain/google-genai"),
        "gcp.gemini",
    ),
    **dict.fromkeys(
        ("@google-cloud/vertexai", "@ai-sdk/google-vertex", "@langchain/google-vertexai"),
        "gcp.vertex_ai",
    ),
    **dict.fromkeys(
        (
            "@aws-sdk/client-bedrock-runtime",
            "@anthropic-ai/bedrock-sdk",
            "@ai-sdk/amazon-bedrock",
            "@langchain/aws",
        ),
        "aws.bedrock",
    ),
    **dict.fromkeys(("@azure/openai", "@ai-sdk/azure"), "azure.ai.openai"),
    **dict.fromkeys(
        ("@mistralai/mistralai", "@ai-sdk/mistral", "@langchain/mistralai"), "mistral_ai"
    ),
    **dict.fromkeys(("groq-sdk", "@ai-sdk/groq", "@langchain/groq"), "groq"),
    **dict.fromkeys(("cohere-ai", "@ai-sdk/cohere", "@langchain/cohere"), "cohere"),
    **dict.fromkeys(("ollama", "@langchain/ollama", "ollama-ai-provider"), "ollama"),
    **dict.fromkeys(("@huggingface/inference",), "huggingface"),
}

_STRING = r"""(?P<quote>["'`])([^"'`\n$]{1,200})(?P=quote)"""  # text: the group after "quote"
_IMPORTED = re.compile(
    r"""(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|^\s*import\s+)(["'])([^"'\n]{1,300})\1""",
    re.MULTILINE,
)
# bounded: an unclosed ``import {`` repeated must not make every match scan to the end
_NAMED_IMPORT = re.compile(r"""\bimport\s*\{([^{}]{0,4000})\}\s*from\s*(["'])([^"'\n]{1,300})\2""")
_MODEL_KEY = re.compile(
    r"\b(?:model|modelId|modelName|model_id|deploymentName|azureDeployment)\s*:\s*" + _STRING
)
_ENDPOINT_KEY = re.compile(
    r"""\b(?:baseURL|baseUrl|basePath|endpoint|apiBase|azureEndpoint)\s*:\s*"""
    r"""(["'`])(https?://[^"'`\s$]{1,500})\1"""
)
# a call of a name with a string first (``oa("gpt-4o")``, ``oa.embedding("...")``)
_CALL = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?:\.\s*\w+\s*)?\(\s*" + _STRING)
_ENV_READS = (
    re.compile(r"\bprocess\.env\.([A-Za-z_]\w*)"),
    re.compile(r"""\bprocess\.env\[\s*["']([A-Za-z_]\w*)["']\s*\]"""),
    re.compile(r"\bimport\.meta\.env\.([A-Za-z_]\w*)"),
    re.compile(r"""\bDeno\.env\.get\(\s*["']([A-Za-z_]\w*)["']"""),
)


def _package(specifier: str) -> str:
    """The npm package of an import specifier (``@scope/name/sub`` is ``@scope/name``)."""
    parts = specifier.split("/")
    return "/".join(parts[:2] if specifier.startswith("@") else parts[:1]).lower()


def js_references(source: str, is_ai_package: Callable[[str], bool]) -> list[CodeRef]:
    """The references of one JavaScript or TypeScript file (kind ``model``, ``endpoint``,
    ``env``; their frameworks are npm package names); ``is_ai_package`` tells the AI
    packages among the file's imports."""
    newlines = [m.start() for m in re.finditer("\n", source)]

    def line(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    refs = [
        CodeRef("env", m.group(1), line(m.start()))
        for pattern in _ENV_READS
        for m in pattern.finditer(source)
    ]
    ai = {p for p in (_package(m.group(2)) for m in _IMPORTED.finditer(source)) if is_ai_package(p)}
    if not ai:
        return refs
    with_provider = sorted(p for p in ai if p in _NPM_PROVIDERS)
    providers = {_NPM_PROVIDERS[p] for p in with_provider}
    only = next(iter(providers)) if len(providers) == 1 else None
    single = sorted(ai) if len(ai) == 1 else with_provider
    framework = single[0] if len(single) == 1 else None
    for match in _MODEL_KEY.finditer(source):
        model = match.group(2).strip()
        provider = only or guess_provider(model)
        refs.append(
            CodeRef("model", model, line(match.start()), provider, framework, ecosystem="npm")
        )
    refs += _provider_function_models(source, line)
    refs += [
        CodeRef("endpoint", m.group(2), line(m.start()), only, framework, ecosystem="npm")
        for m in _ENDPOINT_KEY.finditer(source)
    ]
    return refs


def _provider_function_models(source: str, line: Callable[[int], int]) -> Iterator[CodeRef]:
    """``openai("gpt-4o")`` where ``openai`` is imported from a provider package: the
    imported names are gathered first, then the file's calls are read once."""
    imported: dict[str, tuple[str, str]] = {}  # local name -> (provider, package)
    for match in _NAMED_IMPORT.finditer(source):
        package = _package(match.group(3))
        provider = _NPM_PROVIDERS.get(package)
        if provider is None:
            continue
        for item in match.group(1).split(","):
            # a name that is no identifier (``type X``) is never one a call names
            imported[item.split(" as ")[-1].strip()] = (provider, package)
    if not imported:
        return
    for found in _CALL.finditer(source):
        origin = imported.get(found.group(1))
        if origin is not None:
            provider, package = origin
            yield CodeRef(
                "model",
                found.group(3).strip(),
                line(found.start()),
                provider,
                package,
                ecosystem="npm",
            )
