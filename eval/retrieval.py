"""The retrieval suite: ingest a BEIR corpus through the real pipeline, search every query, score it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.beir import BeirDataset
from eval.datasets import EVAL_USER
from eval.metrics import mean, mrr_at_k, ndcg_at_k, percentile, recall_at_k
from kernel.types import Principal
from retrieval.search import HybridSearcher, SearchConfig, SearchRequest

CONFIGS: dict[str, dict[str, Any]] = {
    "bm25": {"mode": "sparse", "rerank": False},
    "dense": {"mode": "dense", "rerank": False},
    "hybrid": {"mode": "hybrid", "rerank": False},
    "hybrid+rerank": {"mode": "hybrid", "rerank": True},
}
EVAL_PRINCIPAL = Principal(EVAL_USER)


@dataclass
class ConfigResult:
    name: str
    ndcg10: float
    recall100: float
    mrr10: float
    queries: int
    p50_ms: float
    p95_ms: float
    rerank_skipped: int = 0
    per_query: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"config": self.name, "ndcg@10": round(self.ndcg10, 4), "recall@100": round(self.recall100, 4),
                "mrr@10": round(self.mrr10, 4), "queries": self.queries, "p50_ms": round(self.p50_ms, 1),
                "p95_ms": round(self.p95_ms, 1), "rerank_budget_exceeded": self.rerank_skipped}


def doc_ranking(searcher: HybridSearcher, query: str, config: SearchConfig, depth: int
                ) -> tuple[list[tuple[str, float]], bool, float]:
    """Documents ranked by their best chunk."""
    t0 = time.perf_counter()
    res = searcher.search(SearchRequest(query, EVAL_PRINCIPAL, k=depth), config)
    ms = (time.perf_counter() - t0) * 1000
    seen: dict[str, float] = {}
    for r in res.results:
        seen.setdefault(r.chunk.document_id, r.score)
    return list(seen.items()), res.rerank == "budget_exceeded", ms


def evaluate(searcher: HybridSearcher, dataset: BeirDataset, name: str, config: SearchConfig,
             run_out: Path | None, limit: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> ConfigResult:
    qids = sorted(dataset.queries)[:limit] if limit else sorted(dataset.queries)
    ndcg, rec, mrr, lat = [], [], [], []
    skipped = 0
    lines: list[str] = []
    per_query: dict[str, float] = {}
    for i, qid in enumerate(qids):
        ranking, over_budget, ms = doc_ranking(searcher, dataset.queries[qid], config, depth=max(200, 2 * 100))
        docs = [d for d, _ in ranking][:100]
        qrels = dataset.qrels[qid]
        ndcg.append(ndcg_at_k(docs, qrels, 10))
        per_query[qid] = ndcg[-1]
        rec.append(recall_at_k(docs, qrels, 100))
        mrr.append(mrr_at_k(docs, qrels, 10))
        lat.append(ms)
        skipped += over_budget
        lines += [f"{qid} Q0 {d} {r} {s:.6f} cairn-{name}" for r, (d, s) in enumerate(ranking[:100], start=1)]
        if progress:
            progress(i + 1, len(qids))
    if run_out is not None:
        run_out.parent.mkdir(parents=True, exist_ok=True)
        run_out.write_text("\n".join(lines) + "\n")
    return ConfigResult(name, mean(ndcg), mean(rec), mean(mrr), len(qids), percentile(lat, 0.5),
                        percentile(lat, 0.95), skipped, per_query)


def mean_ndcg10(searcher: HybridSearcher, queries: dict[str, str], qrels: dict[str, dict[str, int]],
                config: SearchConfig, depth: int = 20) -> float:
    """nDCG@10 over documents ranked by their best chunk, for a query set outside BEIR's layout (SQuAD's)."""
    return mean([ndcg_at_k([d for d, _ in doc_ranking(searcher, text, config, depth)[0]], qrels[q], 10)
                 for q, text in queries.items()])


def config_for(name: str, base: SearchConfig) -> SearchConfig:
    if name not in CONFIGS:
        raise ValueError(f"unknown config {name!r}; choose from {', '.join(CONFIGS)}")
    return base.with_(**CONFIGS[name])


def run_file_for(run_out: Path, name: str, many: bool) -> Path:
    return run_out.with_name(f"{run_out.stem}.{name}{run_out.suffix}") if many else run_out
