"""``aisec scan PATH...``: scan model files, code and datasets; exit 1 on findings.

Exit codes: 0 when no finding reaches ``--fail-on`` (default ``high``), 1 when one does,
2 for a usage or input error (a path that does not exist, an unwritable ``--output``, an
invalid policy in ``AISEC_*`` or the project's files), whatever the ``--format``.
"""

from __future__ import annotations

import argparse

__all__ = ["DEFAULT_FAIL_ON", "add_arguments", "run"]

DEFAULT_FAIL_ON = "high"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``aisec scan``."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    parser.add_argument(
        "--format",
        choices=("table", "json", "sarif"),
        default="table",
        help="report format (default: table)",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE, not stdout")
    parser.add_argument(
        "--fail-on",
        choices=("low", "medium", "high", "critical"),
        default=DEFAULT_FAIL_ON,
        help=f"exit 1 when a finding has this severity or worse (default: {DEFAULT_FAIL_ON})",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat pickle imports outside the allow-list as high (so they fail by default)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the scan, write the report, return the exit code.

    Input errors are reported here (exit 2) rather than raised, so the exit code holds
    however the command is started (``aisec``, ``python -m aisec_sdk.cli``, in-process).
    """
    import sys

    from aisec_sdk.cli import EXIT_USAGE

    try:
        return _scan(args)
    except _UsageError as exc:
        print(f"aisec scan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


class _UsageError(Exception):
    """A path that does not exist or an output file that cannot be written."""


def _scan(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from aisec_sdk.cli import EXIT_FINDINGS, EXIT_OK
    from aisec_sdk.errors import PolicyError
    from aisec_sdk.policy import default_policy
    from aisec_sdk.posture.sarif import to_sarif
    from aisec_sdk.posture.scanner import scan_paths
    from aisec_sdk.posture.table import to_table

    # An empty PATH (an unset shell variable, say) is an error, not the current folder.
    missing = [p or "''" for p in args.paths if not p or not Path(p).exists()]
    if missing:
        raise _UsageError(f"no such file or folder: {', '.join(missing)}")
    try:  # datasets are scanned under the default policy: a broken one is an input error
        default_policy()
    except PolicyError as exc:
        raise _UsageError(str(exc)) from exc
    report = scan_paths(args.paths, strict=args.strict)
    if args.format == "json":
        text = json.dumps(report.to_dict(), indent=2) + "\n"
    elif args.format == "sarif":
        text = json.dumps(to_sarif(report), indent=2) + "\n"
    else:
        text = to_table(report)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise _UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
        counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n) or "none"
        print(
            f"aisec scan: {len(report.findings)} finding(s) ({counts}) -> {args.output}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return EXIT_FINDINGS if report.at_or_above(args.fail_on) else EXIT_OK
