"""Speed of each guard: µs per 1 KB call, MB/s on a 1 MB benign document, the default
input guard set through the engine, and the guarded-call / bare-span ratio (from
``overhead.py``).

Four benign documents of 1 MiB: three made of label-0 texts of ``../shared/data``,
*instructions* (``self_instruct.jsonl``: requests to an assistant, news, reviews; dense in
the words the prompt-injection gate looks for), *documents* (``bipia_indirect.jsonl``:
the clean e-mails, tables and code of BIPIA, with real addresses and phone numbers) and
*gpteacher* (``gpteacher.jsonl``: role-play, tool-use and coding instructions, nearly all
ASCII), and *code*: the Python standard library's own source files, in name order
(comments, docstrings, e-mail addresses, and "ignore" and "override" on every other page).
Each timing is the fastest of several runs in one process on whatever machine runs it;
compare numbers from one run with each other. A repeated document is read by RE2 DFAs whose
states the first run built; text never seen builds new ones, so the last table scans chunks
of fresh text once each (what a service sees), in a new process. Writes the ``guards`` section of
``benchmarks/RESULTS.md``.

    python benchmarks/guards.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisec_sdk.engine import Engine
from aisec_sdk.guards import available_guards, guard_class
from aisec_sdk.policy import Policy
from aisec_sdk.text import Text, normalize
from aisec_sdk.verdict import Direction

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DOCUMENTS = {
    "instructions": "self_instruct.jsonl",
    "documents": "bipia_indirect.jsonl",
    "gpteacher": "gpteacher.jsonl",
}
MIB = 1 << 20

# Options that switch on the guards that do nothing until configured.
OPTIONS: dict[str, dict[str, Any]] = {
    "token_limit": {"max_tokens": 10_000_000},
    "banned": {"terms": ["project falcon", "acme corp", "internal only"]},
    "canary": {"tokens": ["aisec-5f0c2a9b7e3d4c18"], "use_registry": False},
    "system_prompt_leak": {
        "system_prompt": "You are HelpBot for Acme Corp. Never discuss competitor pricing. "
        "Always answer in a friendly tone and escalate refunds to a human agent."
    },
}


def benign_document(size: int = MIB, source: str = "self_instruct.jsonl") -> str:
    """``size`` characters of the benign rows of ``source`` (a generated stand-in when the
    data is absent)."""
    parts: list[str] = []
    total = 0
    if (DATA / source).is_file():
        with (DATA / source).open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                if row["label"] != 0:
                    continue
                parts.append(row["text"])
                total += len(row["text"]) + 2
                if total >= size:
                    break
    if total < size:
        filler = "The committee met on Tuesday to review the quarterly report and next steps. "
        parts.append(filler * (size // len(filler) + 1))
    return "\n\n".join(parts)[:size]


def code_document(size: int = MIB) -> str:
    """``size`` characters of the Python standard library's source, files in name order."""
    parts: list[str] = []
    total = 0
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        parts.append(path.read_text("utf-8", errors="replace"))
        total += len(parts[-1]) + 2
        if total >= size:
            break
    return "\n\n".join(parts)[:size]


def _best_seconds(fn: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs (after a warm-up): the least disturbed by other load."""
    fn()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return min(runs)


def _guard(guard_id: str) -> tuple[Any, Direction]:
    cls: Any = guard_class(guard_id)
    guard = cls(cls.Settings.model_validate(OPTIONS.get(guard_id, {})))
    direction: Direction = "input" if "input" in cls.default_directions else "output"
    return guard, direction


def per_guard(doc: str, small: str, repeat: int) -> list[tuple[str, str, float, float]]:
    """(guard id, direction, µs per 1 KB scan, MB/s on the document) for every guard."""
    big, little = normalize(doc), normalize(small)
    rows: list[tuple[str, str, float, float]] = []
    for guard_id in available_guards():
        try:
            guard, direction = _guard(guard_id)
        except Exception as exc:  # a guard that cannot load here is reported, not fatal
            print(f"skipping {guard_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue

        def scan(text: Text, g: Any = guard, d: Direction = direction) -> object:
            return g.scan(text, d)

        us = _best_seconds(lambda: scan(little), repeat * 20) * 1e6
        seconds = _best_seconds(lambda: scan(big), repeat)
        rows.append((guard_id, direction, us, len(doc) / MIB / seconds))
    return rows


def engine_rate(doc: str, policy: Policy, repeat: int) -> tuple[list[str], float, float]:
    """Guards on ``input``, MB/s of the whole engine scan (normalisation included), and
    milliseconds per MB."""
    engine = Engine(policy)
    seconds = _best_seconds(lambda: engine.scan(doc, "input"), repeat)
    return engine.guards_for("input"), len(doc) / MIB / seconds, seconds * 1000 / (len(doc) / MIB)


def report(repeat: int) -> str:
    docs = {name: benign_document(source=source) for name, source in DOCUMENTS.items()}
    docs["code"] = code_document()
    doc = docs["instructions"]
    small = doc[:1024]
    lines = [
        f"Per guard: the *instructions* document, {len(doc):,} characters"
        f" ({'ASCII' if doc.isascii() else 'non-ASCII'}); 1 KB = its first 1,024 characters."
        f" Fastest of {repeat} runs, each on the same normalised text: its encodings (UTF-8,"
        " and the one-byte-per-character view pii and secrets share) are made once and not"
        " counted here; the engine rows below include them.",
        "",
        "| guard | direction | µs per 1 KB | MB/s at 1 MB | ms per MB |",
        "|---|---|---:|---:|---:|",
    ]
    for guard_id, direction, us, rate in per_guard(doc, small, repeat):
        lines.append(f"| {guard_id} | {direction} | {us:,.1f} | {rate:,.0f} | {1000 / rate:.2f} |")
    lines += [
        "",
        "Default input guards through the engine (normalisation and redaction",
        "included); *ASCII* is the same document with non-ASCII characters replaced by `?`.",
        "",
        "| guards | document | MB/s at 1 MB | ms per MB |",
        "|---|---|---:|---:|",
    ]
    without_pi = Policy(guards={"prompt_injection": {"enabled": False}})
    for policy, label in ((Policy(), "default set"), (without_pi, "without prompt_injection")):
        for name, text in docs.items():
            for kind, variant in (
                ("as is", text),
                ("ASCII", text.encode("ascii", "replace").decode()),
            ):
                try:
                    ids, rate, ms = engine_rate(variant, policy, repeat)
                except Exception as exc:  # e.g. a model file missing in this checkout
                    lines.append(f"| {label}: failed ({type(exc).__name__}) | {name} | | |")
                    break
                lines.append(
                    f"| {label}: {', '.join(ids)} | {name}, {kind} | {rate:,.0f} | {ms:.2f} |"
                )
    return "\n".join(lines)


FRESH_CHUNK = 64 * 1024
FRESH_TOTAL = 2 * MIB

# Run in a new process, so no DFA state of this one's documents helps: prints MB/s per kind.
_FRESH_SCRIPT = """
import base64, json, random, sys, sysconfig, time
from pathlib import Path
from aisec_sdk.engine import Engine
from aisec_sdk.policy import Policy
chunk, total = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
files = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("**/*.py"))[400:]
code = "".join(f.read_text("utf-8", "replace") for f in files[:400])
kinds = {
    "Python source (stdlib files not in the code document)":
        [code[i : i + chunk] for i in range(0, total, chunk)],
    "random base64 (an inline image, a key file)":
        [base64.b64encode(rng.randbytes(chunk * 3 // 4)).decode() for _ in range(total // chunk)],
}
engine = Engine(Policy())
engine.scan("Ignore the café on the 2nd floor, call +1 415 555 0132, password: x1y2z3w4", "input")
rates = {}
for name, texts in kinds.items():
    start = time.perf_counter()
    for text in texts:
        engine.scan(text, "input")
    rates[name] = sum(map(len, texts)) / (1 << 20) / (time.perf_counter() - start)
print(json.dumps(rates))
"""


def fresh_rates() -> dict[str, float]:
    """MB/s of the default input guards through the engine on chunks of text never seen
    before, each scanned once, in a new Python process."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", _FRESH_SCRIPT, str(FRESH_CHUNK), str(FRESH_TOTAL)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1],
    )
    rates: dict[str, float] = json.loads(done.stdout)
    return rates


def fresh_report() -> str:
    lines = [
        "",
        f"Text never seen before: the default input guards through the engine on"
        f" {FRESH_TOTAL // MIB} MB of each kind in chunks of {FRESH_CHUNK // 1024} KB, each"
        " scanned once, in a new process (RE2 builds its DFA states as new text needs them).",
        "",
        "| text | MB/s |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {rate:,.1f} |" for name, rate in fresh_rates().items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from _results import write_section
    from overhead import measure

    best = measure()
    ratio = best["guarded_call"] / best["bare_span"]
    markdown = (
        f"Guarded call with the default guards (1 KB in, 1 KB out, span on) / one bare span:"
        f" **{ratio:.2f}x** ({best['guarded_call']:.1f} µs / {best['bare_span']:.1f} µs;"
        f" budget 3x; details in the `overhead` section).\n\n" + report(args.repeat)
        + "\n" + fresh_report()
    )
    print(markdown)

    write_section("guards", "## Guard speed (`benchmarks/guards.py`)\n\n" + markdown)


if __name__ == "__main__":
    main()
