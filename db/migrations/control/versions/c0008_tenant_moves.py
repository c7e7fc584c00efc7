"""Tenant moves: the resumable state machine of tier and region moves.

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

revision: str = "c0008"
down_revision: str | Sequence[str] | None = "c0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
