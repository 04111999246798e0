"""What a project declares without running: dependency manifests and environment files.

- requirements files (``.txt`` or pip-tools ``.in`` files named ``*requirements*`` or
  ``*constraints*``, or kept in a ``requirements/`` folder) and
  ``pyproject.toml`` (PEP 621 ``dependencies`` and ``optional-dependencies``, PEP 735
  ``dependency-groups``, Poetry's dependency tables) give declared packages, with their
  version when it is pinned (``==1.2.3``);
- ``package.json`` (``dependencies``, ``devDependencies``, ``optionalDependencies``,
  ``peerDependencies``) gives declared npm packages, with their version when it is exact;
- lock files (``poetry.lock``, ``uv.lock``, ``pdm.lock``, ``package-lock.json``) give every
  locked package with its exact version (what the ranges above resolve to, and what the
  declared packages pull in);
- ``.env`` files (``.env``, ``.env.local``, ``prod.env``...) give variable *names*: values
  are never kept, whatever the file holds;
- Dockerfiles (``Dockerfile``, ``Dockerfile.prod``, ``app.dockerfile``, ``Containerfile``)
  give the packages their ``RUN pip install`` lines install and the names their ``ENV`` and
  ``ARG`` instructions set; Compose files (``docker-compose.yml``, ``compose.prod.yaml``)
  the names of their services' ``environment``. Both name the models their model servers
  serve (``vllm serve X``, ``--model X``, TGI's ``--model-id X``, ``ollama pull X``).
"""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aisec_sdk.bom.model import Ecosystem

__all__ = [
    "ContainerFacts",
    "Declared",
    "container_facts",
    "declared_packages",
    "env_file_names",
    "is_container_file",
    "is_env_file",
    "is_manifest",
    "requirement_name",
]

_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(\(?[^;#@]*)",
)
_PINNED = re.compile(r"^\(?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)\s*\)?$")
# pip's per-requirement options after the requirement (``--hash=sha256:...``, ``-C k=v``)
_OPTIONS = re.compile(r"\s--?[A-Za-z].*$")
_ENV_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)
_TOML_LOCKS = frozenset({"poetry.lock", "uv.lock", "pdm.lock"})
_NPM_LOCK = "package-lock.json"
_DOCKERFILES = ("dockerfile", "containerfile")
_DOCKERFILE_PREFIXES = ("dockerfile.", "containerfile.")
_COMPOSE = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# ``NAME=value`` pairs of an ENV instruction; a quoted value is passed over whole
_ENV_PAIR = re.compile(r"""(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=(?:"(?:[^"\\]|\\.)*"|'[^']*'|\S*)""")
_PIP = re.compile(r"(?:.*/)?pip(?:3(?:\.\d+)?)?")  # pip, pip3, pip3.12, /usr/bin/pip
_SHELL_SEPARATORS = re.compile(r"&&|\|\||[;|]")
_COMMAND_SPLIT = re.compile(r"[\s;&|,\[\]]+")
# model servers whose --model / --model-id option names the model they serve
_MODEL_SERVERS = (
    "vllm",
    "text-generation-inference",
    "text-generation-launcher",
    "sglang",
    "llama_cpp.server",  # llama-cpp-python's: python -m llama_cpp.server --model X
)
_PYTHON = re.compile(r"(?:.*/)?python(?:\d(?:\.\d+)?)?")  # before -m: a module, not a model
# what a served model's name can be: a hub id, a tag (llama3.1:8b) or a path, no variables
_NAME_OR_PATH = re.compile(r"^[\w./:~-]{1,200}$")
# pip install options followed by a value (``-r requirements.txt``, ``-i URL``)
_PIP_VALUE_OPTIONS = frozenset(
    {
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
        "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
        "--trusted-host", "--platform", "--python-version", "--implementation", "--abi",
        "--upgrade-strategy", "--progress-bar", "--cache-dir", "--src", "-C",
        "--config-settings", "--python",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Declared:
    """A package a manifest asks for: normalised-as-written name, pinned version, the
    requirement as written (``>=1.0``) and where (``requirements.txt:3``)."""

    name: str
    version: str | None
    requirement: str
    location: str
    ecosystem: Ecosystem = "pypi"


@dataclass(frozen=True, slots=True)
class ContainerFacts:
    """What a Dockerfile or Compose file tells, read once."""

    packages: list[Declared]
    """What its ``RUN pip install`` lines install."""
    names: list[str]
    """Variable names it sets (``ENV``, ``ARG``, a service's ``environment``)."""
    served: list[tuple[str, str | None, int | None]]
    """(model, provider, line) of what its model servers serve; no line in a Compose file."""


def is_manifest(path: Path) -> bool:
    """Whether ``path`` is a dependency manifest this module reads."""
    name = path.name.lower()
    if name in ("pyproject.toml", "package.json", _NPM_LOCK) or name in _TOML_LOCKS:
        return True
    return path.suffix.lower() in (".txt", ".in") and (
        "requirements" in name
        or "constraints" in name
        or path.parent.name.lower() == "requirements"
    )


def _is_dockerfile(name: str) -> bool:
    return (
        name in _DOCKERFILES
        or name.startswith(_DOCKERFILE_PREFIXES)
        or name.endswith(".dockerfile")
    )


def is_container_file(path: Path) -> bool:
    """Whether ``path`` is a Dockerfile or a Compose file (packages, variable names and
    served models: see `container_facts`)."""
    name = path.name.lower()
    return _is_dockerfile(name) or _COMPOSE.match(name) is not None


def is_env_file(path: Path) -> bool:
    """Whether ``path`` is a dotenv file (``.env``, ``.env.prod``, ``prod.env``)."""
    name = path.name.lower()
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def _requirement(text: str, location: str) -> Declared | None:
    """One PEP 508 requirement string, or None for options, URLs and paths."""
    text = text.strip()
    if not text or text.startswith(("-", "#", ".", "/")) or "://" in text.split("@")[0]:
        return None
    match = _REQUIREMENT.match(text)
    if match is None:
        return None
    spec = match.group(3).strip()
    pinned = _PINNED.match(spec)
    return Declared(match.group(1), pinned.group(1) if pinned else None, spec, location)


def requirement_name(text: str) -> str | None:
    """The distribution name a PEP 508 requirement string starts with (as written)."""
    match = _REQUIREMENT.match(text)
    return match.group(1) if match else None


def _requirements_file(text: str, shown: str) -> Iterator[Declared]:
    """Requirements of a pip requirements file; a requirement continued over several lines
    (pip-compile's hashes) is located at its first line."""
    logical, first = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", line)
        first = first or number
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        found = _requirement(_OPTIONS.sub("", logical + line), f"{shown}:{first}")
        logical, first = "", 0
        if found is not None:
            yield found


def _poetry(table: Any, shown: str) -> Iterator[Declared]:
    if not isinstance(table, dict):
        return
    for name, value in table.items():
        if name.lower() == "python":
            continue
        spec = value if isinstance(value, str) else ""
        if isinstance(value, dict) and isinstance(value.get("version"), str):
            spec = value["version"]
        exact = re.fullmatch(r"\s*=*\s*(\d[A-Za-z0-9.+!_-]*)\s*", spec)
        yield Declared(name, exact.group(1) if exact else None, spec, shown)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _pyproject(text: str, shown: str) -> Iterator[Declared]:
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return
    project = _table(data, "project")
    lists = [_strings(project.get("dependencies"))]
    for table in (_table(project, "optional-dependencies"), _table(data, "dependency-groups")):
        lists += [_strings(group) for group in table.values()]
    for items in lists:
        for item in items:
            found = _requirement(item, shown)
            if found is not None:
                yield found
    poetry = _table(_table(data, "tool"), "poetry")
    yield from _poetry(poetry.get("dependencies"), shown)
    yield from _poetry(poetry.get("dev-dependencies"), shown)
    for group in _table(poetry, "group").values():
        if isinstance(group, dict):
            yield from _poetry(group.get("dependencies"), shown)


_NPM_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
_NPM_EXACT = re.compile(r"^\s*[=v]?\s*(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\s*$")


def _json_object(text: str) -> dict[str, Any]:
    """``text`` read as a JSON object; empty when it is not one (or not JSON at all)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _package_json(text: str, shown: str) -> Iterator[Declared]:
    """npm packages of a ``package.json``; the version is kept when exact (``4.52.7``)."""
    data = _json_object(text)
    for section in _NPM_SECTIONS:
        for name, spec in _table(data, section).items():
            spec = spec if isinstance(spec, str) else ""
            exact = _NPM_EXACT.match(spec)
            yield Declared(name, exact.group(1) if exact else None, spec, shown, "npm")


def _toml_lock(text: str, shown: str) -> Iterator[Declared]:
    """Every ``[[package]]`` (name, exact version) of a Poetry, uv or PDM lock file."""
    try:
        packages = tomllib.loads(text).get("package")
    except (tomllib.TOMLDecodeError, RecursionError):
        return
    for entry in packages if isinstance(packages, list) else []:
        if not isinstance(entry, dict):
            continue
        name, version = entry.get("name"), entry.get("version")
        if isinstance(name, str) and isinstance(version, str):
            yield Declared(name, version, "", shown)


def _npm_lock(text: str, shown: str) -> Iterator[Declared]:
    """Every package of a ``package-lock.json``: ``packages`` (lockfile v2, v3) keyed by
    ``node_modules/<name>`` paths, else v1's ``dependencies``."""
    data = _json_object(text)
    packages = _table(data, "packages")
    entries = (
        [(path.rpartition("node_modules/")[2], entry) for path, entry in packages.items() if path]
        if packages
        else list(_table(data, "dependencies").items())
    )
    for name, entry in entries:
        version = entry.get("version") if isinstance(entry, dict) else None
        if name and isinstance(version, str):
            yield Declared(name, version, "", shown, "npm")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


_Instruction = tuple[int, str, str]
"""(first line, INSTRUCTION, arguments) of a Dockerfile."""


def _instructions(text: str) -> Iterator[_Instruction]:
    """(first line, INSTRUCTION, arguments) of a Dockerfile; continued lines are joined and
    comment lines dropped, also inside a continuation (as Docker does)."""
    logical, first = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#") or not (stripped or logical):
            continue
        first = first or number
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        words = (logical + stripped).split(None, 1)
        logical = ""
        if words:
            yield first, words[0].upper(), words[1] if len(words) > 1 else ""
        first = 0


def _pip_installs(command: str, location: str) -> Iterator[Declared]:
    """Requirements of the ``pip install`` in one shell command (``python -m pip``, ``uv
    pip`` too); options, requirement files, paths and URLs are passed over."""
    try:
        words = shlex.split(command)
    except ValueError:  # unbalanced quotes
        words = command.split()
    starts = [i for i, w in enumerate(words[:-1]) if _is_pip(w) and words[i + 1] == "install"]
    if not starts:
        return
    skip = False
    for word in words[starts[0] + 2 :]:
        if skip or word.startswith("-"):
            skip = not skip and word in _PIP_VALUE_OPTIONS
            continue
        found = _requirement(word, location)
        if found is not None:
            yield found


def _is_pip(word: str) -> bool:
    return _PIP.fullmatch(word) is not None


def _dockerfile_packages(instructions: list[_Instruction], shown: str) -> Iterator[Declared]:
    for line, instruction, arguments in instructions:
        if instruction == "RUN":
            for command in _SHELL_SEPARATORS.split(arguments):
                yield from _pip_installs(command, f"{shown}:{line}")


def _dockerfile_names(instructions: list[_Instruction]) -> Iterator[str]:
    """Names an ``ENV`` (``NAME=value ...`` or ``NAME value``) or ``ARG`` sets."""
    for _, instruction, arguments in instructions:
        words = arguments.split()
        if instruction == "ARG":
            yield from (name for name in (w.split("=", 1)[0] for w in words) if _NAME.match(name))
        elif instruction == "ENV" and words:
            if "=" in words[0]:
                yield from _ENV_PAIR.findall(arguments)
            elif _NAME.match(words[0]):
                yield words[0]


def _compose_services(text: str) -> list[dict[str, Any]]:
    """The services of a Compose file (PyYAML, which the "bom" extra installs)."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return []
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return []
    services = _table(data, "services") if isinstance(data, dict) else {}
    return [service for service in services.values() if isinstance(service, dict)]


def _compose_names(services: list[dict[str, Any]]) -> Iterator[str]:
    """Names in the ``environment`` (a list or a mapping) of a Compose file's services."""
    for service in services:
        environment = service.get("environment")
        if isinstance(environment, dict):
            entries = [str(name) for name in environment]
        else:
            entries = [str(item).split("=", 1)[0] for item in _strings(environment)]
        yield from (name.strip() for name in entries if _NAME.match(name.strip()))


def _words(command: Any) -> list[str]:
    """The words of a command given as a string, an exec-form list or a shell ``-c`` line."""
    if isinstance(command, list):
        command = " ".join(str(part) for part in command)
    if not isinstance(command, str):
        return []
    return [w.strip("\"'") for w in _COMMAND_SPLIT.split(command) if w.strip("\"'")]


def _served(words: list[str], image: str = "") -> Iterator[tuple[str, str | None]]:
    """(model, provider) a model server's command serves: vLLM (``vllm serve X``,
    ``--model X``), Hugging Face TGI (``--model-id X``), llama.cpp (``-m X``, not Python's
    ``-m module``; llama-cpp-python's ``llama_cpp.server --model X``), Ollama
    (``ollama pull|run X``). ``--model`` counts only on a known server's command."""
    text = " ".join([image, *words]).lower()
    server = any(name in text for name in _MODEL_SERVERS)
    llama_cpp = "llama" in text and ("server" in text or "llama.cpp" in text)
    for i, word in enumerate(words[:-1]):
        after = words[i + 1]
        base = word.rsplit("/", 1)[-1]
        if base == "ollama" and after in ("pull", "run") and i + 2 < len(words):
            yield words[i + 2], "ollama"
        elif base == "vllm" and after == "serve" and i + 2 < len(words):
            yield words[i + 2], None
        elif (server and word in ("--model", "--model-id")) or (
            llama_cpp and word == "-m" and not (i and _PYTHON.fullmatch(words[i - 1]))
        ):
            yield after, None
    for word in words:
        option, equals, value = word.partition("=")
        if server and equals and option in ("--model", "--model-id") and value:
            yield value, None


def _dockerfile_served(instructions: list[_Instruction]) -> Iterator[tuple[str, str | None, int]]:
    """(model, provider, line) of what the model servers a Dockerfile runs serve."""
    for line, instruction, arguments in instructions:
        if instruction in ("RUN", "CMD", "ENTRYPOINT"):
            command: Any = arguments
            if arguments.startswith("["):
                with contextlib.suppress(json.JSONDecodeError, RecursionError):
                    command = json.loads(arguments)
            yield from ((m, p, line) for m, p in _served(_words(command)))


def _compose_served(services: list[dict[str, Any]]) -> Iterator[tuple[str, str | None, None]]:
    """(model, provider, None) of what the model servers of Compose services serve."""
    for service in services:
        image = str(service.get("image") or "")
        words = _words(service.get("entrypoint")) + _words(service.get("command"))
        yield from ((m, p, None) for m, p in _served(words, image))


def container_facts(path: Path, shown: str) -> ContainerFacts:
    """What the Dockerfile or Compose file at ``path`` installs, sets and serves (vLLM,
    TGI, llama.cpp, Ollama), read and parsed once (``shown``: its path in reports)."""
    text = _text(path)
    if text is None:
        return ContainerFacts([], [], [])
    served: list[tuple[str, str | None, int | None]]
    if _is_dockerfile(path.name.lower()):
        instructions = list(_instructions(text))
        packages = list(_dockerfile_packages(instructions, shown))
        names = list(_dockerfile_names(instructions))
        served = list(_dockerfile_served(instructions))
    else:
        services = _compose_services(text)
        packages = []
        names = list(_compose_names(services))
        served = list(_compose_served(services))
    return ContainerFacts(packages, names, [s for s in served if _NAME_OR_PATH.match(s[0])])


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def declared_packages(path: Path, shown: str) -> list[Declared]:
    """Packages the manifest at ``path`` declares (``shown`` is its path in reports)."""
    text = _text(path)
    name = path.name.lower()
    if text is None:
        return []
    if name == "pyproject.toml":
        return list(_pyproject(text, shown))
    if name == "package.json":
        return list(_package_json(text, shown))
    if name == _NPM_LOCK:
        return list(_npm_lock(text, shown))
    if name in _TOML_LOCKS:
        return list(_toml_lock(text, shown))
    return list(_requirements_file(text, shown))


def env_file_names(path: Path) -> list[str]:
    """Variable names assigned in a dotenv file; the values are read past, never kept."""
    text = _text(path)
    return [] if text is None else _ENV_ASSIGNMENT.findall(text)
