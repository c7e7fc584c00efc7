"""CEO digest: daily KPI snapshots, insights and recipients.

Revision ID: t0008
Revises: t0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0008"
down_revision: str | Sequence[str] | None = "t0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
NEW_TABLES = ("digests", "digest_recipients")


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "digests",
        *tenant_columns(),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="running"),
        sa.Column("trigger", sa.String(12), nullable=False, server_default="schedule"),
        sa.Column("run_by", sa.String(200)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", TS),
        sa.Column("completed_at", TS),
        sa.Column("next_attempt_at", TS),
        sa.Column("last_error", sa.String(1000)),
        sa.Column("kpis", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("insights", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("engine", sa.String(60)),
        sa.Column("model", sa.String(120)),
        sa.Column("degraded", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("emailed_at", TS),
        sa.Column("emails_queued", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_digests_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "day", name="uq_digests_tenant_id_day"),
        sa.CheckConstraint("status IN ('running', 'ready', 'failed')", name="ck_digests_status"),
        sa.CheckConstraint("trigger IN ('schedule', 'manual')", name="ck_digests_trigger"),
    )
    op.create_table(
        "digest_recipients",
        *tenant_columns(),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.Column("language", sa.String(8), nullable=False, server_default="id"),
        sa.Column("opted_in", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_digest_recipients_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "user_id", name="uq_digest_recipients_tenant_id_user_id"),
        sa.CheckConstraint("language IN ('id', 'en')", name="ck_digest_recipients_language"),
    )
    for table in NEW_TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
