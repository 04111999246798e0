"""Static scan of a project built in tmp_path, with real artefacts and real code."""

from __future__ import annotations

import collections
import hashlib
import io
import json
import pickle
import struct
import tarfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
import torch
from safetensors.torch import save_file

from aisec_sdk.bom import DatasetComponent, ModelComponent, bom_from_otlp, render, scan_project
from aisec_sdk.bom.allowlist import apply_policy
from aisec_sdk.bom.code_refs import notebook_cells, references
from aisec_sdk.bom.js_refs import js_references
from aisec_sdk.bom.model import Bom
from aisec_sdk.bom.spans import endpoint_component
from aisec_sdk.policy import Policy

APP = """
import os
from openai import OpenAI
from langchain_openai import ChatOpenAI
from transformers import AutoModelForCausalLM, pipeline
from datasets import load_dataset

MODEL = "gpt-4o-mini"
client = OpenAI(base_url="http://llm.corp.example:8080/v1")


def answer(question):
    return client.chat.completions.create(model=MODEL, messages=[])


class Assistant:
    def __init__(self):
        self.llm = ChatOpenAI(model="gpt-4o", base_url="https://gateway.corp.example/v1")

    def dynamic(self, name):
        return ChatOpenAI(model=name)  # not a literal: nothing to record
"""

LOCAL = """
from transformers import AutoModelForCausalLM, pipeline
from datasets import load_dataset

model = AutoModelForCausalLM.from_pretrained("acme/tiny-llama")
summarise = pipeline("summarization", model="acme/summariser")
data = load_dataset("acme/support-tickets")
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": ["# Claude experiments\n"]},
        {
            "cell_type": "code",
            "source": [
                "%pip install anthropic\n",
                "import anthropic\n",
                "c = anthropic.Anthropic()\n",
                'c.messages.create(model="claude-3-5-sonnet-latest", max_tokens=9, messages=[])\n',
            ],
        },
        {"cell_type": "code", "source": "this is not python("},
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}

CARD = """---
license: mit
datasets:
- data/train.jsonl
- acme/public-corpus
model-index:
- name: classifier
  results:
  - dataset: {type: data/eval.csv, name: held-out}
---
# Classifier
"""

JOBLIB_LIKE = b"\x80\x04cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81."


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "models" / "classifier").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "app.py").write_text(APP)
    (root / "local.py").write_text(LOCAL)
    (root / "broken.py").write_text("def oops(:\n")
    (root / "explore.ipynb").write_text(json.dumps(NOTEBOOK))
    save_file({"w": torch.zeros(4, 4)}, str(root / "models" / "classifier" / "model.safetensors"))
    torch.save({"w": torch.ones(3)}, root / "models" / "classifier" / "head.pt")
    (root / "models" / "classifier" / "README.md").write_text(CARD)
    torch.save(
        {"w": torch.ones(2)}, root / "models" / "old.bin", _use_new_zipfile_serialization=False
    )
    scaler = collections.OrderedDict(mean=0.5)  # names a class, as an estimator does
    (root / "models" / "scaler.pkl").write_bytes(pickle.dumps(scaler, protocol=4))
    (root / "models" / "vectoriser.joblib").write_bytes(JOBLIB_LIKE)
    np.save(root / "models" / "embeddings.npy", np.zeros((2, 3), dtype=np.float32))
    # GGUF v3 header with no tensors and no metadata; a TFLite flatbuffer's identifier
    (root / "models" / "llm.gguf").write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 0))
    (root / "models" / "detector.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(24))
    (root / "models" / "notes.bin").write_bytes(bytes(range(64)))  # no model format
    # torch's oldest format: a tar of pickle, storages and tensors members
    with tarfile.open(root / "models" / "ancient.pt", "w") as tar:
        for member, body in (
            ("sys_info", pickle.dumps({})),
            ("pickle", pickle.dumps({})),
            ("storages", pickle.dumps(0)),
            ("tensors", pickle.dumps(0)),
        ):
            info = tarfile.TarInfo(member)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    # Named as text, but the bytes are safetensors: the content decides.
    save_file({"b": torch.zeros(2)}, str(root / "models" / "weights.txt.bin"))
    (root / "data" / "train.jsonl").write_text('{"q": "a"}\n\n{"q": "b"}\n{"q": "c"}\n')
    (root / "data" / "eval.csv").write_text('id,text\n1,"multi\nline"\n2,plain\n')
    pq.write_table(pa.table({"x": list(range(5))}), root / "data" / "features.parquet")
    # Never scanned: VCS, node_modules, caches, virtual environments (metadata only).
    for skipped in (".git", "node_modules/pkg", "__pycache__"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "hidden.py").write_text('OpenAI().chat(model="skip-me")\n')
    site = root / ".venv" / "lib" / "python3.11" / "site-packages"
    (site / "langchain_acme-1.2.3.dist-info").mkdir(parents=True)
    (site / "langchain_acme-1.2.3.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: langchain-acme\nVersion: 1.2.3\n"
    )
    (site / "evil.py").write_text('OpenAI(model="skip-me-too")\n')
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return root


@pytest.fixture
def bom(project: Path, monkeypatch: pytest.MonkeyPatch) -> Bom:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-DO-NOT-LEAK-0123456789")
    monkeypatch.setenv("HF_TOKEN", "hf_DO_NOT_LEAK")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://do-not-leak.example")
    monkeypatch.setenv("UNRELATED_SETTING", "1")
    return scan_project(project)


def _models(bom: Bom) -> dict[str, ModelComponent]:
    """The BOM's models by name."""
    return {c.name: c for c in bom.of_kind("model") if isinstance(c, ModelComponent)}


def _edges(bom: Bom) -> set[tuple[str, str, str]]:
    return {(r.source, r.kind, r.target) for r in bom.relationships}


def test_model_files_by_content_with_hashes(bom: Bom, project: Path) -> None:
    files = {
        c.name: c.file for c in bom.of_kind("model") if isinstance(c, ModelComponent) and c.file
    }
    assert {name: facts.format for name, facts in files.items()} == {
        "models/ancient.pt": "pytorch-tar",
        "models/classifier/head.pt": "pytorch-zip",
        "models/classifier/model.safetensors": "safetensors",
        "models/detector.tflite": "tflite",
        "models/embeddings.npy": "numpy",
        "models/llm.gguf": "gguf",
        "models/old.bin": "pytorch-legacy",
        "models/scaler.pkl": "pickle",
        "models/vectoriser.joblib": "joblib",
        "models/weights.txt.bin": "safetensors",
    }
    for name, facts in files.items():
        content = (project / name).read_bytes()
        assert facts.sha256 == hashlib.sha256(content).hexdigest()
        assert facts.size == len(content)


def test_datasets_with_rows_and_model_card_links(bom: Bom) -> None:
    datasets = {c.name: c for c in bom.of_kind("dataset") if isinstance(c, DatasetComponent)}
    rows = {name: (d.file.format, d.file.rows) for name, d in datasets.items() if d.file}
    assert rows == {
        "data/train.jsonl": ("jsonl", 3),
        "data/eval.csv": ("csv", 2),
        "data/features.parquet": ("parquet", 5),
    }
    assert "acme/support-tickets" in datasets  # load_dataset() in code
    edges = _edges(bom)
    for weights in ("models/classifier/model.safetensors", "models/classifier/head.pt"):
        assert (f"model:{weights}", "trained-on", "dataset:data/train.jsonl") in edges
        assert (f"model:{weights}", "trained-on", "dataset:acme/public-corpus") in edges
        assert (f"model:{weights}", "evaluated-on", "dataset:data/eval.csv") in edges


def test_code_references_by_ast(bom: Bom) -> None:
    models = _models(bom)
    assert models["gpt-4o-mini"].provider == "openai"  # via the client and a constant
    assert models["gpt-4o-mini"].locations == ["app.py:13"]
    assert models["gpt-4o"].provider == "openai"
    assert models["acme/tiny-llama"].provider == "huggingface"
    assert models["acme/summariser"].provider == "huggingface"
    claude = models["claude-3-5-sonnet-latest"]
    assert claude.provider == "anthropic" and claude.locations == ["explore.ipynb#cell2:4"]
    assert not any("skip-me" in name for name in models)
    endpoints = {c.name for c in bom.of_kind("endpoint")}
    assert endpoints == {"http://llm.corp.example:8080", "https://gateway.corp.example"}
    edges = _edges(bom)
    assert ("framework:langchain-openai", "wraps", "model:gpt-4o") in edges
    assert ("framework:transformers", "wraps", "model:acme/tiny-llama") in edges
    assert ("function:app.answer", "calls", "model:gpt-4o-mini") in edges
    assert ("function:app.Assistant.__init__", "calls", "model:gpt-4o") in edges
    assert ("model:claude-3-5-sonnet-latest", "served-by", "provider:anthropic") in edges
    assert ("provider:openai", "reached-at", "endpoint:http://llm.corp.example:8080") in edges


def test_packages_from_metadata_and_project_venv(bom: Bom) -> None:
    openai = bom.component("framework:openai")
    assert openai is not None and openai.version == metadata.version("openai")
    assert "package" in openai.sources and "code" in openai.sources
    acme = bom.component("framework:langchain-acme")
    assert acme is not None and acme.version == "1.2.3"
    assert acme.locations == [".venv"]
    assert bom.component("framework:pytest") is None  # not an AI package


def test_environment_variable_names_only(bom: Bom) -> None:
    assert bom.environment_variables == ["AZURE_OPENAI_ENDPOINT", "HF_TOKEN", "OPENAI_API_KEY"]
    for fmt in ("cyclonedx", "json", "markdown"):
        text = render(bom, fmt)
        assert "OPENAI_API_KEY" in text
        assert "DO-NOT-LEAK" not in text and "DO_NOT_LEAK" not in text
        assert "do-not-leak" not in text


def test_static_bom_validates(bom: Bom, valid_cyclonedx: Any) -> None:
    documents = valid_cyclonedx(bom)
    components = {c["bom-ref"]: c for c in documents["1.6"]["components"]}
    safetensors = components["model:models/classifier/model.safetensors"]
    assert safetensors["type"] == "machine-learning-model"
    assert safetensors["hashes"][0]["alg"] == "SHA-256"
    refs = {d["ref"] for d in safetensors["modelCard"]["modelParameters"]["datasets"]}
    assert refs == {
        "dataset:data/train.jsonl",
        "dataset:acme/public-corpus",
        "dataset:data/eval.csv",
    }
    for ref in refs:
        assert components[ref]["type"] == "data"
    library = components["framework:openai"]
    assert library["type"] == "library" and library["purl"].startswith("pkg:pypi/openai@")


def test_scan_without_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    bom = scan_project(project, environment=False)
    assert bom.environment_variables == []
    assert all(
        "package" not in c.sources for c in bom.of_kind("framework") if c.name != "langchain-acme"
    )


def test_single_file_and_syntax_errors(project: Path) -> None:
    bom = scan_project(project / "broken.py", environment=False)
    assert bom.components == []
    assert references("client.create(model=f'gpt-{x}')") == []
    with pytest.raises(FileNotFoundError):
        scan_project(project / "missing")


def test_unrelated_keywords_are_not_ai_references() -> None:
    source = """
import httpx
from django.db import models
from google import genai
from datasets import load_dataset

http = httpx.Client(base_url="http://internal.example:8000")
owner = models.ForeignKey(model="auth.User", on_delete=None)
client = genai.Client()
client.models.generate_content(model="gemini-2.0-flash", contents="hi")
local = load_dataset("csv", data_files="data/tickets.csv")
"""
    found = {(r.kind, r.value, r.provider) for r in references(source) if r.kind != "import"}
    assert found == {
        ("model", "gemini-2.0-flash", "gcp.gemini"),
        ("dataset", "data/tickets.csv", None),
    }


def test_code_references_survive_long_expression_chains() -> None:
    concat = " + ".join(['"a"'] * 1200)
    source = (
        "from openai import OpenAI\n"
        f"prefix = {concat}\n"
        'OpenAI().chat.completions.create(model="gpt-4o", messages=[])\n'
        f"x = a{'.b' * 1200}\n"
    )
    refs = {(r.kind, r.value) for r in references(source)}
    assert {("model", "gpt-4o"), ("provider", "openai")} <= refs
    # deeper than Python's own parser goes: no references, and no crash
    assert references(f"y = {'-' * 100_000}1\n") == []
    assert list(notebook_cells("[" * 100_000 + "]" * 100_000)) == []


@pytest.mark.parametrize(
    "front_matter",
    [
        "datasets: 5",
        "model-index: 7",
        "model-index: [{results: 3}]",
        "datasets: " + "[" * 50_000 + "]" * 50_000,
    ],
)
def test_a_hostile_model_card_is_ignored(tmp_path: Path, front_matter: str) -> None:
    save_file({"w": torch.zeros(2)}, str(tmp_path / "model.safetensors"))
    (tmp_path / "README.md").write_text(f"---\n{front_matter}\n---\n# card\n")
    bom = scan_project(tmp_path, environment=False)
    (model,) = [c for c in bom.components if isinstance(c, ModelComponent)]
    assert not [c for c in bom.components if isinstance(c, DatasetComponent)]
    assert model.name == "model.safetensors"


REQUIREMENTS = """\
# AI stack
openai>=1.40  # the client
anthropic==0.30.0
transformers[torch] ; python_version >= "3.10"
langchain-openai \\
    ==0.1.8
-r requirements-dev.txt
-e .
torch @ https://download.pytorch.org/whl/cpu/torch-2.3.0.whl
requests==2.32.0
"""

PYPROJECT = """\
[project]
name = "support-bot"
dependencies = ["chromadb>=0.5", "httpx"]

[project.optional-dependencies]
local = ["llama-cpp-python==0.2.90"]

[dependency-groups]
eval = ["ragas", "datasets"]

[tool.poetry.dependencies]
python = "^3.11"
sentence-transformers = "3.0.1"
mistralai = {version = "^1.0", optional = true}
"""

DOTENV = """\
# secrets for local runs
OPENAI_API_KEY=sk-proj-NEVER-IN-THE-BOM-0123456789
export ANTHROPIC_API_KEY="sk-ant-NEVER-IN-THE-BOM"
HF_TOKEN = hf_NEVER_IN_THE_BOM
DATABASE_URL=postgres://user:NEVER-IN-THE-BOM@db/app
"""

READS_ENV = """\
import os
from os import getenv
key = os.environ["GROQ_API_KEY"]
base = getenv('OLLAMA_HOST', "http://localhost:11434")
debug = os.environ.get("APP_DEBUG")
HELP = 'set os.environ["MISTRAL_API_KEY"] first'  # text, not a read
"""


def test_declared_packages_and_env_names_of_the_project(
    tmp_path: Path, valid_cyclonedx: Any
) -> None:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    (tmp_path / "dev-requirements.txt").write_text("pytest\nlangsmith~=0.1\n")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / ".env").write_text(DOTENV)
    (tmp_path / "prod.env").write_text("COHERE_API_KEY=NEVER-IN-THE-BOM\n")
    (tmp_path / "settings.py").write_text(READS_ENV)
    bom = scan_project(tmp_path, environment=False)

    declared = {c.name: c for c in bom.of_kind("framework")}
    assert set(declared) == {
        "openai",
        "anthropic",
        "transformers",
        "langchain-openai",
        "torch",
        "langsmith",
        "chromadb",
        "llama-cpp-python",
        "datasets",
        "sentence-transformers",
        "mistralai",
        "ragas",
    }
    assert declared["anthropic"].version == "0.30.0"
    assert declared["langchain-openai"].version == "0.1.8"  # a continued line
    assert declared["sentence-transformers"].version == "3.0.1"  # Poetry's exact pin
    assert declared["openai"].version is None
    assert declared["openai"].properties == {"requirement": ">=1.40"}
    assert declared["openai"].locations == ["requirements.txt:2"]
    assert declared["chromadb"].locations == ["pyproject.toml"]
    assert all(c.sources == ["manifest"] for c in declared.values())

    assert bom.environment_variables == [
        "ANTHROPIC_API_KEY",
        "COHERE_API_KEY",
        "GROQ_API_KEY",
        "HF_TOKEN",
        "OLLAMA_HOST",
        "OPENAI_API_KEY",
    ]
    documents = valid_cyclonedx(bom)
    library = next(c for c in documents["1.6"]["components"] if c["name"] == "anthropic")
    assert library["purl"] == "pkg:pypi/anthropic@0.30.0"
    for text in (json.dumps(documents), render(bom, "json"), render(bom, "markdown")):
        assert "NEVER" not in text and "OPENAI_API_KEY" in text


def test_pip_compile_hashes_keep_the_pin_and_stay_out_of_the_requirement(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# generated by pip-compile --generate-hashes\n"
        "openai==1.40.0 \\\n"
        "    --hash=sha256:0123 \\\n"
        "    --hash=sha256:4567\n"
        "anthropic>=0.30 --config-settings=x=y\n"
    )
    declared = {c.name: c for c in scan_project(tmp_path, environment=False).of_kind("framework")}
    assert declared["openai"].version == "1.40.0"
    assert declared["openai"].properties == {"requirement": "==1.40.0"}
    assert declared["openai"].locations == ["requirements.txt:2"]  # where the name is
    assert declared["anthropic"].properties == {"requirement": ">=0.30"}


def test_endpoint_urls_in_code_lose_credentials_path_and_query(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from openai import OpenAI, AzureOpenAI\n"
        'a = OpenAI(base_url="https://bob:hunter2@proxy.example.com:8443/v1")\n'
        'b = AzureOpenAI(azure_endpoint="https://res.openai.azure.com/?api-key=abc123")\n'
        'c = OpenAI(base_url="http://gw.example:notaport/v1")\n'
    )
    bom = scan_project(tmp_path, environment=False)
    assert [c.ref for c in bom.of_kind("endpoint")] == [
        "endpoint:https://proxy.example.com:8443",
        "endpoint:https://res.openai.azure.com",
    ]
    for fmt in ("cyclonedx", "json", "markdown"):
        text = render(bom, fmt)
        assert "bob" not in text and "hunter2" not in text and "abc123" not in text


def test_an_ipv6_endpoint_is_one_bracketed_url_however_it_was_written(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from openai import OpenAI\n"
        'a = OpenAI(base_url="http://[2001:db8::7]:8000/v1")\n'
        'b = OpenAI(base_url="http://[::1]:11434/v1")\n'
    )
    bom = scan_project(tmp_path, environment=False)
    assert [(c.ref, c.host) for c in bom.of_kind("endpoint")] == [  # type: ignore[union-attr]
        ("endpoint:http://[2001:db8::7]:8000", "2001:db8::7"),
        ("endpoint:http://[::1]:11434", "::1"),
    ]
    for written in ("2001:db8::7", "[2001:db8::7]"):  # server.address is bare, URLs bracket it
        assert (
            endpoint_component(written, 8000, "http", "runtime").ref
            == bom.of_kind("endpoint")[0].ref
        )
    assert [f.ref for f in apply_policy(bom, None).findings] == [
        "endpoint:http://[2001:db8::7]:8000"  # plaintext off the machine; ::1 is loopback
    ]


def test_provider_sdk_calls_bedrock_gemini_and_litellm_references() -> None:
    source = """
import boto3, litellm, ollama
import google.generativeai as genai

bedrock = boto3.client("bedrock-runtime")
storage = boto3.client("s3")

def ask():
    bedrock.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])
    boto3.client("bedrock-runtime").invoke_model(modelId="amazon.titan-text-express-v1")
    storage.tag(modelId="not-a-model")
    ollama.chat(model="llama3.1", messages=[])
    litellm.completion(model="groq/llama-3.1-8b-instant", messages=[])
    litellm.completion(model="my-proxy-alias", messages=[])
    return genai.GenerativeModel("gemini-1.5-pro")
"""
    found = {(r.value, r.provider) for r in references(source) if r.kind == "model"}
    assert found == {
        ("anthropic.claude-3-haiku-20240307-v1:0", "aws.bedrock"),
        ("amazon.titan-text-express-v1", "aws.bedrock"),
        ("llama3.1", "ollama"),
        ("groq/llama-3.1-8b-instant", "groq"),
        ("my-proxy-alias", None),
        ("gemini-1.5-pro", "gcp.gemini"),
    }


def test_notebook_cells_share_one_kernel(tmp_path: Path) -> None:
    """Imports, clients and constants of one cell are known in the cells run after it."""
    cells = [
        "from transformers import pipeline\nfrom openai import OpenAI\nMODEL = 'acme/tuned-7b'\n",
        "client = OpenAI(base_url='https://llm.acme.example/v1')\n",
        "clf = pipeline('sentiment-analysis', model='cardiffnlp/twitter-roberta-base')\n"
        "client.chat.completions.create(model=MODEL, messages=[])\n",
    ]
    notebook = {
        "cells": [{"cell_type": "code", "source": source} for source in cells],
        "metadata": {},
        "nbformat": 4,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook))
    bom = scan_project(tmp_path, environment=False)
    roberta = bom.component("model:cardiffnlp/twitter-roberta-base")
    assert isinstance(roberta, ModelComponent)
    assert roberta.provider == "huggingface" and roberta.locations == ["nb.ipynb#cell3:1"]
    tuned = bom.component("model:acme/tuned-7b")
    assert isinstance(tuned, ModelComponent)
    assert tuned.provider == "openai" and tuned.locations == ["nb.ipynb#cell3:2"]
    assert bom.component("endpoint:https://llm.acme.example") is not None


def test_package_json_declares_npm_ai_packages(tmp_path: Path, valid_cyclonedx: Any) -> None:
    """A Node front end or service: its AI SDKs are npm packages with npm purls."""
    manifest = {
        "name": "chat-web",
        "dependencies": {
            "openai": "4.52.7",
            "@anthropic-ai/sdk": "^0.24.3",
            "@langchain/openai": "~0.2.0",
            "express": "^4.19.2",
        },
        "devDependencies": {"ai": "3.2.0", "typescript": "^5.4.0"},
    }
    (tmp_path / "package.json").write_text(json.dumps(manifest))
    (tmp_path / "requirements.txt").write_text("openai==1.30.1\n")
    # an installed package's own manifest is no declaration of the project
    (tmp_path / "node_modules" / "groq-sdk").mkdir(parents=True)
    (tmp_path / "node_modules" / "groq-sdk" / "package.json").write_text('{"name": "groq-sdk"}')
    bom = scan_project(tmp_path, environment=False)
    npm = {c.name: c for c in bom.components if c.ref.startswith("framework:npm:")}
    assert sorted(npm) == ["@anthropic-ai/sdk", "@langchain/openai", "ai", "openai"]
    assert npm["openai"].version == "4.52.7" and npm["@anthropic-ai/sdk"].version is None
    assert npm["@anthropic-ai/sdk"].properties == {"requirement": "^0.24.3"}
    assert npm["@anthropic-ai/sdk"].locations == ["package.json"]
    # the PyPI openai of the same project stays a component of its own
    pypi = bom.component("framework:openai")
    assert pypi is not None and pypi.version == "1.30.1"
    purls = {c["name"] + "|" + c["purl"] for c in valid_cyclonedx(bom)["1.6"]["components"]}
    assert "@anthropic-ai/sdk|pkg:npm/%40anthropic-ai/sdk" in purls
    assert {"openai|pkg:npm/openai@4.52.7", "openai|pkg:pypi/openai@1.30.1"} <= purls
    policy = Policy(allowed_packages=["openai", "@langchain/*"])
    flagged = {f.ref for f in apply_policy(bom, policy).findings}
    assert flagged == {"framework:npm:@anthropic-ai/sdk", "framework:npm:ai"}


def test_running_environment_adds_only_what_the_project_uses(tmp_path: Path) -> None:
    """The interpreter running ``aisec`` is not the scanned project's: its AI packages
    (this test environment holds openai, torch, transformers...) count only when the
    project declares or imports them, with what they require."""
    plain = tmp_path / "shop"
    plain.mkdir()
    (plain / "requirements.txt").write_text("flask\nrequests\n")
    (plain / "app.py").write_text("import flask\nimport json\napp = flask.Flask(__name__)\n")
    assert scan_project(plain).of_kind("framework") == []

    rag = tmp_path / "rag"
    rag.mkdir()
    (rag / "requirements.txt").write_text("langchain-openai\n")
    (rag / "train.py").write_text("import torch\n")
    found = {c.name: c for c in scan_project(rag).of_kind("framework")}
    # declared, imported, and what the declared package requires (installed versions)
    assert {"langchain-openai", "openai", "tiktoken", "langchain-core", "torch"} <= set(found)
    assert "transformers" not in found and "tokenizers" not in found
    assert found["openai"].version == metadata.version("openai")
    assert found["openai"].locations == ["environment"]


def test_installed_version_wins_over_a_stale_pin(tmp_path: Path, valid_cyclonedx: Any) -> None:
    """A requirements pin that is not what is installed: the BOM reports the installed
    version (and purl), and keeps the pin as ``declared_version``."""
    (tmp_path / "requirements.txt").write_text("openai==0.0.1\n")
    (tmp_path / "app.py").write_text("import openai\n")
    bom = scan_project(tmp_path)
    openai = bom.component("framework:openai")
    assert openai is not None and openai.sources == ["manifest", "package"]
    assert openai.version == metadata.version("openai")
    assert openai.properties == {"declared_version": "0.0.1", "requirement": "==0.0.1"}
    (library,) = [
        c for c in valid_cyclonedx(bom)["1.6"]["components"] if c["bom-ref"] == "framework:openai"
    ]
    assert library["purl"] == f"pkg:pypi/openai@{metadata.version('openai')}"
    assert {"name": "aisec:declared_version", "value": "0.0.1"} in library["properties"]


def test_data_files_alone_are_no_ai_datasets(tmp_path: Path) -> None:
    """A web app's CSV fixtures and JSON Lines logs are no AI-BOM: its BOM stays empty."""
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "countries.csv").write_text("code,name\nFR,France\n")
    (tmp_path / "events.jsonl").write_text('{"a": 1}\n')
    (tmp_path / "app.py").write_text("import flask\n")
    assert scan_project(tmp_path, environment=False).components == []
    # the same files next to any AI evidence are datasets of that project
    (tmp_path / "train.py").write_text("from openai import OpenAI\n")
    (tmp_path / "requirements.txt").write_text("openai\n")
    datasets = scan_project(tmp_path, environment=False).of_kind("dataset")
    assert sorted(d.name for d in datasets) == ["events.jsonl", "fixtures/countries.csv"]


def test_evaluation_and_tracing_tools_and_bedrock_keys_are_ai(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("ragas==0.1.9\ndeepeval\nlangfuse\nflask\n")
    (tmp_path / "app.py").write_text(
        "import os\ntoken = os.environ['AWS_BEARER_TOKEN_BEDROCK']\n"
        "public = os.getenv('LANGFUSE_PUBLIC_KEY')\nregion = os.getenv('AWS_REGION')\n"
    )
    bom = scan_project(tmp_path, environment=False)
    assert sorted(c.name for c in bom.of_kind("framework")) == ["deepeval", "langfuse", "ragas"]
    assert bom.environment_variables == ["AWS_BEARER_TOKEN_BEDROCK", "LANGFUSE_PUBLIC_KEY"]


DOCKERFILE = """\
FROM python:3.12-slim
ARG HF_TOKEN
ARG BUILD_ID=7
ENV OPENAI_BASE_URL=http://vllm:8000/v1 \\
    MODEL_NAME="meta-llama/Llama-3.1-8B" ANTHROPIC_API_KEY=sk-ant-NEVER-IN-THE-BOM
ENV LANGCHAIN_TRACING_V2 true
RUN pip install --no-cache-dir openai==1.35.0 "langchain-openai>=0.1" -r requirements.txt \\
    && python -m pip install -U torch flask && echo OPENAI_API_KEY=x
"""

COMPOSE = """\
services:
  app:
    build: .
    environment:
      - AZURE_OPENAI_API_KEY=NEVER-IN-THE-BOM
      - OLLAMA_HOST
  worker:
    environment:
      GROQ_API_KEY: NEVER-IN-THE-BOM
      LOG_LEVEL: info
"""


def test_dockerfiles_and_compose_files_declare_packages_and_variable_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "docker-compose.prod.yml").write_text(COMPOSE)
    bom = scan_project(tmp_path, environment=False)
    packages = {c.name: c for c in bom.of_kind("framework")}
    assert sorted(packages) == ["langchain-openai", "openai", "torch"]
    assert packages["openai"].version == "1.35.0"
    assert packages["openai"].locations == ["Dockerfile:7"]
    assert packages["torch"].locations == ["Dockerfile:7"]  # the continued RUN line
    assert bom.environment_variables == [
        "ANTHROPIC_API_KEY",
        "AZURE_OPENAI_API_KEY",
        "GROQ_API_KEY",
        "HF_TOKEN",
        "LANGCHAIN_TRACING_V2",
        "OLLAMA_HOST",
        "OPENAI_BASE_URL",
    ]
    for fmt in ("cyclonedx", "json", "markdown"):
        assert "NEVER-IN-THE-BOM" not in render(bom, fmt)


def test_the_subject_is_the_project_name_not_a_local_path(tmp_path: Path) -> None:
    """A BOM is shared: it names the project, not where it sat on someone's disk."""
    project = tmp_path / "home" / "alice" / "support-bot"
    project.mkdir(parents=True)
    (project / "app.py").write_text("import openai\n")
    assert scan_project(project, environment=False).subject == "support-bot"
    assert scan_project(project / "app.py", environment=False).subject == "app.py"
    spans = tmp_path / "spans-checkout.json"
    spans.write_text('{"resourceSpans": []}\n')
    assert bom_from_otlp([spans]).subject == "spans-checkout.json"


CHAT_TS = """\
import OpenAI from "openai";
import Anthropic from '@anthropic-ai/sdk';
const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY, baseURL: "https://gw.acme.example/v1" });
const claude = new Anthropic({ apiKey: process.env["ANTHROPIC_API_KEY"] });
export async function ask(q: string) {
  await openai.chat.completions.create({ model: "gpt-4o", messages: [] });
  return claude.messages.create({ model: 'claude-3-5-sonnet-20240620', max_tokens: 9 });
}
"""

VERCEL_TS = """\
import { generateText, embed } from "ai";
import { openai as oa } from "@ai-sdk/openai";
const { text } = await generateText({ model: oa("gpt-4o-mini"), prompt: "hi" });
await embed({ model: oa.embedding("text-embedding-3-small"), value: "x" });
"""

PLAIN_JS = """\
const express = require("express");
const db = { model: "Product", url: process.env.DATABASE_URL };
"""


def test_javascript_and_typescript_references(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "chat.ts").write_text(CHAT_TS)
    (tmp_path / "src" / "vercel.tsx").write_text(VERCEL_TS)
    (tmp_path / "src" / "server.js").write_text(PLAIN_JS)
    (tmp_path / "src" / "bundle.min.js").write_text('import OpenAI from "openai";{model:"gpt-9"}')
    bom = scan_project(tmp_path, environment=False)
    models = _models(bom)
    assert sorted(models) == [
        "claude-3-5-sonnet-20240620",
        "gpt-4o",
        "gpt-4o-mini",
        "text-embedding-3-small",
    ]
    assert models["gpt-4o"].provider == "openai" and models["gpt-4o"].locations == ["src/chat.ts:7"]
    assert models["claude-3-5-sonnet-20240620"].provider == "anthropic"
    assert models["gpt-4o-mini"].locations == ["src/vercel.tsx:3"]
    assert ("framework:npm:@ai-sdk/openai", "wraps", "model:gpt-4o-mini") in _edges(bom)
    assert bom.component("endpoint:https://gw.acme.example") is not None
    assert bom.environment_variables == ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]


@pytest.mark.parametrize("unit", ["import {", 'from "', 'model: "', 'oa("', "process.env."])
def test_javascript_patterns_stay_linear(unit: str) -> None:
    """Hostile or broken sources (an unclosed import list repeated) cost linear time."""

    def seconds(n: int) -> float:
        source = 'import { oa } from "@ai-sdk/openai";\n' + unit * n
        start = time.perf_counter()
        js_references(source, lambda name: name == "@ai-sdk/openai")
        return time.perf_counter() - start

    small = min(seconds(5_000) for _ in range(3))
    large = min(seconds(20_000) for _ in range(3))
    assert large < 12 * small + 0.05, (small, large)  # 4x the input: about 4x, never 16x


def test_javascript_provider_functions_are_read_in_one_pass() -> None:
    """A long named import list from a provider package costs no pass per name: each name
    was looked for with a regular expression of its own over the whole file (600 names in
    a 1 MB file: 16 s)."""

    def seconds(names: int) -> tuple[float, int]:
        imported = ", ".join(f"p{i}" for i in range(names))
        source = f'import {{ {imported} }} from "@ai-sdk/openai";\n' + 'p0("gpt-4o");\n' * 5_000
        start = time.perf_counter()
        refs = js_references(source, lambda name: name == "@ai-sdk/openai")
        return time.perf_counter() - start, len(refs)

    (few, few_refs), (many, many_refs) = seconds(1), seconds(400)
    assert few_refs == many_refs == 5_000
    assert many < 10 * few + 0.05, (few, many)


def test_a_pickle_of_plain_values_is_a_model_only_in_an_ai_project(tmp_path: Path) -> None:
    """A pickle that names no class or function may be a web app's cache or a model's
    weights kept as lists: alone it makes no AI-BOM, next to other AI evidence it is listed
    (and said to hold plain values); one that names a class is a model anywhere."""
    (tmp_path / "cache.pkl").write_bytes(pickle.dumps({"session": 1, "ids": [1, 2]}))
    (tmp_path / "big_cache.pickle").write_bytes(pickle.dumps(list(range(60_000))))
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n")
    assert scan_project(tmp_path, environment=False).components == []
    (tmp_path / "state.pkl").write_bytes(pickle.dumps(collections.OrderedDict(mean=0.5)))
    models = {
        c.name: c.properties for c in scan_project(tmp_path, environment=False).of_kind("model")
    }
    assert models == {
        "big_cache.pickle": {"pickle": "plain values"},
        "cache.pkl": {"pickle": "plain values"},
        "state.pkl": {},
    }


def test_a_local_path_loaded_by_from_pretrained_is_no_hub_model(
    tmp_path: Path, valid_cyclonedx: Any
) -> None:
    """``from_pretrained("./models/clf")`` loads the project's own files, not a Hugging Face
    repository: no hub supplier and no huggingface.co link for it."""
    (tmp_path / "train.py").write_text(
        "from transformers import AutoModel\n"
        "tuned = AutoModel.from_pretrained('./models/clf')\n"
        "base = AutoModel.from_pretrained('distilbert/distilbert-base-uncased')\n"
        "other = AutoModel.from_pretrained('/srv/models/ranker')\n"
    )
    bom = scan_project(tmp_path, environment=False)
    models = _models(bom)
    assert sorted(models) == [
        "/srv/models/ranker",
        "distilbert/distilbert-base-uncased",
        "models/clf",
    ]
    assert models["models/clf"].provider is None and models["/srv/models/ranker"].provider is None
    assert models["distilbert/distilbert-base-uncased"].provider == "huggingface"
    document = valid_cyclonedx(bom)["1.6"]
    links = {c["name"]: c.get("externalReferences") for c in document["components"]}
    assert links["models/clf"] is None and links["/srv/models/ranker"] is None
    assert links["distilbert/distilbert-base-uncased"] == [
        {"type": "distribution", "url": "https://huggingface.co/distilbert/distilbert-base-uncased"}
    ]


def test_lock_files_give_exact_versions(tmp_path: Path) -> None:
    """poetry.lock / uv.lock / package-lock.json pin what the ranges in the manifests let in,
    including AI packages pulled in by others."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry.dependencies]\npython = "^3.11"\nanthropic = "^0.25.0"\n'
    )
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "anthropic"\nversion = "0.25.9"\n\n'
        '[[package]]\nname = "tokenizers"\nversion = "0.19.1"\n\n'
        '[[package]]\nname = "httpx"\nversion = "0.27.0"\n'
    )
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "uv.lock").write_text(
        'version = 1\n\n[[package]]\nname = "Sentence_Transformers"\nversion = "2.7.0"\n'
    )
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "package-lock.json").write_text(
        json.dumps(
            {
                "lockfileVersion": 3,
                "packages": {
                    "": {"name": "web", "dependencies": {"openai": "^4.52.0"}},
                    "node_modules/openai": {"version": "4.52.7"},
                    "node_modules/@anthropic-ai/sdk": {"version": "0.24.3"},
                    "node_modules/express": {"version": "4.19.2"},
                },
            }
        )
    )
    found = {c.ref: c for c in scan_project(tmp_path, environment=False).of_kind("framework")}
    assert {ref: c.version for ref, c in found.items()} == {
        "framework:anthropic": "0.25.9",
        "framework:tokenizers": "0.19.1",
        "framework:sentence-transformers": "2.7.0",
        "framework:npm:openai": "4.52.7",
        "framework:npm:@anthropic-ai/sdk": "0.24.3",
    }
    assert sorted(found["framework:anthropic"].locations) == ["poetry.lock", "pyproject.toml"]


@pytest.mark.parametrize(
    "notebook", ['{"cells": 5}', '{"cells": {"a": 1}}', '{"cells": [5, null, {"source": 3}]}', "[]"]
)
def test_a_malformed_notebook_is_skipped(tmp_path: Path, notebook: str) -> None:
    (tmp_path / "nb.ipynb").write_text(notebook)
    (tmp_path / "app.py").write_text("from openai import OpenAI\nOpenAI()\n")
    bom = scan_project(tmp_path, environment=False)  # the rest of the project is still read
    assert [c.ref for c in bom.components] == ["provider:openai"]


MORE_SHAPES = """
import dspy
from langchain.chat_models import init_chat_model
from llama_cpp import Llama
from sentence_transformers import CrossEncoder
from transformers import pipeline

def build(task):
    a = init_chat_model("openai:gpt-4o")
    b = init_chat_model("claude-3-5-haiku-latest", model_provider="anthropic")
    c = init_chat_model("llama3.1:8b", model_provider="ollama")
    d = Llama(model_path="./models/llama-3-8b.Q4_K_M.gguf")
    e = CrossEncoder("cross-encoder/ms-marco-MiniLM-L-6-v2")
    f = pipeline("text-generation", "openai-community/gpt2-medium")
    g = dspy.LM("anthropic/claude-3-opus-20240229")
    h = task.pipeline("x", "not-a-model")  # another library's pipeline
    return a, b, c, d, e, f, g, h
"""


def test_positional_and_provider_prefixed_model_arguments() -> None:
    found = {(r.value, r.provider) for r in references(MORE_SHAPES) if r.kind == "model"}
    assert found == {
        ("gpt-4o", "openai"),
        ("claude-3-5-haiku-latest", "anthropic"),
        ("llama3.1:8b", "ollama"),
        ("./models/llama-3-8b.Q4_K_M.gguf", None),
        ("cross-encoder/ms-marco-MiniLM-L-6-v2", "huggingface"),
        ("openai-community/gpt2-medium", "huggingface"),
        ("anthropic/claude-3-opus-20240229", "anthropic"),
    }


SERVING_COMPOSE = """\
services:
  vllm:
    image: vllm/vllm-openai:v0.6.0
    command: ["--model", "mistralai/Mistral-7B-Instruct-v0.3", "--port", "8000"]
  tgi:
    image: ghcr.io/huggingface/text-generation-inference:2.2
    command: --model-id=HuggingFaceH4/zephyr-7b-beta --max-input-length 4000
  ollama:
    image: ollama/ollama
    entrypoint: ["/bin/sh", "-c", "ollama serve & sleep 3 && ollama pull llama3.1:8b"]
  trainer:
    image: python:3.12
    command: python train.py --model resnet50
"""

SERVING_DOCKERFILE = """\
FROM vllm/vllm-openai
RUN ollama pull nomic-embed-text
CMD ["vllm", "serve", "Qwen/Qwen2.5-7B-Instruct", "--port", "8000"]
"""


def test_model_servers_in_container_files_name_their_models(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(SERVING_COMPOSE)
    (tmp_path / "Dockerfile").write_text(SERVING_DOCKERFILE)
    bom = scan_project(tmp_path, environment=False)
    models = _models(bom)
    assert {name: (m.provider, m.locations) for name, m in models.items()} == {
        "mistralai/Mistral-7B-Instruct-v0.3": (None, ["compose.yaml"]),
        "HuggingFaceH4/zephyr-7b-beta": (None, ["compose.yaml"]),
        "llama3.1:8b": ("ollama", ["compose.yaml"]),
        "nomic-embed-text": ("ollama", ["Dockerfile:2"]),
        "Qwen/Qwen2.5-7B-Instruct": (None, ["Dockerfile:3"]),
    }
    assert ("model:llama3.1:8b", "served-by", "provider:ollama") in _edges(bom)


def test_llama_cpp_servers_name_their_model_not_their_module(tmp_path: Path) -> None:
    """``python -m llama_cpp.server --model X`` (llama-cpp-python's server): ``-m`` after
    Python names a module; the module was listed as the served model and the model missed."""
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12\n"
        'CMD ["python3", "-m", "llama_cpp.server", "--model", "/models/mistral.Q4_K_M.gguf"]\n'
        "RUN ./llama-server -m models/phi-3.gguf --port 8080\n"
    )
    bom = scan_project(tmp_path, environment=False)
    models = {c.name: c.locations for c in bom.of_kind("model")}
    assert models == {
        "/models/mistral.Q4_K_M.gguf": ["Dockerfile:2"],
        "models/phi-3.gguf": ["Dockerfile:3"],
    }


def test_a_symlinked_virtual_environment_outside_the_project_is_not_read(
    tmp_path: Path,
) -> None:
    """Symbolic links are not followed: not even a venv link pointing out of the tree."""
    outside = tmp_path / "outside-venv"
    dist = outside / "lib" / "python3.11" / "site-packages" / "langchain_outside-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: langchain-outside\nVersion: 1\n")
    (outside / "pyvenv.cfg").write_text("home = /usr/bin\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".venv").symlink_to(outside, target_is_directory=True)
    (project / "app.py").write_text("import json\n")
    assert scan_project(project, environment=False).components == []
