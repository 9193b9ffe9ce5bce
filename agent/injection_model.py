"""A learned second opinion beside the pattern scanner: a logistic model over hashed word n-grams that
scores how much a passage reads like instructions planted for a model (bench/train_injection_scanner.py).

Pure numpy at run time; a passage is scored line by line and sentence by sentence, because a payload hides
inside otherwise ordinary text and a whole-passage score would dilute it.
"""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIMS = 1 << 18
MODEL_FILE = Path(__file__).parent / "injection_model.npz"
_TOKEN = re.compile(r"[a-z0-9_]+|[^\sa-z0-9_]", re.IGNORECASE)
_SEGMENT = re.compile(r"(?<=[.!?])\s+|\n+")


def features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of the hashed, L2-normalised unigram + bigram counts of `text`."""
    toks = [t.lower() for t in _TOKEN.findall(text)]
    grams = toks + [f"{a} {b}" for a, b in itertools.pairwise(toks)]
    if not grams:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    idx = np.fromiter((zlib.crc32(g.encode()) % DIMS for g in grams), dtype=np.int64, count=len(grams))
    uniq, counts = np.unique(idx, return_counts=True)
    vals = np.sqrt(counts.astype(np.float32))
    return uniq, vals / float(np.linalg.norm(vals))


def segments(text: str) -> list[str]:
    """The passage itself, and its lines and sentences with at least three words."""
    parts = [text] + [p for p in _SEGMENT.split(text) if len(p.split()) >= 3]
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


@dataclass(frozen=True)
class InjectionModel:
    weights: np.ndarray
    bias: float
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> InjectionModel:
        with np.load(path) as z:
            return cls(z["weights"].astype(np.float32), float(z["bias"]), float(z["threshold"]))

    def save(self, path: Path = MODEL_FILE) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float16), bias=self.bias,
                            threshold=self.threshold)

    def probability(self, text: str) -> float:
        idx, vals = features(text)
        z = float(self.weights[idx] @ vals) + self.bias
        return float(1 / (1 + np.exp(-z)))

    def score(self, text: str) -> float:
        """The highest probability over the passage's segments."""
        return max((self.probability(s) for s in segments(text)), default=0.0)

    def flags(self, text: str) -> bool:
        return self.score(text) >= self.threshold
