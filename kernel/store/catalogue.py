"""The ingest catalogue: corpora, documents, chunks, the embedding cache, jobs and write intents.

Ingestion owns these tables; the agent and the API read them through narrower ports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from kernel.store.base import Base, Database, UtcDateTime, required, utcnow


@dataclass(frozen=True)
class CorpusManifest:
    """What a corpus manifest says, as the catalogue keeps it."""

    description: str
    owner: str
    manifest_path: str
    manifest: dict[str, Any]
    approval_status: str
    approved_by: str | None
    approved_at: datetime | None


@dataclass(frozen=True)
class IndexedDocument:
    """A document as it was indexed: its source, version, ACL and extracted text."""

    corpus: str
    source_uri: str
    source_type: str
    title: str
    content_hash: str
    version: int
    acl: Sequence[str]
    text: str
    pages: Sequence[Sequence[int]]


class CorpusRow(Base):
    __tablename__ = "corpora"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(320), default="")
    manifest_path: Mapped[str] = mapped_column(Text, default="")
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approval_status: Mapped[str] = mapped_column(String(20), default="pending")
    approved_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Who registered the corpus through the API (may change it) and who made its last ACL/source change
    # (may not approve it: four eyes). Empty for corpora whose manifest lives in a repository.
    created_by: Mapped[str] = mapped_column(String(320), default="")
    changed_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    corpus: Mapped[str] = mapped_column(ForeignKey("corpora.name"), index=True)
    source_uri: Mapped[str] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    acl: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    # [offset, page] where each page begins in `text` (paged sources only): a citation's page is its span's.
    pages: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    indexed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class ChunkRow(Base):
    __tablename__ = "chunks"
    chunk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    heading_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)


class EmbeddingRow(Base):
    __tablename__ = "embedding_cache"
    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    corpus: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    runner: Mapped[str] = mapped_column(String(200), default="")  # host:pid of the process running it


class IntentRow(Base):
    """A document whose new chunks are being written to the index but not yet committed here. A crash in
    between leaves the row behind, and start-up takes those points out again (see ingest.recovery)."""

    __tablename__ = "index_intents"
    document_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    runner: Mapped[str] = mapped_column(String(200), default="")  # host:pid of the writing process


class Catalogue:
    """Typed access to the ingest tables."""

    def __init__(self, db: Database) -> None:
        self.session = db.session

    # corpora
    def save_corpus(self, name: str, manifest: CorpusManifest) -> CorpusRow:
        """Register a corpus, or bring it up to date with its manifest."""
        with self.session() as s:
            row = s.get(CorpusRow, name) or CorpusRow(name=name)
            row.description, row.owner = manifest.description, manifest.owner
            row.manifest_path, row.manifest = manifest.manifest_path, manifest.manifest
            row.approval_status, row.approved_by = manifest.approval_status, manifest.approved_by
            row.approved_at = manifest.approved_at
            s.add(row)
            return row

    def set_corpus_status(self, name: str, approval_status: str) -> None:
        with self.session() as s:
            row = required(s, CorpusRow, name, f"corpus {name!r} is not registered")
            row.approval_status = approval_status

    def set_corpus_authors(self, name: str, created_by: str, changed_by: str | None) -> None:
        """Who registered a corpus through the API, and who made its last ACL or source change (if any)."""
        with self.session() as s:
            row = required(s, CorpusRow, name, f"corpus {name!r} is not registered")
            row.created_by = created_by
            if changed_by is not None:
                row.changed_by = changed_by

    def get_corpus(self, name: str) -> CorpusRow:
        with self.session() as s:
            row = required(s, CorpusRow, name, f"corpus {name!r} is not registered")
            return row

    def find_corpus(self, name: str) -> CorpusRow | None:
        with self.session() as s:
            return s.get(CorpusRow, name)

    def list_corpora(self, after: str | None = None, limit: int | None = None) -> list[CorpusRow]:
        """By name; `after` a name continues a listing (keyset pages)."""
        with self.session() as s:
            q = select(CorpusRow)
            if after is not None:
                q = q.where(CorpusRow.name > after)
            return list(s.scalars(q.order_by(CorpusRow.name).limit(limit)))

    # documents
    def get_document(self, document_id: str) -> DocumentRow | None:
        with self.session() as s:
            return s.get(DocumentRow, document_id)

    def document_pages(self, document_id: str) -> list[list[int]]:
        """Where each page of a document begins, without loading its text."""
        with self.session() as s:
            return list(s.scalar(select(DocumentRow.pages).where(DocumentRow.id == document_id)) or [])

    def documents(self, corpus: str, statuses: Sequence[str] | None = None, after: str | None = None,
                  limit: int | None = None) -> list[DocumentRow]:
        with self.session() as s:
            q = select(DocumentRow).where(DocumentRow.corpus == corpus)
            if statuses is not None:
                q = q.where(DocumentRow.status.in_(statuses))
            if after is not None:
                q = q.where(DocumentRow.id > after)
            return list(s.scalars(q.order_by(DocumentRow.id).limit(limit)))

    def queue_document(self, document_id: str, corpus: str, source_uri: str, source_type: str,
                       acl: Sequence[str]) -> None:
        """A document about to be (re)processed: registered if new, in any case queued."""
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            if row is None:
                row = DocumentRow(id=document_id, corpus=corpus, source_uri=source_uri, source_type=source_type,
                                  acl=list(acl))
                s.add(row)
            row.status = "queued"

    def forget_fingerprints(self, ids: Sequence[str]) -> None:
        """The next ingest processes these documents again, whatever their content."""
        with self.session() as s:
            s.execute(update(DocumentRow).where(DocumentRow.id.in_(list(ids))).values(content_hash=""))

    def record_indexed(self, document_id: str, chunks: Sequence[ChunkRow], doc: IndexedDocument) -> None:
        """Replace a document's chunk rows and mark it indexed, in one transaction."""
        with self.session() as s:
            s.execute(delete(ChunkRow).where(ChunkRow.document_id == document_id))
            row = s.get(DocumentRow, document_id) or DocumentRow(id=document_id)
            row.corpus, row.source_uri, row.source_type = doc.corpus, doc.source_uri, doc.source_type
            row.title, row.content_hash, row.version = doc.title, doc.content_hash, doc.version
            row.acl, row.text, row.pages = list(doc.acl), doc.text, [list(p) for p in doc.pages]
            row.attempts = 0
            row.status = "indexed"
            row.error = None
            row.chunk_count = len(chunks)
            row.indexed_at = utcnow()
            s.add(row)
            s.flush()
            s.add_all(ChunkRow(chunk_id=c.chunk_id, document_id=document_id, ordinal=c.ordinal, start=c.start,
                               end=c.end, content_hash=c.content_hash, heading_path=c.heading_path, page=c.page)
                      for c in chunks)

    def mark_documents(self, ids: Sequence[str], status: str, error: str | None = None) -> None:
        if not ids:
            return
        with self.session() as s:
            s.execute(
                update(DocumentRow).where(DocumentRow.id.in_(ids)).values(status=status, error=error)
            )
            if status in ("deleted", "revoked", "failed"):
                s.execute(delete(ChunkRow).where(ChunkRow.document_id.in_(ids)))
                s.execute(update(DocumentRow).where(DocumentRow.id.in_(ids)).values(chunk_count=0))
            if status in ("deleted", "revoked"):
                # What was taken out of search does not stay readable in the database either.
                s.execute(update(DocumentRow).where(DocumentRow.id.in_(ids)).values(text="", title="", pages=[]))

    def record_failure(self, document_id: str, error: str, fingerprint: str) -> None:
        """Attempts count failures of the same content; new content starts counting again."""
        with self.session() as s:
            row = s.get(DocumentRow, document_id)
            if row is None:
                return
            row.attempts = row.attempts + 1 if row.content_hash == fingerprint else 1
            row.status = "failed"
            row.error = error
            row.content_hash = fingerprint

    def chunk_rows(self, document_id: str) -> list[ChunkRow]:
        with self.session() as s:
            q = select(ChunkRow).where(ChunkRow.document_id == document_id).order_by(ChunkRow.ordinal)
            return list(s.scalars(q))

    def get_chunk_row(self, chunk_id: str) -> ChunkRow | None:
        with self.session() as s:
            return s.get(ChunkRow, chunk_id)

    def count_chunks(self, corpus: str | None = None) -> int:
        with self.session() as s:
            q = select(func.count()).select_from(ChunkRow)
            if corpus is not None:
                q = q.join(DocumentRow, DocumentRow.id == ChunkRow.document_id).where(
                    DocumentRow.corpus == corpus
                )
            return int(s.scalar(q) or 0)

    # embedding cache
    def cached_embeddings(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self.session() as s:
            for i in range(0, len(unique), 500):
                q = select(EmbeddingRow).where(
                    EmbeddingRow.model == model, EmbeddingRow.content_hash.in_(unique[i : i + 500])
                )
                for row in s.scalars(q):
                    out[row.content_hash] = np.frombuffer(row.vector, dtype=np.float32)
        return out

    def cache_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        # A worker may cache the same text at the same moment: the same vector is there either way.
        with contextlib.suppress(IntegrityError):
            self._cache_embeddings(model, vectors)

    def _cache_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors:
            return
        with self.session() as s:
            known = set(
                s.scalars(
                    select(EmbeddingRow.content_hash).where(
                        EmbeddingRow.model == model, EmbeddingRow.content_hash.in_(list(vectors))
                    )
                )
            )
            s.add_all(
                EmbeddingRow(model=model, content_hash=h, vector=v.astype(np.float32).tobytes())
                for h, v in vectors.items()
                if h not in known
            )

    # jobs
    def create_job(self, job_id: str, corpus: str, total: int = 0, status: str = "queued") -> None:
        with self.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                s.add(JobRow(id=job_id, corpus=corpus, status=status, total=total))
            else:
                row.status, row.total = status, total

    def update_job(self, job_id: str, *, status: str | None = None, done: int | None = None,
                   total: int | None = None, error: str | None = None, summary: dict[str, Any] | None = None,
                   finished_at: datetime | None = None, runner: str | None = None) -> None:
        """Change what is given; None leaves a field as it is."""
        with self.session() as s:
            row = required(s, JobRow, job_id, f"job {job_id!r} not found")
            given = {"status": status, "done": done, "total": total, "error": error, "summary": summary,
                     "finished_at": finished_at, "runner": runner}
            for key, value in given.items():
                if value is not None:
                    setattr(row, key, value)

    def running_jobs(self) -> list[JobRow]:
        with self.session() as s:
            return list(s.scalars(select(JobRow).where(JobRow.status.in_(["running", "queued"]))))

    # write intents (index written, store not yet)
    def add_intents(self, document_ids: Sequence[str], runner: str) -> None:
        with self.session() as s:
            s.execute(delete(IntentRow).where(IntentRow.document_id.in_(list(document_ids))))
            s.add_all(IntentRow(document_id=d, runner=runner) for d in document_ids)

    def clear_intents(self, document_ids: Sequence[str]) -> None:
        with self.session() as s:
            s.execute(delete(IntentRow).where(IntentRow.document_id.in_(list(document_ids))))

    def intents(self) -> list[tuple[str, str]]:
        """(document id, runner) of every write intent left in the store."""
        with self.session() as s:
            return [(r.document_id, r.runner) for r in s.scalars(select(IntentRow))]

    def get_job(self, job_id: str) -> JobRow:
        with self.session() as s:
            row = required(s, JobRow, job_id, f"job {job_id!r} not found")
            return row
