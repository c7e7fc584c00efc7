"""Tenant moves: the resumable state machine of tier and region moves.

Revision ID: c0008
Revises: c0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "c0008"
down_revision: str | Sequence[str] | None = "c0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tenant_moves",
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("source", JSONB, nullable=False),
        sa.Column("target", JSONB, nullable=False),
        sa.Column("rollback_of", UUID(as_uuid=True)),
        sa.Column("step", sa.String(20), nullable=False, server_default="precheck"),
        sa.Column("status", sa.String(20), nullable=False, server_default="running"),
        sa.Column("reason", sa.Text),
        sa.Column("target_created", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("tables_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("tables_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_copied", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("rows_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("chain_mark", sa.BigInteger),
        sa.Column("switch_mark", sa.BigInteger),
        sa.Column("checksums", JSONB),
        sa.Column("worker", sa.String(100)),
        sa.Column("heartbeat_at", TS),
        sa.Column("copy_started_at", TS),
        sa.Column("locked_at", TS),
        sa.Column("unlocked_at", TS),
        sa.Column("created_at", TS, server_default=sa.func.now()),
        sa.Column("updated_at", TS, server_default=sa.func.now()),
        sa.Column("finished_at", TS),
        sa.Column("keep_until", TS),
        sa.Column("purged_at", TS),
        sa.CheckConstraint("status IN ('running', 'aborting', 'succeeded', 'failed', 'rolled_back')",
                           name="status"),
    )
    op.create_index("ix_tenant_moves_tenant_id", "tenant_moves", ["tenant_id"])
    op.create_index("uq_tenant_moves_one_active", "tenant_moves", ["tenant_id"], unique=True,
                    postgresql_where=sa.text("status IN ('running', 'aborting')"))
    op.create_index("ix_tenant_moves_kept", "tenant_moves", ["keep_until"],
                    postgresql_where=sa.text("purged_at IS NULL"))


def downgrade() -> None:
    op.drop_table("tenant_moves")
