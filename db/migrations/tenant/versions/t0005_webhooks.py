"""Outgoing webhooks, tenant plane: the outbox, deliveries (one per event and endpoint)
and the delivery log (one row per HTTP attempt).

Revision ID: t0005
Revises: t0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0005"
down_revision: str | Sequence[str] | None = "t0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
NEW_TABLES = ("webhook_outbox", "webhook_deliveries", "webhook_delivery_log")


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "webhook_outbox",
        *tenant_columns(),
        sa.Column("event_type", sa.String(60), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("endpoint_id", UUID(as_uuid=True)),
        sa.Column("dispatched_at", TS),
        sa.Column("delivery_count", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_webhook_outbox_tenant_id_id"),
    )
    op.create_index("ix_webhook_outbox_undispatched", "webhook_outbox", ["created_at"],
                    postgresql_where=sa.text("dispatched_at IS NULL"))
    op.create_table(
        "webhook_deliveries",
        *tenant_columns(),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("endpoint_id", UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("retry_index", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS),
        sa.Column("last_attempt_at", TS),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("delivered_at", TS),
        sa.UniqueConstraint("tenant_id", "id", name="uq_webhook_deliveries_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "endpoint_id", "event_id",
                            name="uq_webhook_deliveries_tenant_id_endpoint_id_event_id"),
        sa.ForeignKeyConstraint(["tenant_id", "event_id"], ["webhook_outbox.tenant_id", "webhook_outbox.id"],
                                ondelete="CASCADE", name="fk_webhook_deliveries_tenant_id_event_id_webhook_outbox"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')",
                           name="ck_webhook_deliveries_status"),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_webhook_deliveries_endpoint", "webhook_deliveries", ["tenant_id", "endpoint_id", "created_at"])
    op.create_table(
        "webhook_delivery_log",
        *tenant_columns(),
        sa.Column("delivery_id", UUID(as_uuid=True), nullable=False),
        sa.Column("endpoint_id", UUID(as_uuid=True), nullable=False),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("trigger", sa.String(12), nullable=False, server_default="schedule"),
        sa.Column("attempted_at", TS, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("response_snippet", sa.String(1000)),
        sa.Column("latency_ms", sa.Integer),
        sa.Column("error", sa.String(1000)),
        sa.Column("next_attempt_at", TS),
        sa.ForeignKeyConstraint(["tenant_id", "delivery_id"],
                                ["webhook_deliveries.tenant_id", "webhook_deliveries.id"], ondelete="CASCADE",
                                name="fk_webhook_delivery_log_delivery"),
    )
    op.create_index("ix_webhook_delivery_log_endpoint", "webhook_delivery_log",
                    ["tenant_id", "endpoint_id", "attempted_at"])
    op.create_index("ix_webhook_delivery_log_delivery_id", "webhook_delivery_log", ["delivery_id"])
    for table in NEW_TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
