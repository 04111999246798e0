"""Model names, providers, endpoints and datasets referenced in Python code, read by AST.

What counts as a reference (string literals, or names bound to one in the same module):

- a client or chat-model class is constructed (``OpenAI()``, ``AzureOpenAI()``,
  ``Anthropic()``, ``ChatOpenAI()``...): its provider;
- ``model=``, ``model_name=``, ``model_id=``, ``azure_deployment=``, ``repo_id=`` keywords:
  a model, attributed to the class being built, to the client the call goes through
  (``client = OpenAI(); client.chat.completions.create(model=...)``), to the only provider
  of the module, or to the provider its name belongs to (``gpt-*``, ``claude-*``...);
- ``base_url=``, ``api_base=``, ``azure_endpoint=``... with an ``http(s)://`` URL: an endpoint;
- ``X.from_pretrained("org/name")``, ``SentenceTransformer("name")``: a Hugging Face model
  (a file system path such as ``"./models/clf"`` is the project's own model: no provider);
  ``GenerativeModel("gemini-...")``: a Gemini model;
- a provider SDK's module-level call (``ollama.chat(model=...)``) belongs to that provider;
  a Bedrock client (``boto3.client("bedrock-runtime")``) makes ``modelId=`` a Bedrock model;
  LiteLLM's ``"provider/model"`` names say their provider;
- ``load_dataset("org/name")``: a dataset;
- ``os.environ["NAME"]``, ``os.getenv("NAME")``, ``os.environ.get("NAME")``: the name of an
  environment variable the code reads (kind ``env``; the caller keeps the AI-related ones).
- ``import x.y`` / ``from x.y import z``: the top-level module ``x`` (kind ``import``; it
  tells which installed packages the project uses).

The framework of a reference is the top-level module the call resolves to through imports.
Notebook code cells are parsed one by one (IPython magics dropped), in one shared namespace:
what a cell imports or binds is known in the cells after it, as in the kernel.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from aisec_sdk._json import loads
from aisec_sdk._pyast import pieces
from aisec_sdk.bom.model import Ecosystem

__all__ = ["CodeRef", "is_local_path", "notebook_cells", "notebook_references", "references"]

RefKind = Literal["model", "provider", "endpoint", "dataset", "env", "import"]

_CLASS_PROVIDERS: dict[str, str] = {
    **dict.fromkeys(("OpenAI", "AsyncOpenAI", "ChatOpenAI", "OpenAIEmbeddings"), "openai"),
    **dict.fromkeys(
        ("AzureOpenAI", "AsyncAzureOpenAI", "AzureChatOpenAI", "AzureOpenAIEmbeddings"),
        "azure.ai.openai",
    ),
    **dict.fromkeys(("Anthropic", "AsyncAnthropic", "ChatAnthropic"), "anthropic"),
    **dict.fromkeys(("ChatBedrock", "ChatBedrockConverse", "BedrockLLM"), "aws.bedrock"),
    **dict.fromkeys(("ChatVertexAI", "VertexAI"), "gcp.vertex_ai"),
    **dict.fromkeys(("ChatGoogleGenerativeAI", "GenerativeModel"), "gcp.gemini"),
    **dict.fromkeys(("ChatMistralAI", "Mistral", "MistralClient"), "mistral_ai"),
    **dict.fromkeys(("Groq", "AsyncGroq", "ChatGroq"), "groq"),
    **dict.fromkeys(("ChatCohere", "CohereEmbeddings"), "cohere"),
    **dict.fromkeys(("ChatOllama", "OllamaLLM", "OllamaEmbeddings"), "ollama"),
    **dict.fromkeys(("ChatDeepSeek",), "deepseek"),
    **dict.fromkeys(("ChatXAI",), "x_ai"),
    **dict.fromkeys(("ChatPerplexity",), "perplexity"),
    **dict.fromkeys(("ChatWatsonx", "WatsonxLLM"), "ibm.watsonx.ai"),
    **dict.fromkeys(
        ("InferenceClient", "HuggingFaceEndpoint", "ChatHuggingFace", "SentenceTransformer"),
        "huggingface",
    ),
}
# Top-level modules whose classes are provider clients (``cohere.ClientV2()``).
_MODULE_PROVIDERS: dict[str, str] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "cohere": "cohere",
    "mistralai": "mistral_ai",
    "groq": "groq",
    "ollama": "ollama",
}
_HF_MODULES = frozenset(
    {"transformers", "sentence_transformers", "diffusers", "peft", "huggingface_hub", "datasets"}
)
_MODEL_PREFIXES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("gpt-", "o1", "o3", "o4", "chatgpt-", "text-embedding-", "dall-e", "whisper-", "tts-"),
        "openai",
    ),
    (("claude",), "anthropic"),
    (("gemini",), "gcp.gemini"),
    (("mistral", "mixtral", "codestral", "ministral"), "mistral_ai"),
    (("command",), "cohere"),
    (("deepseek",), "deepseek"),
    (("grok",), "x_ai"),
)
_MODEL_KEYWORDS = frozenset(
    {
        "model",
        "model_name",
        "model_id",
        "modelId",
        "azure_deployment",
        "deployment_name",
        "repo_id",
        "model_path",
        "pretrained_model_name_or_path",
    }
)
# boto3 service names of Amazon Bedrock's model APIs.
_BEDROCK_SERVICES = frozenset({"bedrock", "bedrock-runtime", "bedrock-agent-runtime"})
# LiteLLM's ``provider/model`` prefixes, as provider names.
_LITELLM_PROVIDERS: dict[str, str] = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "vertex_ai": "gcp.vertex_ai",
    "gemini": "gcp.gemini",
    "mistral": "mistral_ai",
    "groq": "groq",
    "cohere": "cohere",
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "huggingface": "huggingface",
    "deepseek": "deepseek",
    "xai": "x_ai",
}
_ENDPOINT_KEYWORDS = frozenset(
    {"base_url", "api_base", "openai_api_base", "azure_endpoint", "endpoint", "endpoint_url"}
)
# Calls that take the model as a positional argument (its index): any caller's ...
_POSITIONAL_MODEL_CALLS: dict[str, int] = {
    "from_pretrained": 0,
    "SentenceTransformer": 0,
    "CrossEncoder": 0,
    "GenerativeModel": 0,
    "init_chat_model": 0,
}
# ... and generic names that do only in one framework (``pipeline(task, model)``)
_FRAMEWORK_POSITIONAL: dict[tuple[str, str], int] = {
    ("transformers", "pipeline"): 1,
    ("dspy", "LM"): 0,
    ("litellm", "completion"): 0,
    ("litellm", "acompletion"): 0,
    ("litellm", "embedding"): 0,
}
# Frameworks whose model names are LiteLLM's ``provider/model``.
_LITELLM_NAMING = frozenset({"litellm", "dspy"})
# LangChain's ``init_chat_model`` provider names (``"openai:gpt-4o"``, ``model_provider=``).
_LANGCHAIN_PROVIDERS: dict[str, str] = {
    "openai": "openai",
    "azure_openai": "azure.ai.openai",
    "anthropic": "anthropic",
    "bedrock": "aws.bedrock",
    "bedrock_converse": "aws.bedrock",
    "google_vertexai": "gcp.vertex_ai",
    "google_genai": "gcp.gemini",
    "mistralai": "mistral_ai",
    "groq": "groq",
    "cohere": "cohere",
    "ollama": "ollama",
    "huggingface": "huggingface",
    "deepseek": "deepseek",
    "xai": "x_ai",
    "perplexity": "perplexity",
    "ibm": "ibm.watsonx.ai",
}
# Top-level modules of AI SDKs and frameworks (``langchain_*`` and ``llama_index*`` too).
_AI_MODULES = frozenset(
    {
        *_MODULE_PROVIDERS,
        *_HF_MODULES,
        "vertexai",
        "litellm",
        "vllm",
        "llama_cpp",
        "pydantic_ai",
        "instructor",
        "dspy",
        "crewai",
        "autogen",
        "autogen_agentchat",
        "haystack",
        "semantic_kernel",
        "together",
        "replicate",
        "agents",
        "torch",
        "tensorflow",
        "keras",
    }
)
_BUILTIN_LOADERS = frozenset({"csv", "json", "parquet", "text", "arrow", "pandas"})
_ENV_READERS = frozenset(
    {"os.getenv", "os.getenvb", "os.environ.get", "os.environ.setdefault", "os.environ.pop"}
)


def _is_ai_module(module: str | None) -> bool:
    return module is not None and (
        module in _AI_MODULES or module.startswith(("langchain", "llama_index"))
    )


@dataclass(frozen=True, slots=True)
class CodeRef:
    """One reference found in code."""

    kind: RefKind
    value: str
    line: int
    provider: str | None = None
    framework: str | None = None
    """Top-level module the call resolves to (``langchain_openai``, ``transformers``)."""
    function: str | None = None
    """Qualified name of the enclosing function, when there is one."""
    ecosystem: Ecosystem = "pypi"
    """Where ``framework`` comes from: a Python module, or an npm package (JavaScript)."""


def guess_provider(model: str) -> str | None:
    """The provider a well-known model name belongs to."""
    lowered = model.lower()
    for prefixes, provider in _MODEL_PREFIXES:
        if lowered.startswith(prefixes):
            return provider
    return None


_DRIVE = re.compile(r"[A-Za-z]:[\\/]")  # C:\ or C:/


def is_local_path(name: str) -> bool:
    """Whether a model name is a file system path (``./out``, ``../m``, ``/srv/m``,
    ``~/m``, ``C:\\m``), not a hub repository id or an API model name."""
    return (
        name.startswith(("./", "../", "/", "~", ".\\", "..\\"))
        or name in (".", "..")
        or "\\" in name
        or _DRIVE.match(name) is not None
    )


def _litellm_provider(model: str, framework: str | None) -> str | None:
    """The provider a LiteLLM ``provider/model`` name routes to."""
    prefix, slash, _ = model.partition("/")
    return (
        _LITELLM_PROVIDERS.get(prefix.lower()) if framework in _LITELLM_NAMING and slash else None
    )


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        return ".".join([inner, *reversed(parts)]) if inner else None
    return None


class _Collector(ast.NodeVisitor):
    def __init__(self) -> None:
        self.imports: dict[str, str] = {}
        self.strings: dict[str, str] = {}
        self.clients: dict[str, tuple[str | None, str | None]] = {}
        self.refs: list[CodeRef] = []
        self._scope: list[str] = []

    # --- bindings -----------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.imports[alias.asname] = alias.name
            else:
                self.imports[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for alias in node.names:
                self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        for target in node.targets:
            name = _dotted(target)
            if name is None:
                continue
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                self.strings[name] = value.value
            elif isinstance(value, ast.Call):
                provider, framework = self._constructor(value)
                if provider or framework:
                    self.clients[name] = (provider, framework)
        self.generic_visit(node)

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._scope.append(node.name)
        self.generic_visit(node)
        self._scope.pop()

    visit_FunctionDef = _scoped
    visit_AsyncFunctionDef = _scoped
    visit_ClassDef = _scoped

    # --- resolution ---------------------------------------------------------------------
    def _resolve(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        base = self.imports.get(head)
        if base is None:
            return dotted
        return f"{base}.{rest}" if rest else base

    def _framework(self, dotted: str | None) -> str | None:
        if dotted is None:
            return None
        head = dotted.split(".")[0]
        return self.imports[head].split(".")[0] if head in self.imports else None

    def _constructor(self, call: ast.Call) -> tuple[str | None, str | None]:
        dotted = _dotted(call.func)
        if dotted is None:
            return None, None
        resolved = self._resolve(dotted)
        last = resolved.rsplit(".", 1)[-1]
        framework = self._framework(dotted)
        provider = _CLASS_PROVIDERS.get(last)
        if provider is None and last[:1].isupper() and framework in _MODULE_PROVIDERS:
            provider = _MODULE_PROVIDERS[framework]
        bedrock = last == "client" and call.args and self._text(call.args[0]) in _BEDROCK_SERVICES
        if provider is None and framework == "boto3" and bedrock:
            provider = "aws.bedrock"
        return provider, framework

    def _text(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        name = _dotted(node) if isinstance(node, ast.Name | ast.Attribute) else None
        return self.strings.get(name) if name else None

    def _via_client(self, call: ast.Call, dotted: str | None) -> tuple[str | None, str | None]:
        """The client a call goes through: a name bound to one, or one built in the same
        expression (``boto3.client("bedrock-runtime").converse(...)``)."""
        parts = (dotted or "").split(".")
        for end in range(len(parts) - 1, 0, -1):
            known = self.clients.get(".".join(parts[:end]))
            if known:
                return known
        base = call.func
        while isinstance(base, ast.Attribute):
            base = base.value
        return self._constructor(base) if isinstance(base, ast.Call) else (None, None)

    # --- references ---------------------------------------------------------------------
    def _add(
        self, kind: RefKind, value: str, node: ast.AST, provider: str | None, framework: str | None
    ) -> None:
        self.refs.append(
            CodeRef(
                kind=kind,
                value=value,
                line=getattr(node, "lineno", 0),
                provider=provider,
                framework=framework,
                function=".".join(self._scope) or None,
            )
        )

    def visit_Subscript(self, node: ast.Subscript) -> None:
        dotted = _dotted(node.value)
        name = self._text(node.slice)
        if dotted and name and self._resolve(dotted) == "os.environ":
            self._add("env", name, node, None, None)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        dotted = _dotted(node.func)
        resolved = self._resolve(dotted) if dotted else ""
        if resolved in _ENV_READERS and node.args:
            name = self._text(node.args[0])
            if name:
                self._add("env", name, node, None, None)
        last = resolved.rsplit(".", 1)[-1]
        provider, framework = self._constructor(node)
        if provider:
            self._add("provider", provider, node, provider, framework)
        else:
            provider, framework = self._via_client(node, dotted)
            framework = framework or self._framework(dotted)
        if provider is None and framework in _HF_MODULES:
            provider = "huggingface"
        if provider is None and framework in _MODULE_PROVIDERS:  # ``ollama.chat(model=...)``
            provider = _MODULE_PROVIDERS[framework]
        # ``model=`` or ``base_url=`` on an unrelated call (a web framework, an HTTP client)
        # is no AI reference: require a provider, an AI module or a well-known model name.
        ai = provider is not None or _is_ai_module(framework) or last in _POSITIONAL_MODEL_CALLS
        models: list[str] = []
        index = _POSITIONAL_MODEL_CALLS.get(
            last, _FRAMEWORK_POSITIONAL.get((framework or "", last))
        )
        if index is not None and len(node.args) > index:
            models.append(self._text(node.args[index]) or "")
        for keyword in node.keywords:
            if keyword.arg is None:
                continue
            text = self._text(keyword.value)
            if not text:
                continue
            if keyword.arg in _MODEL_KEYWORDS:
                models.append(text)
            elif keyword.arg == "model_provider" and last == "init_chat_model":
                provider = _LANGCHAIN_PROVIDERS.get(text.lower(), provider)
            elif (
                ai
                and keyword.arg in _ENDPOINT_KEYWORDS
                and text.startswith(("http://", "https://"))
            ):
                self._add("endpoint", text, node, provider, framework)
        if last == "load_dataset":
            self._dataset(node, framework)
        for model in filter(None, models):
            named, colon, rest = model.partition(":")
            if last == "init_chat_model" and colon and named.lower() in _LANGCHAIN_PROVIDERS:
                model, provider = rest, _LANGCHAIN_PROVIDERS[named.lower()]  # "openai:gpt-4o"
            guessed = provider or _litellm_provider(model, framework) or guess_provider(model)
            if is_local_path(model):  # the project's own weights: no provider serves them
                guessed = None
            if ai or guessed:
                self._add("model", model, node, guessed, framework)
        self.generic_visit(node)

    def _dataset(self, node: ast.Call, framework: str | None) -> None:
        """``load_dataset("org/name")``, or its local ``data_files`` for built-in loaders."""
        given = {k.arg: k.value for k in node.keywords if k.arg}
        first = node.args[0] if node.args else given.get("path")
        name = self._text(first) if first is not None else None
        files = self._text(given["data_files"]) if "data_files" in given else None
        if name in _BUILTIN_LOADERS and files:
            self._add("dataset", files, node, None, framework)
        elif name:
            self._add("dataset", name, node, "huggingface", framework)


def _visit(collector: _Collector, source: str, filename: str) -> list[CodeRef]:
    """The references of one source; its imports and bindings stay in ``collector``."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the last two: `- - - ...`
        return []
    # Bindings first (imports and assignments anywhere), then references in order.
    imports: list[CodeRef] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            collector.visit_Import(node)
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            collector.visit_ImportFrom(node)
            modules = [node.module] if node.module and not node.level else []
        else:
            continue
        imports += [CodeRef("import", m.split(".")[0], node.lineno) for m in modules]
    start = len(collector.refs)
    for piece in pieces(tree):  # bounded depth: a long "a" + "a" + ... stops nothing
        collector.visit(piece)
    return imports + collector.refs[start:]


def _sole_provider(refs: Iterable[CodeRef]) -> str | None:
    """The provider of a module that builds clients of one provider only."""
    providers = {r.provider for r in refs if r.kind == "provider"}
    return next(iter(providers)) if len(providers) == 1 else None


def _attributed(refs: list[CodeRef], provider: str | None) -> list[CodeRef]:
    """Models of no known provider given to the module's only one."""
    if provider is None:
        return refs
    return [
        replace(r, provider=provider) if r.kind == "model" and r.provider is None else r
        for r in refs
    ]


def references(source: str, filename: str = "<code>") -> list[CodeRef]:
    """Every reference in one module's source; a syntax error yields no references."""
    refs = _visit(_Collector(), source, filename)
    return _attributed(refs, _sole_provider(refs))


def notebook_references(text: str, filename: str = "<notebook>") -> list[tuple[int, list[CodeRef]]]:
    """(cell number, references) of each code cell. The cells run in one kernel, in order:
    what a cell imports or binds is known in the cells after it."""
    collector = _Collector()
    cells = [(n, _visit(collector, source, filename)) for n, source in notebook_cells(text)]
    provider = _sole_provider(ref for _, refs in cells for ref in refs)
    return [(n, _attributed(refs, provider)) for n, refs in cells]


def notebook_cells(text: str) -> Iterator[tuple[int, str]]:
    """(cell number from 1, source) of each code cell, IPython magics and shell lines removed."""
    try:
        notebook = loads(text)
    except json.JSONDecodeError:
        return
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):  # not a notebook after all
        return
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = source if isinstance(source, list) else str(source).splitlines(keepends=True)
        yield (
            number,
            "".join("\n" if line.lstrip().startswith(("%", "!")) else line for line in lines),
        )
