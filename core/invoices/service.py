"""Invoices: drafts, issuing (numbering), payments, voiding, listing and overdue marking.

Statuses: draft -> sent -> paid, with overdue for sent invoices past their due date and
void for cancelled ones. Every change goes through RBAC and lands in the audit log (the
database triggers see it); totals are always recomputed here, never trusted from input.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from core.ai.precheck.enforce import enforce
from core.context import TenantContext
from core.customers.models import Customer
from core.errors import Conflict, NotFound, ValidationFailed
from core.invoices.calc import CURRENCIES, LineIn, Totals, as_decimal, compute, round_money
from core.invoices.models import STATUSES, Invoice, InvoiceLine, InvoicePayment
from core.invoices.numbering import invoice_number
from core.invoices.tax import rate_on
from core.rbac.guard import require, require_write
from core.webhooks.events import invoice_data
from core.webhooks.outbox import emit, emit_many
from db.session import read_rows, tenant_session

MAX_LINES = 200
CENT = Decimal("0.01")
OPEN = ("sent", "overdue")


@dataclass(frozen=True)
class DraftIn:
    customer_id: uuid.UUID
    issue_date: dt.date
    lines: list[LineIn]
    due_date: dt.date | None = None
    payment_terms_days: int | None = None
    currency: str = "IDR"
    discount_pct: Decimal | None = None
    discount_amount: Decimal | None = None
    notes: str | None = None


@dataclass(frozen=True)
class LineView:
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class InvoiceView:
    id: uuid.UUID
    number: str | None
    customer_id: uuid.UUID
    customer_name: str
    issue_date: dt.date
    due_date: dt.date
    status: str
    currency: str
    subtotal: Decimal
    discount_amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    total: Decimal
    amount_paid: Decimal
    notes: str | None
    created_at: dt.datetime
    lines: tuple[LineView, ...] = field(default=())

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    customer_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[InvoiceView]
    next_cursor: str | None


# --- helpers ----------------------------------------------------------------------------


def _m(value: object) -> Decimal:
    """Money as stored (numeric(18, 2)), whether it came from the database or was just computed."""
    if type(value) is Decimal:  # the database's numeric: no round trip through text
        return value.quantize(CENT)
    return Decimal(str(value)).quantize(CENT)


def _view(inv: Invoice, customer_name: str, lines: list[InvoiceLine] | None = None) -> InvoiceView:
    return InvoiceView(
        inv.id, inv.number, inv.customer_id, customer_name, inv.issue_date, inv.due_date, inv.status, inv.currency,
        _m(inv.subtotal), _m(inv.discount_amount), _m(inv.tax_rate), _m(inv.tax_amount), _m(inv.total),
        _m(inv.amount_paid), inv.notes, inv.created_at,
        tuple(LineView(ln.position, ln.description, Decimal(str(ln.quantity)), _m(ln.unit_price),
                       _m(ln.discount_pct), _m(ln.line_total)) for ln in (lines or [])),
    )


def _customer(s: Session, customer_id: uuid.UUID) -> Customer:
    customer = s.get(Customer, customer_id)
    if customer is None:
        raise ValidationFailed("no such customer", details={"customer_id": "unknown"})
    return customer


def _load(s: Session, invoice_id: uuid.UUID, *, lock: bool = False) -> Invoice:
    inv = s.get(Invoice, invoice_id, with_for_update=lock)
    if inv is None:
        raise NotFound("no such invoice")
    return inv


def _lines(s: Session, invoice_id: uuid.UUID) -> list[InvoiceLine]:
    return list(s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id)
                          .order_by(InvoiceLine.position)))


def draft_problems(data: DraftIn) -> tuple[dict[str, str], dt.date]:
    """What is wrong with a draft's fields (by field), and its due date. A due date before
    the issue date is left to the caller: an error when saving, a finding in a pre-check."""
    problems: dict[str, str] = {}
    if data.currency not in CURRENCIES:
        problems["currency"] = f"unsupported currency '{data.currency}'"
    if len(data.lines) > MAX_LINES:
        problems["lines"] = f"at most {MAX_LINES} lines"
    terms = data.payment_terms_days
    if terms is not None and not (0 <= terms <= 365):
        problems["payment_terms_days"] = "payment terms must be between 0 and 365 days"
    if data.notes and len(data.notes) > 5000:
        problems["notes"] = "notes are limited to 5000 characters"
    due = data.due_date or data.issue_date + dt.timedelta(days=terms if terms is not None else 30)
    return problems, due


def _check_draft(data: DraftIn) -> dt.date:
    problems, due = draft_problems(data)
    if due < data.issue_date:
        problems["due_date"] = "the due date cannot be before the issue date"
    for i, line in enumerate(data.lines, start=1):
        if len(line.description) > 500:
            problems[f"lines.{i}.description"] = f"line {i}: the description is limited to 500 characters"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    return due


def _apply(s: Session, inv: Invoice, data: DraftIn, due: dt.date) -> Totals:
    totals = compute(data.lines, tax_rate=rate_on(s, data.issue_date), currency=data.currency,
                     discount_pct=data.discount_pct, discount_amount=data.discount_amount)
    inv.customer_id, inv.issue_date, inv.due_date = data.customer_id, data.issue_date, due
    inv.currency, inv.notes = data.currency, (data.notes or "").strip() or None
    inv.payment_terms_days = (due - data.issue_date).days
    inv.subtotal, inv.discount_pct, inv.discount_amount = totals.subtotal, data.discount_pct, totals.discount_amount
    inv.tax_rate, inv.tax_amount, inv.total = totals.tax_rate, totals.tax_amount, totals.total
    return totals


def _enforce(s: Session, inv: Invoice, customer: Customer, lines: Any) -> None:
    """Blocking SOP rules (core.ai.precheck) refuse the invoice with a 422 naming the rule."""
    enforce(s, invoice_id=inv.id, customer=customer, issue_date=inv.issue_date, due_date=inv.due_date,
            currency=inv.currency, tax_rate=Decimal(inv.tax_rate), lines=lines,
            tax_base=Decimal(inv.subtotal) - Decimal(inv.discount_amount), total=Decimal(inv.total), notes=inv.notes)


def _write_lines(s: Session, inv: Invoice, totals: Totals) -> list[InvoiceLine]:
    s.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == inv.id))
    lines = [InvoiceLine(invoice_id=inv.id, position=i, description=ln.description, quantity=ln.quantity,
                         unit_price=ln.unit_price, discount_pct=ln.discount_pct, line_total=ln.line_total)
             for i, ln in enumerate(totals.lines, start=1)]
    s.add_all(lines)
    return lines


# --- commands ---------------------------------------------------------------------------


def create_draft(ctx: TenantContext, data: DraftIn) -> InvoiceView:
    require_write(ctx, "invoice.create")
    due = _check_draft(data)
    with tenant_session(ctx) as s:
        customer = _customer(s, data.customer_id)
        inv = Invoice(status="draft")
        totals = _apply(s, inv, data, due)
        _enforce(s, inv, customer, totals.lines)
        s.add(inv)
        s.flush()
        lines = _write_lines(s, inv, totals)
        s.flush()
        view = _view(inv, customer.name, lines)
        emit(s, ctx, "invoice.created", invoice_data(view))
        return view


def update_draft(ctx: TenantContext, invoice_id: uuid.UUID, data: DraftIn) -> InvoiceView:
    require_write(ctx, "invoice.update")
    due = _check_draft(data)
    with tenant_session(ctx) as s:
        inv = _load(s, invoice_id, lock=True)
        if inv.status != "draft":
            raise Conflict(f"only drafts can be edited; this invoice is {inv.status}")
        customer = _customer(s, data.customer_id)
        totals = _apply(s, inv, data, due)
        _enforce(s, inv, customer, totals.lines)
        lines = _write_lines(s, inv, totals)
        s.flush()
        return _view(inv, customer.name, lines)


def issue(ctx: TenantContext, invoice_id: uuid.UUID, now: dt.datetime | None = None) -> InvoiceView:
    """Draft -> sent: the invoice gets its number, gapless per tenant and month."""
    require_write(ctx, "invoice.send")
    with tenant_session(ctx) as s:
        inv = _load(s, invoice_id, lock=True)
        if inv.status != "draft":
            raise Conflict(f"the invoice is already {inv.status}")
        _enforce(s, inv, _customer(s, inv.customer_id), _lines(s, inv.id))
        inv.number = invoice_number(s, inv.issue_date)
        inv.status = "sent"
        inv.sent_at = now or dt.datetime.now(dt.UTC)
        s.flush()
        view = _view(inv, _customer(s, inv.customer_id).name, _lines(s, inv.id))
        emit(s, ctx, "invoice.sent", invoice_data(view))
        return view


def create_and_issue(ctx: TenantContext, data: DraftIn) -> InvoiceView:
    draft = create_draft(ctx, data)
    return issue(ctx, draft.id)


def record_payment(ctx: TenantContext, invoice_id: uuid.UUID, amount: Decimal | str, paid_on: dt.date,
                   method: str | None = None, reference: str | None = None) -> InvoiceView:
    require_write(ctx, "invoice.pay")
    with tenant_session(ctx) as s:
        inv = _load(s, invoice_id, lock=True)
        value = round_money(as_decimal(amount, "amount"), inv.currency)
        if inv.status not in OPEN:
            raise Conflict(f"payments can only be recorded on sent or overdue invoices; this one is {inv.status}")
        balance = Decimal(inv.total) - Decimal(inv.amount_paid)
        if value <= 0:
            raise ValidationFailed("the payment must be more than zero", details={"amount": "not positive"})
        if value > balance:
            raise ValidationFailed(f"the payment is more than the balance due ({balance})",
                                   details={"amount": "over balance"})
        if paid_on < inv.issue_date:
            raise ValidationFailed("the payment date is before the issue date", details={"paid_on": "too early"})
        s.add(InvoicePayment(invoice_id=inv.id, amount=value, paid_on=paid_on, method=(method or None),
                             reference=(reference or "")[:120] or None))
        inv.amount_paid = Decimal(inv.amount_paid) + value
        if inv.amount_paid >= inv.total:
            inv.status, inv.paid_at = "paid", paid_on
        s.flush()
        view = _view(inv, _customer(s, inv.customer_id).name, _lines(s, inv.id))
        if view.status == "paid":
            emit(s, ctx, "invoice.paid", invoice_data(view))
        return view


def mark_paid(ctx: TenantContext, invoice_id: uuid.UUID, paid_on: dt.date, method: str | None = None) -> InvoiceView:
    """Record a payment of the whole remaining balance."""
    current = get_invoice(ctx, invoice_id)
    return record_payment(ctx, invoice_id, current.balance, paid_on, method)


def void(ctx: TenantContext, invoice_id: uuid.UUID, reason: str) -> InvoiceView:
    require_write(ctx, "invoice.void")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("say why the invoice is voided", details={"reason": "required"})
    with tenant_session(ctx) as s:
        inv = _load(s, invoice_id, lock=True)
        if inv.status in ("void", "paid") or Decimal(inv.amount_paid) > 0:
            raise Conflict("a paid or partly paid invoice cannot be voided; record a credit note instead"
                           if inv.status != "void" else "the invoice is already void")
        inv.status, inv.voided_at, inv.void_reason = "void", dt.datetime.now(dt.UTC), reason[:500]
        s.flush()
        return _view(inv, _customer(s, inv.customer_id).name, _lines(s, inv.id))


def delete_draft(ctx: TenantContext, invoice_id: uuid.UUID) -> None:
    require_write(ctx, "invoice.delete")
    with tenant_session(ctx) as s:
        inv = _load(s, invoice_id, lock=True)
        if inv.status != "draft":
            raise Conflict("only drafts can be deleted; issued invoices are voided")
        s.delete(inv)


def mark_overdue(ctx: TenantContext, today: dt.date) -> list[uuid.UUID]:
    """Sent invoices past their due date become overdue (a job runs this daily)."""
    require_write(ctx, "invoice.update")
    with tenant_session(ctx) as s:
        ids = s.scalars(update(Invoice).where(Invoice.status == "sent", Invoice.due_date < today)
                        .values(status="overdue").returning(Invoice.id)).all()
        if ids:
            rows = s.execute(select(Invoice, Customer.name).join(Customer, Customer.id == Invoice.customer_id)
                             .where(Invoice.id.in_(ids)).execution_options(populate_existing=True))
            emit_many(s, ctx, "invoice.overdue", [invoice_data(_view(inv, name)) for inv, name in rows])
        return list(ids)


# --- queries ----------------------------------------------------------------------------


def get_invoice(ctx: TenantContext, invoice_id: uuid.UUID) -> InvoiceView:
    require(ctx, "invoice.read")
    with tenant_session(ctx) as s:
        inv = _load(s, invoice_id)
        return _view(inv, _customer(s, inv.customer_id).name, _lines(s, inv.id))


def _encode(created: dt.datetime, ident: uuid.UUID) -> str:
    raw = json.dumps([created.isoformat(), str(ident)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, ident = json.loads(raw)
        return dt.datetime.fromisoformat(created), uuid.UUID(ident)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed("the cursor is not valid", details={"cursor": "invalid"}) from exc


# In InvoiceView's field order, so that a row is a view's arguments.
LIST_COLUMNS = (Invoice.id, Invoice.number, Invoice.customer_id, Customer.name.label("customer_name"),
                Invoice.issue_date, Invoice.due_date, Invoice.status, Invoice.currency, Invoice.subtotal,
                Invoice.discount_amount, Invoice.tax_rate, Invoice.tax_amount, Invoice.total, Invoice.amount_paid,
                Invoice.notes, Invoice.created_at)
NEWEST_FIRST = (Invoice.created_at.desc(), Invoice.id.desc())


@functools.lru_cache(maxsize=64)
def _list_shape(status: bool, customer: bool, date_from: bool, date_to: bool, search: bool,
                after: bool) -> Select[Any]:
    """The page statement for one combination of filters, values as bound parameters. Built
    once per combination: reusing the statement object lets SQLAlchemy reuse its compiled
    form and result map, which costs more to rebuild than the query takes to run."""
    q: Select[Any] = select(*LIST_COLUMNS).join(Customer, Customer.id == Invoice.customer_id)  # type: ignore[assignment]
    if status:
        q = q.where(Invoice.status == bindparam("status"))
    if customer:
        q = q.where(Invoice.customer_id == bindparam("customer_id"))
    if date_from:
        q = q.where(Invoice.issue_date >= bindparam("date_from"))
    if date_to:
        q = q.where(Invoice.issue_date <= bindparam("date_to"))
    if search:
        q = q.where(or_(Invoice.number.ilike(bindparam("term")), Customer.name.ilike(bindparam("term"))))
    if after:  # keyset: rows older than the cursor's (created_at, id)
        q = q.where(or_(Invoice.created_at < bindparam("after_created"),
                        and_(Invoice.created_at == bindparam("after_created"), Invoice.id < bindparam("after_id"))))
    return q.order_by(*NEWEST_FIRST).limit(bindparam("limit"))


def list_statement(filters: Filters, *, limit: int,
                   after: tuple[dt.datetime, uuid.UUID] | None = None) -> tuple[Select[Any], dict[str, Any]]:
    """A page of plain columns (not entities: rows go straight into views), newest first,
    and its parameters."""
    if filters.status and filters.status not in STATUSES:
        raise ValidationFailed(f"unknown status '{filters.status}'", details={"status": "unknown"})
    params: dict[str, Any] = {"limit": limit, "status": filters.status, "customer_id": filters.customer_id,
                              "date_from": filters.date_from, "date_to": filters.date_to}
    if filters.search:
        params["term"] = "%" + filters.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if after:
        params["after_created"], params["after_id"] = after
    stmt = _list_shape(bool(filters.status), bool(filters.customer_id), bool(filters.date_from),
                       bool(filters.date_to), bool(filters.search), after is not None)
    return stmt, params


def list_invoices(ctx: TenantContext, filters: Filters = Filters(), *, limit: int = 50,
                  cursor: str | None = None) -> Page:
    """Newest first, keyset-paginated on (created_at, id)."""
    require(ctx, "invoice.read")
    if not 1 <= limit <= 200:
        raise ValidationFailed("limit must be between 1 and 200", details={"limit": "out of range"})
    stmt, params = list_statement(filters, limit=limit + 1, after=_decode(cursor) if cursor else None)
    rows = read_rows(ctx, stmt, params)  # Core, not the ORM: a page of plain rows, one round trip
    # The amounts come from numeric(18, 2) and numeric(5, 2) columns, already at their scale.
    items = [InvoiceView(*row) for row in rows[:limit]]
    nxt = _encode(items[-1].created_at, items[-1].id) if len(rows) > limit else None
    return Page(items, nxt)


def count_by_status(ctx: TenantContext) -> dict[str, int]:
    require(ctx, "invoice.read")
    with tenant_session(ctx) as s:
        return {status: int(n) for status, n in s.execute(
            select(Invoice.status, func.count()).group_by(Invoice.status))}
