"""Customers: the companies a tenant invoices."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from core.context import TenantContext
from core.customers.models import Customer
from core.errors import Conflict, NotFound, ValidationFailed
from core.invoices.models import Invoice
from core.rbac.guard import require, require_write
from core.webhooks.events import customer_data
from core.webhooks.outbox import emit
from db.session import tenant_session

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
LIMITS = {"name": 200, "email": 254, "phone": 40, "npwp": 32, "address": 1000, "notes": 5000}


@dataclass(frozen=True)
class CustomerIn:
    name: str
    email: str | None = None
    phone: str | None = None
    npwp: str | None = None
    address: str | None = None
    payment_terms_days: int = 30
    credit_limit: Decimal | None = None
    notes: str | None = None


NO_ID = uuid.UUID(int=0)


@dataclass(frozen=True)
class CustomerView(CustomerIn):
    id: uuid.UUID = NO_ID


def _view(c: Customer) -> CustomerView:
    return CustomerView(c.name, c.email, c.phone, c.npwp, c.address, c.payment_terms_days,
                        Decimal(c.credit_limit) if c.credit_limit is not None else None, c.notes, c.id)


def clean(data: CustomerIn) -> CustomerIn:
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for f in fields(CustomerIn):
        value = getattr(data, f.name)
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and len(value) > LIMITS.get(f.name, 1000):
                problems[f.name] = f"{f.name} is limited to {LIMITS.get(f.name, 1000)} characters"
        values[f.name] = value
    if not values["name"]:
        problems["name"] = "a customer name is required"
    if values["email"] and not EMAIL_RE.match(values["email"]):
        problems["email"] = f"'{values['email']}' is not a valid email address"
    if values["npwp"] and len(re.sub(r"\D", "", values["npwp"])) not in (15, 16):
        problems["npwp"] = "an NPWP has 15 or 16 digits"
    terms = values["payment_terms_days"]
    if not isinstance(terms, int) or not 0 <= terms <= 365:
        problems["payment_terms_days"] = "payment terms must be between 0 and 365 days"
    limit = values["credit_limit"]
    if limit is not None and (Decimal(limit) < 0 or not Decimal(limit).is_finite()):
        problems["credit_limit"] = "the credit limit cannot be negative"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    return replace(data, **values)


def list_customers(ctx: TenantContext, search: str | None = None, limit: int = 500) -> list[CustomerView]:
    require(ctx, "customer.read")
    q = select(Customer).order_by(Customer.name).limit(min(max(limit, 1), 5000))
    if search:
        term = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(or_(Customer.name.ilike(term), Customer.email.ilike(term)))
    with tenant_session(ctx) as s:
        return [_view(c) for c in s.scalars(q)]


def get_customer(ctx: TenantContext, customer_id: uuid.UUID) -> CustomerView:
    require(ctx, "customer.read")
    with tenant_session(ctx) as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("no such customer")
        return _view(c)


def create_customer(ctx: TenantContext, data: CustomerIn) -> CustomerView:
    require_write(ctx, "customer.write")
    data = clean(data)
    with tenant_session(ctx) as s:
        c = Customer(**{f.name: getattr(data, f.name) for f in fields(CustomerIn)})
        s.add(c)
        s.flush()
        view = _view(c)
        emit(s, ctx, "customer.created", customer_data(view))
        return view


def update_customer(ctx: TenantContext, customer_id: uuid.UUID, changes: dict[str, Any]) -> CustomerView:
    require_write(ctx, "customer.write")
    unknown = set(changes) - {f.name for f in fields(CustomerIn)}
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}", details={"fields": sorted(unknown)})
    with tenant_session(ctx) as s:
        c = s.get(Customer, customer_id, with_for_update=True)
        if c is None:
            raise NotFound("no such customer")
        data = clean(replace(_view(c), **changes))
        for name in changes:
            setattr(c, name, getattr(data, name))
        s.flush()
        return _view(c)


def delete_customer(ctx: TenantContext, customer_id: uuid.UUID) -> None:
    require_write(ctx, "customer.delete")
    with tenant_session(ctx) as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound("no such customer")
        if s.scalar(select(func.count()).select_from(Invoice).where(Invoice.customer_id == customer_id)):
            raise Conflict("the customer has invoices and cannot be deleted")
        s.delete(c)
