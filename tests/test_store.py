"""The metadata store on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from kernel.errors import NotFoundError
from kernel.store import Store
from kernel.store.catalogue import ChunkRow, CorpusManifest, IndexedDocument


def test_corpus_document_chunk_lifecycle(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.catalogue.save_corpus("hb", CorpusManifest(description="", owner="o@example.com", manifest_path="",
                                                         manifest={}, approval_status="approved",
                                                         approved_by=None, approved_at=None))
        assert store.catalogue.get_corpus("hb").approval_status == "approved"
        with pytest.raises(NotFoundError):
            store.catalogue.get_corpus("nope")
        store.catalogue.queue_document("hb/a.md", "hb", "file:///a.md", "md", ["public"])
        rows = [ChunkRow(chunk_id=f"c{i}", document_id="hb/a.md", ordinal=i, start=i * 10, end=i * 10 + 9,
                         content_hash=f"h{i}", heading_path=["A"], page=None) for i in range(3)]
        indexed = IndexedDocument(corpus="hb", source_uri="file:///a.md", source_type="md", title="A",
                                  content_hash="x", version=1, acl=["public"], text="t" * 30, pages=[])
        store.catalogue.record_indexed("hb/a.md", rows, indexed)
        doc = store.catalogue.get_document("hb/a.md")
        assert doc is not None and doc.status == "indexed" and doc.chunk_count == 3 and doc.acl == ["public"]
        assert [r.ordinal for r in store.catalogue.chunk_rows("hb/a.md")] == [0, 1, 2]
        store.catalogue.record_indexed("hb/a.md", rows[:1], dataclasses.replace(indexed, version=2))
        assert store.catalogue.count_chunks("hb") == 1
        store.catalogue.record_failure("hb/a.md", "parse_failed: boom", "y")
        store.catalogue.record_failure("hb/a.md", "parse_failed: boom", "y")
        doc = store.catalogue.get_document("hb/a.md")
        assert doc is not None and (doc.status, doc.attempts) == ("failed", 2)
        store.catalogue.mark_documents(["hb/a.md"], "deleted")
        assert store.catalogue.count_chunks() == 0
    finally:
        store.close()


def test_embedding_cache_round_trip(db_url: str) -> None:
    store = Store(db_url)
    try:
        v = np.arange(4, dtype=np.float32)
        store.catalogue.cache_embeddings("m", {"h1": v})
        store.catalogue.cache_embeddings("m", {"h1": v, "h2": v + 1})  # existing rows are kept, not duplicated
        got = store.catalogue.cached_embeddings("m", ["h1", "h2", "h3"])
        assert set(got) == {"h1", "h2"} and np.array_equal(got["h2"], v + 1)
        assert store.catalogue.cached_embeddings("other", ["h1"]) == {}
    finally:
        store.close()


def test_jobs(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.catalogue.create_job("j1", "hb", total=5)
        store.catalogue.update_job("j1", done=5, status="done", summary={"documents": {"added": 5}})
        job = store.catalogue.get_job("j1")
        assert (job.status, job.done, job.summary["documents"]["added"]) == ("done", 5, 5)
    finally:
        store.close()
