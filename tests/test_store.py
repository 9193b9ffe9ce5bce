"""The metadata store on SQLite and on the local PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from kernel.errors import NotFoundError
from kernel.store import ChunkRow, Store


def test_corpus_document_chunk_lifecycle(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.upsert_corpus("hb", owner="o@example.com", approval_status="approved")
        assert store.get_corpus("hb").approval_status == "approved"
        with pytest.raises(NotFoundError):
            store.get_corpus("nope")
        store.upsert_document("hb/a.md", corpus="hb", source_uri="file:///a.md", status="queued", acl=["public"])
        rows = [ChunkRow(chunk_id=f"c{i}", document_id="hb/a.md", ordinal=i, start=i * 10, end=i * 10 + 9,
                         content_hash=f"h{i}", heading_path=["A"], page=None) for i in range(3)]
        store.record_indexed("hb/a.md", rows, {"content_hash": "x", "version": 1, "text": "t" * 30})
        doc = store.get_document("hb/a.md")
        assert doc is not None and doc.status == "indexed" and doc.chunk_count == 3 and doc.acl == ["public"]
        assert [r.ordinal for r in store.chunk_rows("hb/a.md")] == [0, 1, 2]
        store.record_indexed("hb/a.md", rows[:1], {"version": 2})
        assert store.count_chunks("hb") == 1
        store.record_failure("hb/a.md", "parse_failed: boom", "y")
        store.record_failure("hb/a.md", "parse_failed: boom", "y")
        doc = store.get_document("hb/a.md")
        assert doc is not None and (doc.status, doc.attempts) == ("failed", 2)
        store.mark_documents(["hb/a.md"], "deleted")
        assert store.count_chunks() == 0
    finally:
        store.close()


def test_embedding_cache_round_trip(db_url: str) -> None:
    store = Store(db_url)
    try:
        v = np.arange(4, dtype=np.float32)
        store.cache_embeddings("m", {"h1": v})
        store.cache_embeddings("m", {"h1": v, "h2": v + 1})  # existing rows are kept, not duplicated
        got = store.cached_embeddings("m", ["h1", "h2", "h3"])
        assert set(got) == {"h1", "h2"} and np.array_equal(got["h2"], v + 1)
        assert store.cached_embeddings("other", ["h1"]) == {}
    finally:
        store.close()


def test_jobs(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.create_job("j1", "hb", total=5)
        store.update_job("j1", done=5, status="done", summary={"documents": {"added": 5}})
        job = store.get_job("j1")
        assert (job.status, job.done, job.summary["documents"]["added"]) == ("done", 5, 5)
    finally:
        store.close()
