"""PPN (VAT) rates with effective dates; 11% unless the tenant has set otherwise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.context import TenantContext
from core.errors import ValidationFailed
from core.invoices.models import TaxRate
from core.rbac.guard import require, require_write
from db.session import tenant_session

DEFAULT_PPN = Decimal("11")


def rate_on(s: Session, day: dt.date, code: str = "PPN") -> Decimal:
    rate = s.scalars(
        select(TaxRate.rate).where(TaxRate.code == code, TaxRate.effective_from <= day)
        .order_by(TaxRate.effective_from.desc()).limit(1)
    ).first()
    return Decimal(rate) if rate is not None else DEFAULT_PPN


def rate_for(ctx: TenantContext, day: dt.date, code: str = "PPN") -> Decimal:
    """The rate in force on `day` (for previews; the service recomputes on save)."""
    require(ctx, "invoice.read")
    with tenant_session(ctx) as s:
        return rate_on(s, day, code)


def list_rates(ctx: TenantContext, code: str = "PPN") -> list[tuple[dt.date, Decimal]]:
    require(ctx, "invoice.read")
    with tenant_session(ctx) as s:
        rows = s.execute(select(TaxRate.effective_from, TaxRate.rate).where(TaxRate.code == code)
                         .order_by(TaxRate.effective_from)).all()
        return [(r.effective_from, Decimal(r.rate)) for r in rows]


def set_rate(ctx: TenantContext, rate: Decimal, effective_from: dt.date, code: str = "PPN") -> None:
    require_write(ctx, "settings.manage")
    if not (Decimal(0) <= rate <= Decimal(100)):
        raise ValidationFailed("the rate must be between 0% and 100%", details={"rate": "out of range"})
    with tenant_session(ctx) as s:
        existing = s.scalars(select(TaxRate).where(TaxRate.code == code, TaxRate.effective_from == effective_from)
                             ).one_or_none()
        if existing:
            existing.rate = rate
        else:
            s.add(TaxRate(code=code, rate=rate, effective_from=effective_from))
