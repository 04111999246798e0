"""Code checks over the Python AST (``.py`` files and notebook code cells).

Names are resolved through the imports that bind them in the scope they are used in
(``import torch as t`` makes ``t.load`` a ``torch.load`` call; a ``torch`` that is a
parameter, a class or a function's own import of another module is not), so checks match
what the code calls, not what it happens to spell.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections.abc import Iterator
from functools import cache, cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aisec_sdk._json import loads
from aisec_sdk._pyast import pieces
from aisec_sdk.posture.models import ScanFinding, Severity
from aisec_sdk.posture.py_scopes import Names

if TYPE_CHECKING:
    from aisec_sdk.guards.secrets import SecretsGuard
    from aisec_sdk.verdict import Finding

__all__ = ["scan_notebook", "scan_python"]

_DANGEROUS_FLAGS: dict[str, tuple[str, Severity, str]] = {
    "trust_remote_code": (
        "AISEC-CODE001",
        "high",
        "trust_remote_code=True runs code from the model repository",
    ),
    "allow_dangerous_deserialization": (
        "AISEC-CODE004",
        "high",
        "allow_dangerous_deserialization=True unpickles files from disk",
    ),
    "allow_dangerous_code": (
        "AISEC-CODE005",
        "high",
        "allow_dangerous_code=True lets the model execute Python code",
    ),
    "allow_dangerous_requests": (
        "AISEC-CODE006",
        "medium",
        "allow_dangerous_requests=True lets the model send HTTP requests",
    ),
}
_TORCH_LOAD = frozenset(
    {
        "torch.load",
        "torch.serialization.load",
        "torch.hub.load_state_dict_from_url",  # torch.load on the download
        "torch.utils.model_zoo.load_url",
    }
)
_PICKLE_LOADERS = frozenset(
    {
        "pickle.load",
        "pickle.loads",
        "pickle.Unpickler",
        "cPickle.load",
        "cPickle.loads",
        "_pickle.load",
        "_pickle.loads",
        "dill.load",
        "dill.loads",
        "cloudpickle.load",
        "cloudpickle.loads",
        "joblib.load",
        "pandas.read_pickle",
        "shelve.open",
        "sklearn.externals.joblib.load",
        "torch.jit.load",
    }
)
_KERAS_LOADS = frozenset({"load_model", "deserialize_keras_object", "model_from_json"})
_YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
_YAML_UNSAFE_CALLS = frozenset(
    {"yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all"}
)
_YAML_UNSAFE_LOADERS = frozenset(
    {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}
)
# Calls whose result is model-generated text (OpenAI, Anthropic, LangChain, LiteLLM,
# Ollama, Gemini, transformers' generate), by the last parts of their dotted name.
_LLM_CALL = re.compile(
    r"(?:^|\.)(?:(?:chat\.)?completions\.create|messages\.create|responses\.create|"
    r"a?invoke|a?completion|generate_content|generate|chat|text_generation|chat_completion)$"
)
# Factories of objects that are called for model output (a transformers pipeline, a
# LangChain agent or chain, a CrewAI crew), and the methods that return it.
_MODEL_FACTORY = re.compile(
    r"(?:^|\.)(?:pipeline|initialize_agent|create_\w*agent|AgentExecutor|\w*Chain|"
    r"\w*Chain\.from_\w+|Crew|\w*LLM|Chat[A-Z]\w*)$"
)
_MODEL_METHODS = frozenset({"run", "arun", "predict", "apredict", "kickoff", "query"})
# Calls whose result is a file or bytes fetched from elsewhere (a hub, a URL, a bucket).
_DOWNLOAD_CALL = re.compile(
    r"(?:^|\.)(?:hf_hub_download|snapshot_download|cached_download|cached_path|urlretrieve|"
    r"urlopen|download_url|download_file|download_fileobj|get_object|load_url)$|"
    r"^(?:requests|httpx|urllib3)\.(?:get|post|request)$|^(?:gdown|wget)\.download$"
)
_CODE_SINKS = frozenset({"eval", "exec", "compile", "builtins.eval", "builtins.exec"})
_SHELL_SINKS = frozenset(
    {
        "os.system",
        "os.popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "asyncio.create_subprocess_shell",
    }
)
_SUBPROCESS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
     "subprocess.Popen"}
)  # fmt: skip
_SINK_NAMES = frozenset(
    name.rsplit(".", 1)[-1] for name in _CODE_SINKS | _SHELL_SINKS | _SUBPROCESS
)  # what a sink's call ends with, before its name is resolved
# subprocess.run(["bash", "-c", text]) is shell=True spelt out: an interpreter and its
# run-this-string option
_INTERPRETERS = frozenset(
    {"sh", "bash", "zsh", "dash", "ksh", "fish", "cmd", "powershell", "pwsh", "python", "python3"}
)
_RUN_STRING = frozenset({"-c", "/c", "-command", "-e"})
# Methods that run their first argument as SQL (DB-API cursors and connections,
# SQLAlchemy, pandas, DuckDB, Spark), and the keywords that argument may go by
_SQL_METHODS = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "read_sql", "read_sql_query",
     "sql"}
)  # fmt: skip
_SQL_KEYWORDS = frozenset({"sql", "query", "statement", "operation"})
_STRING_BUILDERS = frozenset({"format", "join", "str"})  # calls whose result is text
# a file without these words has no sink (subprocess ones need shell or an interpreter)
_SINK_WORDS = re.compile(
    r"\b(?:"
    + "|".join(
        sorted(
            {n.rsplit(".", 1)[-1] for n in _CODE_SINKS | _SHELL_SINKS}
            | {"shell"}
            | _INTERPRETERS
            | _SQL_METHODS
        )
    )
    + r")\b"
)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (*_FUNCTIONS, ast.Lambda, ast.ClassDef)
_SHELL_TOOLS = frozenset(
    {
        "ShellTool",
        "PythonREPLTool",
        "PythonREPL",
        "PythonAstREPLTool",
        "BashProcess",
        "create_python_agent",
        "create_pandas_dataframe_agent",
        "create_csv_agent",
        "create_spark_dataframe_agent",
        "TerminalTool",
        # chains and query engines that run the code or commands the model writes
        "PALChain",
        "LLMBashChain",
        "PandasQueryEngine",
        "PolarsQueryEngine",
    }
)
# imports that let a code agent's generated Python reach the host (smolagents' executor)
_HOST_IMPORTS = frozenset({"*", "os", "subprocess", "sys", "builtins", "importlib", "shutil"})
_SHELL_TOOL_NAMES = frozenset({"terminal", "shell", "bash", "python_repl", "python"})
ENDPOINT_NAME = re.compile(
    r"(?:base_?url|api_?base|endpoint|api_?url|api_?host|server_?url)$", re.I
)
LLM_URL = re.compile(
    r"/v1/?$|/v1/(?:chat|completions|embeddings|messages|models)|/chat/completions|"
    r"/api/(?:generate|chat|embed)|/openai(?:/|$)|openai|anthropic|azure|ollama|bedrock|gemini|"
    r"mistral|cohere|groq|together|huggingface|vllm|llm",
    re.I,
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "[::1]"})
_MODEL_PATH = re.compile(
    r"\.(?:pkl|pickle|pt|pth|bin|ckpt|joblib|sav|model|npy|npz|h5)\b|model|checkpoint|ckpt|weight",
    re.I,
)
MIN_SECRET = 16
_GENERIC_SECRETS = frozenset({"password", "api_key", "secret"})
_SECRET_NAME = re.compile(r"pass(?:word|wd)?$|pwd$|secret|token$|api_?key|access_?key", re.I)
_METADATA_HOSTS = frozenset({"metadata.google.internal", "169.254.169.254", "100.100.100.200"})


@cache
def _secrets_guard() -> SecretsGuard:
    from aisec_sdk.guards.base import GuardSettings
    from aisec_sdk.guards.secrets import SecretsGuard

    return SecretsGuard(GuardSettings())


def _credentials(text: str) -> list[tuple[int, str]]:
    """(offset, kind) of each credential the ``secrets`` guard finds in ``text``."""
    from aisec_sdk.text import normalize

    guard = _secrets_guard()
    return [
        (f.start, f.entity or "secret")
        for f in guard.scan(normalize(text), "input")
        if f.score >= guard.default_threshold and not _documented_example(text, f)
    ]


def _documented_example(text: str, finding: Finding) -> bool:
    """AWS's documented example key ids (``AKIAIOSFODNN7EXAMPLE``, ``AKIAI44QH8DHBEXAMPLE``):
    placeholders in docs and tests, never real (an id is 16 random base-32 characters)."""
    return finding.entity == "aws_access_key_id" and text[finding.start : finding.end].endswith(
        "EXAMPLE"
    )


def secret_kinds(text: str, *, generic: bool = False) -> list[str]:
    """Kinds of credentials the ``secrets`` guard finds in ``text`` (at its threshold).

    Token formats (``sk-...``, ``ghp_...``, private keys) by default; with ``generic``, only
    the guard's ``name = value`` kinds, which code checks ask for on real assignments
    rather than on any string (docstrings are full of ``password = ...`` examples).
    """
    kinds = {kind for _, kind in _credentials(text)}
    return sorted(kinds & _GENERIC_SECRETS if generic else kinds - _GENERIC_SECRETS)


def token_secrets(text: str, *, named_api_keys: bool = False) -> list[tuple[int, str]]:
    """(offset, kind) of each token-format credential in ``text`` (no ``name = value``);
    with ``named_api_keys``, also a key-like value set under an API-key name
    (``MISTRAL_API_KEY=...``, ``api_key: gsk_...``), as configuration files hold them."""
    skip = _GENERIC_SECRETS - {"api_key"} if named_api_keys else _GENERIC_SECRETS
    return [(at, kind) for at, kind in _credentials(text) if kind not in skip]


def _truthy(node: ast.AST | None) -> bool:
    """A literal the callee reads as true (``True``, ``1``, ``"yes"``: from_pretrained and
    subprocess only test truthiness)."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, bool | int | str)
        and bool(node.value)
    )


def _constants(tree: ast.AST) -> dict[str, ast.Constant]:
    """Names bound only to literals in this source (``TRUST = True``), so a flag passed as
    ``trust_remote_code=TRUST`` is judged by its value; a name also bound to anything
    else is left out."""
    found: dict[str, ast.Constant] = {}
    mixed: set[str] = set()
    for node in ast.walk(tree):
        value = _source_of(node)
        for target in _targets(node):
            if not isinstance(target, ast.Name):
                continue
            if isinstance(value, ast.Constant) and isinstance(node, ast.Assign | ast.AnnAssign):
                found.setdefault(target.id, value)
                if found[target.id].value != value.value:
                    mixed.add(target.id)
            else:
                mixed.add(target.id)
    return {name: value for name, value in found.items() if name not in mixed}


def exempt_host(url: str) -> bool:
    """Loopback hosts and cloud metadata services (which only speak http)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return (
        host in _LOCAL_HOSTS
        or host in _METADATA_HOSTS
        or host.startswith("127.")
        or host.endswith(".localhost")
    )


class _Checker(ast.NodeVisitor):
    def __init__(
        self, path: str, lines: list[str], cell: int | None, tree: ast.AST, names: Names
    ) -> None:
        self.path = path
        self.tree = tree
        self.lines = lines
        self.cell = cell
        self.names = names
        self.findings: list[ScanFinding] = []
        self._seen: set[tuple[str, int, int]] = set()

    # -- helpers ------------------------------------------------------------------------
    def add(self, rule: str, severity: Severity, node: ast.AST, message: str) -> None:
        line = getattr(node, "lineno", 0)
        col = getattr(node, "col_offset", 0) + 1
        if (rule, line, col) in self._seen:
            return
        self._seen.add((rule, line, col))
        code = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        where = f"cell {self.cell}, " if self.cell is not None else ""
        details = {"cell": self.cell} if self.cell is not None else {}
        self.findings.append(
            ScanFinding(
                rule,
                severity,
                self.path,
                f"{message} ({where}line {line})",
                line=line,
                column=col,
                key=hashlib.sha256(f"{self.cell}|{code}|{col}".encode()).hexdigest(),
                details=details,
            )
        )

    @cached_property
    def constants(self) -> dict[str, ast.Constant]:
        """Names bound only to a literal in this source (walked when a flag is a name)."""
        return _constants(self.tree)

    @cached_property
    def downloads(self) -> set[str]:
        """Names holding what a download call returned (walked at the first pickle load)."""
        return _tainted(list(ast.walk(self.tree)), self, _DOWNLOAD_CALL)

    def literal(self, node: ast.AST | None) -> ast.AST | None:
        """``node``, or the literal a name is bound to in this source."""
        if isinstance(node, ast.Name):
            return self.constants.get(node.id, node)
        return node

    def truthy(self, node: ast.AST | None) -> bool:
        """True for a literal, or a name bound to one, that the callee reads as true."""
        return _truthy(self.literal(node))

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name ``node`` means (through imports), or None for a value that is
        not a module's (a parameter, an assigned object, a call's result)."""
        if isinstance(node, ast.Name):
            return self.names.resolve(node)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    # -- checks -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = self.resolve(node.func) or ""
        short = (name or _attributes(node.func)).rsplit(".", 1)[-1]  # obj.load_model(...)
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        for flag, (rule, level, message) in _DANGEROUS_FLAGS.items():
            if self.truthy(kwargs.get(flag)):
                self.add(rule, level, node, message)
        self._check_keras(node, name, short, kwargs)
        source = self.literal(kwargs.get("source"))
        local = isinstance(source, ast.Constant) and source.value == "local"
        if name == "torch.hub.load" and not local:
            self.add(
                "AISEC-CODE001", "high", node, "torch.hub.load runs the repository's hubconf.py"
            )
        if name in _TORCH_LOAD:
            weights_only = self.literal(kwargs.get("weights_only"))
            if weights_only is None:
                self.add("AISEC-CODE002", "high", node, f"{name}() without weights_only=True")
            elif isinstance(weights_only, ast.Constant) and weights_only.value is not True:
                self.add(
                    "AISEC-CODE002",
                    "high",
                    node,
                    f"{name}() with weights_only={weights_only.value!r}",
                )
        elif name in _PICKLE_LOADERS or (
            name == "numpy.load" and self.truthy(kwargs.get("allow_pickle"))
        ):
            arguments = [*node.args, *kwargs.values()]
            fetched = any(self._downloaded(arg) for arg in arguments)
            model = fetched or any(self._mentions_model(arg) for arg in arguments)
            severity: Severity = "high" if model else "medium"
            target = "a downloaded file" if fetched else "a model file" if model else "data"
            self.add("AISEC-CODE003", severity, node, f"{name}() deserializes {target} with pickle")
        self._check_yaml(node, name, kwargs)
        # the tool itself, or a constructor on its class (PALChain.from_math_prompt)
        owner = name.rsplit(".", 2)[-2] if "." in name else ""  # the class of a method
        tool = short if short in _SHELL_TOOLS else owner
        if tool in _SHELL_TOOLS and (
            name in (short, f"{tool}.{short}") or "langchain" in name or "llama" in name
        ):
            self.add(
                "AISEC-CODE007", "high", node, f"{tool} gives the model a shell or Python REPL"
            )
        if short == "load_tools":
            tools = {
                c.value
                for arg in node.args
                for c in ast.walk(arg)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
            if risky := sorted(tools & _SHELL_TOOL_NAMES):
                self.add("AISEC-CODE007", "high", node, f"load_tools() loads {', '.join(risky)}")
        execution = kwargs.get("code_execution_config")
        if isinstance(execution, ast.Dict):
            for key, value in zip(execution.keys, execution.values, strict=False):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "use_docker"
                    and (isinstance(value, ast.Constant) and value.value is False)
                ):
                    self.add(
                        "AISEC-CODE007",
                        "high",
                        node,
                        "agent executes generated code outside Docker",
                    )
        self._check_code_agent(node, kwargs)
        for keyword, argument in kwargs.items():
            self._named_value(keyword, argument)
        self.generic_visit(node)

    def _check_code_agent(self, node: ast.Call, kwargs: dict[str, ast.expr]) -> None:
        """Agents whose generated code runs on the host: CrewAI's unsafe mode, a smolagents
        executor allowed any import (or os, subprocess, ...)."""
        mode = kwargs.get("code_execution_mode")
        if (
            isinstance(mode, ast.Constant)
            and mode.value == "unsafe"
            and self.truthy(kwargs.get("allow_code_execution"))
        ):
            self.add(
                "AISEC-CODE007",
                "high",
                node,
                "agent executes generated code on the host (code_execution_mode='unsafe')",
            )
        imports = kwargs.get("additional_authorized_imports")
        if isinstance(imports, ast.List | ast.Tuple | ast.Set):
            allowed = {
                e.value
                for e in imports.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
            if risky := sorted(allowed & _HOST_IMPORTS):
                self.add(
                    "AISEC-CODE007",
                    "high",
                    node,
                    f"code agent may import {', '.join(risky)} (the host's shell and files)",
                )

    def _check_keras(
        self, node: ast.Call, name: str, short: str, kwargs: dict[str, ast.expr]
    ) -> None:
        """Keras loading with safe mode off: Lambda layers' code runs."""
        safe_mode = kwargs.get("safe_mode")
        if (
            short in _KERAS_LOADS
            and isinstance(safe_mode, ast.Constant)
            and safe_mode.value is False
        ):
            self.add("AISEC-CODE013", "high", node, f"{short}() with safe_mode=False")
        if short == "enable_unsafe_deserialization" and ("keras" in name or name == short):
            self.add("AISEC-CODE013", "high", node, f"{name}() switches Keras safe mode off")

    def _check_yaml(self, node: ast.Call, name: str, kwargs: dict[str, ast.expr]) -> None:
        """yaml.load with an object-building Loader (or none: old PyYAML's default)."""
        if name in _YAML_UNSAFE_CALLS:
            self.add("AISEC-CODE011", "high", node, f"{name}() builds arbitrary Python objects")
            return
        if name not in _YAML_LOADS:
            return
        loader = kwargs.get("Loader", node.args[1] if len(node.args) > 1 else None)
        if loader is None:
            self.add("AISEC-CODE011", "high", node, f"{name}() without Loader=yaml.SafeLoader")
            return
        loader_name = (self.resolve(loader) or "").rsplit(".", 1)[-1]
        if loader_name in _YAML_UNSAFE_LOADERS:
            self.add("AISEC-CODE011", "high", node, f"{name}() with Loader={loader_name}")

    def _downloaded(self, node: ast.AST) -> bool:
        """Whether ``node`` holds what a download call returned (directly or through names
        assigned from it anywhere in the source)."""
        return _origin(node, self.downloads, self, _DOWNLOAD_CALL) is not None

    def _mentions_model(self, node: ast.AST) -> bool:
        for child in ast.walk(node):
            if isinstance(child, ast.Constant) and isinstance(child.value, str):
                if _MODEL_PATH.search(child.value):
                    return True
            elif (isinstance(child, ast.Name) and _MODEL_PATH.search(child.id)) or (
                isinstance(child, ast.Attribute) and _MODEL_PATH.search(child.attr)
            ):
                return True
        return False

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=False):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._flag(key.value, value, key)
                self._named_value(key.value, value)
        self.generic_visit(node)

    def _flag(self, name: str, value: ast.AST, node: ast.AST) -> None:
        """A dangerous flag switched on by a dict key, item or attribute assignment."""
        flag = _DANGEROUS_FLAGS.get(name)
        if flag and self.truthy(value):
            self.add(flag[0], flag[1], node, flag[2])

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._named_value(target.id, node.value)
            elif isinstance(target, ast.Attribute):
                self._flag(target.attr, node.value, target)
                self._named_value(target.attr, node.value)
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                self._flag(str(target.slice.value), node.value, target)
                self._named_value(str(target.slice.value), node.value)
        self.generic_visit(node)

    def _named_value(self, name: str, value: ast.AST) -> None:
        """Checks that depend on what a value is called: endpoints and credentials."""
        if ENDPOINT_NAME.search(name):
            self._check_endpoint(value, force=True)
        if (
            _SECRET_NAME.search(name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            for kind in secret_kinds(f"{name} = {value.value!r}", generic=True):
                self.add("AISEC-CODE009", "high", value, f"hard-coded {kind.replace('_', ' ')}")

    def _check_endpoint(self, node: ast.AST, *, force: bool) -> None:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return
        url = node.value.strip()
        if not url.lower().startswith("http://") or exempt_host(url):
            return
        if force or LLM_URL.search(url):
            host = urlsplit(url).hostname or url
            self.add("AISEC-CODE008", "medium", node, f"LLM endpoint {host!r} over plain http://")

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self._check_endpoint(node, force=False)
            if len(node.value) >= MIN_SECRET:
                for kind in secret_kinds(node.value):
                    self.add("AISEC-CODE009", "high", node, f"hard-coded {kind.replace('_', ' ')}")


def _scope_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of one scope in source order, without the functions and classes inside."""
    out: list[ast.AST] = []
    stack = list(reversed(list(ast.iter_child_nodes(scope))))
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, _SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return out


def _targets(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr | ast.For | ast.AsyncFor):
        return [node.target]
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars]
    return []


def _source_of(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.For | ast.AsyncFor):
        return node.iter
    if isinstance(node, ast.withitem):
        return node.context_expr
    return getattr(node, "value", None)


def _origin(
    expr: ast.AST,
    tainted: set[str],
    checker: _Checker,
    calls: re.Pattern[str],
    models: frozenset[str] = frozenset(),
) -> str | None:
    """What makes ``expr`` carry a source's value: a tainted name, or a call that is a
    source itself (`_call_origin`), or None."""
    for child in ast.walk(expr):
        if isinstance(child, ast.Name) and child.id in tainted:
            return child.id
        if (
            isinstance(child, ast.Call)
            and (found := _call_origin(child, checker, calls, models)) is not None
        ):
            return found
    return None


def _call_origin(
    call: ast.Call, checker: _Checker, calls: re.Pattern[str], models: frozenset[str]
) -> str | None:
    """``call`` itself (not its arguments) as a source: its resolved name matches ``calls``
    (an LLM call, a download), or it calls one of the model objects ``models``
    (``pipe(prompt)``, ``agent.run(task)``); else None."""
    name = checker.resolve(call.func) or _attributes(call.func)
    if calls.search(name):
        return f"{name}()"
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _MODEL_METHODS:
        func = func.value
    if isinstance(func, ast.Name) and func.id in models:
        return f"{_attributes(call.func) or func.id}()"
    if (  # a helper method: self.ask(p)
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in ("self", "cls")
        and func.attr in models
    ):
        return f"{func.value.id}.{func.attr}()"
    return None


def _model_objects(tree: ast.AST, checker: _Checker) -> frozenset[str]:
    """Names assigned anywhere in the file from a factory of callable models, agents or
    chains (``pipe = pipeline(...)``, ``agent: AgentExecutor = initialize_agent(...)``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        value = _source_of(node) if isinstance(node, ast.Assign | ast.AnnAssign) else None
        if isinstance(value, ast.Call):
            factory = checker.resolve(value.func) or _attributes(value.func)
            if _MODEL_FACTORY.search(factory):
                names.update(t.id for t in _targets(node) if isinstance(t, ast.Name))
    return frozenset(names) | _model_helpers(tree, checker, frozenset(names))


def _model_helpers(tree: ast.AST, checker: _Checker, models: frozenset[str]) -> frozenset[str]:
    """The file's functions that return model output (``def ask(p): return client.chat.
    completions.create(...).choices[0].message.content``): calling one (``ask(p)``,
    ``self.ask(p)``) is a source too. One level: a helper of a helper is not followed."""
    helpers: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, _FUNCTIONS):
            continue
        nodes = _scope_nodes(function)
        returns = [n.value for n in nodes if isinstance(n, ast.Return) and n.value is not None]
        if not returns:
            continue
        tainted = _tainted(nodes, checker, _LLM_CALL, models)
        if any(_origin(value, tainted, checker, _LLM_CALL, models) for value in returns):
            helpers.add(function.name)
    return frozenset(helpers)


def _attributes(node: ast.AST) -> str:
    """The attribute names of a call made on an expression: ``chat.completions.create`` for
    ``OpenAI().chat.completions.create``, whose base has no name to resolve."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join(reversed(parts))


def _tainted(
    nodes: list[ast.AST],
    checker: _Checker,
    calls: re.Pattern[str],
    models: frozenset[str] = frozenset(),
) -> set[str]:
    """Names assigned (directly or through other such names) from a call matching ``calls``
    or of a model object; a few passes, since a loop may feed an assignment written above
    it."""
    tainted: set[str] = set()
    for _ in range(3):
        before = len(tainted)
        for node in nodes:
            value = _source_of(node)
            targets = _targets(node)
            if value is not None and targets and _origin(value, tainted, checker, calls, models):
                for target in targets:
                    tainted.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        if len(tainted) == before:
            break
    return tainted


def _sink(node: ast.Call, checker: _Checker) -> str | None:
    """The name of the code or shell execution ``node`` calls, or None."""
    func = node.func
    last = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if last not in _SINK_NAMES:
        return None
    name = checker.resolve(func) or ""
    shell = any(k.arg == "shell" and checker.truthy(k.value) for k in node.keywords)
    shell = shell or _interpreter_argv(node)
    if name in _CODE_SINKS or name in _SHELL_SINKS or (name in _SUBPROCESS and shell):
        return name
    return None


def _sql_text(node: ast.Call) -> ast.expr | None:
    """The SQL text argument of a call that runs one (``cursor.execute(q, params)``: ``q``;
    parameters are data, not SQL), or None."""
    if not isinstance(node.func, ast.Attribute) or node.func.attr not in _SQL_METHODS:
        return None
    if node.args:
        return node.args[0]
    return next((k.value for k in node.keywords if k.arg in _SQL_KEYWORDS), None)


def _sql_origin(
    query: ast.expr, tainted: set[str], checker: _Checker, models: frozenset[str]
) -> str | None:
    """What puts model output into the text of the SQL statement ``query``: anything in an
    f-string, ``+``, ``%``, ``str.format``, ``str()`` or ``join``, the argument of
    SQLAlchemy's ``text()``, or a model call itself. Any other call binds its arguments as
    parameters (``select(...).where(users.c.name == answer)``): only the call itself and
    the value it is a method of (``answer.strip()``) count."""
    if isinstance(query, ast.Call):
        func = query.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name == "text" and query.args:
            return _sql_origin(query.args[0], tainted, checker, models)
        if name not in _STRING_BUILDERS:
            if isinstance(func, ast.Attribute):
                found = _origin(func.value, tainted, checker, _LLM_CALL, models)
                if found is not None:
                    return found
            return _call_origin(query, checker, _LLM_CALL, models)
    return _origin(query, tainted, checker, _LLM_CALL, models)


def _interpreter_argv(node: ast.Call) -> bool:
    """An argv literal that runs a string as code: ``["bash", "-c", text]``, ``["python",
    "-c", text]``, ``["cmd", "/c", text]``."""
    argv = node.args[0] if node.args else None
    argv = next((k.value for k in node.keywords if k.arg == "args"), argv)
    if not isinstance(argv, ast.List | ast.Tuple) or not argv.elts:
        return False
    first = argv.elts[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return False
    program = first.value.replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".exe")
    options = (e.value for e in argv.elts[1:] if isinstance(e, ast.Constant))
    return program in _INTERPRETERS and any(
        isinstance(o, str) and o.lower() in _RUN_STRING for o in options
    )


def _check_model_output(tree: ast.AST, checker: _Checker) -> None:
    """Model output (an LLM call's result, or a name assigned from one) passed to eval,
    exec, compile, os.system or a shell=True subprocess, or built into the text of a SQL
    query, within one function or module. Names are traced only in the scopes that hold
    such a call (most hold none)."""
    models: frozenset[str] | None = None  # found once, when a scope has a sink
    for scope in [tree, *(n for n in ast.walk(tree) if isinstance(n, _FUNCTIONS))]:
        nodes = _scope_nodes(scope)
        sinks = [
            (node, name)
            for node in nodes
            if isinstance(node, ast.Call) and (name := _sink(node, checker)) is not None
        ]
        queries = [
            (node, query)
            for node in nodes
            if isinstance(node, ast.Call) and (query := _sql_text(node)) is not None
        ]
        if not sinks and not queries:
            continue
        if models is None:
            models = _model_objects(tree, checker)
        tainted = _tainted(nodes, checker, _LLM_CALL, models)
        for call, name in sinks:
            arguments = [*call.args, *(k.value for k in call.keywords if k.arg != "shell")]
            origin = next(
                (o for a in arguments if (o := _origin(a, tainted, checker, _LLM_CALL, models))),
                None,
            )
            if origin is not None:
                checker.add(
                    "AISEC-CODE012", "high", call, f"model output ({origin}) reaches {name}()"
                )
        for call, query in queries:
            origin = _sql_origin(query, tainted, checker, models)
            if origin is not None:
                method = getattr(call.func, "attr", "execute")
                message = f"model output ({origin}) is run as SQL by {method}()"
                checker.add("AISEC-CODE014", "high", call, message)


def scan_python(source: str, path: str, *, cell: int | None = None) -> list[ScanFinding]:
    """Findings for one Python source text (a file, or a notebook cell when ``cell`` is set)."""
    tree, error = _parse(source, path, cell)
    found = [] if error is None else [error]
    return found if tree is None else found + _scan_tree(source, path, cell, tree, Names(tree))


def _parse(
    source: str, path: str, cell: int | None
) -> tuple[ast.Module | None, ScanFinding | None]:
    """The syntax tree of ``source``, and the finding that it is not valid Python (for this
    interpreter: 3.12's ``def f[T]()`` or nested f-string quotes on 3.11), in which case the
    tree is of its top-level statements that do parse (None when none can be told apart)."""
    try:
        return ast.parse(source, filename=path), None
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        where = f"cell {cell}, " if cell is not None else ""
        repaired = _parsable_statements(source)
        rest = "; the statements around it were checked" if repaired is not None else ""
        error = ScanFinding(
            "AISEC-CODE010",
            "low",
            path,
            f"not valid Python ({where}line {line}): {getattr(exc, 'msg', exc)}{rest}",
            line=line,
            key=f"{cell}|syntax",
        )
        return repaired, error


_CONTINUATIONS = frozenset({"else", "elif", "except", "finally"})


def _parsable_statements(source: str) -> ast.Module | None:
    """``source`` parsed with every top-level statement that does not parse on its own
    blanked out (line numbers kept), so the rest is still checked; None when the tokenizer
    fails too or what is left does not parse."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    starts: list[int] = []  # the first line of each top-level statement
    depth, fresh = 0, True
    for token in tokens:
        if token.type == tokenize.INDENT:
            depth += 1
        elif token.type == tokenize.DEDENT:
            depth -= 1
        elif token.type == tokenize.NEWLINE:
            fresh = True
        elif token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER) and fresh:
            fresh = False
            if depth == 0 and token.string not in _CONTINUATIONS:
                starts.append(token.start[0])
    lines = source.splitlines(keepends=True)
    kept = list(lines)
    for start, end in zip(starts, [*starts[1:], len(lines) + 1], strict=True):
        statement = lines[start - 1 : end - 1]
        # as written; else with a header Python cannot read (``def f[T](x):``) run as a block
        for attempt in (statement, ["if True:\n", *statement[1:]], ["\n"] * len(statement)):
            if _parses("".join(attempt)):
                kept[start - 1 : end - 1] = attempt
                break
    try:
        return ast.parse("".join(kept))
    except (SyntaxError, ValueError):
        return None


def _parses(source: str) -> bool:
    """Whether ``source`` is valid Python for this interpreter."""
    try:
        ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def _scan_tree(
    source: str, path: str, cell: int | None, tree: ast.Module, names: Names
) -> list[ScanFinding]:
    """Findings for the parsed ``source`` (see `scan_python`)."""
    checker = _Checker(path, source.splitlines(), cell, tree, names)
    for piece in pieces(tree):  # bounded depth: a long "a" + "a" + ... hides nothing
        checker.visit(piece)
    if _SINK_WORDS.search(source):  # on the cut tree: name resolution stays shallow
        _check_model_output(tree, checker)
    _check_comments(source, checker)
    return checker.findings


def _check_comments(source: str, checker: _Checker) -> None:
    """Credentials left in comments (the AST has no comments)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for token in tokens:
        if token.type == tokenize.COMMENT and len(token.string) >= MIN_SECRET:
            where = ast.Pass(lineno=token.start[0], col_offset=token.start[1])
            for kind in secret_kinds(token.string):
                checker.add(
                    "AISEC-CODE009", "high", where, f"{kind.replace('_', ' ')} in a comment"
                )


def _cell_sources(notebook: object) -> Iterator[tuple[int, str]]:
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("notebook has no cell list")
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = _text(cell.get("source"))
        if text.lstrip().startswith("%%"):
            continue
        # IPython magics and shell escapes are not Python; blank them, keeping line numbers.
        yield (
            index,
            "\n".join(
                "" if line.lstrip().startswith(("%", "!")) or line.rstrip().endswith("?") else line
                for line in text.splitlines()
            ),
        )


def _text(value: object) -> str:
    """A notebook string field: a string or a list of lines."""
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


def _saved_texts(notebook: object) -> Iterator[tuple[int, str, str]]:
    """(cell, what, text) for the text a notebook keeps besides its code: markdown and raw
    cells, and the outputs saved with code cells (printed streams, results, tracebacks)."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for index, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") != "code":
            yield index, f"{cell.get('cell_type')} cell", _text(cell.get("source"))
            continue
        outputs = cell.get("outputs")
        for output in outputs if isinstance(outputs, list) else []:
            if not isinstance(output, dict):
                continue
            data = output.get("data")
            parts = [_text(output.get("text")), _text(output.get("traceback"))]
            parts += [_text(v) for v in data.values()] if isinstance(data, dict) else []
            yield index, "output", "\n".join(p for p in parts if p)


def _saved_secrets(notebook: object, path: str) -> list[ScanFinding]:
    """Credentials in markdown and in saved outputs (a printed key stays in the file)."""
    findings: list[ScanFinding] = []
    for cell, what, text in _saved_texts(notebook):
        if len(text) < MIN_SECRET:
            continue
        for kind in secret_kinds(text):
            findings.append(
                ScanFinding(
                    "AISEC-CODE009",
                    "high",
                    path,
                    f"{kind.replace('_', ' ')} in the {what} of cell {cell}",
                    key=f"{cell}|{what}|{kind}",
                    details={"cell": cell},
                )
            )
    return findings


def scan_notebook(data: bytes, path: str) -> list[ScanFinding]:
    """Findings for a Jupyter notebook: its code cells, and credentials in its markdown and
    saved outputs (``cell`` is in each finding's details)."""
    try:
        notebook = loads(data)
        cells = list(_cell_sources(notebook))
    except (UnicodeDecodeError, ValueError) as exc:
        return [
            ScanFinding(
                "AISEC-CODE010", "low", path, f"not a readable notebook: {exc}", key="notebook"
            )
        ]
    shared: dict[str, str] = {}  # cells run in one namespace, in any order
    parsed: list[tuple[int, str, ast.Module, Names] | ScanFinding] = []
    for index, source in cells:
        tree, error = _parse(source, path, index)
        if error is not None:
            parsed.append(error)
        if tree is None:
            continue
        names = Names(tree, shared)  # read when a name resolves: by then, every cell's
        shared.update(names.module_imports())
        parsed.append((index, source, tree, names))
    findings: list[ScanFinding] = []
    for cell in parsed:
        if isinstance(cell, ScanFinding):
            findings.append(cell)
        else:
            index, source, tree, names = cell
            findings += _scan_tree(source, path, index, tree, names)
    return findings + _saved_secrets(notebook, path)
