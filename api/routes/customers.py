"""/api/v1/customers."""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from api.errors import ERROR_RESPONSES
from core.customers import service

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], responses=ERROR_RESPONSES)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    npwp: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=1000)
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    credit_limit: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 15, max_digits=18, decimal_places=2)
    notes: str | None = Field(default=None, max_length=5000)


class CustomerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    npwp: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=1000)
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    credit_limit: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 15, max_digits=18, decimal_places=2)
    notes: str | None = Field(default=None, max_length=5000)


class CustomerOut(BaseModel):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    npwp: str | None
    address: str | None
    payment_terms_days: int
    credit_limit: Decimal | None
    notes: str | None


def out(v: service.CustomerView) -> CustomerOut:
    return CustomerOut.model_validate(v.__dict__)


@router.get("", response_model=list[CustomerOut], summary="List customers")
async def list_customers(ctx: Context, search: str | None = Query(default=None, max_length=200),
                         limit: int = Query(default=500, ge=1, le=5000)) -> list[CustomerOut]:
    return [out(c) for c in await run_in_threadpool(service.list_customers, ctx, search, limit)]


@router.get("/{customer_id}", response_model=CustomerOut, summary="Get a customer")
async def get_customer(ctx: Context, customer_id: uuid.UUID) -> CustomerOut:
    return out(await run_in_threadpool(service.get_customer, ctx, customer_id))


@router.post("", response_model=CustomerOut, status_code=201, summary="Create a customer")
async def create_customer(ctx: Context, payload: CustomerIn) -> CustomerOut:
    return out(await run_in_threadpool(service.create_customer, ctx, service.CustomerIn(**payload.model_dump())))


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change a customer")
async def update_customer(ctx: Context, customer_id: uuid.UUID, payload: CustomerPatch) -> CustomerOut:
    changes = payload.model_dump(exclude_unset=True)
    return out(await run_in_threadpool(service.update_customer, ctx, customer_id, changes))


@router.delete("/{customer_id}", status_code=204, summary="Delete a customer without invoices")
async def delete_customer(ctx: Context, customer_id: uuid.UUID) -> Response:
    await run_in_threadpool(service.delete_customer, ctx, customer_id)
    return Response(status_code=204)
