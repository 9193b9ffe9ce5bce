"""The agent's records: audit log, safety events, escalation tickets, answers and conversations.

Append-mostly: the agent writes them through its sinks; support staff and operators read them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    CursorResult,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.store.base import Base, Database, UtcDateTime, required, utcnow


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
    profile: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)


class ConversationRow(Base):
    __tablename__ = "conversations"
    # Ids are per user: another user's id is simply a different conversation (no oracle, no squatting).
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(320), primary_key=True)
    turns: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


@dataclass(frozen=True)
class RetentionCutoffs:
    """Rows older than these go at the next purge; None keeps that kind forever."""

    answers: datetime | None
    audit: datetime | None
    conversations: datetime | None
    tickets: datetime | None

    @classmethod
    def days_ago(cls, now: datetime, *, answers: int, audit: int, conversations: int, tickets: int
                 ) -> RetentionCutoffs:
        def ago(days: int) -> datetime | None:
            return now - timedelta(days=days) if days else None
        return cls(ago(answers), ago(audit), ago(conversations), ago(tickets))


class Records:
    """Typed access to the agent's records."""

    def __init__(self, db: Database) -> None:
        self.session = db.session

    # audit and safety
    def add_audit(self, *, trace_id: str, user_id: str, role: str, tool: str, origin: str,
                  arguments: dict[str, Any], decision: str, reason: str = "", latency_ms: float = 0.0,
                  outcome: str = "") -> None:
        with self.session() as s:
            s.add(AuditRow(trace_id=trace_id, user_id=user_id, role=role, tool=tool, origin=origin,
                           arguments=arguments, decision=decision, reason=reason, latency_ms=latency_ms,
                           outcome=outcome))

    def add_admin_audit(self, user_id: str, role: str, action: str, target: dict[str, Any], origin: str,
                        decision: str = "allowed", reason: str = "") -> None:
        """A corpus, document or key administration, in the same log as the agent's tool calls."""
        self.add_audit(trace_id=uuid.uuid4().hex, user_id=user_id, role=role, tool=action, origin=origin,
                       arguments=target, decision=decision, reason=reason,
                       outcome="ok" if decision == "allowed" else decision)

    def audit(self, *, trace_id: str | None = None, user_id: str | None = None, tool: str | None = None,
              decision: str | None = None, since: datetime | None = None, limit: int = 1000,
              after: int | None = None) -> list[AuditRow]:
        with self.session() as s:
            q = select(AuditRow).where(*given(
                (after, lambda: AuditRow.id > after), (trace_id, lambda: AuditRow.trace_id == trace_id),
                (user_id, lambda: AuditRow.user_id == user_id), (tool, lambda: AuditRow.tool == tool),
                (decision, lambda: AuditRow.decision == decision), (since, lambda: AuditRow.at >= since)))
            return list(s.scalars(q.order_by(AuditRow.id).limit(limit)))

    def add_safety_event(self, *, trace_id: str, user_id: str, kind: str, detail: str = "",
                         chunk_id: str | None = None, document_id: str | None = None) -> None:
        with self.session() as s:
            s.add(SafetyEventRow(trace_id=trace_id, user_id=user_id, kind=kind, detail=detail, chunk_id=chunk_id,
                                 document_id=document_id))

    def safety_events(self, trace_id: str | None = None, since: datetime | None = None) -> list[SafetyEventRow]:
        with self.session() as s:
            q = select(SafetyEventRow)
            if trace_id is not None:
                q = q.where(SafetyEventRow.trace_id == trace_id)
            if since is not None:
                q = q.where(SafetyEventRow.at >= since)
            return list(s.scalars(q.order_by(SafetyEventRow.id)))

    # tickets
    def create_ticket(self, key: str, user_id: str, *, question: str, trace_id: str, answer: str = "",
                      reason: str = "", trace: Sequence[dict[str, Any]] = ()) -> tuple[TicketRow, bool]:
        """Idempotent by (user, key): the same user's same key returns the first ticket and False. Keys are
        scoped per user, so one user's key can neither fetch nor swallow another user's ticket."""
        with self.session() as s:
            found = s.scalars(select(TicketRow).where(TicketRow.idempotency_key == key,
                                                      TicketRow.user_id == user_id)).first()
            if found is not None:
                return found, False
            row = TicketRow(id=uuid.uuid4().hex, idempotency_key=key, user_id=user_id, question=question,
                            answer=answer, reason=reason, trace_id=trace_id, trace=list(trace))
            s.add(row)
            return row, True

    def tickets(self, status: str | None = None, after: str | None = None,
                limit: int | None = None, since: datetime | None = None) -> list[TicketRow]:
        """Newest first; `after` a ticket id continues a listing past that ticket."""
        with self.session() as s:
            q = select(TicketRow).where(*given(
                (status, lambda: TicketRow.status == status), (after, lambda: _older_than(TicketRow, str(after))),
                (since, lambda: TicketRow.at >= since)))
            return list(s.scalars(q.order_by(TicketRow.at.desc(), TicketRow.id.desc()).limit(limit)))

    def get_ticket(self, ticket_id: str) -> TicketRow | None:
        with self.session() as s:
            return s.get(TicketRow, ticket_id)

    def update_ticket(self, ticket_id: str, *, status: str | None = None, assignee: str | None = None,
                      comments: Sequence[dict[str, Any]] | None = None) -> TicketRow:
        """Change what is given; None leaves a field as it is."""
        with self.session() as s:
            row = required(s, TicketRow, ticket_id, "ticket not found")
            given = {"status": status, "assignee": assignee, "comments": None if comments is None else list(comments)}
            for key, value in given.items():
                if value is not None:
                    setattr(row, key, value)
            return row

    # answers and conversations
    def save_answer(self, answer_id: str, *, user_id: str, groups: Sequence[str], question: str, abstained: bool,
                    body: dict[str, Any], trace_id: str, profile: int = 0) -> None:
        with self.session() as s:
            s.add(AnswerRow(id=answer_id, user_id=user_id, groups=list(groups), question=question,
                            abstained=abstained, body=body, trace_id=trace_id, profile=profile))

    def get_answer(self, answer_id: str) -> AnswerRow | None:
        with self.session() as s:
            return s.get(AnswerRow, answer_id)

    def answers(self, *, user_id: str | None = None, abstained: bool | None = None,
                since: datetime | None = None, limit: int = 100, after: str | None = None) -> list[AnswerRow]:
        """Newest first; `after` an answer id continues a listing past that answer."""
        with self.session() as s:
            q = select(AnswerRow).where(*given(
                (after, lambda: _older_than(AnswerRow, str(after))), (user_id, lambda: AnswerRow.user_id == user_id),
                (abstained, lambda: AnswerRow.abstained == abstained), (since, lambda: AnswerRow.at >= since)))
            return list(s.scalars(q.order_by(AnswerRow.at.desc(), AnswerRow.id.desc()).limit(limit)))

    def purge(self, cutoffs: RetentionCutoffs) -> dict[str, int]:
        """Delete what is older than its retention (None keeps it); how many rows of each kind went."""
        gone: dict[str, int] = {}
        with self.session() as s:
            for kind, table, age, extra in (
                ("answers", AnswerRow, AnswerRow.at, None),
                ("audit", AuditRow, AuditRow.at, None),
                ("safety_events", SafetyEventRow, SafetyEventRow.at, None),
                ("conversations", ConversationRow, ConversationRow.updated_at, None),
                ("tickets", TicketRow, TicketRow.at, TicketRow.status == "resolved"),
            ):
                cutoff = getattr(cutoffs, "audit" if kind == "safety_events" else kind)
                if cutoff is None:
                    continue
                q = delete(table).where(age < cutoff)
                done = cast("CursorResult[Any]", s.execute(q if extra is None else q.where(extra)))
                gone[kind] = done.rowcount
        return gone

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


def _older_than(row: type[AnswerRow] | type[TicketRow], row_id: str) -> ColumnElement[bool]:
    """Keyset for newest-first listings: rows after `row_id` in (at desc, id desc) order. The time is
    read from the row itself, so a cursor never carries (or round-trips) a timestamp."""
    at = select(row.at).where(row.id == row_id).scalar_subquery()
    return or_(row.at < at, and_(row.at == at, row.id < row_id))


def given(*filters: tuple[object, Callable[[], ColumnElement[bool]]]) -> list[ColumnElement[bool]]:
    """The conditions whose value was given (not None): a listing's optional filters."""
    return [condition() for value, condition in filters if value is not None]
