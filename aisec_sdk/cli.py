"""The ``aisec`` command: thin sub-commands over library calls, one exit-code boundary.

Exit codes: 0 clean, 1 findings at or above the threshold the user set, 2 usage or input
error (and an internal error, reported with its traceback), whatever the output format.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import Protocol, cast

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "InputError", "main"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

# Sub-command name -> module holding ``add_arguments(parser)`` and ``run(args) -> int``.
# Those modules import only argparse at module level; heavy work happens inside ``run``.
_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("aisec_sdk.demo", "run a small guarded assistant offline and show what happens"),
    "audit": ("aisec_sdk.audit_command", "verify a hash-chained audit log"),
    "scan": ("aisec_sdk.posture.command", "scan model files, code and datasets"),
    "bom": ("aisec_sdk.bom.command", "build an AI-BOM (CycloneDX) of a project or from spans"),
    "redteam": ("aisec_sdk.redteam.command", "run the automated red team against a target"),
}


class InputError(Exception):
    """A bad path, file or argument value: the command exits 2 with this message."""


class _Command(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def _parser() -> argparse.ArgumentParser:
    from aisec_sdk import __version__

    parser = argparse.ArgumentParser(prog="aisec", description="aisec_sdk command line")
    parser.add_argument("--version", action="version", version=f"aisec {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in _COMMANDS.items():
        try:
            module = cast(_Command, importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a sub-command whose module is not part of this build
        child = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(child)
        child.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aisec`` console script; returns the exit code."""
    from aisec_sdk.errors import PolicyError

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code = int(args._run(args))
    except (InputError, PolicyError) as exc:  # PolicyError: AISEC_* or a policy file is bad
        print(f"aisec {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug, not findings: exit 1 would read as "findings" in CI
        traceback.print_exc()
        print(f"aisec {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    # ``python -m aisec_sdk.cli`` runs this file as __main__: call the importable module so
    # sub-commands raise the same InputError class that main() catches.
    from aisec_sdk.cli import main as _main

    raise SystemExit(_main())
