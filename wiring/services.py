"""Build the long-lived parts once, from validated settings, at the edge of a process (CLI, server)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from agent.extractive import EmbeddingScorer
from index.open import open_index
from index.protocol import VectorIndex
from index.sparse import Bm25Encoder
from kernel.errors import ConfigError
from kernel.flags import Flags
from kernel.profiles import AnswerProfile
from kernel.rollout import Rollout
from kernel.settings import Settings
from kernel.store import Store
from kernel.telemetry import Metrics
from models.cross_encoder import OnnxCrossEncoder, Reranker
from models.embed import Embedder, load_embedder
from retrieval.search import HybridSearcher, SearchConfig

if TYPE_CHECKING:
    from agent.runner import Agent

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


def load_rationale_scorer(settings: Settings) -> OnnxCrossEncoder:
    from agent.sentence_model import RATIONALE_MODEL_DIR

    return OnnxCrossEncoder(RATIONALE_MODEL_DIR, settings.torch_threads, name="rationale-minilm-l12-int8")


@dataclass
class Services:
    settings: Settings
    store: Store
    index: VectorIndex
    embedder: Embedder
    bm25: Bm25Encoder
    reranker: Reranker | None  # the ms-marco cross-encoder: search reranking and the answer scorers
    rationale: Reranker | None  # the extractive responder's sentence scorer, fine-tuned on scientific claims
    searcher: HybridSearcher
    flags: Flags
    rollout: Rollout  # which answer profile each user gets (kernel.rollout)
    unit_vectors: EmbeddingScorer  # shared by every agent of this process: answer units' vectors, cached
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def open(cls, settings: Settings, *, rerank: bool | None = None, answering: bool = True,
             embedder: Embedder | None = None, reranker: Reranker | None = None,
             rationale: Reranker | None = None, store: Store | None = None) -> Services:
        """Only what the command needs: without `answering` (ingest, revoke, a plain search) no cross-encoder
        is loaded unless search reranking asks for it. Parts already loaded (a test session's models) are
        used as given. `rerank` overrides the configured search reranking."""
        store = store or Store(settings.db_url)
        embedder = embedder or load_embedder(settings)
        index = open_index(settings, embedder.dim)
        cfg = SearchConfig.from_settings(settings)
        if rerank is not None:
            cfg = cfg.with_(rerank=rerank)
        if reranker is None and (answering or cfg.rerank):
            reranker = OnnxCrossEncoder(settings.model_root / "reranker_en", settings.torch_threads)
        if rationale is None and answering:
            rationale = load_rationale_scorer(settings)
        bm25 = Bm25Encoder()
        metrics = Metrics()
        flags = Flags(store, settings.flags_ttl_s)
        searcher = HybridSearcher(index, embedder, bm25, reranker, cfg, metrics, flags)
        return cls(settings, store, index, embedder, bm25, reranker, rationale, searcher, flags,
                   Rollout(store, settings.flags_ttl_s), EmbeddingScorer(embedder), metrics)

    def agent(self, profile: AnswerProfile | None = None, version: int = 0) -> Agent:
        """The agent over these services: governed tools, models in the configured order, extractive last.
        With a profile, its tuning, prompt, tools and providers replace the settings' (same models, index and
        caches: a profile costs no extra memory)."""
        from agent.builtin_tools import default_registry
        from agent.extractive import CrossEncoderScorer, ExtractiveConfig, ExtractiveResponder
        from agent.governance import governed, unit_lures
        from agent.injection_model import InjectionModel
        from agent.llm import OpenAICompatibleResponder
        from agent.runner import Agent, Router, embedding_support
        from agent.sentence_model import SentenceModel

        s = profile.apply(self.settings) if profile is not None else self.settings
        searcher = self.searcher
        if profile is not None:
            cfg = SearchConfig.from_settings(s)
            if cfg != self.searcher.config:
                searcher = HybridSearcher(self.index, self.embedder, self.bm25, self.reranker, cfg, self.metrics,
                                          self.flags)
        registry = default_registry(self.flags)
        if s.tools is not None:
            unknown = set(s.tools) - set(registry.tools)
            if unknown:
                raise ConfigError(f"unknown tool(s) in CAIRN_TOOLS: {', '.join(sorted(unknown))}")
            for name in set(registry.tools) - set(s.tools):
                registry.kill(name)  # not this profile's: refused like a switched-off tool
        injection_model = InjectionModel.load()
        handle = governed(registry, self.metrics, injection_model=injection_model)
        support = embedding_support(self.unit_vectors)
        extractive = None
        if self.reranker is not None and self.rationale is not None:
            config = ExtractiveConfig(k=s.answer_k, rerank_docs=s.answer_rerank_docs,
                                      rerank_weight=s.answer_rerank_weight)
            extractive = ExtractiveResponder(CrossEncoderScorer(self.reranker), self.unit_vectors,
                                             CrossEncoderScorer(self.rationale), SentenceModel.load(), config,
                                             unit_lures(injection_model))
        models = [OpenAICompatibleResponder(p, registry, support, self.metrics, s.prompt) for p in s.llm_providers]
        return Agent(Router(models, extractive, flags=self.flags), handle, self.store.catalogue, self.store.records,
                     self.index, searcher, support, s, self.metrics, version)

    def close(self) -> None:
        self.index.close()
        self.store.close()
