"""Scratch indexes for eval suites: one per corpus content, ingested through the real pipeline, reused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eval.datasets import EvalDoc, content_tag, write_corpus
from ingest.manifest import load_manifest
from ingest.pipeline import IngestReport, ingest
from kernel.settings import Settings
from wiring.services import Services


def scratch_settings(base: Settings, docs: list[EvalDoc], scratch: Path | None = None) -> Settings:
    where = scratch or base.data_dir / "eval" / f"eval-{content_tag(docs)}"
    return base.model_copy(update={"data_dir": where, "database_url": None, "qdrant_url": None,
                                   "broker_url": None, "llm_providers": base.llm_providers})


def open_eval_corpus(base: Settings, docs: list[EvalDoc], restricted: set[str] | None = None,
                     scratch: Path | None = None, reranker: bool = False,
                     progress: Callable[[int, int], None] | None = None) -> tuple[Services, IngestReport]:
    s = scratch_settings(base, docs, scratch)
    root, _ = write_corpus(docs, s.data_dir / "corpus", restricted or set())
    svc = Services.open(s, rerank=reranker)
    try:
        report = ingest(load_manifest(root), s, svc.store, svc.index, svc.embedder, svc.bm25, progress=progress)
    except BaseException:
        svc.close()
        raise
    return svc, report
