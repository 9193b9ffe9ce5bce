"""The scale-out backend: a Qdrant server or cluster through qdrant-client (or its local mode)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qdrant_client import QdrantClient, models

from index.access import AccessFilter
from index.protocol import DENSE, SPARSE, IndexPoint
from kernel.errors import IndexBackendError
from kernel.types import Chunk, Hit

KEYWORD_FIELDS = ("acl", "corpus", "document_id", "source_type")


class ServerIndex:
    """`location` is a URL, a local-mode path, or ':memory:' (local mode is a reference, not production)."""

    def __init__(self, location: str, collection: str, dim: int, api_key: str | None = None) -> None:
        if location.startswith(("http://", "https://")):
            self._client = QdrantClient(url=location, api_key=api_key)
        elif location == ":memory:":
            self._client = QdrantClient(location=":memory:")
        else:
            self._client = QdrantClient(path=location)
        self._name = collection
        try:
            if not self._client.collection_exists(collection):
                self._client.create_collection(
                    collection,
                    vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
                    sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                )
                if location.startswith(("http://", "https://")):
                    for name in KEYWORD_FIELDS:
                        self._client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)
                    self._client.create_payload_index(collection, "indexed_at", models.PayloadSchemaType.FLOAT)
        except Exception as exc:
            raise IndexBackendError(f"cannot reach Qdrant at {location}: {exc}") from exc

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        batch = [
            models.PointStruct(
                id=p.id,
                vector={
                    DENSE: list(p.dense),
                    SPARSE: models.SparseVector(indices=list(p.sparse_indices), values=list(p.sparse_values)),
                },
                payload=p.payload,
            )
            for p in points
        ]
        self._client.upsert(self._name, points=batch, wait=True)

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            self._client.delete(self._name, points_selector=models.PointIdsList(points=list(ids)), wait=True)

    def delete_where(self, *, corpus: str | None = None, document_id: str | None = None) -> None:
        self._client.delete(
            self._name, points_selector=models.FilterSelector(filter=_scope(corpus, document_id)), wait=True
        )

    def point_ids(self, *, document_id: str) -> list[str]:
        ids: list[str] = []
        offset: Any = None
        while True:
            records, offset = self._client.scroll(
                self._name, scroll_filter=_scope(None, document_id), limit=1000, offset=offset,
                with_payload=False,
            )
            ids += [str(r.id) for r in records]
            if offset is None:
                return ids

    def count(self, *, corpus: str | None = None, document_id: str | None = None) -> int:
        must: list[Any] = []
        if corpus is not None:
            must.append(models.FieldCondition(key="corpus", match=models.MatchValue(value=corpus)))
        if document_id is not None:
            must.append(models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id)))
        not_tomb = [models.IsEmptyCondition(is_empty=models.PayloadField(key="acl"))]
        flt = models.Filter(must=must or None, must_not=not_tomb)
        return int(self._client.count(self._name, count_filter=flt, exact=True).count)

    def search_dense(
        self, vector: Sequence[float], access: AccessFilter, limit: int, exact: bool = False
    ) -> list[Hit]:
        return self._query(list(vector), DENSE, access, limit, exact)

    def search_sparse(
        self, indices: Sequence[int], values: Sequence[float], access: AccessFilter, limit: int,
        exact: bool = False,
    ) -> list[Hit]:
        if not indices:
            return []
        vec = models.SparseVector(indices=list(indices), values=list(values))
        return self._query(vec, SPARSE, access, limit, exact)

    def retrieve(self, ids: Sequence[str], access: AccessFilter) -> list[Hit]:
        if not ids:
            return []
        flt = _access(access, extra=[models.HasIdCondition(has_id=list(ids))])
        records, _ = self._client.scroll(self._name, scroll_filter=flt, limit=len(ids), with_payload=True)
        return [Hit(Chunk.from_payload(dict(r.payload or {})), 1.0) for r in records]

    def _query(self, query: Any, using: str, access: AccessFilter, limit: int, exact: bool) -> list[Hit]:
        res = self._client.query_points(
            self._name, query=query, using=using, query_filter=_access(access), limit=limit,
            with_payload=True, search_params=models.SearchParams(exact=exact),
        )
        return [Hit(Chunk.from_payload(dict(p.payload or {})), float(p.score)) for p in res.points]

    def flush(self) -> None:
        """The server persists on its own; nothing to do."""

    def close(self) -> None:
        self._client.close()


def _scope(corpus: str | None, document_id: str | None) -> models.Filter:
    if corpus is None and document_id is None:
        raise IndexBackendError("refusing an unscoped delete: name a corpus or a document")
    must: list[Any] = []
    if corpus is not None:
        must.append(models.FieldCondition(key="corpus", match=models.MatchValue(value=corpus)))
    if document_id is not None:
        must.append(models.FieldCondition(key="document_id", match=models.MatchValue(value=document_id)))
    return models.Filter(must=must)


def _access(access: AccessFilter, extra: list[Any] | None = None) -> models.Filter:
    must: list[Any] = [models.FieldCondition(key="acl", match=models.MatchAny(any=list(access.acl_tokens)))]
    if access.corpora:
        must.append(models.FieldCondition(key="corpus", match=models.MatchAny(any=list(access.corpora))))
    if access.document_ids:
        must.append(models.FieldCondition(key="document_id", match=models.MatchAny(any=list(access.document_ids))))
    if access.source_types:
        must.append(models.FieldCondition(key="source_type", match=models.MatchAny(any=list(access.source_types))))
    if access.indexed_after is not None or access.indexed_before is not None:
        rng = models.Range(gte=access.indexed_after, lte=access.indexed_before)
        must.append(models.FieldCondition(key="indexed_at", range=rng))
    excluded = [models.FieldCondition(key="corpus", match=models.MatchAny(any=list(access.excluded_corpora)))
                ] if access.excluded_corpora else None
    return models.Filter(must=must + (extra or []), must_not=excluded)


