"""Invoice pre-check: SOP rules per tenant (deterministic rules, PPN rates with effective
dates, free-text clauses).

Revision ID: t0006
Revises: t0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0006"
down_revision: str | Sequence[str] | None = "t0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
NEW_TABLES = ("precheck_rules", "precheck_ppn_rates", "precheck_clauses")


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "precheck_rules",
        *tenant_columns(),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("target", sa.String(40), nullable=False, server_default=""),
        sa.Column("value", sa.Numeric(18, 2)),
        sa.Column("blocking", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_precheck_rules_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "kind", "target", name="uq_precheck_rules_tenant_id_kind_target"),
        sa.CheckConstraint("kind IN ('max_line_discount', 'max_invoice_discount', 'due_after_issue', "
                           "'due_within_days', 'required_field', 'credit_limit', 'duplicate')",
                           name="ck_precheck_rules_kind"),
        sa.CheckConstraint("value IS NULL OR value >= 0", name="ck_precheck_rules_value_not_negative"),
    )
    op.create_table(
        "precheck_ppn_rates",
        *tenant_columns(),
        sa.Column("rate", sa.Numeric(5, 2), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("blocking", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_precheck_ppn_rates_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "effective_from", name="uq_precheck_ppn_rates_tenant_id_effective_from"),
        sa.CheckConstraint("rate >= 0 AND rate <= 100", name="ck_precheck_ppn_rates_rate_range"),
    )
    op.create_table(
        "precheck_clauses",
        *tenant_columns(),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("blocking", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.UniqueConstraint("tenant_id", "id", name="uq_precheck_clauses_tenant_id_id"),
        sa.CheckConstraint("char_length(text) BETWEEN 1 AND 1000", name="ck_precheck_clauses_text_length"),
    )
    for table in NEW_TABLES:
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)
    # What the credit-limit and duplicate rules ask of invoices, also on every save when they block:
    # a customer's open balance (index-only) and invoices of a customer with a given total near a date.
    op.create_index("ix_invoices_precheck_open", "invoices", ["customer_id"],
                    postgresql_include=["total", "amount_paid"],
                    postgresql_where=sa.text("status IN ('sent', 'overdue')"))
    op.create_index("ix_invoices_precheck_same_total", "invoices", ["customer_id", "total", "issue_date"])


def downgrade() -> None:
    op.drop_index("ix_invoices_precheck_same_total", table_name="invoices")
    op.drop_index("ix_invoices_precheck_open", table_name="invoices")
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
