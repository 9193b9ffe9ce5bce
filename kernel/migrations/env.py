"""Alembic environment: the store's own connection and models; SQLite changes in batch mode."""

from __future__ import annotations

from alembic import context

import kernel.flags  # noqa: F401 (its table joins the metadata)
from kernel.store.base import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
