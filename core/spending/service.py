"""Spending: expenses with category, vendor, amount, date and an optional receipt."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.context import TenantContext
from core.errors import NotFound, ValidationFailed
from core.files import service as files
from core.invoices.calc import CURRENCIES, MAX_AMOUNT, as_decimal, round_money
from core.rbac.guard import require, require_write
from core.spending.models import Expense
from db.session import tenant_session

RECEIPT_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
CATEGORIES = ("Sewa kantor", "Gaji & tunjangan", "Perjalanan dinas", "Internet & telepon", "Pemasaran",
              "ATK & perlengkapan", "Listrik & air", "Lainnya")


@dataclass(frozen=True)
class ExpenseIn:
    spent_on: dt.date
    category: str
    vendor: str
    amount: Decimal
    currency: str = "IDR"
    description: str | None = None


@dataclass(frozen=True)
class ExpenseView:
    id: uuid.UUID
    spent_on: dt.date
    category: str
    vendor: str
    amount: Decimal
    currency: str
    description: str | None
    attachment_id: uuid.UUID | None


def _view(e: Expense) -> ExpenseView:
    return ExpenseView(e.id, e.spent_on, e.category, e.vendor, Decimal(e.amount), e.currency, e.description,
                       e.attachment_id)


def clean(data: ExpenseIn) -> ExpenseIn:
    problems: dict[str, str] = {}
    category, vendor = data.category.strip(), data.vendor.strip()
    if not category or len(category) > 80:
        problems["category"] = "a category of 1 to 80 characters is required"
    if not vendor or len(vendor) > 200:
        problems["vendor"] = "a vendor of 1 to 200 characters is required"
    if data.currency not in CURRENCIES:
        problems["currency"] = f"unsupported currency '{data.currency}'"
    amount = as_decimal(data.amount, "amount")
    if data.currency in CURRENCIES:
        amount = round_money(amount, data.currency)
    if amount <= 0:
        problems["amount"] = "the amount must be more than zero"
    elif amount >= MAX_AMOUNT:
        problems["amount"] = "the amount is too large"
    if data.description and len(data.description) > 5000:
        problems["description"] = "the description is limited to 5000 characters"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    return ExpenseIn(data.spent_on, category, vendor, amount, data.currency,
                     (data.description or "").strip() or None)


def record_expense(ctx: TenantContext, data: ExpenseIn, receipt: tuple[str, bytes] | None = None) -> ExpenseView:
    require_write(ctx, "expense.write")
    data = clean(data)
    with tenant_session(ctx) as s:
        attachment = files.store(s, receipt[0], receipt[1], RECEIPT_TYPES) if receipt else None
        e = Expense(spent_on=data.spent_on, category=data.category, vendor=data.vendor, amount=data.amount,
                    currency=data.currency, description=data.description, attachment_id=attachment)
        s.add(e)
        s.flush()
        return _view(e)


def list_expenses(ctx: TenantContext, date_from: dt.date | None = None, date_to: dt.date | None = None,
                  category: str | None = None, limit: int = 1000) -> list[ExpenseView]:
    require(ctx, "expense.read")
    q = select(Expense).order_by(Expense.spent_on.desc(), Expense.created_at.desc()).limit(min(max(limit, 1), 10000))
    if date_from:
        q = q.where(Expense.spent_on >= date_from)
    if date_to:
        q = q.where(Expense.spent_on <= date_to)
    if category:
        q = q.where(Expense.category == category)
    with tenant_session(ctx) as s:
        return [_view(e) for e in s.scalars(q)]


def get_expense(ctx: TenantContext, expense_id: uuid.UUID) -> ExpenseView:
    require(ctx, "expense.read")
    with tenant_session(ctx) as s:
        e = s.get(Expense, expense_id)
        if e is None:
            raise NotFound("no such expense")
        return _view(e)


def receipt(ctx: TenantContext, expense_id: uuid.UUID) -> tuple[str, str, bytes]:
    require(ctx, "expense.read")
    with tenant_session(ctx) as s:
        e = s.get(Expense, expense_id)
        stored = files.load(s, e.attachment_id) if e and e.attachment_id else None
        if stored is None:
            raise NotFound("no receipt for this expense")
        return stored.filename, stored.content_type, stored.data


def delete_expense(ctx: TenantContext, expense_id: uuid.UUID) -> None:
    require_write(ctx, "expense.delete")
    with tenant_session(ctx) as s:
        e = s.get(Expense, expense_id)
        if e is None:
            raise NotFound("no such expense")
        s.delete(e)


def categories_in_use(ctx: TenantContext) -> list[str]:
    require(ctx, "expense.read")
    with tenant_session(ctx) as s:
        used = list(s.scalars(select(Expense.category).group_by(Expense.category).order_by(func.count().desc())))
    return used + [c for c in CATEGORIES if c not in used]
