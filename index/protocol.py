"""The contract every vector index backend fulfils (Qdrant Edge embedded, Qdrant server)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from index.reader import ReadableIndex

DENSE = "dense"
SPARSE = "bm25"


@dataclass(frozen=True)
class IndexPoint:
    """A point as written: chunk payload plus its dense and BM25 sparse vectors."""

    id: str
    dense: list[float]
    sparse_indices: list[int]
    sparse_values: list[float]
    payload: dict[str, object]


class VectorIndex(ReadableIndex, Protocol):
    """A backend as ingestion and operators use it: reads plus writes and housekeeping."""

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Write points in one operation; same id overwrites."""
        ...

    def delete_ids(self, ids: Sequence[str]) -> None: ...

    def delete_where(self, *, corpus: str | None = None, document_id: str | None = None) -> None:
        """Remove every point of a corpus or of a document (operator action, not a read)."""
        ...

    def point_ids(self, *, document_id: str) -> list[str]:
        """Ids of every point of one document, tombstones included (operator action)."""
        ...

    def count(self, *, corpus: str | None = None, document_id: str | None = None) -> int:
        """Live (non-tombstone) points, optionally of one corpus or document (operator action)."""
        ...

    def flush(self) -> None: ...

    def close(self) -> None: ...
