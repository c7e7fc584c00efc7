"""Plans and what a tenant pays for its subscription (control plane).

Billing proper (Stripe, dunning) comes later; the AI margin needs the subscription revenue
now, so the plans table lives here: a monthly price per plan in IDR, and one default plan
per tier for tenants that have no `plan_code` yet.
"""

from __future__ import annotations

import calendar
import datetime as dt
import uuid

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from core.tenancy.models import Tenant
from db.base import ControlBase
from db.session import control_session

MICROS = 1_000_000


class Plan(ControlBase):
    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("tier IN ('shared', 'schema', 'dedicated')", name="tier"),
        CheckConstraint("monthly_price >= 0", name="price"),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    # Whole units of `currency` per month (IDR has no minor unit in practice).
    monthly_price: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="IDR")
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def plan_for(tenant: Tenant) -> Plan | None:
    """The tenant's plan: its `plan_code`, else the default plan of its tier."""
    with control_session() as s:
        if tenant.plan_code:
            plan = s.get(Plan, tenant.plan_code)
            if plan is not None:
                return plan
        return s.scalars(select(Plan).where(Plan.tier == tenant.tier, Plan.is_default.is_(True))
                         .order_by(Plan.code).limit(1)).first()


def plan_of(tenant_id: uuid.UUID) -> Plan | None:
    with control_session() as s:
        tenant = s.get(Tenant, tenant_id)
    return plan_for(tenant) if tenant is not None else None


def prorated_micros(monthly_price: int, first: dt.date, last: dt.date) -> int:
    """Revenue of a monthly price over the days first..last (inclusive), in micro-units.

    Each day earns 1/(days in its month) of the monthly price, so a whole calendar month
    earns exactly the price.
    """
    if last < first:
        return 0
    total = 0
    day = first
    while day <= last:
        month_days = calendar.monthrange(day.year, day.month)[1]
        month_end = dt.date(day.year, day.month, month_days)
        upto = min(last, month_end)
        days = (upto - day).days + 1
        total += monthly_price * MICROS * days // month_days
        day = upto + dt.timedelta(days=1)
    return total
