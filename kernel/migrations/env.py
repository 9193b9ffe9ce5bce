"""Alembic environment: the store's own connection and models; SQLite changes in batch mode."""

from __future__ import annotations

from alembic import context

# Their tables join the metadata.
import kernel.flags
import kernel.rollout  # noqa: F401
from kernel.store.base import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
