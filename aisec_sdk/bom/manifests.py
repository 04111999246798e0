"""What a project declares without running: dependency manifests and environment files.

- requirements files (``.txt`` or pip-tools ``.in`` files named ``*requirements*`` or
  ``*constraints*``, or kept in a ``requirements/`` folder) and
  ``pyproject.toml`` (PEP 621 ``dependencies`` and ``optional-dependencies``, PEP 735
  ``dependency-groups``, Poetry's dependency tables) give declared packages, with their
  version when it is pinned (``==1.2.3``);
- ``package.json`` (``dependencies``, ``devDependencies``, ``optionalDependencies``,
  ``peerDependencies``) gives declared npm packages, with their version when it is exact;
- ``.env`` files (``.env``, ``.env.local``, ``prod.env``...) give variable *names*: values
  are never kept, whatever the file holds.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "Declared",
    "declared_packages",
    "env_file_names",
    "is_env_file",
    "is_manifest",
]

_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(\(?[^;#@]*)",
)
_PINNED = re.compile(r"^\(?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)\s*\)?$")
# pip's per-requirement options after the requirement (``--hash=sha256:...``, ``-C k=v``)
_OPTIONS = re.compile(r"\s--?[A-Za-z].*$")
_ENV_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Declared:
    """A package a manifest asks for: normalised-as-written name, pinned version, the
    requirement as written (``>=1.0``) and where (``requirements.txt:3``)."""

    name: str
    version: str | None
    requirement: str
    location: str
    ecosystem: Literal["pypi", "npm"] = "pypi"


def is_manifest(path: Path) -> bool:
    """Whether ``path`` is a dependency manifest this module reads."""
    name = path.name.lower()
    if name in ("pyproject.toml", "package.json"):
        return True
    return path.suffix.lower() in (".txt", ".in") and (
        "requirements" in name
        or "constraints" in name
        or path.parent.name.lower() == "requirements"
    )


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


def _package_json(text: str, shown: str) -> Iterator[Declared]:
    """npm packages of a ``package.json``; the version is kept when exact (``4.52.7``)."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return
    if not isinstance(data, dict):
        return
    for section in _NPM_SECTIONS:
        for name, spec in _table(data, section).items():
            spec = spec if isinstance(spec, str) else ""
            exact = _NPM_EXACT.match(spec)
            yield Declared(name, exact.group(1) if exact else None, spec, shown, "npm")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def declared_packages(path: Path, shown: str) -> list[Declared]:
    """Packages the manifest at ``path`` declares (``shown`` is its path in reports)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if path.name.lower() == "pyproject.toml":
        return list(_pyproject(text, shown))
    if path.name.lower() == "package.json":
        return list(_package_json(text, shown))
    return list(_requirements_file(text, shown))


def env_file_names(path: Path) -> list[str]:
    """Variable names assigned in a dotenv file; the values are read past, never kept."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return _ENV_ASSIGNMENT.findall(text)
