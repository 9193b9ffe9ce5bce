"""Build the long-lived parts once, from validated settings, at the edge of a process (CLI, server)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from index.open import open_index
from index.protocol import VectorIndex
from index.sparse import Bm25Encoder
from ingest.embed import Embedder, load_embedder
from kernel.settings import Settings
from kernel.store import Store
from retrieval.rerank import OnnxCrossEncoder, Reranker
from retrieval.search import HybridSearcher, SearchConfig

OFFLINE_ENV = {
    "DO_NOT_TRACK": "1",  # unstructured resolves an analytics host on every import otherwise
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def offline_environment() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass
class Services:
    settings: Settings
    store: Store
    index: VectorIndex
    embedder: Embedder
    bm25: Bm25Encoder
    reranker: Reranker | None
    searcher: HybridSearcher

    @classmethod
    def open(cls, settings: Settings, reranker: bool | None = None) -> Services:
        store = Store(settings.db_url)
        embedder = load_embedder(settings)
        index = open_index(settings, embedder.dim)
        bm25 = Bm25Encoder()
        use_rerank = settings.rerank if reranker is None else reranker
        rr: Reranker | None = (
            OnnxCrossEncoder(settings.model_root / "reranker_en", settings.torch_threads) if use_rerank else None
        )
        searcher = HybridSearcher(index, embedder, bm25, rr, SearchConfig.from_settings(settings))
        return cls(settings, store, index, embedder, bm25, rr, searcher)

    def close(self) -> None:
        self.index.close()
        self.store.close()
