"""Tables of the invoice pre-check: a company's SOP rules as data (registered in db.models).

- `precheck_rules`: one row per deterministic rule, keyed by (kind, target); `value` is the
  rule's number (a percentage or a number of days), `target` names the field of a
  `required_field` rule. Credit limits themselves live on the customers (`credit_limit`);
  the `credit_limit` row switches the check on and sets its severity.
- `precheck_ppn_rates`: the PPN rate the SOP expects from a date on.
- `precheck_clauses`: free-text SOP clauses, judged by the model.

Every row carries `blocking`: false (the default) means advisory.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped

RULE_KINDS = ("max_line_discount", "max_invoice_discount", "due_after_issue", "due_within_days",
              "required_field", "credit_limit", "duplicate")
MAX_CLAUSE_CHARS = 1000


class PrecheckRule(TenantScoped, TenantBase):
    __tablename__ = "precheck_rules"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "kind", "target"),
        CheckConstraint("kind IN ('max_line_discount', 'max_invoice_discount', 'due_after_issue', "
                        "'due_within_days', 'required_field', 'credit_limit', 'duplicate')", name="kind"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
    )

    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    target: Mapped[str] = mapped_column(String(40), nullable=False, server_default="")
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    blocking: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")


class PrecheckPpnRate(TenantScoped, TenantBase):
    __tablename__ = "precheck_ppn_rates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "effective_from"),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),
    )

    rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    effective_from: Mapped[dt.date] = mapped_column(Date, nullable=False)
    blocking: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")


class PrecheckClause(TenantScoped, TenantBase):
    __tablename__ = "precheck_clauses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("char_length(text) BETWEEN 1 AND 1000", name="text_length"),
    )

    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    blocking: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
