"""The access filter: built here and only here, and required by every index read.

Each backend translates an AccessFilter into its own Qdrant filter and applies it *inside* the search
(both legs), never after the top-k. An AccessFilter can only be made by `access_filter`, from a
principal, so no code path reaches the index without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kernel.types import Principal

_TOKEN = object()


@dataclass(frozen=True)
class AccessFilter:
    acl_tokens: tuple[str, ...]
    corpora: tuple[str, ...] | None = None
    document_ids: tuple[str, ...] | None = None
    source_types: tuple[str, ...] | None = None
    indexed_after: float | None = None
    indexed_before: float | None = None
    excluded_corpora: tuple[str, ...] | None = None  # switched off by an operator
    _made_by: object = None

    def __post_init__(self) -> None:
        if self._made_by is not _TOKEN:
            raise TypeError("use index.access.access_filter() to build an AccessFilter")
        if not self.acl_tokens:
            raise ValueError("an access filter needs at least one ACL token")


def access_filter(
    principal: Principal,
    *,
    corpora: list[str] | None = None,
    document_ids: list[str] | None = None,
    source_types: list[str] | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    excluded_corpora: list[str] | None = None,
) -> AccessFilter:
    return AccessFilter(
        acl_tokens=tuple(principal.tokens()),
        corpora=tuple(corpora) if corpora else None,
        document_ids=tuple(document_ids) if document_ids else None,
        source_types=tuple(source_types) if source_types else None,
        indexed_after=after.timestamp() if after else None,
        indexed_before=before.timestamp() if before else None,
        excluded_corpora=tuple(excluded_corpora) if excluded_corpora else None,
        _made_by=_TOKEN,
    )
