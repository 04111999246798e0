"""Posture scanner throughput: model files (MB/s) and datasets (records/s).

Builds its inputs in a temporary folder: a ~100 MB benign PyTorch checkpoint (torch.save,
zip format), the same weights in torch's legacy pickle format, a checkpoint with many small
tensors (a large ``data.pkl``), a ~100 MB raw pickle of an array, and JSONL/CSV datasets.
Each timing is the best of several runs of `aisec_sdk.posture.scan_file` (hashing included).
Writes the "scan" section of benchmarks/RESULTS.md.

Run: ``python benchmarks/scan.py [--mb 100] [--rows 20000]``
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aisec_sdk.posture import scan_file

_TEXTS = (
    "The committee approved the budget for the new library wing after a short debate.",
    "Customers asked whether the blue model ships with a charger; it does, in the box.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "Remember to water the tomatoes twice a week during the hottest part of summer.",
)


def _best(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        scan_file(path)
        times.append(time.perf_counter() - start)
    return min(times)


def _models(folder: Path, megabytes: int) -> dict[str, Path]:
    import numpy as np
    import torch

    per_tensor = 1 << 20  # 1 Mi float32 = 4 MiB
    count = max(1, megabytes * (1 << 20) // (per_tensor * 4))
    state = {f"layer{i}.weight": torch.randn(per_tensor) for i in range(count)}
    paths = {
        "torch zip (torch.save)": folder / "model.pt",
        "torch legacy pickle": folder / "legacy.bin",
        "torch zip, 5,000 small tensors": folder / "many.pt",
        "raw pickle of a float32 array": folder / "array.pkl",
    }
    torch.save(state, paths["torch zip (torch.save)"])
    torch.save(state, paths["torch legacy pickle"], _use_new_zipfile_serialization=False)
    torch.save(
        {f"block{i}.bias": torch.zeros(16) for i in range(5000)},
        paths["torch zip, 5,000 small tensors"],
    )
    array = np.random.default_rng(0).standard_normal(megabytes * (1 << 18), dtype=np.float32)
    paths["raw pickle of a float32 array"].write_bytes(pickle.dumps(array, protocol=4))
    return paths


def _datasets(folder: Path, rows: int) -> dict[str, Path]:
    records = [
        {"id": i, "text": _TEXTS[i % len(_TEXTS)], "label": "benign" if i % 3 else "other"}
        for i in range(rows)
    ]
    jsonl, table = folder / "data.jsonl", folder / "data.csv"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in records))
    with table.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label"])
        writer.writerows([r["id"], r["text"], r["label"]] for r in records)
    return {"JSONL": jsonl, "CSV": table}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the large checkpoint in MB")
    parser.add_argument("--rows", type=int, default=20_000, help="records per dataset")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lines = [
        "`aisec_sdk.posture.scan_file`, best of "
        f"{args.repeat} runs, SHA-256 of model files included.",
        "",
        "| input | size | time | throughput | findings |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, path in _models(folder, args.mb).items():
            size = path.stat().st_size / 1e6
            findings = len(scan_file(path).findings)
            seconds = _best(path, args.repeat)
            lines.append(
                f"| {label} | {size:.1f} MB | {seconds * 1000:.0f} ms | "
                f"{size / seconds:,.0f} MB/s | {findings} |"
            )
            print(lines[-1], flush=True)
        for label, path in _datasets(folder, args.rows).items():
            size = path.stat().st_size / 1e6
            findings = len(scan_file(path).findings)
            seconds = _best(path, 1)
            lines.append(
                f"| {label} dataset, {args.rows:,} records | {size:.1f} MB | "
                f"{seconds * 1000:.0f} ms | {args.rows / seconds:,.0f} records/s | {findings} |"
            )
            print(lines[-1], flush=True)
    lines += [
        "",
        "Model files are read only as far as their format needs (pickle streams, headers, "
        "zip directories); tensor bytes are not parsed, only hashed. Datasets run every "
        "default guard over each record as `context` text, one record at a time.",
    ]
    from _results import write_section

    write_section("scan", "## Posture scanner (`benchmarks/scan.py`)\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
