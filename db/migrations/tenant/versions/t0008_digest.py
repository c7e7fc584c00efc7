"""CEO digest: daily KPI snapshots, insights and recipients.

Revision ID: t0008
Revises: t0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "t0008"
down_revision: str | Sequence[str] | None = "t0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
