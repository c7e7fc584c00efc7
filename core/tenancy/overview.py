"""The home page's numbers for one tenant, computed in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.context import TenantContext
from core.customers.models import Customer
from core.invoices.models import Invoice
from core.spending.models import Expense
from db.session import tenant_session


@dataclass(frozen=True)
class Overview:
    customers: int
    invoices: int
    receivables: Decimal
    spending_this_month: Decimal


def overview(ctx: TenantContext, today: dt.date) -> Overview:
    month_start = today.replace(day=1)
    with tenant_session(ctx) as s:
        customers = s.scalar(select(func.count()).select_from(Customer)) or 0
        invoices, receivables = s.execute(
            select(
                func.count(),
                func.coalesce(
                    func.sum(Invoice.total - Invoice.amount_paid).filter(Invoice.status.in_(("sent", "overdue"))),
                    0,
                ),
            ).select_from(Invoice)
        ).one()
        spending = s.scalar(
            select(func.coalesce(func.sum(Expense.amount), 0)).where(Expense.spent_on >= month_start)
        )
    return Overview(int(customers), int(invoices), Decimal(receivables), Decimal(spending or 0))
