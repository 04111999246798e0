"""MCP client configurations (``mcp.json``, ``claude_desktop_config.json``, Cursor and VS
Code settings): servers launched from a package or image that is not pinned.

``npx -y some-server`` runs whatever the registry serves at each start, with the user's
files and keys: a takeover or typosquat of that name is code execution on every client.
Credentials written into a server's ``env`` are found by the configuration checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from aisec_sdk.posture.models import ScanFinding

__all__ = ["scan_mcp_config"]

# launchers that fetch a package by name
_NODE = frozenset({"npx", "bunx", "pnpx"})
_PYTHON = frozenset({"uvx", "pipx"})
_CONTAINER = frozenset({"docker", "podman"})
_CONTAINER_VALUES = frozenset(
    {"-e", "--env", "-v", "--volume", "--name", "--network", "--mount", "-w", "--workdir",
     "-u", "--user", "--env-file", "--entrypoint", "--platform", "--pull", "-l", "--label",
     "--cpus", "-m", "--memory", "--add-host", "-p", "--publish"}
)  # fmt: skip
# per kind of launcher: the options that name the package, and those taking another value
# (-p is npx's --package, uvx's --python and docker's --publish)
_OPTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "node": (frozenset({"-p", "--package"}), frozenset({"-c", "--call"})),
    "python": (
        frozenset({"--from", "--spec"}),
        frozenset({"-p", "--python", "--with", "--index-url", "--pip-args"}),
    ),
    "container": (frozenset(), _CONTAINER_VALUES),
}
_NODE_PIN = re.compile(r"^(?:@[^/@]+/)?[^@]+@\d[\w.+-]*$")  # name@1.2.3, @scope/name@1.2.3
_PYTHON_PIN = re.compile(r"^[\w.\-\[\],]+(?:==|@)\d[\w.+-]*$")  # name==1.2.3, name@1.2.3
_IMAGE_PIN = re.compile(r"@sha256:[0-9a-f]{64}$|:(?!latest$)[\w][\w.-]*$")


def _servers(config: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, server) for each server of ``mcpServers`` (Claude, Cursor), ``servers``
    (VS Code mcp.json) or ``mcp.servers`` (VS Code settings)."""
    if not isinstance(config, dict):
        return
    nested = config.get("mcp")
    for table in (
        config.get("mcpServers"),
        config.get("servers"),
        nested.get("servers") if isinstance(nested, dict) else None,
    ):
        if isinstance(table, dict):
            for name, server in table.items():
                if isinstance(server, dict) and isinstance(server.get("command"), str):
                    yield str(name), server


def _package(words: list[str], kind: str) -> str | None:
    """The package or image a ``kind`` launcher's arguments name (the first operand, or
    the value of ``--package``/``--from``), skipping options and their values."""
    package_options, value_options = _OPTIONS[kind]
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
        elif word in package_options and i + 1 < len(words):
            return words[i + 1]
        elif word in value_options:
            skip = True
        elif not word.startswith("-") and word not in ("run", "exec", "dlx", "tool"):
            return word
    return None


def _unpinned(command: str, args: list[str]) -> tuple[str, str] | None:
    """(launcher, package) when ``command args`` fetches a package that is not pinned."""
    words = [*command.split(), *args]
    if not words:
        return None  # a blank command starts nothing
    launcher = words[0].replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".cmd")
    if launcher in _NODE or (
        launcher in ("npm", "pnpm", "yarn") and words[1:2] in (["exec"], ["dlx"])
    ):
        kind, pin = "node", _NODE_PIN.match
    elif launcher in _PYTHON or (launcher == "uv" and words[1:3] == ["tool", "run"]):
        kind, pin = "python", _PYTHON_PIN.match
    elif launcher in _CONTAINER and "run" in words[1:2]:
        kind, pin = "container", _IMAGE_PIN.search
    else:
        return None
    package = _package(words[1:], kind)
    if package is None or package.startswith((".", "/", "~", "file:", "git+", "http")):
        return None  # a local path, or nothing fetched by name
    return None if pin(package) else (launcher, package)


def scan_mcp_config(data: bytes, path: str) -> list[ScanFinding]:
    """Findings for an MCP client configuration (any JSON file with an MCP server table)."""
    if b'ervers"' not in data:
        return []
    try:
        config = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return []
    findings = []
    for name, server in _servers(config):
        raw = server.get("args")
        args = [str(a) for a in raw] if isinstance(raw, list) else []
        found = _unpinned(server["command"], args)
        if found is not None:
            launcher, package = found
            findings.append(
                ScanFinding(
                    "AISEC-MCP001",
                    "medium",
                    path,
                    f"MCP server {name!r} runs {launcher} {package!r} without a pinned version: "
                    "whatever the registry serves at each start runs with your files and keys",
                    key=f"mcp:{name}:{package}",
                    details={"server": name, "launcher": launcher, "package": package},
                )
            )
    return findings
