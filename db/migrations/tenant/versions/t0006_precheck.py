"""Invoice pre-check: SOP rules per tenant.

Revision ID: t0006
Revises: t0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "t0006"
down_revision: str | Sequence[str] | None = "t0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
