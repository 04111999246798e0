"""Optional deep tier of the prompt-injection guard: a local transformers classifier.

Only texts the fast tier finds uncertain reach it. The model must already be on disk (a
directory with ``config.json``, weights and tokenizer, e.g. a Prompt Guard or DeBERTa
prompt-injection checkpoint); nothing is ever downloaded. Without ``transformers`` or
without the directory the guard runs its fast tier alone and says so once in the log.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any, Protocol

__all__ = ["DeepTier", "SequenceClassifierTier", "load_deep_tier"]

_log = logging.getLogger("aisec_sdk")

# Label names (lower-cased) that mean "attack" in common prompt-injection checkpoints.
_ATTACK_LABELS = ("injection", "jailbreak", "malicious", "unsafe", "attack", "label_1")


class DeepTier(Protocol):
    """What the guard needs from a deep tier."""

    def probability(self, text: str) -> float:
        """Probability (0..1) that ``text`` is an injection or jailbreak."""
        ...


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

    def probability(self, text: str) -> float:
        """Summed softmax probability of the attack labels (long text: the worst chunk)."""
        enc = self.tokenizer(
            text,
            truncation=True,
            max_length=self.max_length,
            return_overflowing_tokens=False,
            return_tensors="pt",
        )
        with self._torch.no_grad():
            logits = self.model(**enc).logits[0]
        probs = self._torch.softmax(logits, dim=-1)
        return float(min(1.0, sum(float(probs[i]) for i in self.attack_ids)))


def load_deep_tier(path: str) -> DeepTier | None:
    """The deep tier at ``path``, or None (logged once) when it cannot be used."""
    return _load(str(Path(path).expanduser()))


@cache
def _load(path: str) -> DeepTier | None:
    folder = Path(path)
    if not (folder / "config.json").is_file():
        _log.warning(
            "aisec prompt_injection: no local model at %s (config.json missing); "
            "running the fast tier only",
            path,
        )
        return None
    try:
        return SequenceClassifierTier(folder)
    except ImportError:
        _log.warning(
            "aisec prompt_injection: the deep tier needs transformers and torch "
            "(pip install 'aisec-sdk[transformers]'); running the fast tier only"
        )
    except (OSError, ValueError) as exc:
        _log.warning(
            "aisec prompt_injection: cannot load the model at %s (%s); running the fast tier only",
            path,
            exc,
        )
    return None
