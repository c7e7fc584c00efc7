"""Company documents for question answering: documents, chunks (pgvector), access.

Chunks carry their embedding (vector(384), HNSW index with cosine distance) and two
generated full-text vectors, one with the Indonesian and one with the English text search
configuration (GIN indexes), for hybrid retrieval. Documents carry their access rule
(everyone, a list of roles, or a project's members) and their ingestion progress.

Revision ID: t0007
Revises: t0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0007"
down_revision: str | Sequence[str] | None = "t0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
NEW_TABLES = ("documents", "document_chunks", "document_questions")


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "documents",
        *tenant_columns(),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_id", UUID(as_uuid=True), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False, server_default="everyone"),
        sa.Column("role_keys", ARRAY(sa.String(40)), nullable=False, server_default="{}"),
        sa.Column("project_id", UUID(as_uuid=True)),
        sa.Column("status", sa.String(12), nullable=False, server_default="queued"),
        sa.Column("pages_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pages_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("chunk_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error_code", sa.String(40)),
        sa.Column("error", sa.String(500)),
        sa.Column("uploaded_by", sa.String(120), nullable=False),
        sa.Column("uploaded_by_user", UUID(as_uuid=True)),
        sa.Column("heartbeat_at", TS),
        sa.Column("finished_at", TS),
        sa.UniqueConstraint("tenant_id", "id", name="uq_documents_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "sha256", name="uq_documents_tenant_id_sha256"),
        sa.ForeignKeyConstraint(["tenant_id", "file_id"], ["files.tenant_id", "files.id"], name="fk_documents_file"),
        sa.CheckConstraint("kind IN ('pdf', 'docx', 'txt', 'md')", name="ck_documents_kind"),
        sa.CheckConstraint("status IN ('queued', 'processing', 'ready', 'failed')", name="ck_documents_status"),
        sa.CheckConstraint("visibility IN ('everyone', 'roles', 'project')", name="ck_documents_visibility"),
        sa.CheckConstraint("visibility <> 'roles' OR cardinality(role_keys) > 0", name="ck_documents_roles_listed"),
        sa.CheckConstraint("visibility <> 'project' OR project_id IS NOT NULL", name="ck_documents_project_set"),
        sa.CheckConstraint("pages_done >= 0 AND pages_total >= 0", name="ck_documents_pages"),
    )
    op.create_index("ix_documents_queue", "documents", ["created_at"],
                    postgresql_where=sa.text("status IN ('queued', 'processing')"))
    op.create_table(
        "document_chunks",
        *tenant_columns(),
        sa.Column("document_id", UUID(as_uuid=True), nullable=False),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("embedding", Vector(384), nullable=False),
        sa.Column("tsv_id", TSVECTOR, sa.Computed("to_tsvector('indonesian'::regconfig, text)", persisted=True)),
        sa.Column("tsv_en", TSVECTOR, sa.Computed("to_tsvector('english'::regconfig, text)", persisted=True)),
        sa.UniqueConstraint("tenant_id", "id", name="uq_document_chunks_tenant_id_id"),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_document_chunks_document_id_ordinal"),
        sa.ForeignKeyConstraint(["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"],
                                ondelete="CASCADE", name="fk_document_chunks_document"),
    )
    op.create_index("ix_document_chunks_embedding", "document_chunks", ["embedding"], postgresql_using="hnsw",
                    postgresql_with={"m": 16, "ef_construction": 64},
                    postgresql_ops={"embedding": "vector_cosine_ops"})
    op.create_index("ix_document_chunks_tsv_id", "document_chunks", ["tsv_id"], postgresql_using="gin")
    op.create_index("ix_document_chunks_tsv_en", "document_chunks", ["tsv_en"], postgresql_using="gin")
    op.create_table(
        "document_questions",
        *tenant_columns(),
        sa.Column("asked_by", sa.String(120), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("found", sa.Boolean, nullable=False),
        sa.Column("citations", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("engine", sa.String(80), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_document_questions_tenant_id_id"),
    )
    op.create_index("ix_document_questions_asker", "document_questions", ["tenant_id", "asked_by", "created_at"])
    for table in NEW_TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
