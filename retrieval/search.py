"""Hybrid search: BM25 and dense legs, each ACL-filtered inside Qdrant, fused, optionally reranked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from index.access import access_filter
from index.reader import ReadableIndex
from index.sparse import Bm25Encoder
from kernel.flags import Flags
from kernel.settings import FusionName, Settings
from kernel.telemetry import Metrics, tracer
from kernel.types import Chunk, Principal, ScoredChunk
from models.cross_encoder import Reranker
from models.embed import Embedder
from retrieval.fusion import interpolate, promote_decisive, promote_exact, ranked, rrf, weighted_score_fusion

Mode = Literal["hybrid", "sparse", "dense"]


@dataclass(frozen=True)
class SearchConfig:
    mode: Mode = "hybrid"
    fusion: FusionName = "minmax"
    rrf_k: float = 10.0
    weights: tuple[float, float] = (0.4, 0.6)  # sparse, dense
    candidates: int = 100
    rerank: bool = False
    rerank_top_n: int = 20
    rerank_weight: float = 0.3
    rerank_budget_ms: float = 3000.0
    exact: bool = False
    decisive_ratio: float | None = 1.5
    exact_identifiers: bool = True


    @classmethod
    def from_settings(cls, s: Settings) -> SearchConfig:
        return cls(fusion=s.fusion, rrf_k=s.rrf_k, weights=(s.sparse_weight, s.dense_weight),
                   candidates=s.candidates, rerank=s.rerank, rerank_top_n=s.rerank_top_n,
                   rerank_weight=s.rerank_weight, rerank_budget_ms=s.rerank_budget_ms,
                   decisive_ratio=s.decisive_ratio or None, exact_identifiers=s.exact_identifiers)

    def with_(self, **changes: object) -> SearchConfig:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SearchRequest:
    query: str
    principal: Principal
    k: int = 10
    corpora: list[str] | None = None
    document_ids: list[str] | None = None
    source_types: list[str] | None = None
    after: datetime | None = None
    before: datetime | None = None


@dataclass
class SearchResult:
    results: list[ScoredChunk]
    rerank: Literal["off", "applied", "budget_exceeded", "unavailable"] = "off"
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridSearcher:
    def __init__(self, index: ReadableIndex, embedder: Embedder, bm25: Bm25Encoder,
                 reranker: Reranker | None, config: SearchConfig, metrics: Metrics | None = None,
                 flags: Flags | None = None) -> None:
        self.metrics, self.flags = metrics, flags
        self.index = index
        self.embedder = embedder
        self.bm25 = bm25
        self.reranker = reranker
        self.config = config

    def search(self, req: SearchRequest, config: SearchConfig | None = None) -> SearchResult:
        cfg = config or self.config
        off = self.flags.off() if self.flags is not None else frozenset()
        if "rerank" in off:
            cfg = cfg.with_(rerank=False)
        access = access_filter(req.principal, corpora=req.corpora, document_ids=req.document_ids,
                               source_types=req.source_types, after=req.after, before=req.before,
                               excluded_corpora=[n.removeprefix("corpus:") for n in off if n.startswith("corpus:")])
        t: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        sparse: dict[str, float] = {}
        dense: dict[str, float] = {}
        limit = max(cfg.candidates, req.k)
        if cfg.mode in ("hybrid", "sparse"):
            with _stage("sparse", t):
                q = self.bm25.query(req.query)
                for h in self.index.search_sparse(q.indices, q.values, access, limit, cfg.exact):
                    chunks[h.chunk.chunk_id] = h.chunk
                    sparse[h.chunk.chunk_id] = h.score
        if cfg.mode in ("hybrid", "dense"):
            with _stage("embed", t):
                vec = self.embedder.embed_query(req.query)
            with _stage("dense", t):
                for h in self.index.search_dense(vec.tolist(), access, limit, cfg.exact):
                    chunks[h.chunk.chunk_id] = h.chunk
                    dense[h.chunk.chunk_id] = h.score
        with _stage("fusion", t):
            fused = fuse(cfg, sparse, dense, chunks, req.query)
            order = ranked(fused)
        sparse_rank = {c: i for i, (c, _) in enumerate(ranked(sparse), start=1)}
        dense_rank = {c: i for i, (c, _) in enumerate(ranked(dense), start=1)}

        def scored(cid: str, score: float) -> ScoredChunk:
            return ScoredChunk(chunks[cid], score, {
                "sparse_rank": sparse_rank.get(cid), "sparse": sparse.get(cid),
                "dense_rank": dense_rank.get(cid), "dense": dense.get(cid), "fused": fused[cid],
                "rerank": None,
            })

        status: Literal["off", "applied", "budget_exceeded", "unavailable"] = "off"
        if cfg.rerank and order:
            with _stage("rerank", t):
                status, order, rerank_scores = self._rerank(req.query, order, chunks, cfg)
            results = [scored(c, s) for c, s in order[: req.k]]
            for r in results:
                r.scores["rerank"] = rerank_scores.get(r.chunk.chunk_id)
        else:
            results = [scored(c, s) for c, s in order[: req.k]]
        if self.metrics is not None:
            for stage, ms in t.items():
                self.metrics.stage_latency.labels(stage).observe(ms / 1000)
        t["total"] = sum(t.values())
        return SearchResult(results, status, t)

    def _rerank(self, query: str, order: list[tuple[str, float]], chunks: dict[str, Chunk], cfg: SearchConfig
                ) -> tuple[Literal["applied", "budget_exceeded", "unavailable"], list[tuple[str, float]],
                           dict[str, float]]:
        if self.reranker is None:
            return "unavailable", order, {}
        head, tail = order[: cfg.rerank_top_n], order[cfg.rerank_top_n :]
        passages = [_passage(chunks[c]) for c, _ in head]
        deadline = time.monotonic() + cfg.rerank_budget_ms / 1000
        scores = self.reranker.score(query, passages, deadline)
        if scores is None:
            return "budget_exceeded", order, {}
        by_id = {c: s for (c, _), s in zip(head, scores, strict=True)}
        blended = interpolate(dict(head), by_id, cfg.rerank_weight)
        # Reranked items keep their place above the tail: their blended scores lie in [0, 1] and are
        # lifted above every tail score so the order is well defined.
        lift = max((s for _, s in tail), default=0.0) + 1.0
        new_head = [(c, s + lift) for c, s in ranked(blended)]
        return "applied", new_head + tail, by_id


def _passage(chunk: Chunk) -> str:
    return f"{chunk.title}\n{chunk.text}" if chunk.title and not chunk.text.startswith(chunk.title) else chunk.text


def fuse(cfg: SearchConfig, sparse: dict[str, float], dense: dict[str, float], chunks: dict[str, Chunk],
         query: str) -> dict[str, float]:
    """One score per candidate chunk from the two legs, then the exact-match promotions."""
    if cfg.mode == "sparse":
        return dict(sparse)
    if cfg.mode == "dense":
        return dict(dense)
    if cfg.fusion == "rrf":
        fused = rrf([[c for c, _ in ranked(sparse)], [c for c, _ in ranked(dense)]], cfg.rrf_k, cfg.weights)
    else:
        fused = weighted_score_fusion([sparse, dense], cfg.weights, cfg.fusion)
    doc_of = {c: chunks[c].document_id for c in chunks}
    if cfg.decisive_ratio:
        fused = promote_decisive(fused, sparse, doc_of, cfg.decisive_ratio)
    if cfg.exact_identifiers:
        fused = promote_exact(fused, sparse, {c: chunks[c].text for c in sparse}, doc_of, query)
    return fused


@contextmanager
def _stage(name: str, timings: dict[str, float]) -> Iterator[None]:
    """Time one stage into `timings` (milliseconds) and trace it as a `search.<name>` span."""
    t0 = time.perf_counter()
    with tracer().start_as_current_span(f"search.{name}"):
        yield
    timings[name] = _ms(t0)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
