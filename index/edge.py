"""The embedded backend: the Qdrant engine in-process (qdrant-edge-py), one shard on disk."""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from qdrant_edge import (
    CountRequest,
    Distance,
    EdgeConfig,
    EdgeShard,
    EdgeSparseVectorParams,
    EdgeVectorParams,
    FieldCondition,
    Filter,
    HasIdCondition,
    MatchAny,
    MatchValue,
    Modifier,
    PayloadSchemaType,
    Point,
    Query,
    QueryRequest,
    RangeFloat,
    ScrollRequest,
    SearchParams,
    SparseVector,
    UpdateOperation,
)

from index.access import AccessFilter
from index.protocol import DENSE, SPARSE, IndexPoint
from kernel.errors import IndexBackendError, IndexBusyError
from kernel.types import Chunk, Hit

KEYWORD_FIELDS = ("acl", "corpus", "document_id", "source_type")


class EdgeIndex:
    def __init__(self, path: Path, dim: int) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._holder = _hold(path)
        try:
            if any(path.iterdir()):
                self._shard = EdgeShard.load(str(path))
            else:
                config = EdgeConfig(
                    vectors={DENSE: EdgeVectorParams(size=dim, distance=Distance.Cosine)},
                    sparse_vectors={SPARSE: EdgeSparseVectorParams(modifier=Modifier.Idf)},
                )
                self._shard = EdgeShard.create(str(path), config)
                for name in KEYWORD_FIELDS:
                    self._shard.update(UpdateOperation.create_field_index(name, PayloadSchemaType.Keyword))
                self._shard.update(UpdateOperation.create_field_index("indexed_at", PayloadSchemaType.Float))
        except Exception as exc:  # the Rust side raises plain exceptions
            self._holder.close()
            raise IndexBackendError(f"cannot open the embedded index at {path}: {exc}") from exc
        # Edge serialises writes itself; this lock keeps close() from racing an in-flight call.
        self._lock = threading.RLock()

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        batch = [
            Point(
                id=uuid.UUID(p.id),
                vector={DENSE: list(p.dense), SPARSE: SparseVector(list(p.sparse_indices), list(p.sparse_values))},
                payload=p.payload,
            )
            for p in points
        ]
        with self._lock:
            self._shard.update(UpdateOperation.upsert_points(batch))

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            with self._lock:
                self._shard.update(UpdateOperation.delete_points([uuid.UUID(i) for i in ids]))

    def delete_where(self, *, corpus: str | None = None, document_id: str | None = None) -> None:
        flt = _scope(corpus, document_id)
        with self._lock:
            self._shard.update(UpdateOperation.delete_points_by_filter(flt))

    def point_ids(self, *, document_id: str) -> list[str]:
        ids: list[str] = []
        offset: Any = None
        flt = _scope(None, document_id)
        while True:
            with self._lock:
                records, offset = self._shard.scroll(
                    ScrollRequest(offset=offset, limit=1000, filter=flt, with_payload=False)
                )
            ids += [str(r.id) for r in records]
            if offset is None:
                return ids

    def count(self, *, corpus: str | None = None, document_id: str | None = None) -> int:
        must: list[Any] = []
        if corpus is not None:
            must.append(FieldCondition(key="corpus", match=MatchValue(corpus)))
        if document_id is not None:
            must.append(FieldCondition(key="document_id", match=MatchValue(document_id)))
        # Tombstones are the points with no ACL. (Edge 0.9.0 does not match MatchValue(True) on booleans.)
        flt = Filter(must=must or None, must_not=[FieldCondition(key="acl", is_empty=True)])
        with self._lock:
            return int(self._shard.count(CountRequest(exact=True, filter=flt)))

    def search_dense(
        self, vector: Sequence[float], access: AccessFilter, limit: int, exact: bool = False
    ) -> list[Hit]:
        return self._query(Query.Nearest(list(vector), using=DENSE), access, limit, exact)

    def search_sparse(
        self, indices: Sequence[int], values: Sequence[float], access: AccessFilter, limit: int,
        exact: bool = False,
    ) -> list[Hit]:
        if not indices:
            return []
        vec = SparseVector(list(indices), list(values))
        return self._query(Query.Nearest(vec, using=SPARSE), access, limit, exact)

    def retrieve(self, ids: Sequence[str], access: AccessFilter) -> list[Hit]:
        if not ids:
            return []
        flt = _access(access, extra=[HasIdCondition({uuid.UUID(i) for i in ids})])
        with self._lock:
            records, _ = self._shard.scroll(ScrollRequest(limit=len(ids), filter=flt, with_payload=True))
        return [Hit(Chunk.from_payload(dict(r.payload or {})), 1.0) for r in records]

    def _query(self, query: Any, access: AccessFilter, limit: int, exact: bool) -> list[Hit]:
        req = QueryRequest(
            limit=limit, query=query, filter=_access(access), with_payload=True,
            params=SearchParams(exact=exact),
        )
        with self._lock:
            points = self._shard.query(req)
        return [Hit(Chunk.from_payload(dict(p.payload or {})), float(p.score)) for p in points]

    def flush(self) -> None:
        with self._lock:
            self._shard.flush()

    def close(self) -> None:
        with self._lock:
            self._shard.flush()
            self._shard.close()
            self._holder.close()


def _hold(path: Path) -> IO[str]:
    """The embedded shard has one writer process. Say who holds it, in one line, instead of letting the
    engine fail deep inside with a WAL lock error."""
    lock = path.parent / f"{path.name}.lock"
    fh = lock.open("a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise IndexBusyError(
            f"the embedded index at {path} is in use by {holder}; stop that process first, or run this "
            "command against a Qdrant server (CAIRN_QDRANT_URL) that several processes can share") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} ({' '.join(sys.argv[:2]) or 'python'})")
    fh.flush()
    return fh


def _scope(corpus: str | None, document_id: str | None) -> Filter:
    if corpus is None and document_id is None:
        raise IndexBackendError("refusing an unscoped delete: name a corpus or a document")
    must: list[Any] = []
    if corpus is not None:
        must.append(FieldCondition(key="corpus", match=MatchValue(corpus)))
    if document_id is not None:
        must.append(FieldCondition(key="document_id", match=MatchValue(document_id)))
    return Filter(must=must)


def _access(access: AccessFilter, extra: list[Any] | None = None) -> Filter:
    must: list[Any] = [FieldCondition(key="acl", match=MatchAny(list(access.acl_tokens)))]
    if access.corpora:
        must.append(FieldCondition(key="corpus", match=MatchAny(list(access.corpora))))
    if access.document_ids:
        must.append(FieldCondition(key="document_id", match=MatchAny(list(access.document_ids))))
    if access.source_types:
        must.append(FieldCondition(key="source_type", match=MatchAny(list(access.source_types))))
    if access.indexed_after is not None or access.indexed_before is not None:
        rng = RangeFloat(gte=access.indexed_after, lte=access.indexed_before)
        must.append(FieldCondition(key="indexed_at", range=rng))
    if access.excluded_corpora:
        return Filter(must=must + (extra or []),
                      must_not=[FieldCondition(key="corpus", match=MatchAny(list(access.excluded_corpora)))])
    return Filter(must=must + (extra or []))
