"""``aisec bom [PATH] [--from-otlp FILE...] [--format ...] [--spec 1.6|1.7] [--output FILE]``.

Builds the AI-BOM of a project (static scan of PATH and the Python environment), of OTLP
JSON span files, or of both merged. Without PATH and ``--from-otlp`` the current directory
is scanned. Exit codes, whatever the format: 0 no finding, 1 at least one policy finding
(``shadow-ai``, ``unapproved-model``, ``plaintext-endpoint``), 2 bad input (missing path,
unreadable or invalid OTLP file, invalid policy).

The policy is, first found: ``--policy FILE``; ``AISEC_POLICY``; ``aisec.toml`` or
``[tool.aisec]`` in ``pyproject.toml`` of the scanned directory; the usual lookup from the
working directory (see `aisec_sdk.policy`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aisec_sdk.policy import Policy

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``aisec bom`` options."""
    parser.add_argument(
        "path", nargs="?", metavar="PATH", help="project directory or file (default: .)"
    )
    parser.add_argument(
        "--from-otlp",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="OTLP JSON span files (collector file-exporter format) to merge",
    )
    parser.add_argument(
        "--format",
        choices=("cyclonedx", "json", "markdown"),
        default="cyclonedx",
        help="output format (default: cyclonedx)",
    )
    parser.add_argument(
        "--spec", choices=("1.6", "1.7"), default="1.6", help="CycloneDX version (default 1.6)"
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--policy",
        metavar="FILE",
        help="TOML policy with allowed_models/providers/endpoints/packages",
    )
    parser.add_argument(
        "--no-environment",
        action="store_true",
        help="skip installed packages and environment variable names",
    )


def _toml_policy(path: Path) -> Policy:
    import tomllib

    from aisec_sdk.policy import Policy

    with path.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("aisec", {})
    return Policy(**data)


def _policy(explicit: str | None, scanned: Path | None) -> Policy:
    from aisec_sdk.policy import Policy

    if explicit:
        return _toml_policy(Path(explicit))
    if not os.environ.get("AISEC_POLICY") and scanned is not None and scanned.is_dir():
        if (scanned / "aisec.toml").is_file():
            return _toml_policy(scanned / "aisec.toml")
        pyproject = scanned / "pyproject.toml"
        if pyproject.is_file() and "[tool.aisec" in pyproject.read_text(errors="replace"):
            return _toml_policy(pyproject)
    return Policy()


def run(args: argparse.Namespace) -> int:
    """Build, check and write the BOM; the exit code says whether there are findings."""
    import tomllib

    from aisec_sdk.bom.allowlist import apply_policy
    from aisec_sdk.bom.export import render
    from aisec_sdk.bom.model import Bom
    from aisec_sdk.bom.otlp_json import OtlpError, bom_from_otlp
    from aisec_sdk.bom.static import scan_project
    from aisec_sdk.cli import EXIT_FINDINGS, EXIT_OK, InputError
    from aisec_sdk.errors import PolicyError

    otlp: list[str] = list(args.from_otlp or [])
    if args.path is None and len(otlp) > 1 and Path(otlp[-1]).is_dir():
        # `aisec bom --from-otlp a.json PROJECT`: argparse gave PATH to --from-otlp
        args.path = otlp.pop()
    if args.path == "":  # an unset shell variable, say: not the current directory
        raise InputError("PATH is empty")
    scanned = Path(args.path) if args.path is not None else (None if otlp else Path("."))
    if scanned is not None and not scanned.exists():
        raise InputError(f"{scanned}: no such file or directory")
    for name in otlp:
        if not Path(name).is_file():
            raise InputError(f"{name}: no such OTLP file")
    if args.policy and not Path(args.policy).is_file():
        raise InputError(f"{args.policy}: no such policy file")
    try:
        policy = _policy(args.policy, scanned)
    except (PolicyError, tomllib.TOMLDecodeError, OSError, RecursionError) as exc:
        raise InputError(f"invalid policy: {exc}") from exc

    bom: Bom | None = None
    if otlp:
        try:
            bom = bom_from_otlp(otlp)
        except OtlpError as exc:
            raise InputError(str(exc)) from exc
    if scanned is not None:
        static = scan_project(scanned, environment=not args.no_environment)
        bom = static if bom is None else static.merged(bom)
    assert bom is not None
    bom = apply_policy(bom, policy)
    try:
        text = render(bom, args.format, args.spec)
    except ImportError as exc:  # the "bom" extra is missing: say which
        raise InputError(str(exc)) from exc
    if args.output:
        try:
            target = Path(args.output)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write {args.output}: {exc}") from exc
    else:
        sys.stdout.write(text)
    if bom.findings:
        print(f"aisec bom: {len(bom.findings)} finding(s)", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK
