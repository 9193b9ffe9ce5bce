"""Open the configured backend: Qdrant Edge by default, a Qdrant server when CAIRN_QDRANT_URL is set."""

from __future__ import annotations

from index.protocol import VectorIndex
from kernel.settings import Settings


def open_index(settings: Settings, dim: int) -> VectorIndex:
    if settings.qdrant_url:
        from index.server import ServerIndex

        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        return ServerIndex(settings.qdrant_url, settings.collection, dim, key)
    from index.edge import EdgeIndex

    return EdgeIndex(settings.index_path, dim)
