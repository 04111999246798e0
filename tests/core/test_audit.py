"""Audit log: chain, HMAC, every kind of tampering, threads and processes, the CLI."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import multiprocessing
import os
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest

from aisec_sdk import Policy, guard
from aisec_sdk.audit import AuditLog, verify
from aisec_sdk.cli import main


def _write(path: Path, n: int, key: str | None = None) -> list[str]:
    log = AuditLog(path, key)
    for i in range(n):
        log.append({"function": "f", "direction": "input", "action": "allow", "i": i})
    log.close()
    return path.read_text().splitlines(keepends=True)


def test_good_log_verifies(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _write(path, 5)
    result = verify(path)
    assert result.ok and result.records == 5


def _tampered(tmp_path: Path, lines: list[str], name: str) -> Path:
    path = tmp_path / name
    path.write_text("".join(lines))
    return path


def test_every_kind_of_tampering_is_caught_at_the_first_bad_record(tmp_path: Path) -> None:
    lines = _write(tmp_path / "orig.jsonl", 6)
    edited = list(lines)
    record = json.loads(edited[2])
    record["action"] = "block"
    edited[2] = json.dumps(record) + "\n"
    cases = {
        "edited": (edited, 3),
        "deleted": (lines[:2] + lines[3:], 3),
        "inserted": ([*lines[:3], lines[1], *lines[3:]], 4),
        "reordered": ([*lines[:1], lines[2], lines[1], *lines[3:]], 2),
        "torn": ([*lines[:5], lines[5][:40]], 6),
        "head_removed": (lines[1:], 1),
        "emptied": ([], 1),
    }
    for name, (content, bad_line) in cases.items():
        result = verify(_tampered(tmp_path, content, name))
        assert not result.ok, name
        assert result.line == bad_line, (name, result)


def test_hmac_key_is_needed_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "k.jsonl"
    _write(path, 3, key="s3cret")
    assert verify(path, "s3cret").ok
    assert not verify(path).ok
    wrong = verify(path, "wrong")
    assert not wrong.ok and wrong.line == 1
    assert wrong.error == "hash mismatch: the record was edited, or the key is wrong"
    lines = path.read_text().splitlines(keepends=True)
    record = json.loads(lines[1])
    record["action"] = "block"
    lines[1] = json.dumps(record) + "\n"
    edited = verify(_tampered(tmp_path, lines, "edited.jsonl"), "s3cret")
    assert edited.error == "hash mismatch: the record was edited"  # record 1 proved the key


def test_a_keyed_log_rewritten_with_plain_sha256_fails_with_the_key(tmp_path: Path) -> None:
    # A forger without the key rewrites the signed log as a valid plain SHA-256 chain.
    signed = tmp_path / "signed.jsonl"
    _write(signed, 3, key="s3cret")
    forged = tmp_path / "forged.jsonl"
    log = AuditLog(forged)
    for line in signed.read_text().splitlines():
        record = json.loads(line)
        log.append({k: v for k, v in record.items() if k not in ("hash", "prev", "alg")})
    assert verify(forged).ok  # a plain chain on its own is intact...
    result = verify(forged, "s3cret")  # ...but not where a signed log was expected
    assert not result.ok and result.line == 1 and "not HMAC-signed" in str(result.error)


def test_an_unknown_alg_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _write(path, 1)
    record = json.loads(path.read_text())
    record["alg"] = "none"
    path.write_text(json.dumps(record) + "\n")
    for key in (None, "k"):
        result = verify(path, key)
        assert not result.ok and "unknown alg 'none'" in str(result.error)


def test_a_deeply_nested_line_is_a_bad_record_and_appends_go_on(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    _write(path, 2)
    with path.open("a") as fh:
        fh.write("[" * 100_000 + "]" * 100_000 + "\n")
    result = verify(path)
    assert not result.ok and result.line == 3 and result.records == 2
    record = AuditLog(path).append({"function": "g"})  # chains from the last good record
    assert record["seq"] == 2


def test_caller_fields_cannot_override_the_chain_fields(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    log = AuditLog(path, key="k")
    log.append({"function": "f"})
    record = log.append({"function": "g", "seq": 7, "prev": "x", "alg": "sha256", "v": 9})
    assert (record["seq"], record["alg"], record["v"]) == (1, "hmac-sha256", 1)
    assert record["function"] == "g"
    assert verify(path, "k").ok


def test_append_after_a_torn_tail_keeps_the_chain_from_the_last_good_record(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    _write(path, 2)
    with path.open("a") as fh:
        fh.write('{"half": ')
    AuditLog(path).append({"function": "g"})
    result = verify(path)
    assert not result.ok and result.line == 3


def test_threads_share_one_file_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "threads.jsonl"
    log = AuditLog(path)

    def work(t: int) -> None:
        for i in range(50):
            log.append({"thread": t, "i": i})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify(path)
    assert result.ok and result.records == 400


def _process_writer(path: str, worker: int) -> None:
    log = AuditLog(path)
    for i in range(60):
        log.append({"worker": worker, "i": i})


def test_processes_share_one_file_without_loss_or_tearing(tmp_path: Path) -> None:
    path = tmp_path / "procs.jsonl"
    AuditLog(path).append({"start": True})  # parent opened the file before forking
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_process_writer, args=(str(path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    result = verify(path)
    assert result.ok, result
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 241
    assert {(r["worker"], r["i"]) for r in records[1:]} == {
        (w, i) for w in range(4) for i in range(60)
    }


def test_guarded_calls_write_records_without_raw_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spans: object
) -> None:
    path = tmp_path / "calls.jsonl"
    monkeypatch.setenv("AISEC_AUDIT_LOG", str(path))

    @guard
    def bot(q: str) -> str:
        return "ok"

    bot("my card is 4111 1111 1111 1111")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["direction"] for r in records] == ["input", "output"]
    first = records[0]
    assert first["action"] == "redact" and first["function"].endswith("bot")
    assert first["findings"][0]["guard"] == "pii"
    assert len(first["text_sha256"]) == 64 and len(first["policy"]) == 64
    assert len(first["trace_id"]) == 32 and len(first["span_id"]) == 16
    assert "4111" not in path.read_text()
    assert verify(path).ok


def test_a_message_list_record_hashes_its_roles_and_texts(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"

    @guard(policy=Policy(audit_log=path))
    def chat(messages: list[dict[str, object]]) -> str:
        return "ok"

    messages: list[dict[str, object]] = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "my mail is jo@example.com"}]},
    ]
    chat(messages)
    first = json.loads(path.read_text().splitlines()[0])
    checked = '[["system",["be brief"]],["user",["my mail is jo@example.com"]]]'
    assert first["direction"] == "input" and first["action"] == "redact"
    assert first["text_sha256"] == hashlib.sha256(checked.encode()).hexdigest()


def test_policy_audit_log_with_key(tmp_path: Path) -> None:
    path = tmp_path / "keyed.jsonl"
    guard(policy=Policy(audit_log=path, audit_key="k1"))(lambda q: q)("hello")
    assert verify(path, "k1").ok
    assert json.loads(path.read_text().splitlines()[0])["alg"] == "hmac-sha256"


def test_cli_verify_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.jsonl"
    lines = _write(good, 3)
    assert main(["audit", "verify", str(good)]) == 0
    bad = _tampered(tmp_path, lines[:1] + lines[2:], "bad.jsonl")
    assert main(["audit", "verify", str(bad)]) == 1
    assert "line 2" in capsys.readouterr().out
    assert main(["audit", "verify", str(tmp_path / "missing.jsonl")]) == 2


def test_cli_verify_as_a_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "sub.jsonl"
    lines = _write(path, 2, key="abc")
    run = [sys.executable, "-m", "aisec_sdk.cli", "audit", "verify", str(path)]
    ok = subprocess.run(
        run, env={"AISEC_AUDIT_KEY": "abc", "PATH": ""}, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    path.write_text(lines[1])
    broken = subprocess.run(run, env={"AISEC_AUDIT_KEY": "abc"}, capture_output=True, text=True)
    assert broken.returncode == 1
    assert "line 1" in broken.stdout


def test_a_key_written_twice_is_an_edit(tmp_path: Path) -> None:
    # the forged value first, the signed one last: json.loads keeps the last, so the hash
    # still matches, but a reader that keeps the first sees "block"
    lines = _write(tmp_path / "orig.jsonl", 3)
    assert json.loads(lines[1])["action"] == "allow"
    lines[1] = '{"action": "block", ' + lines[1][1:]
    result = verify(_tampered(tmp_path, lines, "dup.jsonl"))
    assert not result.ok and result.line == 2 and result.records == 1
    assert result.error == "key 'action' written twice (edited record)"


def test_verify_reads_between_appends_never_inside_one(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    lines = _write(path, 2)
    path.write_text(lines[0])  # a writer holds the lock while its record is half written
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, lines[1][:30].encode())
    results: list[object] = []
    reader = threading.Thread(target=lambda: results.append(verify(path)))
    reader.start()
    reader.join(0.5)
    assert reader.is_alive() and not results  # waits for the writer...
    os.write(fd, lines[1][30:].encode())
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)
    reader.join(10)
    assert [str(r) for r in results] == ["OK: 2 record(s), chain intact"]  # ...then reads both


def test_verify_reads_a_file_system_without_locks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nfs.jsonl"
    _write(path, 2)

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    assert verify(path).ok


def test_a_rotated_or_deleted_log_is_started_afresh_at_its_path(tmp_path: Path) -> None:
    """logrotate renames the file (or someone deletes it): the writer must not go on
    appending to the renamed file, or to a deleted one where every record is lost."""
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.append({"n": 0})
    path.rename(tmp_path / "audit.jsonl.1")
    log.append({"n": 1})
    assert [json.loads(x)["n"] for x in path.read_text().splitlines()] == [1]
    assert verify(path).ok and verify(tmp_path / "audit.jsonl.1").records == 1
    path.unlink()
    log.append({"n": 2})
    records = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(r["n"], r["seq"]) for r in records] == [(2, 0)] and verify(path).ok


def test_verify_streams_the_log_and_stops_at_the_size_it_locked(tmp_path: Path) -> None:
    """A long-lived log grows to gigabytes: verify holds one line at a time, not the file,
    and checks the records present when it looked (later appends are the next run's)."""
    path = tmp_path / "big.jsonl"
    log = AuditLog(path)
    pad = "x" * 2000
    for i in range(2000):  # about 4.3 MB
        log.append({"function": "f", "pad": pad, "i": i})
    size = path.stat().st_size
    tracemalloc.start()
    try:
        result = verify(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ok and result.records == 2000
    assert peak < size / 8, f"verify held {peak} bytes for a {size} byte log"


def test_a_line_rewritten_with_the_same_content_is_an_edit(tmp_path: Path) -> None:
    """The file is evidence byte for byte: a line ending, a BOM, spacing or key order changed
    by an editor or a tool is an edit of the log, found at its line, even when the parsed
    record (and so its hash) is unchanged."""
    lines = _write(tmp_path / "orig.jsonl", 4)
    third = json.loads(lines[2])
    rewritten = {
        "crlf": [line.replace("\n", "\r\n") for line in lines],
        "bom": ["\ufeff" + lines[0], *lines[1:]],
        "spacing": [
            *lines[:2],
            json.dumps(third, sort_keys=True, indent=1).replace("\n", "") + "\n",
            lines[3],
        ],
        "key_order": [*lines[:2], json.dumps(dict(reversed(third.items()))) + "\n", lines[3]],
        "unicode_escape": [*lines[:2], lines[2].replace('"f"', '"\\u0066"'), lines[3]],
    }
    for name, content in rewritten.items():
        result = verify(_tampered(tmp_path, content, name))
        assert not result.ok and result.line == (1 if name in ("crlf", "bom") else 3), name
        assert "as written" in str(result.error), (name, result)
    assert verify(_tampered(tmp_path, lines, "copy")).ok


def test_a_writer_dropped_without_close_leaks_no_descriptor(tmp_path: Path) -> None:
    """``AuditLog(path).append(...)`` per request must not run out of file descriptors."""
    path = tmp_path / "per-request.jsonl"

    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    AuditLog(path).append({"n": -1})
    gc.collect()
    before = open_descriptors()
    for n in range(300):
        AuditLog(path).append({"n": n})
    gc.collect()
    assert open_descriptors() <= before + 2
    assert verify(path).records == 301
