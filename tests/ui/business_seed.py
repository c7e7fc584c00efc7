"""A company with members in every system role and a little of everything, for the page tests."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal as D

from core.context import Actor, TenantContext
from core.customers.service import CustomerIn, create_customer
from core.identity.service import add_membership, create_user, get_user_by_email
from core.invoices import service as invoices
from core.invoices.calc import LineIn
from core.projects import service as projects
from core.projects import tasks
from core.rbac.permissions import SYSTEM_ROLES
from core.spending.service import ExpenseIn, record_expense
from core.tenancy.provisioning import NewTenant, create_tenant
from core.tenancy.registry import context_for, get_tenant

PASSWORD = "rahasia-123"
# A 1x1 PNG, as a receipt.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
                       "AAAABJRU5ErkJggg==")


@dataclass(frozen=True)
class Company:
    slug: str
    tenant_id: uuid.UUID
    emails: dict[str, str]  # role -> email
    user_ids: dict[str, uuid.UUID]
    sent_invoice: uuid.UUID | None = None
    draft_invoice: uuid.UUID | None = None
    project: uuid.UUID | None = None


def context(slug: str, role: str, user_id: uuid.UUID) -> TenantContext:
    return context_for(get_tenant(slug), Actor("user", str(user_id), f"{role}@{slug}"), role=role,
                       permissions=SYSTEM_ROLES[role])


def company(slug: str, name: str, roles: tuple[str, ...] = ("admin", "manager", "staff"),
            language: str = "en") -> Company:
    """A new company (shared tier, region global) with one member per role; idempotent per slug."""
    try:
        tenant = get_tenant(slug)
    except Exception:
        tenant = create_tenant(NewTenant(name=name, slug=slug, region="global", tier="shared"))
    emails, ids = {}, {}
    for role in roles:
        email = f"{role}@{slug}.example"
        user = get_user_by_email(email) or create_user(email, f"{role.title()} {name.split()[0]}", PASSWORD,
                                                       language)
        add_membership(user.id, tenant.id, role)
        emails[role], ids[role] = email, user.id
    return Company(slug, tenant.id, emails, ids)


def fill(c: Company, today: dt.date) -> Company:
    """Customers, invoices in every state, spending with a receipt, a project with tasks."""
    admin = context(c.slug, "admin", c.user_ids["admin"])
    sinar = create_customer(admin, CustomerIn("PT Sinar Abadi", email="ap@sinar.example", npwp="012345678901000"))
    odd = create_customer(admin, CustomerIn("<b>CV Berkah</b> =cmd|' /C calc'!A0", payment_terms_days=14))

    def draft(customer: uuid.UUID, day: dt.date, price: int, **kw: object) -> invoices.InvoiceView:
        return invoices.create_draft(admin, invoices.DraftIn(
            customer, day, [LineIn("Konsultasi bisnis (per jam)", D(4), D(price)), LineIn("Lisensi", D(1), D(250_000))],
            **kw))  # type: ignore[arg-type]

    sent = invoices.issue(admin, draft(sinar.id, today, 750_000).id)
    paid = invoices.issue(admin, draft(odd.id, today - dt.timedelta(days=20), 1_200_000).id)
    invoices.mark_paid(admin, paid.id, today - dt.timedelta(days=3))
    invoices.issue(admin, draft(sinar.id, today - dt.timedelta(days=45), 500_000, payment_terms_days=14).id)
    open_draft = draft(odd.id, today, 100_000, notes="Bayar ke BCA 123")
    for days, category, vendor, amount in ((1, "Sewa kantor", "PT Graha Properti", 15_000_000),
                                           (2, "Pemasaran", "Meta Ads", 4_500_000),
                                           (3, "Internet & telepon", "Telkomsel", 1_250_000)):
        record_expense(admin, ExpenseIn(today - dt.timedelta(days=days), category, vendor, D(amount)),
                       receipt=("struk.png", PNG) if category == "Pemasaran" else None)
    project = projects.create_project(admin, "Peluncuran produk", "Launch of the new coffee line",
                                      list(c.user_ids.values()))
    for title, status, priority, who in (("Design the label", "todo", "high", "staff"),
                                         ("Book the venue", "todo", "medium", None),
                                         ("Write the press release", "in_progress", "urgent", "manager"),
                                         ("Choose a supplier", "done", "low", "admin")):
        tasks.create_task(admin, project.id, title, status=status, priority=priority,
                          assignee_user_id=c.user_ids[who] if who else None, due_date=today + dt.timedelta(days=7))
    return Company(c.slug, c.tenant_id, c.emails, c.user_ids, sent.id, open_draft.id, project.id)
