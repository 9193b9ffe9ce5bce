"""The metadata store: the source of truth for corpora, documents, chunks and ingestion jobs.

SQLite by default, PostgreSQL by URL. The vector index can be rebuilt from the sources plus this store;
the store never depends on the index.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kernel.errors import NotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite keeps no zone and would hand back naive times)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:
            # 0001-01-01 east of UTC or 9999-12-31 west of it: the nearest representable instant.
            edge = datetime.min if value.year == 1 else datetime.max
            return edge.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


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


class AuditRow(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    trace_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(20))
    tool: Mapped[str] = mapped_column(String(100), index=True)
    origin: Mapped[str] = mapped_column(String(20))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[str] = mapped_column(String(30), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    outcome: Mapped[str] = mapped_column(String(30), default="")


class SafetyEventRow(Base):
    __tablename__ = "safety_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    trace_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    chunk_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_id: Mapped[str | None] = mapped_column(String(512), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


class TicketRow(Base):
    __tablename__ = "tickets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key", name="uq_tickets_user_key"),)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    user_id: Mapped[str] = mapped_column(String(320))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    trace_id: Mapped[str] = mapped_column(String(64))
    trace: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")
    assignee: Mapped[str | None] = mapped_column(String(320), nullable=True)
    comments: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AnswerRow(Base):
    __tablename__ = "answers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    user_id: Mapped[str] = mapped_column(String(320), index=True)
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    question: Mapped[str] = mapped_column(Text)
    abstained: Mapped[bool] = mapped_column(default=False)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trace_id: Mapped[str] = mapped_column(String(64))


class ConversationRow(Base):
    __tablename__ = "conversations"
    # Ids are per user: another user's id is simply a different conversation (no oracle, no squatting).
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(320), primary_key=True)
    turns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[str] = mapped_column(String(320))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class IdempotencyRow(Base):
    __tablename__ = "idempotency"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ConsoleSessionRow(Base):
    __tablename__ = "console_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(320))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str] = mapped_column(String(20))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The API key the session was opened with: revoking the key ends the session.
    key_id: Mapped[str] = mapped_column(String(32), default="")


class Store:
    """Typed access to the metadata tables. One instance per process; sessions are short."""

    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as s:
            yield s

    def close(self) -> None:
        self.engine.dispose()

    # corpora
    def upsert_corpus(self, name: str, **fields: Any) -> CorpusRow:
        with self.session() as s:
            row = s.get(CorpusRow, name) or CorpusRow(name=name)
            for key, value in fields.items():
                setattr(row, key, value)
            s.add(row)
            return row

    def get_corpus(self, name: str) -> CorpusRow:
        with self.session() as s:
            row = s.get(CorpusRow, name)
            if row is None:
                raise NotFoundError(f"corpus {name!r} is not registered")
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

    def upsert_document(self, document_id: str, **fields: Any) -> None:
        with self.session() as s:
            row = s.get(DocumentRow, document_id) or DocumentRow(id=document_id)
            for key, value in fields.items():
                setattr(row, key, value)
            s.add(row)

    def record_indexed(
        self, document_id: str, chunks: Sequence[ChunkRow], fields: dict[str, Any]
    ) -> None:
        """Replace a document's chunk rows and mark it indexed, in one transaction."""
        with self.session() as s:
            s.execute(delete(ChunkRow).where(ChunkRow.document_id == document_id))
            row = s.get(DocumentRow, document_id) or DocumentRow(id=document_id)
            for key, value in fields.items():
                setattr(row, key, value)
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
        import contextlib

        from sqlalchemy.exc import IntegrityError

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

    def update_job(self, job_id: str, **fields: Any) -> None:
        with self.session() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"job {job_id!r} not found")
            for key, value in fields.items():
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
            row = s.get(JobRow, job_id)
            if row is None:
                raise NotFoundError(f"job {job_id!r} not found")
            return row


    # audit and safety
    def add_audit(self, **fields: Any) -> None:
        with self.session() as s:
            s.add(AuditRow(**fields))

    def add_admin_audit(self, user_id: str, role: str, action: str, target: dict[str, Any], origin: str,
                        decision: str = "allowed", reason: str = "") -> None:
        """A corpus, document or key administration, in the same log as the agent's tool calls."""
        import uuid as _uuid

        self.add_audit(trace_id=_uuid.uuid4().hex, user_id=user_id, role=role, tool=action, origin=origin,
                       arguments=target, decision=decision, reason=reason,
                       outcome="ok" if decision == "allowed" else decision)

    def audit(self, *, trace_id: str | None = None, user_id: str | None = None, tool: str | None = None,
              decision: str | None = None, since: datetime | None = None, limit: int = 1000,
              after: int | None = None) -> list[AuditRow]:
        with self.session() as s:
            q = select(AuditRow)
            if after is not None:
                q = q.where(AuditRow.id > after)
            if trace_id is not None:
                q = q.where(AuditRow.trace_id == trace_id)
            if user_id is not None:
                q = q.where(AuditRow.user_id == user_id)
            if tool is not None:
                q = q.where(AuditRow.tool == tool)
            if decision is not None:
                q = q.where(AuditRow.decision == decision)
            if since is not None:
                q = q.where(AuditRow.at >= since)
            return list(s.scalars(q.order_by(AuditRow.id).limit(limit)))

    def add_safety_event(self, **fields: Any) -> None:
        with self.session() as s:
            s.add(SafetyEventRow(**fields))

    def safety_events(self, trace_id: str | None = None) -> list[SafetyEventRow]:
        with self.session() as s:
            q = select(SafetyEventRow)
            if trace_id is not None:
                q = q.where(SafetyEventRow.trace_id == trace_id)
            return list(s.scalars(q.order_by(SafetyEventRow.id)))

    # tickets
    def create_ticket(self, key: str, user_id: str, **fields: Any) -> tuple[TicketRow, bool]:
        """Idempotent by (user, key): the same user's same key returns the first ticket and False. Keys are
        scoped per user, so one user's key can neither fetch nor swallow another user's ticket."""
        import uuid as _uuid

        with self.session() as s:
            found = s.scalars(select(TicketRow).where(TicketRow.idempotency_key == key,
                                                      TicketRow.user_id == user_id)).first()
            if found is not None:
                return found, False
            row = TicketRow(id=_uuid.uuid4().hex, idempotency_key=key, user_id=user_id, **fields)
            s.add(row)
            return row, True

    def tickets(self, status: str | None = None, after: str | None = None,
                limit: int | None = None) -> list[TicketRow]:
        """Newest first; `after` a ticket id continues a listing past that ticket."""
        with self.session() as s:
            q = select(TicketRow)
            if status is not None:
                q = q.where(TicketRow.status == status)
            if after is not None:
                q = q.where(_older_than(TicketRow, after))
            return list(s.scalars(q.order_by(TicketRow.at.desc(), TicketRow.id.desc()).limit(limit)))

    def get_ticket(self, ticket_id: str) -> TicketRow | None:
        with self.session() as s:
            return s.get(TicketRow, ticket_id)

    def update_ticket(self, ticket_id: str, **fields: Any) -> TicketRow:
        with self.session() as s:
            row = s.get(TicketRow, ticket_id)
            if row is None:
                raise NotFoundError("ticket not found")
            for key, value in fields.items():
                setattr(row, key, value)
            return row

    # answers and conversations
    def save_answer(self, **fields: Any) -> None:
        with self.session() as s:
            s.add(AnswerRow(**fields))

    def get_answer(self, answer_id: str) -> AnswerRow | None:
        with self.session() as s:
            return s.get(AnswerRow, answer_id)

    def answers(self, *, user_id: str | None = None, abstained: bool | None = None,
                since: datetime | None = None, limit: int = 100, after: str | None = None) -> list[AnswerRow]:
        """Newest first; `after` an answer id continues a listing past that answer."""
        with self.session() as s:
            q = select(AnswerRow)
            if after is not None:
                q = q.where(_older_than(AnswerRow, after))
            if user_id is not None:
                q = q.where(AnswerRow.user_id == user_id)
            if abstained is not None:
                q = q.where(AnswerRow.abstained == abstained)
            if since is not None:
                q = q.where(AnswerRow.at >= since)
            return list(s.scalars(q.order_by(AnswerRow.at.desc(), AnswerRow.id.desc()).limit(limit)))

    def conversation(self, conversation_id: str, user_id: str) -> list[Any]:
        with self.session() as s:
            row = s.get(ConversationRow, (conversation_id, user_id))
            return list(row.turns) if row is not None else []

    def append_turn(self, conversation_id: str, user_id: str, turn: dict[str, Any], keep: int) -> None:
        with self.session() as s:
            row = s.get(ConversationRow, (conversation_id, user_id))
            if row is None:
                row = ConversationRow(id=conversation_id, user_id=user_id, turns=[])
                s.add(row)
            row.turns = [*row.turns, turn][-keep:]


    # API keys and idempotency
    def add_api_key(self, **fields: Any) -> ApiKeyRow:
        with self.session() as s:
            row = ApiKeyRow(**fields)
            s.add(row)
            return row

    def get_api_key(self, key_id: str) -> ApiKeyRow | None:
        with self.session() as s:
            return s.get(ApiKeyRow, key_id)

    def api_keys(self) -> list[ApiKeyRow]:
        with self.session() as s:
            return list(s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))

    def revoke_api_key(self, key_id: str) -> bool:
        with self.session() as s:
            row = s.get(ApiKeyRow, key_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True

    def claim_idempotency(self, key: str, fingerprint: str, ttl_s: float, in_flight_s: float
                          ) -> IdempotencyRow | None:
        """Claim a key for a request about to run (None), or return the row that already holds it: a
        finished response, or one still in flight (status 0). Expired keys, and claims older than
        `in_flight_s` that never finished (their process died), are claimed afresh."""
        from sqlalchemy.exc import IntegrityError

        for _ in range(2):
            with self.session() as s:
                row = s.get(IdempotencyRow, key)
                keep_s = in_flight_s if row is not None and row.status == 0 else ttl_s
                if row is not None and row.created_at > utcnow() - timedelta(seconds=keep_s):
                    return row
                if row is not None:
                    s.delete(row)
            try:
                with self.session() as s:
                    s.add(IdempotencyRow(key=key, fingerprint=fingerprint, status=0, body={}))
                return None
            except IntegrityError:
                continue  # another request claimed it between our read and write: read theirs
        with self.session() as s:
            return s.get(IdempotencyRow, key)

    def finish_idempotency(self, key: str, status: int, body: dict[str, Any]) -> None:
        with self.session() as s:
            s.execute(update(IdempotencyRow).where(IdempotencyRow.key == key).values(status=status, body=body))

    def release_idempotency(self, key: str) -> None:
        """The claimed request failed: a retry with the same key may run it again."""
        with self.session() as s:
            s.execute(delete(IdempotencyRow).where(IdempotencyRow.key == key, IdempotencyRow.status == 0))

    # console sessions (the cookie carries a random id; only its hash is stored)
    def add_console_session(self, **fields: Any) -> None:
        with self.session() as s:
            s.add(ConsoleSessionRow(**fields))

    def console_session(self, id_hash: str) -> ConsoleSessionRow | None:
        with self.session() as s:
            row = s.get(ConsoleSessionRow, id_hash)
            if row is not None and row.expires_at <= utcnow():
                s.delete(row)
                return None
            return row

    def end_console_session(self, id_hash: str) -> None:
        with self.session() as s:
            s.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.id_hash == id_hash))


MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (kernel/migrations). A database that `create_all` made
    before migrations existed is the baseline revision; an empty one is built from the first revision."""
    from alembic import command
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect, text

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several processes may start at once: one migrates, the others wait and find it done.
            conn.execute(text("SELECT pg_advisory_xact_lock(74100216)"))
        tables = set(inspect(conn).get_table_names())
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        current = MigrationContext.configure(conn).get_current_revision()
        if current is None and tables & set(Base.metadata.tables):
            command.stamp(cfg, BASELINE)
        command.upgrade(cfg, "head")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets a reader (search, API) proceed while ingestion writes; the busy timeout absorbs
    # short write contention between processes instead of failing with "database is locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()



def _older_than(row: type[AnswerRow] | type[TicketRow], row_id: str) -> ColumnElement[bool]:
    """Keyset for newest-first listings: rows after `row_id` in (at desc, id desc) order. The time is
    read from the row itself, so a cursor never carries (or round-trips) a timestamp."""
    at = select(row.at).where(row.id == row_id).scalar_subquery()
    return or_(row.at < at, and_(row.at == at, row.id < row_id))
