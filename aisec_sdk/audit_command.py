"""``aisec audit verify FILE``: check a hash-chained audit log."""

from __future__ import annotations

import argparse
import os

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``aisec audit verify FILE [--key KEY]``."""
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = sub.add_parser("verify", help="verify the hash chain of an audit log")
    check.add_argument("file", help="the JSONL audit log")
    check.add_argument(
        "--key",
        default=None,
        help="HMAC key of the log (default: the AISEC_AUDIT_KEY environment variable)",
    )


def run(args: argparse.Namespace) -> int:
    """Verify the log; 0 when intact, 1 naming the first bad record, 2 when unreadable."""
    from aisec_sdk.audit import verify
    from aisec_sdk.cli import EXIT_FINDINGS, EXIT_OK, InputError

    key = args.key or os.environ.get("AISEC_AUDIT_KEY") or None
    try:
        result = verify(args.file, key)
    except OSError as exc:
        raise InputError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    print(f"{args.file}: {result}")
    return EXIT_OK if result.ok else EXIT_FINDINGS
