"""Chunk embeddings stored and searched in half precision (`halfvec(384)`).

Two bytes a dimension instead of four: a chunk's row keeps its embedding inline (a
`vector(384)` row went to TOAST storage, one more page read per row), the HNSW index is
half the size, so more of it stays in memory, and distances are cheaper to compute. For
the 384 dimensions of all-MiniLM-L6-v2, recall@10 against an exact search stays above
0.99 (bench/rag.py).

Revision ID: t0009
Revises: t0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "t0009"
down_revision: str | Sequence[str] | None = "t0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_document_chunks_embedding", table_name="document_chunks")
    op.execute("ALTER TABLE document_chunks ALTER COLUMN embedding TYPE halfvec(384) USING embedding::halfvec(384)")
    op.execute("CREATE INDEX ix_document_chunks_embedding ON document_chunks USING hnsw"
               " (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)")


def downgrade() -> None:
    op.drop_index("ix_document_chunks_embedding", table_name="document_chunks")
    op.execute("ALTER TABLE document_chunks ALTER COLUMN embedding TYPE vector(384) USING embedding::vector(384)")
    op.execute("CREATE INDEX ix_document_chunks_embedding ON document_chunks USING hnsw"
               " (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
