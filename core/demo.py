"""Demo companies for `make run`: one per tier in Global and one in Indonesia (idempotent)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from core.context import Actor, TenantContext
from core.customers.models import Customer
from core.errors import NotFound
from core.identity.service import add_membership, create_user, get_user_by_email
from core.invoices.models import Invoice, InvoiceLine, InvoicePayment
from core.invoices.numbering import invoice_number
from core.rbac.permissions import ALL
from core.spending.models import Expense
from core.tenancy.provisioning import NewTenant, create_tenant
from core.tenancy.registry import context_for, get_tenant
from db.session import tenant_session

DEMO_PASSWORD = "demo12345"  # noqa: S105 - the published demo login
PPN = Decimal("11")


@dataclass(frozen=True)
class DemoCompany:
    slug: str
    name: str
    region: str
    tier: str


COMPANIES = (
    DemoCompany("kopi-kita", "Kopi Kita Global", "global", "shared"),
    DemoCompany("nusantara-logistik", "Nusantara Logistik", "global", "schema"),
    DemoCompany("garuda-finance", "Garuda Finance Group", "global", "dedicated"),
    DemoCompany("maju-jaya", "PT Maju Jaya Sejahtera", "id", "shared"),
)

CUSTOMERS = [
    "PT Sinar Abadi", "CV Berkah Mandiri", "PT Cahaya Timur", "Toko Sumber Rejeki", "PT Bumi Hijau",
    "CV Karya Bersama", "PT Samudra Biru", "UD Makmur Sentosa",
]
PRODUCTS = [
    ("Konsultasi bisnis (per jam)", 750_000), ("Lisensi perangkat lunak (bulanan)", 2_500_000),
    ("Pelatihan karyawan (per sesi)", 4_000_000), ("Jasa pengiriman (per paket)", 85_000),
    ("Desain materi promosi", 3_200_000), ("Dukungan teknis (per bulan)", 1_800_000),
]
SPENDING = [
    ("Sewa kantor", "PT Graha Properti", 15_000_000, 25_000_000), ("Gaji & tunjangan", "Payroll", 40_000_000,
                                                                   60_000_000),
    ("Perjalanan dinas", "Garuda Indonesia", 2_000_000, 9_000_000), ("Internet & telepon", "Telkomsel",
                                                                      900_000, 2_500_000),
    ("Pemasaran", "Meta Ads", 3_000_000, 12_000_000), ("ATK & perlengkapan", "Gramedia", 300_000, 2_000_000),
    ("Listrik & air", "PLN", 1_500_000, 4_000_000),
]


def rupiah(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def login_for(company: DemoCompany) -> str:
    return f"admin@{company.slug}.example"


def _ensure_company(company: DemoCompany) -> None:
    try:
        get_tenant(company.slug)
    except NotFound:
        create_tenant(NewTenant(name=company.name, slug=company.slug, region=company.region, tier=company.tier,
                                locale="id" if company.region == "id" else "en"))


def _ensure_admin(company: DemoCompany) -> None:
    tenant = get_tenant(company.slug)
    email = login_for(company)
    user = get_user_by_email(email) or create_user(email, f"Admin {company.name}", DEMO_PASSWORD,
                                                   language="id" if company.region == "id" else "en")
    add_membership(user.id, tenant.id, "admin")


def _fill(company: DemoCompany, today: dt.date) -> bool:
    tenant = get_tenant(company.slug)
    ctx = context_for(tenant, Actor("system", "demo-seed", "Demo seed"))
    rng = random.Random(company.slug)
    with tenant_session(ctx) as s:
        if s.scalar(select(func.count()).select_from(Customer)):
            return False
        customers = [Customer(name=n, email=f"finance@{n.lower().replace(' ', '')[:18]}.co.id") for n in CUSTOMERS]
        s.add_all(customers)
        s.flush()
        start = (today.replace(day=1) - dt.timedelta(days=100)).replace(day=1)
        day = start
        while day <= today:
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                lines, subtotal = [], Decimal(0)
                for pos in range(1, rng.randint(1, 3) + 1):
                    desc, price = rng.choice(PRODUCTS)
                    qty = Decimal(rng.randint(1, 10))
                    disc = Decimal(rng.choice((0, 0, 5, 10)))
                    total = rupiah(qty * price * (1 - disc / 100))
                    subtotal += total
                    lines.append(InvoiceLine(position=pos, description=desc, quantity=qty,
                                             unit_price=Decimal(price), discount_pct=disc, line_total=total))
                tax = rupiah(subtotal * PPN / 100)
                due = day + dt.timedelta(days=30)
                age = (today - day).days
                status = "paid" if age > 45 or (age > 10 and rng.random() < 0.6) else "sent"
                if status == "sent" and due < today:
                    status = "overdue"
                if age < 3 and rng.random() < 0.5:
                    status = "draft"
                invoice = Invoice(
                    number=None if status == "draft" else invoice_number(s, day),
                    customer_id=rng.choice(customers).id,
                    issue_date=day, due_date=due, status=status, subtotal=subtotal, tax_rate=PPN,
                    tax_amount=tax, total=subtotal + tax, amount_paid=subtotal + tax if status == "paid" else 0,
                    paid_at=min(today, day + dt.timedelta(days=rng.randint(3, 40))) if status == "paid" else None,
                )
                s.add(invoice)
                s.flush()
                for line in lines:
                    line.invoice_id = invoice.id
                s.add_all(lines)
                if status == "paid":  # cash in: the dashboard's and the digest's revenue
                    s.add(InvoicePayment(invoice_id=invoice.id, paid_on=invoice.paid_at, amount=invoice.total,
                                         method="transfer"))
            if rng.random() < 0.45:
                category, vendor, low, high = rng.choice(SPENDING)
                s.add(Expense(spent_on=day, category=category, vendor=vendor,
                              amount=Decimal(rng.randrange(low, high, 1000))))
            day += dt.timedelta(days=1)
    return True


TASKS = [  # (title, status, priority, due in days from today)
    ("Renew the office lease", "todo", "high", -3),
    ("Quarterly PPN report", "todo", "high", 5),
    ("Collect overdue receivables", "in_progress", "urgent", -1),
    ("Onboard the new accountant", "in_progress", "medium", 10),
    ("Choose a payroll provider", "todo", "low", 21),
    ("Close last month's books", "done", "high", -6),
    ("Update the price list", "done", "medium", -10),
]


def _project(ctx: TenantContext, today: dt.date) -> None:
    """One project with tasks in every column, a few of them overdue."""
    from core.projects.service import create_project, list_projects
    from core.projects.tasks import create_task

    if list_projects(ctx):
        return
    project = create_project(ctx, "Finance operations", "Month-end close, tax and collections")
    for title, status, priority, due_in in TASKS:
        create_task(ctx, project.id, title, status=status, priority=priority,
                    due_date=today + dt.timedelta(days=due_in))


DOCUMENTS = {
    "kebijakan-perjalanan-dinas.md": """# Kebijakan Perjalanan Dinas

Kebijakan ini berlaku untuk seluruh karyawan yang melakukan perjalanan dinas atas nama perusahaan.

## Akomodasi
Biaya hotel diganti paling tinggi Rp 1.500.000 per malam di Jakarta dan Rp 1.000.000 per malam di kota lain.

## Transportasi
Penerbangan domestik memakai kelas ekonomi dan dipesan melalui bagian umum paling lambat tujuh hari sebelumnya.

## Klaim biaya
Klaim biaya beserta kuitansi asli diajukan paling lambat 14 hari setelah perjalanan selesai.
Klaim yang terlambat hanya dibayar dengan persetujuan tertulis direktur keuangan.
""",
    "leave-and-working-hours.md": """# Leave and Working Hours

This policy applies to all permanent employees.

## Working hours
The office opens at 08:00 and closes at 17:00, Monday to Friday.

## Annual leave
Permanent employees are entitled to 12 working days of annual leave per year.
Leave requests go to the direct manager at least seven days in advance.

## Sick leave
Sick leave of more than two days requires a doctor's note.
""",
}


def _documents(ctx: TenantContext) -> None:
    """Two policies to ask questions of; the scheduler reads and indexes them in the background."""
    from core.ai.rag import service as documents

    if documents.list_documents(ctx):
        return
    for filename, text in DOCUMENTS.items():
        documents.upload(ctx, filename, text.encode(), title=text.splitlines()[0].lstrip("# "))


def _sop_rules(ctx: TenantContext) -> None:
    """Advisory SOP rules for the pre-check (none blocking: the demo stays easy to try)."""
    from core.ai.precheck import service as precheck

    existing = precheck.get_rules(ctx)
    if existing.rules or existing.rates or existing.clauses:
        return
    precheck.set_ppn_rate(ctx, PPN, dt.date(2022, 4, 1))
    precheck.set_rule(ctx, "max_line_discount", value=20)
    precheck.set_rule(ctx, "due_within_days", value=60)
    precheck.set_rule(ctx, "duplicate", value=7)
    precheck.add_clause(ctx, "Invoices above Rp 100.000.000 mention the customer's purchase order number in the "
                             "notes.")


def _first_digest(ctx: TenantContext) -> None:
    """Yesterday's CEO digest now, so the dashboard card is there before the first 05:00."""
    from core.ai.digest import service as digest

    if digest.latest(ctx) is None:
        digest.run_now(ctx)


def seed_demo(today: dt.date | None = None) -> list[str]:
    today = today or dt.date.today()
    lines = []
    for company in COMPANIES:
        _ensure_company(company)
        _ensure_admin(company)
        filled = _fill(company, today)
        admin = context_for(get_tenant(company.slug), Actor("system", "demo-seed", "Demo seed"), role="admin",
                            permissions=ALL)
        _project(admin, today)
        _sop_rules(admin)
        _documents(admin)
        _first_digest(admin)
        lines.append(
            f"{company.name:26} {company.tier:9} {company.region:6}  login {login_for(company)} / {DEMO_PASSWORD}"
            + ("  (new demo data)" if filled else "")
        )
    return lines
