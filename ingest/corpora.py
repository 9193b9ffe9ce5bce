"""The catalogue of corpora: a manifest registered, a corpus taken out of search."""

from __future__ import annotations

from index.protocol import VectorIndex
from ingest.manifest import LoadedManifest
from kernel.store import Store
from kernel.store.catalogue import CorpusManifest


def register_corpus(loaded: LoadedManifest, store: Store) -> None:
    m = loaded.manifest
    store.catalogue.save_corpus(m.name, CorpusManifest(
        description=m.description, owner=m.owner, manifest_path=str(loaded.path),
        manifest=m.model_dump(mode="json"), approval_status=m.approval.status,
        approved_by=m.approval.by, approved_at=m.approval.at,
    ))


def remove_corpus(corpus: str, store: Store, index: VectorIndex, status: str = "revoked") -> int:
    """Take a corpus out of search: its points leave the index, its documents are marked."""
    docs = store.catalogue.documents(corpus)
    index.delete_where(corpus=corpus)
    index.flush()
    store.catalogue.mark_documents([d.id for d in docs if d.status != "deleted"], status)
    return len(docs)
