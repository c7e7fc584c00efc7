"""/api/v1/invoices: list (cursor, filters), get, create, update draft, issue, pay, void, pre-check."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.deps import Context
from api.errors import ERROR_RESPONSES
from api.jsonbody import json_response
from api.pagination import Page
from api.threads import run_model_bound
from core.ai.precheck import service as precheck
from core.invoices import service
from core.invoices.calc import LineIn

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], responses=ERROR_RESPONSES)
Status = Literal["draft", "sent", "paid", "overdue", "void"]
Money = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, max_digits=18, decimal_places=2)]


class LineInModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str = Field(min_length=1, max_length=500)
    quantity: Decimal = Field(gt=0, lt=Decimal(10) ** 9, max_digits=14, decimal_places=3)
    unit_price: Money
    discount_pct: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: uuid.UUID
    issue_date: dt.date
    due_date: dt.date | None = None
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    currency: str = Field(default="IDR", min_length=3, max_length=3)
    discount_pct: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)
    discount_amount: Money | None = None
    notes: str | None = Field(default=None, max_length=5000)
    lines: list[LineInModel] = Field(min_length=1, max_length=200)

    def draft(self) -> service.DraftIn:
        return _draft(self, self.customer_id, self.issue_date, self.lines)


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Money | None = Field(default=None, description="defaults to the whole balance")
    paid_on: dt.date
    method: str | None = Field(default=None, max_length=40)
    reference: str | None = Field(default=None, max_length=120)


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class LineOut(BaseModel):
    position: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_pct: Decimal
    line_total: Decimal


class InvoiceOut(BaseModel):
    id: uuid.UUID
    number: str | None
    customer_id: uuid.UUID
    customer_name: str
    issue_date: dt.date
    due_date: dt.date
    status: Status
    currency: str
    subtotal: Decimal
    discount_amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    total: Decimal
    amount_paid: Decimal
    balance: Decimal
    notes: str | None
    created_at: dt.datetime
    lines: list[LineOut] = Field(default_factory=list)


def out(v: service.InvoiceView) -> InvoiceOut:
    # Built from the service's already checked values: no second validation.
    return InvoiceOut.model_construct(
        id=v.id, number=v.number, customer_id=v.customer_id, customer_name=v.customer_name, issue_date=v.issue_date,
        due_date=v.due_date, status=v.status, currency=v.currency, subtotal=v.subtotal,
        discount_amount=v.discount_amount, tax_rate=v.tax_rate, tax_amount=v.tax_amount, total=v.total,
        amount_paid=v.amount_paid, balance=v.balance, notes=v.notes, created_at=v.created_at,
        lines=[LineOut.model_construct(**ln.__dict__) for ln in v.lines],
    )


def list_item(v: service.InvoiceView) -> dict[str, object]:
    """A list row as InvoiceOut's JSON object (same keys, same order; a list row has no lines)."""
    return {
        "id": v.id, "number": v.number, "customer_id": v.customer_id, "customer_name": v.customer_name,
        "issue_date": v.issue_date, "due_date": v.due_date, "status": v.status, "currency": v.currency,
        "subtotal": v.subtotal, "discount_amount": v.discount_amount, "tax_rate": v.tax_rate,
        "tax_amount": v.tax_amount, "total": v.total, "amount_paid": v.amount_paid, "balance": v.balance,
        "notes": v.notes, "created_at": v.created_at, "lines": [],
    }


@router.get("", response_model=Page[InvoiceOut], summary="List invoices, newest first")
async def list_invoices(
    ctx: Context,
    status: Status | None = None,
    customer_id: uuid.UUID | None = None,
    date_from: dt.date | None = Query(default=None, description="issue date from"),
    date_to: dt.date | None = Query(default=None, description="issue date to"),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[InvoiceOut]:
    filters = service.Filters(status=status, customer_id=customer_id, date_from=date_from, date_to=date_to)
    page = await run_in_threadpool(service.list_invoices, ctx, filters, limit=limit, cursor=cursor)
    # The list is the hot path: written by orjson, not re-validated and serialised by FastAPI.
    return json_response({"data": [list_item(v) for v in page.items],  # type: ignore[return-value]
                          "next_cursor": page.next_cursor})


class PrecheckIn(BaseModel):
    """Either `invoice_id` (a saved invoice) or an invoice in the create shape (plus an optional
    `tax_rate` to check instead of the rate the service would apply, and `invoice_id` is then
    not given)."""

    model_config = ConfigDict(extra="forbid")
    invoice_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    issue_date: dt.date | None = None
    due_date: dt.date | None = None
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    currency: str = Field(default="IDR", min_length=3, max_length=3)
    discount_pct: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)
    discount_amount: Money | None = None
    notes: str | None = Field(default=None, max_length=5000)
    lines: list[LineInModel] | None = Field(default=None, min_length=1, max_length=200)
    tax_rate: Decimal | None = Field(default=None, ge=0, le=100, max_digits=5, decimal_places=2)

    @model_validator(mode="after")
    def one_of(self) -> PrecheckIn:
        given = self.model_fields_set - {"invoice_id"}
        if self.invoice_id is not None and given:
            raise ValueError("give an invoice_id or an invoice, not both")
        if self.invoice_id is None:
            missing = [f for f in ("customer_id", "issue_date", "lines") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"missing {', '.join(missing)} (or give an invoice_id)")
        return self

    def draft(self) -> service.DraftIn:
        assert self.customer_id is not None and self.issue_date is not None and self.lines is not None
        return _draft(self, self.customer_id, self.issue_date, self.lines)


def _draft(m: InvoiceIn | PrecheckIn, customer_id: uuid.UUID, issue_date: dt.date,
           lines: list[LineInModel]) -> service.DraftIn:
    """The service's draft from a request body (a new invoice, or one to pre-check)."""
    return service.DraftIn(
        customer_id=customer_id, issue_date=issue_date, due_date=m.due_date, payment_terms_days=m.payment_terms_days,
        currency=m.currency, discount_pct=m.discount_pct, discount_amount=m.discount_amount, notes=m.notes,
        lines=[LineIn(ln.description, ln.quantity, ln.unit_price, ln.discount_pct) for ln in lines],
    )


class ViolationOut(BaseModel):
    rule: str
    field: str
    expected: str
    actual: str
    severity: Literal["blocking", "advisory"]


class ClausesOut(BaseModel):
    checked: bool = Field(description="false: the free-text clauses could not be judged (see note)")
    note: str | None
    engine: str | None


class PrecheckOut(BaseModel):
    valid: bool = Field(description="true only when no rule, advisory or blocking, is violated")
    reason: str
    violations: list[ViolationOut]
    blocking: bool = Field(description="a blocking rule is violated: the invoice cannot be saved or sent")
    clauses: ClausesOut


@router.post("/precheck", response_model=PrecheckOut, summary="Check an invoice against the SOP rules")
async def precheck_invoice(ctx: Context, payload: PrecheckIn) -> PrecheckOut:
    if payload.invoice_id is not None:
        verdict = await run_model_bound(precheck.precheck_invoice, ctx, payload.invoice_id)
    else:
        verdict = await run_model_bound(precheck.precheck, ctx, payload.draft(), tax_rate=payload.tax_rate)
    return PrecheckOut.model_validate(verdict.as_dict())


@router.get("/{invoice_id}", response_model=InvoiceOut, summary="Get an invoice with its lines")
async def get_invoice(ctx: Context, invoice_id: uuid.UUID) -> InvoiceOut:
    return out(await run_in_threadpool(service.get_invoice, ctx, invoice_id))


# Saving and sending run the pre-check, which may ask the model about free-text clauses.
@router.post("", response_model=InvoiceOut, status_code=201, summary="Create a draft invoice")
async def create_invoice(ctx: Context, payload: InvoiceIn) -> InvoiceOut:
    return out(await run_model_bound(service.create_draft, ctx, payload.draft()))


@router.put("/{invoice_id}", response_model=InvoiceOut, summary="Replace a draft invoice")
async def update_invoice(ctx: Context, invoice_id: uuid.UUID, payload: InvoiceIn) -> InvoiceOut:
    return out(await run_model_bound(service.update_draft, ctx, invoice_id, payload.draft()))


@router.post("/{invoice_id}/send", response_model=InvoiceOut, summary="Issue (send) a draft: it gets its number")
async def send_invoice(ctx: Context, invoice_id: uuid.UUID) -> InvoiceOut:
    return out(await run_model_bound(service.issue, ctx, invoice_id))


@router.post("/{invoice_id}/payments", response_model=InvoiceOut, summary="Record a payment (full or partial)")
async def pay_invoice(ctx: Context, invoice_id: uuid.UUID, payload: PaymentIn) -> InvoiceOut:
    if payload.amount is None:
        return out(await run_in_threadpool(service.mark_paid, ctx, invoice_id, payload.paid_on, payload.method))
    return out(await run_in_threadpool(service.record_payment, ctx, invoice_id, payload.amount, payload.paid_on,
                                       payload.method, payload.reference))


@router.post("/{invoice_id}/void", response_model=InvoiceOut, summary="Void an unpaid invoice")
async def void_invoice(ctx: Context, invoice_id: uuid.UUID, payload: VoidIn) -> InvoiceOut:
    return out(await run_in_threadpool(service.void, ctx, invoice_id, payload.reason))
