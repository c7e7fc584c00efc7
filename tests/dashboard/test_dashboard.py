"""Dashboard figures equal hand-computed values; tenants never mix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

from core.context import TenantContext
from core.customers.service import CustomerIn, create_customer
from core.dashboard.service import load
from core.invoices import service as inv
from core.invoices.calc import LineIn
from core.projects import service as projects
from core.projects import tasks
from core.spending.service import ExpenseIn, record_expense


def test_figures(as_role: Callable[..., TenantContext], tier: str) -> None:
    from core.context import Actor
    from core.rbac.permissions import SYSTEM_ROLES
    from core.tenancy.provisioning import NewTenant, create_tenant
    from core.tenancy.registry import context_for

    tenant = create_tenant(NewTenant(name="Dash", slug=f"dash-{tier}", region="id", tier=tier))
    ctx = context_for(tenant, Actor("user", "00000000-0000-0000-0000-000000000001"), role="admin",
                      permissions=SYSTEM_ROLES["admin"])
    empty = load(ctx, dt.date(2026, 11, 20))
    assert empty.revenue_mtd == 0 and empty.receivables == 0 and empty.open_tasks == 0
    assert len(empty.cash_in) == 90 and all(v == 0 for _, v in empty.cash_in)

    c = create_customer(ctx, CustomerIn(name="Pelanggan")).id
    today = dt.date(2026, 11, 20)

    def invoice(day: dt.date, price: int, due_days: int = 30) -> inv.InvoiceView:
        return inv.create_and_issue(ctx, inv.DraftIn(c, day, [LineIn("x", D(1), D(price))],
                                                     due_date=day + dt.timedelta(days=due_days)))

    a = invoice(today, 1_000_000)                            # today
    b = invoice(dt.date(2026, 11, 5), 2_000_000, 5)           # this month, overdue (due 10 Nov)
    invoice(dt.date(2026, 10, 10), 4_000_000)                 # last month, same period
    invoice(dt.date(2026, 10, 25), 8_000_000)                 # last month, after the same day: excluded
    inv.create_draft(ctx, inv.DraftIn(c, today, [LineIn("draft", D(1), D(99_000_000))]))  # drafts don't count
    inv.record_payment(ctx, a.id, D(500_000), today)
    record_expense(ctx, ExpenseIn(dt.date(2026, 11, 3), "Sewa kantor", "PT Graha", D(15_000_000)))
    record_expense(ctx, ExpenseIn(dt.date(2026, 11, 4), "Pemasaran", "Meta", D(3_000_000)))
    record_expense(ctx, ExpenseIn(dt.date(2026, 11, 6), "Pemasaran", "Google", D(2_000_000)))
    record_expense(ctx, ExpenseIn(dt.date(2026, 10, 6), "Pemasaran", "Google", D(9_000_000)))  # last month
    p = projects.create_project(ctx, "Ops")
    tasks.create_task(ctx, p.id, "late", due_date=dt.date(2026, 11, 1))
    tasks.create_task(ctx, p.id, "later", due_date=dt.date(2026, 12, 1))
    done = tasks.create_task(ctx, p.id, "done", due_date=dt.date(2026, 11, 1))
    tasks.move_task(ctx, done.id, "done")

    d = load(ctx, today)
    assert d.revenue_today == D(1_000_000)
    assert d.revenue_mtd == D(3_000_000)
    assert d.revenue_prev_mtd == D(4_000_000)
    assert d.revenue_change_pct == D(-25)
    # receivables: a 1.11M - 0.5M paid = 610k; b 2.22M -> 2.83M; overdue: b only
    assert d.receivables == D(610_000) + D(2_220_000) + D(4_440_000) + D(8_880_000)
    assert d.overdue_receivables == D(2_220_000) + D(4_440_000)  # b, and Oct 10 (due Nov 9)
    assert d.overdue_invoices == 2
    assert d.spending_mtd == D(20_000_000)
    assert d.top_spending[0] == ("Sewa kantor", D(15_000_000), 1)
    assert d.top_spending[1] == ("Pemasaran", D(5_000_000), 2)
    assert (d.open_tasks, d.overdue_tasks) == (2, 1)
    assert dict(d.cash_in)[today] == D(500_000)
    assert b.number and b.status == "sent"
