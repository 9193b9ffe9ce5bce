"""The database every owner's tables live in: engine, short sessions, UTC times, and the schema's migrations.

SQLite by default, PostgreSQL by URL. The vector index can be rebuilt from the sources plus this database;
the database never depends on the index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, TypeDecorator, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kernel.errors import NotFoundError

R = TypeVar("R", bound="Base")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
BASELINE = "0001"


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


def required(s: Session, row_type: type[R], key: Any, missing: str) -> R:
    """The row with this primary key, or NotFoundError with the caller's words."""
    row = s.get(row_type, key)
    if row is None:
        raise NotFoundError(missing)
    return row


class Database:
    """One engine per process; sessions are short and commit on leaving."""

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
