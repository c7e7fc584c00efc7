"""Spending: expenses with category and vendor; feeds "top spending"."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped


class Expense(TenantScoped, TenantBase):
    __tablename__ = "expenses"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    spent_on: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    category: Mapped[str] = mapped_column(String(80), nullable=False)
    vendor: Mapped[str] = mapped_column(String(200), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="IDR")
    description: Mapped[str | None] = mapped_column(Text)
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
