"""Taking content out of search, for every caller (API, CLI, ingest): revoke a corpus, delete a document."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from index.protocol import VectorIndex
from ingest.corpora import register_corpus, remove_corpus
from ingest.manifest import Approval, load_manifest, save_manifest
from kernel.store import Store


def revoke_corpus(name: str, by: str, store: Store, index: VectorIndex) -> int:
    """Revoke: the manifest records it, so no later ingest takes the corpus until someone approves it again,
    and nothing of it stays searchable. Returns how many documents left search."""
    row = store.catalogue.get_corpus(name)
    if row.manifest_path and Path(row.manifest_path).is_file():
        loaded = load_manifest(Path(row.manifest_path))
        approval = Approval(status="revoked", by=by, at=datetime.now(UTC))
        register_corpus(save_manifest(loaded.manifest.model_copy(update={"approval": approval}), loaded.path), store)
    else:
        store.catalogue.set_corpus_status(name, "revoked")
    return remove_corpus(name, store, index)


def delete_document(document_id: str, store: Store, index: VectorIndex) -> None:
    """A document's file is gone: its points leave the index and its row is marked (its text is purged)."""
    index.delete_where(document_id=document_id)
    index.flush()
    store.catalogue.mark_documents([document_id], "deleted")
