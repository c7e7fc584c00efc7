"""Invoices, their lines and payments, PPN rates with effective dates, and gapless
per-tenant number sequences. Money is numeric (exact), never float."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped

MONEY = Numeric(18, 2)
STATUSES = ("draft", "sent", "paid", "overdue", "void")


class Invoice(TenantScoped, TenantBase):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "number"),
        # Composite key: an invoice can only point at a customer of its own tenant.
        ForeignKeyConstraint(["tenant_id", "customer_id"], ["customers.tenant_id", "customers.id"]),
        CheckConstraint("status IN ('draft', 'sent', 'paid', 'overdue', 'void')", name="status"),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
    )

    # Assigned when the invoice is issued (sent), so deleted drafts leave no gaps.
    number: Mapped[str | None] = mapped_column(String(40))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    issue_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    due_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="draft")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="IDR")
    subtotal: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    discount_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    discount_amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, server_default="11")
    tax_amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    total: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    amount_paid: Mapped[Decimal] = mapped_column(MONEY, nullable=False, server_default="0")
    payment_terms_days: Mapped[int] = mapped_column(Integer, nullable=False, server_default="30")
    paid_at: Mapped[dt.date | None] = mapped_column(Date)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)


class InvoiceLine(TenantScoped, TenantBase):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("discount_pct >= 0 AND discount_pct <= 100", name="discount_range"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    description: Mapped[str] = mapped_column(String(500), nullable=False)
    product_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3), nullable=False)
    unit_price: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    discount_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, server_default="0")
    line_total: Mapped[Decimal] = mapped_column(MONEY, nullable=False)


class InvoicePayment(TenantScoped, TenantBase):
    __tablename__ = "invoice_payments"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "invoice_id"], ["invoices.tenant_id", "invoices.id"], ondelete="CASCADE"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    invoice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    paid_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(MONEY, nullable=False)
    method: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(120))


class TaxRate(TenantScoped, TenantBase):
    """A tax rate from a date on: a rate change never rewrites older invoices."""

    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "code", "effective_from"),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),
    )

    code: Mapped[str] = mapped_column(String(20), nullable=False, server_default="PPN")
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    effective_from: Mapped[dt.date] = mapped_column(Date, nullable=False)


class NumberSequence(TenantScoped, TenantBase):
    """Gapless counters: incremented inside the transaction that uses the number."""

    __tablename__ = "number_sequences"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "key"))

    key: Mapped[str] = mapped_column(String(60), nullable=False)
    last_value: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
