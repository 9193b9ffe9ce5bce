"""Access records: API keys, console sessions (only their ids' hashes) and idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, CursorResult, Integer, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from kernel.store.base import Base, Database, UtcDateTime, utcnow


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


class AccessStore:
    """Typed access to keys, sessions and idempotency claims."""

    def __init__(self, db: Database) -> None:
        self.session = db.session

    # API keys and idempotency
    def add_api_key(self, key_id: str, *, secret_hash: str, name: str, user_id: str, groups: Sequence[str],
                    role: str) -> ApiKeyRow:
        with self.session() as s:
            row = ApiKeyRow(id=key_id, secret_hash=secret_hash, name=name, user_id=user_id, groups=list(groups),
                            role=role)
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
    def add_console_session(self, id_hash: str, *, user_id: str, groups: Sequence[str], role: str, csrf: str,
                            expires_at: datetime, key_id: str) -> None:
        with self.session() as s:
            s.add(ConsoleSessionRow(id_hash=id_hash, user_id=user_id, groups=list(groups), role=role, csrf=csrf,
                                    expires_at=expires_at, key_id=key_id))

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

    def purge_expired(self, idempotency_before: datetime) -> dict[str, int]:
        """Console sessions past their expiry and idempotency keys older than their keep time."""
        with self.session() as s:
            sessions = cast("CursorResult[Any]", s.execute(
                delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at <= utcnow())))
            keys = cast("CursorResult[Any]", s.execute(
                delete(IdempotencyRow).where(IdempotencyRow.created_at < idempotency_before)))
            return {"console_sessions": sessions.rowcount, "idempotency_keys": keys.rowcount}
