"""Tenant tables: customers, invoices, invoice lines, expenses; RLS on each.

Revision ID: t0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(18, 2)


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "customers",
        *tenant_columns(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(40)),
        sa.Column("npwp", sa.String(32)),
        sa.Column("address", sa.Text),
        sa.UniqueConstraint("tenant_id", "id", name="uq_customers_tenant_id_id"),
    )
    op.create_table(
        "invoices",
        *tenant_columns(),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("issue_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="draft"),
        sa.Column("currency", sa.String(3), nullable=False, server_default="IDR"),
        sa.Column("subtotal", MONEY, nullable=False, server_default="0"),
        sa.Column("discount_amount", MONEY, nullable=False, server_default="0"),
        sa.Column("tax_rate", sa.Numeric(5, 2), nullable=False, server_default="11"),
        sa.Column("tax_amount", MONEY, nullable=False, server_default="0"),
        sa.Column("total", MONEY, nullable=False, server_default="0"),
        sa.Column("amount_paid", MONEY, nullable=False, server_default="0"),
        sa.Column("paid_at", sa.Date),
        sa.Column("notes", sa.Text),
        sa.UniqueConstraint("tenant_id", "id", name="uq_invoices_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "number", name="uq_invoices_tenant_id_number"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"],
            name="fk_invoices_tenant_id_customer_id_customers",
        ),
        sa.CheckConstraint("status IN ('draft', 'sent', 'paid', 'overdue', 'void')", name="ck_invoices_status"),
        sa.CheckConstraint("due_date >= issue_date", name="ck_invoices_due_after_issue"),
    )
    op.create_table(
        "invoice_lines",
        *tenant_columns(),
        sa.Column("invoice_id", UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="1"),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("discount_pct", sa.Numeric(5, 2), nullable=False, server_default="0"),
        sa.Column("line_total", MONEY, nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_invoice_lines_tenant_id_id"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE",
            name="fk_invoice_lines_tenant_id_invoice_id_invoices",
        ),
        sa.CheckConstraint("quantity > 0", name="ck_invoice_lines_quantity_positive"),
        sa.CheckConstraint("discount_pct >= 0 AND discount_pct <= 100", name="ck_invoice_lines_discount_range"),
    )
    op.create_table(
        "expenses",
        *tenant_columns(),
        sa.Column("spent_on", sa.Date, nullable=False),
        sa.Column("category", sa.String(80), nullable=False),
        sa.Column("vendor", sa.String(200), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="IDR"),
        sa.Column("description", sa.Text),
        sa.UniqueConstraint("tenant_id", "id", name="uq_expenses_tenant_id_id"),
        sa.CheckConstraint("amount > 0", name="ck_expenses_amount_positive"),
    )
    for table in ("customers", "invoices", "invoice_lines", "expenses"):
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)
    op.create_index("ix_invoices_customer_id", "invoices", ["customer_id"])
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    op.create_index("ix_expenses_spent_on", "expenses", ["spent_on"])


def downgrade() -> None:
    for table in ("invoice_lines", "invoices", "expenses", "customers"):
        op.drop_table(table)
