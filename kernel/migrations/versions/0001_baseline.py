"""Baseline: the schema as `create_all` made it before migrations existed (session 5).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kernel.store.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answers',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('abstained', sa.Boolean(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('trace_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_answers_user_id'), ['user_id'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', kernel.store.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('audit',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('trace_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('tool', sa.String(length=100), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('latency_ms', sa.Double(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_decision'), ['decision'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_tool'), ['tool'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_trace_id'), ['trace_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_user_id'), ['user_id'], unique=False)

    op.create_table('console_sessions',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('csrf', sa.String(length=64), nullable=False),
    sa.Column('expires_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id_hash')
    )
    op.create_table('conversations',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('turns', sa.JSON(), nullable=False),
    sa.Column('updated_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('corpora',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=320), nullable=False),
    sa.Column('manifest_path', sa.Text(), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('approval_status', sa.String(length=20), nullable=False),
    sa.Column('approved_by', sa.String(length=320), nullable=True),
    sa.Column('approved_at', kernel.store.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('embedding_cache',
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('model', 'content_hash')
    )
    op.create_table('idempotency',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('created_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('jobs',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('corpus', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', kernel.store.base.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_corpus'), ['corpus'], unique=False)

    op.create_table('safety_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('trace_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('chunk_id', sa.String(length=64), nullable=True),
    sa.Column('document_id', sa.String(length=512), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('safety_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_events_trace_id'), ['trace_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.String(length=320), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('trace_id', sa.String(length=64), nullable=False),
    sa.Column('trace', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assignee', sa.String(length=320), nullable=True),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    op.create_table('documents',
    sa.Column('id', sa.String(length=512), nullable=False),
    sa.Column('corpus', sa.String(length=200), nullable=False),
    sa.Column('source_uri', sa.Text(), nullable=False),
    sa.Column('source_type', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('acl', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kernel.store.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('indexed_at', kernel.store.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['corpus'], ['corpora.name'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_corpus'), ['corpus'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_status'), ['status'], unique=False)

    op.create_table('chunks',
    sa.Column('chunk_id', sa.String(length=64), nullable=False),
    sa.Column('document_id', sa.String(length=512), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('heading_path', sa.JSON(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chunk_id')
    )
    with op.batch_alter_table('chunks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chunks_document_id'), ['document_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('chunks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chunks_document_id'))

    op.drop_table('chunks')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_status'))
        batch_op.drop_index(batch_op.f('ix_documents_corpus'))

    op.drop_table('documents')
    op.drop_table('tickets')
    with op.batch_alter_table('safety_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_events_trace_id'))

    op.drop_table('safety_events')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_corpus'))

    op.drop_table('jobs')
    op.drop_table('idempotency')
    op.drop_table('embedding_cache')
    op.drop_table('corpora')
    op.drop_table('conversations')
    op.drop_table('console_sessions')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_user_id'))
        batch_op.drop_index(batch_op.f('ix_audit_trace_id'))
        batch_op.drop_index(batch_op.f('ix_audit_tool'))
        batch_op.drop_index(batch_op.f('ix_audit_decision'))
        batch_op.drop_index(batch_op.f('ix_audit_at'))

    op.drop_table('audit')
    op.drop_table('api_keys')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_user_id'))
        batch_op.drop_index(batch_op.f('ix_answers_at'))

    op.drop_table('answers')

