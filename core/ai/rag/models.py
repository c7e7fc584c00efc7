"""Tables of company documents: documents (with access rules and ingestion progress),
their chunks (text, page, embedding, full-text vectors) and the questions asked of them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pgvector.sqlalchemy import HALFVEC
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped

EMBED_DIM = 384
KINDS = ("pdf", "docx", "txt", "md")
STATUSES = ("queued", "processing", "ready", "failed")
VISIBILITIES = ("everyone", "roles", "project")


class Document(TenantScoped, TenantBase):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "sha256"),
        ForeignKeyConstraint(["tenant_id", "file_id"], ["files.tenant_id", "files.id"],
                             name="fk_documents_file"),
        CheckConstraint("kind IN ('pdf', 'docx', 'txt', 'md')", name="kind"),
        CheckConstraint("status IN ('queued', 'processing', 'ready', 'failed')", name="status"),
        CheckConstraint("visibility IN ('everyone', 'roles', 'project')", name="visibility"),
        CheckConstraint("visibility <> 'roles' OR cardinality(role_keys) > 0", name="roles_listed"),
        CheckConstraint("visibility <> 'project' OR project_id IS NOT NULL", name="project_set"),
        CheckConstraint("pages_done >= 0 AND pages_total >= 0", name="pages"),
        Index("ix_documents_queue", "created_at", postgresql_where=text("status IN ('queued', 'processing')")),
    )

    title: Mapped[str] = mapped_column(String(255), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    file_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    visibility: Mapped[str] = mapped_column(String(10), nullable=False, server_default="everyone")
    role_keys: Mapped[list[str]] = mapped_column(ARRAY(String(40)), nullable=False, server_default="{}")
    project_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="queued")
    pages_total: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    pages_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    error_code: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(String(500))
    uploaded_by: Mapped[str] = mapped_column(String(120), nullable=False)
    uploaded_by_user: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class DocumentChunk(TenantScoped, TenantBase):
    __tablename__ = "document_chunks"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("document_id", "ordinal"),
        ForeignKeyConstraint(["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"],
                             ondelete="CASCADE", name="fk_document_chunks_document"),
        Index("ix_document_chunks_embedding", "embedding", postgresql_using="hnsw",
              postgresql_with={"m": 16, "ef_construction": 64},
              postgresql_ops={"embedding": "halfvec_cosine_ops"}),
        Index("ix_document_chunks_tsv_id", "tsv_id", postgresql_using="gin"),
        Index("ix_document_chunks_tsv_en", "tsv_en", postgresql_using="gin"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    page: Mapped[int] = mapped_column(Integer, nullable=False)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    embedding: Mapped[Any] = mapped_column(HALFVEC(EMBED_DIM), nullable=False)  # half precision (t0009)
    tsv_id: Mapped[Any] = mapped_column(TSVECTOR, Computed("to_tsvector('indonesian'::regconfig, text)",
                                                           persisted=True))
    tsv_en: Mapped[Any] = mapped_column(TSVECTOR, Computed("to_tsvector('english'::regconfig, text)",
                                                           persisted=True))


class DocumentQuestion(TenantScoped, TenantBase):
    """The chat history: a member's question, the answer shown and what it cited."""

    __tablename__ = "document_questions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        Index("ix_document_questions_asker", "tenant_id", "asked_by", "created_at"),
    )

    asked_by: Mapped[str] = mapped_column(String(120), nullable=False)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    answer: Mapped[str] = mapped_column(Text, nullable=False)
    found: Mapped[bool] = mapped_column(nullable=False)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False,
                                                            server_default=text("'[]'::jsonb"))
    engine: Mapped[str] = mapped_column(String(80), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
