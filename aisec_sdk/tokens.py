"""Offline tiktoken encodings: the BPE files ship in the package and are verified on load.

``cl100k_base`` (GPT-4, GPT-3.5) and ``o200k_base`` (GPT-4o, GPT-4.1, GPT-5, o-series) are
built as `tiktoken.Encoding` objects from ``aisec_sdk/guards/data/*.tiktoken``, whose
SHA-256 must equal tiktoken's published hash; tiktoken itself is never asked to fetch
anything. Any other encoding raises `MissingEncodingError`, which names it.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

import tiktoken
from tiktoken.model import encoding_name_for_model as _tiktoken_model_map

__all__ = [
    "SHIPPED_ENCODINGS",
    "MissingEncodingError",
    "UnknownModelError",
    "count_tokens",
    "encoding",
    "encoding_for_model",
    "encoding_name_for_model",
]


class MissingEncodingError(LookupError):
    """An encoding whose BPE file is not shipped with aisec_sdk (or failed verification)."""


class UnknownModelError(LookupError):
    """A model whose tiktoken encoding is not known (``my-llama``): set the encoding."""


@dataclass(frozen=True)
class _Spec:
    sha256: str
    pat_str: str
    special_tokens: dict[str, int]


_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)

# The encodings' definitions (split pattern, special tokens, file hash) as tiktoken defines them.
_SPECS: dict[str, _Spec] = {
    "cl100k_base": _Spec(
        sha256="223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        pat_str=(
            r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+"""
            r"""| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
        ),
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
    "o200k_base": _Spec(
        sha256="446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        pat_str=_O200K_PAT,
        special_tokens={"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
}
SHIPPED_ENCODINGS: tuple[str, ...] = tuple(_SPECS)

_cache: dict[str, tiktoken.Encoding] = {}
_lock = threading.Lock()


def _read_ranks(name: str, spec: _Spec) -> dict[bytes, int]:
    data = (resources.files("aisec_sdk.guards") / "data" / f"{name}.tiktoken").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise MissingEncodingError(
            f"the shipped BPE file for {name!r} is corrupt (SHA-256 {digest}, "
            f"expected {spec.sha256}); reinstall aisec-sdk"
        )
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, built from the shipped, hash-verified BPE file."""
    spec = _SPECS.get(name)
    if spec is None:
        raise MissingEncodingError(
            f"tiktoken encoding {name!r} is not available offline; aisec_sdk ships "
            f"{', '.join(SHIPPED_ENCODINGS)}"
        )
    with _lock:
        found = _cache.get(name)
        if found is None:
            found = tiktoken.Encoding(
                name,
                pat_str=spec.pat_str,
                mergeable_ranks=_read_ranks(name, spec),
                special_tokens=spec.special_tokens,
            )
            _cache[name] = found
        return found


def encoding_name_for_model(model: str) -> str:
    """The encoding a model uses (``gpt-4o`` -> ``o200k_base``), the model written as
    configuration writes it: in any case (``GPT-4o``), with a provider prefix (``openai/``,
    ``azure/``, ``openai:`` as LangChain writes it); `UnknownModelError` naming it and the
    shipped encodings when none is known."""
    bare = model.rsplit("/", 1)[-1]
    _, colon, after = bare.partition(":")
    for form in dict.fromkeys((bare, bare.lower(), *((after, after.lower()) if colon else ()))):
        try:
            return _tiktoken_model_map(form)
        except KeyError:
            continue
    raise UnknownModelError(
        f"no tiktoken encoding is known for model {model!r}; set the encoding "
        f"explicitly ({', '.join(SHIPPED_ENCODINGS)})"
    )


def encoding_for_model(model: str) -> tiktoken.Encoding:
    """The shipped encoding of ``model``; `MissingEncodingError` when it is not shipped."""
    return encoding(encoding_name_for_model(model))


def count_tokens(text: str, *, model: str | None = None, encoding_name: str | None = None) -> int:
    """Tokens in ``text`` (special-token text counted as ordinary text)."""
    name = encoding_name or (encoding_name_for_model(model) if model else "cl100k_base")
    return len(encoding(name).encode_ordinary(text))
