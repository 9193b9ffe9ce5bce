"""Session 11 (operations): answer profiles, their rollout and gate verdicts; the profile on each answer.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kernel.store.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_profiles",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", kernel.store.base.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "rollout_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", kernel.store.base.UtcDateTime(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("candidate", sa.Integer(), nullable=True),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rollout_assignments",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=320), nullable=False),
        sa.Column("candidate", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["rollout_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "user_id"),
    )
    op.create_table(
        "profile_gates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", kernel.store.base.UtcDateTime(), nullable=False),
        sa.Column("candidate", sa.Integer(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("by", sa.String(length=320), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("profile_gates") as batch:
        batch.create_index("ix_profile_gates_candidate", ["candidate"], unique=False)
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("profile", sa.Integer(), server_default="0", nullable=False))
        batch.create_index("ix_answers_profile", ["profile"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_index("ix_answers_profile")
        batch.drop_column("profile")
    op.drop_table("profile_gates")
    op.drop_table("rollout_assignments")
    op.drop_table("rollout_events")
    op.drop_table("answer_profiles")
