"""The read port of an index: what search and the agent are given, so they cannot write by type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from index.access import AccessFilter
from kernel.types import Hit


class ReadableIndex(Protocol):
    """What search and the agent may do with an index: read it, always through an access filter."""

    def search_dense(
        self, vector: Sequence[float], access: AccessFilter, limit: int, exact: bool = False
    ) -> list[Hit]: ...

    def search_sparse(
        self, indices: Sequence[int], values: Sequence[float], access: AccessFilter, limit: int,
        exact: bool = False,
    ) -> list[Hit]: ...

    def retrieve(self, ids: Sequence[str], access: AccessFilter) -> list[Hit]:
        """Points by id, only those the access filter admits."""
        ...
