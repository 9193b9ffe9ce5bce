"""BM25 sparse vectors, encoded client-side by Qdrant's own BM25 so both backends index the same terms.

Documents carry saturated term frequencies; the collection's IDF modifier supplies the inverse document
frequency at query time, from the points the search can see.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version

from qdrant_edge import Bm25, Bm25Config


@dataclass(frozen=True)
class SparseVec:
    indices: list[int]
    values: list[float]


class Bm25Encoder:
    def __init__(self, k1: float = 1.2, b: float = 0.75, avg_len: float = 256.0) -> None:
        self._bm25 = Bm25(Bm25Config(k=k1, b=b, avg_len=avg_len))
        # Stored vectors are only comparable with queries encoded the same way: another tokenizer or stemmer
        # (a new qdrant-edge release) hashes terms differently, other parameters saturate them differently.
        # Ingestion seals this name into every document's fingerprint, so such a change re-indexes the corpus.
        self.name = f"qdrant-edge-{version('qdrant-edge-py')}-bm25-k{k1:g}-b{b:g}-avg{avg_len:g}"

    def document(self, text: str) -> SparseVec:
        v = self._bm25.embed_document(text)
        return SparseVec(list(v.indices), list(v.values))

    def query(self, text: str) -> SparseVec:
        v = self._bm25.embed_query(text)
        return SparseVec(list(v.indices), list(v.values))
