"""Company documents for question answering: documents, chunks (pgvector), access.

Revision ID: t0007
Revises: t0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "t0007"
down_revision: str | Sequence[str] | None = "t0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
