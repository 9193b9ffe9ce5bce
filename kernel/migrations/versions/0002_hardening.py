"""Session 6 (hardening, structure): corpus ownership, job runners, console sessions tied to their key, page
starts per document, write intents; conversation ids and ticket keys scoped per user.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

import kernel.store.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ADDED: list[tuple[str, sa.Column[object]]] = [
    ("console_sessions", sa.Column("key_id", sa.String(length=32), nullable=False, server_default="")),
    ("corpora", sa.Column("created_by", sa.String(length=320), nullable=False, server_default="")),
    ("corpora", sa.Column("changed_by", sa.String(length=320), nullable=False, server_default="")),
    ("documents", sa.Column("pages", sa.JSON(), nullable=False, server_default="[]")),
    ("jobs", sa.Column("runner", sa.String(length=200), nullable=False, server_default="")),
    ("index_intents", sa.Column("runner", sa.String(length=200), nullable=False, server_default="")),
]


def _tickets(name: str) -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("at", kernel.store.base.UtcDateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=320), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.String(length=64), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assignee", sa.String(length=320), nullable=True),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_tickets_user_key"),
    )


def _conversations(name: str) -> sa.Table:
    return sa.Table(
        name, sa.MetaData(),
        sa.Column("id", sa.String(length=100), primary_key=True),
        sa.Column("user_id", sa.String(length=320), primary_key=True),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.Column("updated_at", kernel.store.base.UtcDateTime(), nullable=False),
    )


def _rebuild(table: str, make: Callable[[str], sa.Table]) -> None:
    """Replace a table by its new definition, rows kept: the portable way to change a primary key or a
    unique constraint on SQLite and PostgreSQL alike."""
    bind = op.get_bind()
    new = make(f"{table}_v2")
    new.create(bind)
    cols = ", ".join(c.name for c in new.columns)
    op.execute(f"INSERT INTO {table}_v2 ({cols}) SELECT {cols} FROM {table}")  # noqa: S608 - our own names
    op.drop_table(table)
    op.rename_table(f"{table}_v2", table)


def upgrade() -> None:
    # Tolerant of a database that already has part of this (made by a development build's create_all).
    inspector = sa.inspect(op.get_bind())
    if "index_intents" not in inspector.get_table_names():
        op.create_table(
            "index_intents",
            sa.Column("document_id", sa.String(length=512), nullable=False),
            sa.Column("at", kernel.store.base.UtcDateTime(), nullable=False),
            sa.Column("runner", sa.String(length=200), nullable=False, server_default=""),
            sa.PrimaryKeyConstraint("document_id"),
        )
    for table, column in _ADDED:
        if column.name not in {c["name"] for c in inspector.get_columns(table)}:
            with op.batch_alter_table(table) as batch:
                batch.add_column(column)
    _rebuild("tickets", _tickets)
    _rebuild("conversations", _conversations)


def downgrade() -> None:
    raise NotImplementedError("session 6 changes are not reversible: restore the database from a backup")
