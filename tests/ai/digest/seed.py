"""Companies in chosen time zones and a hand-made day of business, for the digest tests."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal as D
from zoneinfo import ZoneInfo

from core.context import TenantContext
from core.customers.models import Customer
from core.identity.service import add_membership, create_user, get_user_by_email
from core.invoices.models import Invoice, InvoicePayment
from core.projects.models import Project, Task
from core.spending.models import Expense
from core.tenancy.provisioning import NewTenant, create_tenant
from core.tenancy.registry import get_tenant
from db.session import tenant_session
from scheduler.per_tenant import job_context

PASSWORD = "rahasia-123"


def company(slug: str, timezone: str = "Asia/Jakarta", tier: str = "shared") -> TenantContext:
    """A company (created once per test session) and a job context for it."""
    try:
        tenant = get_tenant(slug)
    except Exception:
        tenant = create_tenant(NewTenant(name=f"PT {slug.title()}", slug=slug, region="global", tier=tier,
                                         timezone=timezone))
    return job_context(tenant, "test")


def member(ctx: TenantContext, email: str, role: str = "admin", language: str = "id") -> uuid.UUID:
    user = get_user_by_email(email) or create_user(email, email.split("@")[0].title(), PASSWORD, language)
    add_membership(user.id, ctx.tenant_id, role)
    return user.id


def _local(day: dt.date, hour: int, minute: int, tz: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(tz)).astimezone(dt.UTC)


def business_day(ctx: TenantContext, d: dt.date) -> None:
    """Invoices, payments, expenses and tasks around day `d` (the expected figures are worked
    out by hand in test_kpis.py)."""
    tz = ctx.timezone
    with tenant_session(ctx) as s:
        customer = Customer(name="PT Pelanggan Setia")
        s.add(customer)
        s.flush()

        def invoice(status: str, issued: int, due: int, subtotal: int, discount: int, tax: int) -> Invoice:
            total = subtotal - discount + tax
            row = Invoice(customer_id=customer.id, issue_date=d + dt.timedelta(days=issued),
                          due_date=d + dt.timedelta(days=due), status=status, subtotal=D(subtotal),
                          discount_amount=D(discount), tax_amount=D(tax), total=D(total))
            s.add(row)
            s.flush()
            return row

        invoice("sent", 0, 30, 1_000_000, 100_000, 99_000)                      # I1: issued on d
        i2 = invoice("paid", -3, 27, 2_000_000, 0, 220_000)                     # I2: paid on d
        i3 = invoice("overdue", -40, -10, 500_000, 0, 55_000)                   # I3: partly paid on d-5
        invoice("draft", 0, 30, 9_999_999, 0, 0)                                # drafts do not count
        invoice("void", 0, 30, 7_777_777, 0, 0)                                 # nor do void invoices
        invoice("sent", -1, 0, 300_000, 0, 33_000)                              # I6: due on d
        s.add(InvoicePayment(invoice_id=i2.id, paid_on=d, amount=D(2_220_000)))
        s.add(InvoicePayment(invoice_id=i3.id, paid_on=d - dt.timedelta(days=5), amount=D(55_000)))
        i2.amount_paid, i3.amount_paid = D(2_220_000), D(55_000)
        for days, category, vendor, amount in (
            (0, "Sewa kantor", "PT Graha Properti", 5_000_000),
            (0, "Pemasaran", "Meta Ads", 1_500_000),
            (0, "Pemasaran", "Google Ads", 500_000),
            (0, "Transport", "Gojek", 250_000),
            (-2, "Pemasaran", "Meta Ads", 700_000),
            (-20, "Transport", "Gojek", 140_000),
            (-29, "Sewa kantor", "PT Graha Properti", 5_000_000),  # one day before the 28-day window
        ):
            s.add(Expense(spent_on=d + dt.timedelta(days=days), category=category, vendor=vendor, amount=D(amount)))
        project = Project(name="Ekspansi gudang")
        s.add(project)
        s.flush()

        def task(title: str, status: str, created: tuple[int, int, int], due: int | None,
                 completed: tuple[int, int, int] | None = None) -> None:
            made = _local(d + dt.timedelta(days=created[0]), created[1], created[2], tz)
            done_at = _local(d + dt.timedelta(days=completed[0]), completed[1], completed[2], tz) if completed else None
            s.add(Task(project_id=project.id, title=title, status=status, position=title, created_at=made,
                       updated_at=done_at or made, completed_at=done_at,
                       due_date=d + dt.timedelta(days=due) if due is not None else None))

        task("T1", "todo", (-10, 10, 0), -1)
        task("T2", "in_progress", (-3, 9, 0), 5)
        task("T3", "done", (-5, 9, 0), -4, completed=(0, 12, 0))
        task("T4", "todo", (1, 1, 0), 0)                       # created after the day ended (local time)
        task("T5", "done", (-2, 9, 0), None, completed=(0, 23, 30))
        task("T6", "todo", (0, 23, 59), 0)
