"""Dataset scan: run the guards over every record of JSONL, CSV/TSV, Parquet or text files.

Records are streamed (one line, row or Parquet batch at a time). Each record's text is
scanned as ``context`` (retrieved or training data), so PII, credentials and planted
prompt-injection payloads are found. Reports carry per-file counts and the first offending
rows: row numbers, entity kinds, and for injections an excerpt with PII and secrets masked.
Raw values are never reported.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisec_sdk.posture.models import ScanFinding, Severity

if TYPE_CHECKING:
    from aisec_sdk.policy import Policy
    from aisec_sdk.verdict import Finding

__all__ = ["DATASET_FORMATS", "json_dataset_format", "scan_dataset"]

DATASET_FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "arrow", "text")
# Where a JSON object keeps its records (SQuAD's "data", split names, common list keys).
_RECORD_KEYS = (
    "data", "train", "test", "validation", "dev", "examples", "instances", "rows", "records",
    "samples", "items", "documents", "conversations", "dataset",
)  # fmt: skip
_MAX_JSON = 256 << 20
_RECORD_LIST = re.compile(rb'"(?:' + "|".join(_RECORD_KEYS).encode() + rb')"\s*:\s*\[')
_MAX_TEXT_BYTES = 1 << 20
# controls but tab and newlines, and the replacement character of undecodable bytes
_NOISE_CHARS = tuple(map(chr, (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFD)))
_NOISE = re.compile("[" + re.escape("".join(_NOISE_CHARS)) + "]")
_WORDS = re.compile(r"[^\W_][\w ,.'!?:;()\"/-]{15,}")  # readable runs in binary noise
FIRST_ROWS = 5
_BATCH_ROWS = 1024  # columnar rows made Python objects at a time
_EXCERPT = 120
_RULES: dict[str, tuple[str, Severity, str]] = {
    "pii": ("AISEC-DATA001", "medium", "contain personal data"),
    "secrets": ("AISEC-DATA002", "high", "contain credentials"),
    "prompt_injection": ("AISEC-DATA003", "high", "contain prompt-injection payloads"),
    "invisible_text": ("AISEC-DATA004", "medium", "contain invisible or smuggled characters"),
}
_OTHER: tuple[str, Severity, str] = ("AISEC-DATA005", "medium", "were flagged by guard(s)")
# Instruction-tuning data role-plays ("pretend you are my grandmother") and teaches what a
# prompt injection is: a record whose injection hits all score under _SURE and are only a
# persona, or that names the attack, is a weak hit; a file with only weak hits is medium.
_SURE = 0.9
_PERSONA_ONLY = re.compile(r"\(persona\)$")
_DISCUSSION = re.compile(r"\bprompt[\s-]+injections?\b", re.I)
_MASKED = frozenset({"pii", "secrets"})
_MAX_FIELD = 64 << 20
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass
class _Tally:
    rows: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    first: list[dict[str, Any]] = field(default_factory=list)
    first_line: int | None = None
    strong: int = 0  # rows with a hit that is not weak (see _weak)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if " " in key:  # a sentence used as a key is data too (JSON keys are strings)
                yield key
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, bytes) and len(value) <= _MAX_TEXT_BYTES:
        # a binary column holding UTF-8 text (images and other blobs do not decode)
        with contextlib.suppress(UnicodeDecodeError):
            yield value.decode("utf-8")


def _open_text(fh: io.BufferedReader, newline: str | None = None) -> io.TextIOWrapper:
    """The file as text: UTF-8 unless a byte-order mark says UTF-16/32 (Excel's "Unicode
    text"); undecodable bytes are replaced, so the rest of the record is still read."""
    head = fh.peek(4)[:4]
    encoding = next((codec for bom, codec in _BOMS if head.startswith(bom)), "utf-8")
    return io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline=newline)


def _lines(fh: io.BufferedReader) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, whether it is the whole line) for each line, a line longer
    than `_MAX_FIELD` characters coming in pieces of that size (so memory stays bounded)."""
    reader = _open_text(fh)
    number = 1
    while line := reader.readline(_MAX_FIELD):
        whole = line.endswith("\n") or len(line) < _MAX_FIELD
        yield number, line, whole
        number += whole


def _jsonl(fh: io.BufferedReader) -> Iterator[tuple[int, str, bool]]:
    for number, line, whole in _lines(fh):
        if not line.strip():
            continue
        try:
            if not whole:
                raise ValueError("record longer than the read limit")
            yield number, "\n".join(_strings(json.loads(line))), True
        except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
            yield number, line, False  # a lenient reader or a chunker still sees this text


def _text(fh: io.BufferedReader) -> Iterator[tuple[int, str, bool]]:
    for number, raw, _whole in _lines(fh):
        line = raw.rstrip("\r\n")
        if line.strip():
            yield number, line, True


def _delimited(fh: io.BufferedReader, delimiter: str) -> Iterator[tuple[int, str, bool]]:
    text = _open_text(fh, newline="")
    # lines in pieces of the field limit: a file with no newline is not read whole
    reader = csv.reader(iter(lambda: text.readline(_MAX_FIELD), ""), delimiter=delimiter)
    limit = csv.field_size_limit(_MAX_FIELD)  # a 128 KB field must not hide what follows
    start = 1
    try:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield start, "", False
                start = reader.line_num + 1
                continue
            if any(cell.strip() for cell in row):
                yield start, "\n".join(row), True
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(limit)


def _rows(batches: Iterable[Any]) -> Iterator[tuple[int, str, bool]]:
    """The records of Arrow record batches, made Python objects `_BATCH_ROWS` at a time
    (a file may hold all its rows in one batch)."""
    number = 0
    for batch in batches:
        for start in range(0, batch.num_rows, _BATCH_ROWS):
            for record in batch.slice(start, _BATCH_ROWS).to_pylist():
                number += 1
                yield number, "\n".join(_strings(record)), True


def _parquet(path: Path) -> Iterator[tuple[int, str, bool]]:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    yield from _rows(pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS))


def _arrow(path: Path) -> Iterator[tuple[int, str, bool]]:
    """Rows of an Arrow IPC file (``ARROW1``, Feather 2) or stream (what Hugging Face
    datasets' ``save_to_disk`` writes), batch by batch."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        try:
            reader = pa.ipc.open_file(source)
            batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
        except pa.ArrowInvalid:
            source.seek(0)
            batches = iter(pa.ipc.open_stream(source))
        yield from _rows(batches)


def _json_items(document: Any) -> list[Any]:
    """The records of a JSON document: a top-level array's items, or the items of the
    lists an object keeps under record keys (``{"data": [...]}``)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        return [
            item
            for key in _RECORD_KEYS
            if isinstance(document.get(key), list)
            for item in document[key]
        ]
    return []


def _json(fh: io.BufferedReader) -> Iterator[tuple[int, str, bool]]:
    try:
        document = json.load(_open_text(fh))
    except (ValueError, RecursionError):
        yield 1, "", False
        return
    yield from _items(_json_items(document))


def _items(items: list[Any]) -> Iterator[tuple[int, str, bool]]:
    for number, item in enumerate(items, start=1):
        yield number, "\n".join(_strings(item)), True


def json_dataset_format(path: Path) -> tuple[str, list[Any] | None] | None:
    """``jsonl`` for JSON Lines saved as ``.json``, ``json`` for a records document (a
    top-level array, or an object with a list under a record key such as ``data``), None
    for anything else (settings, manifests). With the format comes the records when they
    had to be parsed to tell (an object's), for ``scan_dataset(items=...)``: the document
    is not parsed twice."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        reader = _open_text(io.BufferedReader(fh))
        first = reader.readline(1 << 20)
        start = first.lstrip("\ufeff \t\r\n")[:1]
        if start == "[":
            return "json", None
        if start != "{":
            return None
        second = next((line for line in reader if line.strip()), "")
    try:
        if second.lstrip()[:1] in ("{", "[") and isinstance(json.loads(first), dict):
            return "jsonl", None
    except ValueError:
        pass
    if size > _MAX_JSON:
        return None
    data = path.read_bytes()
    if _RECORD_LIST.search(data) is None:  # a tokenizer.json or a manifest: no parse needed
        return None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    items = _json_items(document) if isinstance(document, dict) else []
    return ("json", items) if items else None


def _records(path: Path, fmt: str, fh: io.BufferedReader) -> Iterator[tuple[int, str, bool]]:
    """(line or row number, the record's text, whether it parsed) for each record."""
    if fmt == "jsonl":
        return _jsonl(fh)
    if fmt == "json":
        return _json(fh)
    if fmt in ("csv", "tsv"):
        return _delimited(fh, "\t" if fmt == "tsv" else ",")
    if fmt == "parquet":
        return _parquet(path)
    if fmt == "arrow":
        return _arrow(path)
    return _text(fh)


def _weak(text: str, hits: list[Finding]) -> bool:
    """Whether a record's prompt-injection ``hits`` are weak: all under `_SURE`, and only
    a persona (role-play) or in a record that names the attack (teaching it)."""
    return all(hit.score < _SURE for hit in hits) and (
        all(_PERSONA_ONLY.search(hit.message) for hit in hits)
        or _DISCUSSION.search(text) is not None
    )


def _readable(text: str) -> str:
    """What a reader (or a model) would take from a record: the text itself, or, when
    undecodable bytes and control characters make up over a quarter of it (binary data
    in a text file), only its runs of 16 or more word and punctuation characters, so
    random bytes raise no finding and a sentence hidden among them still does."""
    if _NOISE.search(text) is None:  # the common case: nothing to count
        return text
    if sum(map(text.count, _NOISE_CHARS)) * 4 <= len(text):  # str.count: fast, no list
        return text
    return " ... ".join(m.group() for m in _WORDS.finditer(text))


def _visible(text: str) -> str:
    return "".join(
        ch if ch.isprintable() and unicodedata.category(ch) != "Cf" else f"\\u{ord(ch):04x}"
        for ch in text
    )


def _excerpt(text: str, hit: Finding, findings: list[Finding]) -> str:
    """A window around ``hit`` with every PII and secret span masked."""
    lo = max(0, hit.start - 20)
    hi = min(len(text), max(hit.end, lo + _EXCERPT))
    pieces: list[str] = []
    cursor = lo
    for f in sorted((f for f in findings if f.guard in _MASKED), key=lambda f: f.start):
        if f.end <= lo or f.start >= hi:
            continue
        pieces.append(_visible(text[cursor : max(cursor, f.start)]))
        pieces.append(f"<{(f.entity or f.guard).upper()}>")
        cursor = max(cursor, f.end)
    pieces.append(_visible(text[cursor:hi]))
    body = "".join(pieces)
    if len(body) > _EXCERPT * 2:
        body = body[: _EXCERPT * 2]
    return ("..." if lo else "") + body + ("..." if hi < len(text) else "")


def scan_dataset(
    path: Path,
    display: str,
    fmt: str,
    *,
    policy: Policy | None = None,
    stream: io.BufferedReader | None = None,
    items: list[Any] | None = None,
) -> tuple[list[ScanFinding], dict[str, Any]]:
    """Findings and per-file statistics for one dataset file of format ``fmt``, read from
    ``stream`` when given (the decompressed content of ``train.jsonl.gz``), or made of the
    already parsed JSON records ``items``."""
    from aisec_sdk.engine import engine_for

    engine = engine_for(policy)
    tallies: dict[str, _Tally] = {}
    rows = flagged = malformed = 0
    first_malformed: list[int] = []
    with nullcontext(stream) if stream is not None else path.open("rb") as fh:
        records = _records(path, fmt, fh) if items is None else _items(items)
        for number, text, parsed in records:
            rows += 1
            if not parsed:
                malformed += 1
                if len(first_malformed) < FIRST_ROWS:
                    first_malformed.append(number)
            text = _readable(text)
            if not text:
                continue
            verdict = engine.scan(text, "context")
            if not verdict.findings:
                continue
            flagged += 1
            for guard in {f.guard for f in verdict.findings}:
                hits = [f for f in verdict.findings if f.guard == guard]
                tally = tallies.setdefault(guard, _Tally())
                tally.rows += 1
                tally.entities.update(f.entity or f.guard for f in hits)
                tally.strong += guard != "prompt_injection" or not _weak(text, hits)
                if tally.first_line is None:
                    tally.first_line = number
                if len(tally.first) < FIRST_ROWS:
                    row: dict[str, Any] = {
                        "row": number,
                        "entities": sorted({f.entity or f.guard for f in hits}),
                    }
                    if guard not in _MASKED:
                        row["excerpt"] = _excerpt(text, hits[0], verdict.findings)
                    tally.first.append(row)
    findings: list[ScanFinding] = []
    for guard, tally in sorted(tallies.items()):
        rule, severity, what = _RULES.get(guard, _OTHER)
        if not tally.strong:
            severity, what = "medium", f"{what} (weak: role-play or talk about the attack)"
        kinds = ", ".join(f"{k} x{n}" for k, n in tally.entities.most_common())
        firsts = ", ".join(str(r["row"]) for r in tally.first)
        findings.append(
            ScanFinding(
                rule,
                severity,
                display,
                f"{tally.rows} of {rows} records {what} ({kinds}); first at line/row {firsts}",
                line=tally.first_line if fmt not in ("parquet", "arrow", "json") else None,
                key=guard,
                details={
                    "guard": guard,
                    "rows": tally.rows,
                    "records": rows,
                    "entities": dict(tally.entities),
                    "first_rows": tally.first,
                },
            )
        )
    if malformed:
        findings.append(
            ScanFinding(
                "AISEC-DATA006",
                "low",
                display,
                f"{malformed} of {rows} records could not be parsed; first at line "
                + ", ".join(map(str, first_malformed)),
                line=first_malformed[0],
                key="malformed",
                details={"rows": malformed, "first_rows": first_malformed},
            )
        )
    stats = {
        "records": rows,
        "flagged_records": flagged,
        "malformed_records": malformed,
        "by_guard": {g: t.rows for g, t in sorted(tallies.items())},
    }
    return findings, stats
