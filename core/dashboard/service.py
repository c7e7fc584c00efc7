"""The company dashboard: "how are we doing" at a glance."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.context import TenantContext
from core.dashboard.queries import CASH_IN, HEADLINE, TOP_SPENDING
from core.rbac.guard import require
from db.session import tenant_session


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    revenue_today: Decimal
    revenue_mtd: Decimal
    revenue_prev_mtd: Decimal
    receivables: Decimal
    overdue_receivables: Decimal
    overdue_invoices: int
    spending_mtd: Decimal
    open_tasks: int
    overdue_tasks: int
    cash_in: list[tuple[dt.date, Decimal]]
    top_spending: list[tuple[str, Decimal, int]]

    @property
    def revenue_change_pct(self) -> Decimal | None:
        if not self.revenue_prev_mtd:
            return None
        return (self.revenue_mtd - self.revenue_prev_mtd) * 100 / self.revenue_prev_mtd


def periods(today: dt.date, trend_days: int = 90) -> dict[str, Any]:
    month_start = today.replace(day=1)
    prev_month_end = month_start - dt.timedelta(days=1)
    prev_month_start = prev_month_end.replace(day=1)
    last_day = calendar.monthrange(prev_month_start.year, prev_month_start.month)[1]
    return {
        "today": today,
        "month_start": month_start,
        "prev_month_start": prev_month_start,
        "prev_same_day": prev_month_start.replace(day=min(today.day, last_day)),
        "since": today - dt.timedelta(days=trend_days - 1),
        "limit": 8,
    }


def load(ctx: TenantContext, today: dt.date, trend_days: int = 90) -> Dashboard:
    require(ctx, "dashboard.read")
    p = periods(today, trend_days)
    with tenant_session(ctx) as s:
        h = s.execute(HEADLINE, p).one()
        cash = [(r.day, Decimal(r.amount)) for r in s.execute(CASH_IN, p)]
        top = [(r.category, Decimal(r.amount), int(r.entries)) for r in s.execute(TOP_SPENDING, p)]
    return Dashboard(
        today, Decimal(h.revenue_today), Decimal(h.revenue_mtd), Decimal(h.revenue_prev_mtd), Decimal(h.receivables),
        Decimal(h.overdue_receivables), int(h.overdue_invoices), Decimal(h.spending_mtd), int(h.open_tasks),
        int(h.overdue_tasks), cash, top,
    )
