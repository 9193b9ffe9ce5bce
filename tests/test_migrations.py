"""The schema has a path: Alembic migrations from the session-5 baseline to head, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

# The switches and the rollout are part of the schema.
import kernel.flags
import kernel.rollout  # noqa: F401
from kernel.store import Store
from kernel.store.base import MIGRATIONS, Base


def _config(conn: object) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def test_an_empty_database_upgrades_to_the_models(db_url: str) -> None:
    Store(db_url).close()
    engine = create_engine(db_url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def test_a_session5_database_keeps_its_rows_through_the_upgrade(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")  # the schema create_all made before migrations
        conn.execute(text("INSERT INTO tickets (id, idempotency_key, at, user_id, question, answer, reason, "
                          "trace_id, trace, status, comments) VALUES ('t1', 'k', '2026-11-01 10:00:00', 'emma', "
                          "'q', '', '', 'tr', '[]', 'open', '[]')"))
        conn.execute(text("INSERT INTO conversations (id, user_id, turns, updated_at) VALUES "
                          "('c1', 'emma', '[{\"question\": \"hi\"}]', '2026-11-01 10:00:00')"))
        conn.execute(text("DROP TABLE alembic_version"))  # as create_all left it: no version table at all
    engine.dispose()
    store = Store(db_url)
    try:
        assert store.records.conversation("c1", "emma") == [{"question": "hi"}]
        found, created = store.records.create_ticket("k", "emma", question="again", trace_id="t")
        assert found.id == "t1" and not created
        _, created_for_bob = store.records.create_ticket("k", "bob", question="bob's", trace_id="t")
        assert created_for_bob  # keys are per user now
        store.records.append_turn("c1", "bob", {"question": "mine"}, 6)
        assert store.records.conversation("c1", "bob") == [{"question": "mine"}]
    finally:
        store.close()

