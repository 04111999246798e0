"""Write one benchmark's section of benchmarks/RESULTS.md, leaving the others alone."""

from __future__ import annotations

import platform
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
_HEADER = (
    "# Benchmark results\n\n"
    "Each section is written by the script named in it; rerun the script to refresh it.\n"
    "Timings are ratios measured within one run on a shared 2-core machine.\n"
)


def write_section(name: str, markdown: str) -> None:
    """Replace (or append) the section ``name`` of RESULTS.md with ``markdown``."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    stamp = f"_{when}, Python {platform.python_version()}_\n\n"
    block = f"{begin}\n{stamp}{markdown.rstrip()}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else _HEADER
    if begin in text and end in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)
