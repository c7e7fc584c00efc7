"""The employee directory. Salary is readable only with `employee.salary.read`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Numeric, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped


class Employee(TenantScoped, TenantBase):
    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("salary IS NULL OR salary >= 0", name="salary_not_negative"),
    )

    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    position: Mapped[str | None] = mapped_column(String(120))
    department: Mapped[str | None] = mapped_column(String(120))
    salary: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
