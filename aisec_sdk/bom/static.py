"""Static AI-BOM of a project and its Python environment.

- installed AI packages and their versions, from distribution metadata (the running
  interpreter's environment and any virtual environment inside the project), never imports;
- model files (format from magic bytes, SHA-256) and dataset files (hash, size, rows);
- model names, providers, endpoints and datasets referenced in ``.py`` files and notebook
  code cells (AST, see `aisec_sdk.bom.code_refs`);
- ``trained-on`` / ``evaluated-on`` links from Hugging Face model cards (``README.md`` front
  matter next to the weights);
- AI packages declared in ``requirements*.txt`` and ``pyproject.toml`` (see
  `aisec_sdk.bom.manifests`);
- the *names* of AI-related environment variables (never their values): set in the
  environment, assigned in the project's ``.env`` files, or read by name in its code.

Skipped while walking: VCS and tool caches, ``node_modules``, ``__pycache__`` and virtual
environments (directories holding ``pyvenv.cfg``; their packages are read as metadata).
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PureWindowsPath
from urllib.parse import urlsplit

from aisec_sdk.bom.artifacts import dataset_format, file_facts, model_format, pickle_names_code
from aisec_sdk.bom.code_refs import CodeRef, is_local_path, notebook_references, references
from aisec_sdk.bom.js_refs import JS_SUFFIXES, MAX_SOURCE_BYTES, js_references
from aisec_sdk.bom.manifests import (
    Declared,
    container_facts,
    declared_packages,
    env_file_names,
    is_container_file,
    is_env_file,
    is_manifest,
    requirement_name,
)
from aisec_sdk.bom.model import (
    Bom,
    BomBuilder,
    DatasetComponent,
    Ecosystem,
    FrameworkComponent,
    FunctionComponent,
    ModelComponent,
    ProviderComponent,
    RelationKind,
)
from aisec_sdk.bom.spans import endpoint_component, framework_ref, normalize_dist, package_name

__all__ = [
    "AI_ENV_PATTERN",
    "AI_NPM_PACKAGES",
    "AI_PACKAGES",
    "ai_environment_variables",
    "scan_project",
]

AI_PACKAGES: frozenset[str] = frozenset(
    """
    openai anthropic cohere mistralai groq google-generativeai google-genai
    google-cloud-aiplatform ollama together replicate fireworks-ai voyageai litellm
    openai-agents pydantic-ai langchain langchain-core langchain-community langgraph langsmith
    llama-index llama-index-core haystack-ai semantic-kernel dspy dspy-ai crewai
    autogen-agentchat pyautogen instructor guidance outlines
    transformers tokenizers sentence-transformers huggingface-hub datasets accelerate peft trl
    diffusers safetensors bitsandbytes optimum vllm llama-cpp-python ctransformers gpt4all
    mlx-lm torch torchvision torchaudio tensorflow tensorflow-cpu keras jax flax onnx
    onnxruntime onnxruntime-gpu tensorrt openvino scikit-learn xgboost lightgbm catboost spacy
    gensim tiktoken chromadb faiss-cpu faiss-gpu pinecone pinecone-client weaviate-client
    qdrant-client pymilvus lancedb mlflow wandb presidio-analyzer
    opentelemetry-instrumentation-openai-v2 ragas deepeval trulens langfuse arize-phoenix
    traceloop-sdk guardrails-ai nemoguardrails smolagents sglang
    """.split()  # noqa: SIM905 - a word list reads better than 80 quoted strings
)
"""Curated PyPI names of AI packages (normalised); ``langchain-*`` and ``llama-index-*``
integrations count too."""
_AI_PACKAGE_PREFIXES = ("langchain-", "llama-index-", "openinference-instrumentation-")

AI_NPM_PACKAGES: frozenset[str] = frozenset(
    """
    openai @openai/agents @anthropic-ai/sdk @anthropic-ai/bedrock-sdk @anthropic-ai/vertex-sdk
    @google/generative-ai @google/genai @google-cloud/vertexai @google-cloud/aiplatform
    @aws-sdk/client-bedrock-runtime @aws-sdk/client-bedrock-agent-runtime @azure/openai
    @azure-rest/ai-inference @mistralai/mistralai groq-sdk cohere-ai ollama replicate
    together-ai @huggingface/inference @huggingface/transformers @xenova/transformers
    langchain llamaindex ai @mastra/core @modelcontextprotocol/sdk @pinecone-database/pinecone
    chromadb @qdrant/js-client-rest weaviate-client onnxruntime-node onnxruntime-web
    @tensorflow/tfjs @tensorflow/tfjs-node tiktoken js-tiktoken
    """.split()  # noqa: SIM905
)
"""Curated npm names of AI packages; ``@langchain/*``, ``@ai-sdk/*`` (the Vercel AI SDK's
providers) and ``@llamaindex/*`` count too."""
_AI_NPM_PREFIXES = ("@langchain/", "@ai-sdk/", "@llamaindex/")

AI_ENV_PATTERN = re.compile(
    r"^(OPENAI_|AZURE_OPENAI_|ANTHROPIC_|COHERE_|CO_API_KEY$|MISTRAL_|GROQ_|GEMINI_|"
    r"GOOGLE_API_KEY$|GOOGLE_GENAI_|VERTEXAI_|HF_|HUGGINGFACE|HUGGING_FACE_|TRANSFORMERS_|"
    r"LANGCHAIN_|LANGSMITH_|LLAMA_CLOUD_|OLLAMA_|TOGETHER_|REPLICATE_API_|DEEPSEEK_|XAI_|"
    r"PERPLEXITY_|FIREWORKS_|VOYAGE_|PINECONE_|WANDB_API_KEY$|AWS_BEDROCK_|BEDROCK_|"
    r"AWS_BEARER_TOKEN_BEDROCK$|LANGFUSE_|TRACELOOP_|PHOENIX_|"
    r"LITELLM_|OTEL_INSTRUMENTATION_GENAI_|AISEC_)"
)
"""Environment variable names that configure AI providers, hubs and frameworks."""

_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        "site-packages",
        ".eggs",
    }
)
_SKIP_SUFFIXES = frozenset(
    {
        ".py",
        ".ipynb",
        ".md",
        ".txt",
        ".toml",
        ".cfg",
        ".ini",
        ".yaml",
        ".yml",
        ".lock",
        ".html",
        ".js",
        ".ts",
        ".css",
        ".rst",
        ".sh",
    }
)


def ai_environment_variables(environ: Iterable[str] | None = None) -> list[str]:
    """Sorted AI-related names among ``environ``'s variable names (a mapping gives its keys;
    default: the set variables of ``os.environ``). Values are never read."""
    names = environ if environ is not None else os.environ.keys()
    return sorted(name for name in names if AI_ENV_PATTERN.match(name.upper()))


def _is_ai_package(name: str, ecosystem: Ecosystem = "pypi") -> bool:
    if ecosystem == "npm":
        return _is_ai_npm_package(name)
    return name in AI_PACKAGES or name.startswith(_AI_PACKAGE_PREFIXES)


def _is_ai_npm_package(name: str) -> bool:
    return name in AI_NPM_PACKAGES or name.startswith(_AI_NPM_PREFIXES)


@dataclass
class _Walk:
    code: list[Path] = field(default_factory=list)
    notebooks: list[Path] = field(default_factory=list)
    scripts: list[Path] = field(default_factory=list)
    """JavaScript and TypeScript sources."""
    files: list[Path] = field(default_factory=list)
    venvs: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    env_files: list[Path] = field(default_factory=list)
    containers: list[Path] = field(default_factory=list)
    """Dockerfiles and Compose files."""


def _walk(root: Path) -> _Walk:
    found = _Walk()
    if root.is_file():
        directories: Iterable[tuple[str, list[str], list[str]]] = [
            (str(root.parent), [], [root.name])
        ]
    else:
        directories = os.walk(root)
    for directory, subdirs, files in directories:
        here = Path(directory)
        kept = []
        for sub in sorted(subdirs):
            if (here / sub).is_symlink():  # links are not followed, venv or not
                continue
            if (here / sub / "pyvenv.cfg").is_file():
                found.venvs.append(here / sub)
            elif sub not in _SKIP_DIRS and not sub.endswith(".egg-info"):
                kept.append(sub)
        subdirs[:] = kept
        for name in sorted(files):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            suffix = path.suffix.lower()
            if is_container_file(path):  # installs packages, sets variables, serves models
                found.containers.append(path)
            elif is_manifest(path):
                found.manifests.append(path)
            elif is_env_file(path):
                found.env_files.append(path)
            elif suffix == ".py":
                found.code.append(path)
            elif suffix == ".ipynb":
                found.notebooks.append(path)
            elif suffix in JS_SUFFIXES:
                found.scripts.append(path)
            elif suffix not in _SKIP_SUFFIXES or name.lower() == "readme.md":
                found.files.append(path)
    return found


def _site_packages(venv: Path) -> list[str]:
    return [str(p) for p in venv.glob("lib*/python*/site-packages")] + [
        str(p) for p in venv.glob("Lib/site-packages")
    ]


def _installed(path: list[str] | None) -> dict[str, metadata.Distribution]:
    """Distributions by normalised name (``path``: sys.path entries; None: the running one)."""
    dists = metadata.distributions() if path is None else metadata.distributions(path=path)
    found: dict[str, metadata.Distribution] = {}
    for dist in dists:
        name = normalize_dist(dist.name or "")
        if name:
            found.setdefault(name, dist)
    return found


def _required(installed: Mapping[str, metadata.Distribution], roots: Iterable[str]) -> set[str]:
    """``roots`` and, transitively, what they require (optional extras aside), as installed."""
    todo = [name for name in roots if name in installed]
    seen = set(todo)
    while todo:
        for requirement in installed[todo.pop()].requires or []:
            spec, _, marker = requirement.partition(";")
            name = normalize_dist(requirement_name(spec) or "")
            if name in installed and name not in seen and "extra" not in marker:
                seen.add(name)
                todo.append(name)
    return seen


def _packages(
    builder: BomBuilder, where: str, installed: Mapping[str, metadata.Distribution]
) -> None:
    """The AI distributions among ``installed``, located at ``where``."""
    for name, dist in installed.items():
        if _is_ai_package(name):
            builder.add(
                FrameworkComponent(
                    ref=framework_ref(name),
                    name=name,
                    version=dist.version,
                    sources=["package"],
                    locations=[where],
                )
            )


def _runs_inside(root: Path) -> bool:
    """Whether the running interpreter's environment lies in ``root`` (its own venv)."""
    try:
        return Path(sys.prefix).resolve().is_relative_to(root.resolve())
    except OSError:
        return False


def _module_distributions() -> Mapping[str, list[str]]:
    try:
        return metadata.packages_distributions()
    except Exception:  # broken metadata must not stop a scan
        return {}


def _model_card_datasets(readme: Path) -> dict[RelationKind, list[str]]:
    """``trained-on`` / ``evaluated-on`` dataset ids from a model card's YAML front matter."""
    try:
        text = readme.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", text, re.DOTALL)
    if not match:
        return {}
    try:
        import yaml  # type: ignore[import-untyped]  # the "bom" extra installs PyYAML
    except ImportError:
        return {}
    try:
        card = yaml.safe_load(match.group(1))
    except (yaml.YAMLError, RecursionError):  # a malformed card is no reason to stop
        return {}
    if not isinstance(card, dict):
        return {}
    trained = card.get("datasets") or []
    trained = [trained] if isinstance(trained, str) else _list(trained)
    evaluated = [
        str(result["dataset"].get("type") or result["dataset"].get("name"))
        for entry in _list(card.get("model-index"))
        if isinstance(entry, dict)
        for result in _list(entry.get("results"))
        if isinstance(result, dict) and isinstance(result.get("dataset"), dict)
    ]
    return {"trained-on": [str(t) for t in trained if t], "evaluated-on": evaluated}


def _list(value: object) -> list[object]:
    """A model card's YAML list, or nothing when the card holds something else there."""
    return value if isinstance(value, list) else []


class _Project:
    """Adds what one project tree holds to a builder."""

    def __init__(self, root: Path, builder: BomBuilder) -> None:
        self.root = root if root.is_dir() else root.parent
        self.builder = builder
        self.datasets: dict[str, str] = {}
        self.module_dists = _module_distributions()
        self.env_names: set[str] = set()
        self.used: set[str] = set()
        """Python distributions the project declares or imports (normalised names)."""
        self.data_files: set[str] = set()
        """Refs of files that are AI evidence only next to other AI evidence: datasets, and
        pickles of plain values (a cache of dicts may also be a model's weights)."""

    def relative(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def artifacts(self, files: list[Path]) -> None:
        """Model and dataset files, then the model-card links between them."""
        models: list[tuple[Path, str]] = []
        readmes = [f for f in files if f.name.lower() == "readme.md"]
        for path in files:
            if path in readmes:
                continue
            try:
                model = self.artifact(path)
            except OSError:  # unreadable: nothing to hash, nothing to report
                continue
            if model is not None:
                models.append((path, model))
        cards = {r.parent: _model_card_datasets(r) for r in readmes}
        for path, model in models:
            for kind, names in cards.get(path.parent, {}).items():
                for name in names:
                    self.builder.relate(model, kind, self.dataset(name), "model-card")

    def artifact(self, path: Path) -> str | None:
        """Add a dataset or model file; returns the model's ref when it is a model."""
        fmt = dataset_format(path)
        if fmt is not None:
            facts = file_facts(path, self.root, fmt, count_rows=True)
            ref = self.builder.add(
                DatasetComponent(
                    ref=f"dataset:{facts.path}", name=facts.path, file=facts, sources=["file"]
                )
            )
            self.datasets[facts.path] = self.datasets[path.name] = ref
            self.data_files.add(ref)
            return None
        fmt = model_format(path)
        if fmt is None:
            return None
        facts = file_facts(path, self.root, fmt)
        plain = fmt == "pickle" and not pickle_names_code(path)
        ref = self.builder.add(
            ModelComponent(
                ref=f"model:{facts.path}",
                name=facts.path,
                file=facts,
                sources=["file"],
                properties={"pickle": "plain values"} if plain else {},
            )
        )
        if plain:  # no class in it: a model only in a project that shows other AI
            self.data_files.add(ref)
        return ref

    def dataset(self, name: str, location: str | None = None) -> str:
        """The ref of a dataset by name: a local file when one matches, else a hub id."""
        known = self.datasets.get(name) or self.datasets.get(name.lstrip("./"))
        if known:
            return known
        return self.builder.add(
            DatasetComponent(
                ref=f"dataset:{name}",
                name=name,
                sources=["code" if location else "model-card"],
                locations=[location] if location else [],
            )
        )

    def distribution(self, module: str) -> str:
        """The (normalised) distribution a top-level module comes from."""
        dists = self.module_dists.get(module)
        return normalize_dist(dists[0]) if dists else normalize_dist(module)

    def framework(self, module: str | None, ecosystem: Ecosystem = "pypi") -> str | None:
        """The framework a reference's call goes through: the distribution of a Python
        module, or an npm package."""
        if not module:
            return None
        name = package_name(module, "npm") if ecosystem == "npm" else self.distribution(module)
        return self.builder.add(
            FrameworkComponent(
                ref=framework_ref(name, ecosystem), name=name, ecosystem=ecosystem, sources=["code"]
            )
        )

    def code(self, refs: list[CodeRef], module: str, where: str) -> None:
        for ref in refs:
            if ref.kind == "import":
                self.used.add(self.distribution(ref.value))
                continue
            location = f"{where}:{ref.line}"
            provider = self.provider(ref.provider, "code", location)
            if ref.kind == "env":
                self.env_names.add(ref.value)
                continue
            if ref.kind == "provider":
                continue
            if ref.kind == "dataset":
                self.dataset(ref.value, location)
                continue
            if ref.kind == "endpoint":
                parts = _url(ref.value)
                if parts is None:
                    continue
                endpoint = self.builder.add(endpoint_component(*parts, "code", location))
                if provider:
                    self.builder.relate(provider, "reached-at", endpoint, "code")
                continue
            model = self.model(ref.value, ref.provider, provider, "code", location)
            framework = self.framework(ref.framework, ref.ecosystem)
            if framework:
                self.builder.relate(framework, "wraps", model, "code")
            if ref.function:
                function = self.builder.add(
                    FunctionComponent(
                        ref=f"function:{module}.{ref.function}",
                        name=f"{module}.{ref.function}",
                        sources=["code"],
                        locations=[location],
                    )
                )
                self.builder.relate(function, "calls", model, "code")

    def sources(self, code: list[Path], notebooks: list[Path], scripts: list[Path]) -> None:
        """References in Python modules, notebooks and JavaScript / TypeScript files."""
        for path in scripts:
            shown = self.relative(path)
            if ".min." in path.name or path.stat().st_size > MAX_SOURCE_BYTES:
                continue  # a bundle or minified build output, not source
            self.code(js_references(_read(path), _is_ai_npm_package), shown, shown)
        for path in code:
            shown = self.relative(path)
            module = shown.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
            self.code(references(_read(path), shown), module, shown)
        for path in notebooks:
            shown = self.relative(path)
            for cell, refs in notebook_references(_read(path), shown):
                self.code(refs, path.stem, f"{shown}#cell{cell}")

    def declarations(
        self, manifests: list[Path], env_files: list[Path], containers: list[Path]
    ) -> None:
        """AI packages the manifests declare, variable names the ``.env`` files set, and
        what Dockerfiles and Compose files install, set and serve."""
        for path in manifests:
            self.declared(declared_packages(path, self.relative(path)))
        for path in env_files:
            self.env_names.update(env_file_names(path))
        for path in containers:
            shown = self.relative(path)
            facts = container_facts(path, shown)
            self.declared(facts.packages)
            self.env_names.update(facts.names)
            for served, provider, line in facts.served:
                location = f"{shown}:{line}" if line else shown
                server = self.provider(provider, "manifest", location)
                self.model(served, provider, server, "manifest", location)

    def declared(self, packages: list[Declared]) -> None:
        """The AI packages among ``packages`` (all PyPI ones count as used)."""
        for declared in packages:
            name = package_name(declared.name, declared.ecosystem)
            if declared.ecosystem == "pypi":
                self.used.add(name)
            if not _is_ai_package(name, declared.ecosystem):
                continue
            self.builder.add(
                FrameworkComponent(
                    ref=framework_ref(name, declared.ecosystem),
                    name=name,
                    ecosystem=declared.ecosystem,
                    version=declared.version,
                    sources=["manifest"],
                    locations=[declared.location],
                    properties={"requirement": declared.requirement}
                    if declared.requirement
                    else {},
                )
            )

    def provider(self, name: str | None, source: str, location: str) -> str | None:
        """The ref of the provider ``name`` (None without one), found at ``location``."""
        if not name:
            return None
        return self.builder.add(
            ProviderComponent(
                ref=f"provider:{name}", name=name, sources=[source], locations=[location]
            )
        )

    def model(
        self, value: str, provider: str | None, server: str | None, source: str, location: str
    ) -> str:
        """The ref of the model ``value`` named at ``location``, served by ``server`` (the
        ref of ``provider``) when there is one."""
        name = _model_name(value)
        model = self.builder.add(
            ModelComponent(
                ref=f"model:{name}",
                name=name,
                provider=provider,
                sources=[source],
                locations=[location],
            )
        )
        if server:
            self.builder.relate(model, "served-by", server, source)
        return model


def _model_name(value: str) -> str:
    """A model's name as the project root sees it: a relative path is normalised
    (``./models/clf`` is ``models/clf``); hub ids, API names, absolute and home paths stay
    as written."""
    if not is_local_path(value) or value.startswith(("/", "~")) or PureWindowsPath(value).drive:
        return value
    return posixpath.normpath(value.replace("\\", "/"))


def _url(text: str) -> tuple[str, int | None, str] | None:
    """(host, port, scheme) of an ``http(s)://`` URL; user info, path and query are dropped
    (``https://user:pass@host:8443/v1?key=...`` is ``host``, 8443, ``https``)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:  # a port that is not a number, a bad IPv6 literal
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname, port, scheme


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def scan_project(
    path: str | Path = ".",
    *,
    environment: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Bom:
    """The static BOM of ``path`` (a directory or one file).

    ``environment`` also inventories the running interpreter's installed AI packages and
    AI-related environment variable names (``environ``, default ``os.environ``); names
    assigned in the project's ``.env`` files or read in its code are always listed. Unless
    the interpreter's environment lies inside ``path`` (the project's own venv), it is not
    taken for the project's: only the packages the project declares or imports, and what
    they require, are listed from it (with their installed versions). Data files (and
    pickles of plain values) count only in a project with some other AI evidence.
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no such file or directory: {root}")
    builder = BomBuilder()
    walk = _walk(root)
    project = _Project(root, builder)
    project.artifacts(walk.files)
    project.sources(walk.code, walk.notebooks, walk.scripts)
    project.declarations(walk.manifests, walk.env_files, walk.containers)
    for venv in walk.venvs:
        _packages(builder, project.relative(venv), _installed(_site_packages(venv)))
    if environment:
        installed = _installed(None)
        if not _runs_inside(project.root):  # not the project's own environment
            installed = {name: installed[name] for name in _required(installed, project.used)}
        _packages(builder, "environment", installed)
    names = ai_environment_variables(environ) if environment else []
    names += ai_environment_variables(project.env_names)
    # the project's name, not its place on a disk (a BOM is shared)
    bom = builder.build(root.resolve().name, environment_variables=names)
    if all(c.ref in project.data_files and c.sources == ["file"] for c in bom.components):
        # data files and nothing else about AI: CSV fixtures, logs, caches; no AI-BOM
        return bom.model_copy(update={"components": [], "relationships": []})
    return bom
