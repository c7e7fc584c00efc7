"""Business core: products, payments, PPN rates, number sequences, files, tasks;
invoices numbered at issue; customer terms; spending attachments; WIP limits.

Revision ID: t0004
Revises: t0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0004"
down_revision: str | Sequence[str] | None = "t0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(18, 2)
NEW_TABLES = ("products", "invoice_payments", "tax_rates", "number_sequences", "files", "tasks")


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.add_column("customers", sa.Column("payment_terms_days", sa.Integer, nullable=False, server_default="30"))
    op.add_column("customers", sa.Column("credit_limit", MONEY))
    op.add_column("customers", sa.Column("notes", sa.Text))

    op.alter_column("invoices", "number", nullable=True)
    op.add_column("invoices", sa.Column("discount_pct", sa.Numeric(5, 2)))
    op.add_column("invoices", sa.Column("payment_terms_days", sa.Integer, nullable=False, server_default="30"))
    op.add_column("invoices", sa.Column("sent_at", sa.DateTime(timezone=True)))
    op.add_column("invoices", sa.Column("voided_at", sa.DateTime(timezone=True)))
    op.add_column("invoices", sa.Column("void_reason", sa.String(500)))
    op.create_index("ix_invoices_tenant_id_created_at", "invoices", ["tenant_id", "created_at", "id"])
    op.create_index("ix_invoices_tenant_id_status_due_date", "invoices", ["tenant_id", "status", "due_date"])
    op.add_column("invoice_lines", sa.Column("product_id", UUID(as_uuid=True)))
    op.add_column("expenses", sa.Column("attachment_id", UUID(as_uuid=True)))

    op.add_column("projects", sa.Column("wip_limits", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.add_column("projects", sa.Column("wip_mode", sa.String(8), nullable=False, server_default="warn"))

    op.create_table(
        "products",
        *tenant_columns(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sku", sa.String(60)),
        sa.Column("unit", sa.String(30), nullable=False, server_default="unit"),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_products_tenant_id_id"),
        sa.CheckConstraint("unit_price >= 0", name="ck_products_price_not_negative"),
    )
    op.create_table(
        "invoice_payments",
        *tenant_columns(),
        sa.Column("invoice_id", UUID(as_uuid=True), nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("method", sa.String(40)),
        sa.Column("reference", sa.String(120)),
        sa.UniqueConstraint("tenant_id", "id", name="uq_invoice_payments_tenant_id_id"),
        sa.ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"],
                                ondelete="CASCADE", name="fk_invoice_payments_tenant_id_invoice_id_invoices"),
        sa.CheckConstraint("amount > 0", name="ck_invoice_payments_amount_positive"),
    )
    op.create_index("ix_invoice_payments_invoice_id", "invoice_payments", ["invoice_id"])
    op.create_table(
        "tax_rates",
        *tenant_columns(),
        sa.Column("code", sa.String(20), nullable=False, server_default="PPN"),
        sa.Column("rate", sa.Numeric(5, 2), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tax_rates_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "code", "effective_from", name="uq_tax_rates_tenant_id_code_effective_from"),
        sa.CheckConstraint("rate >= 0 AND rate <= 100", name="ck_tax_rates_rate_range"),
    )
    op.create_table(
        "number_sequences",
        *tenant_columns(),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("last_value", sa.BigInteger, nullable=False, server_default="0"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_number_sequences_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "key", name="uq_number_sequences_tenant_id_key"),
    )
    op.create_table(
        "files",
        *tenant_columns(),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_files_tenant_id_id"),
        sa.CheckConstraint("size_bytes >= 0", name="ck_files_size_not_negative"),
    )
    op.create_table(
        "tasks",
        *tenant_columns(),
        sa.Column("project_id", UUID(as_uuid=True), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(12), nullable=False, server_default="todo"),
        sa.Column("priority", sa.String(8), nullable=False, server_default="medium"),
        sa.Column("assignee_user_id", UUID(as_uuid=True)),
        sa.Column("due_date", sa.Date),
        sa.Column("position", sa.String(64, collation="C"), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("tenant_id", "id", name="uq_tasks_tenant_id_id"),
        sa.ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"],
                                ondelete="CASCADE", name="fk_tasks_tenant_id_project_id_projects"),
        sa.CheckConstraint("status IN ('todo', 'in_progress', 'done')", name="ck_tasks_status"),
        sa.CheckConstraint("priority IN ('low', 'medium', 'high', 'urgent')", name="ck_tasks_priority"),
    )
    op.create_index("ix_tasks_project_id_status_position", "tasks", ["project_id", "status", "position"])
    for table in NEW_TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)


def downgrade() -> None:
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
    op.drop_column("projects", "wip_mode")
    op.drop_column("projects", "wip_limits")
    op.drop_column("expenses", "attachment_id")
    op.drop_column("invoice_lines", "product_id")
    op.drop_index("ix_invoices_tenant_id_status_due_date", "invoices")
    op.drop_index("ix_invoices_tenant_id_created_at", "invoices")
    for column in ("void_reason", "voided_at", "sent_at", "payment_terms_days", "discount_pct"):
        op.drop_column("invoices", column)
    op.alter_column("invoices", "number", nullable=False)
    for column in ("notes", "credit_limit", "payment_terms_days"):
        op.drop_column("customers", column)
