"""/api/v1/spending: expenses."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from api.errors import ERROR_RESPONSES
from core.spending import service

router = APIRouter(prefix="/api/v1/spending", tags=["spending"], responses=ERROR_RESPONSES)


class ExpenseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    spent_on: dt.date
    category: str = Field(min_length=1, max_length=80)
    vendor: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(gt=0, lt=Decimal(10) ** 15, max_digits=18, decimal_places=2)
    currency: str = Field(default="IDR", min_length=3, max_length=3)
    description: str | None = Field(default=None, max_length=5000)


class ExpenseOut(BaseModel):
    id: uuid.UUID
    spent_on: dt.date
    category: str
    vendor: str
    amount: Decimal
    currency: str
    description: str | None
    attachment_id: uuid.UUID | None


def out(v: service.ExpenseView) -> ExpenseOut:
    return ExpenseOut.model_validate(v.__dict__)


@router.get("", response_model=list[ExpenseOut], summary="List expenses, newest first")
async def list_expenses(ctx: Context, date_from: dt.date | None = None, date_to: dt.date | None = None,
                        category: str | None = Query(default=None, max_length=80),
                        limit: int = Query(default=1000, ge=1, le=10000)) -> list[ExpenseOut]:
    rows = await run_in_threadpool(service.list_expenses, ctx, date_from, date_to, category, limit)
    return [out(e) for e in rows]


@router.get("/{expense_id}", response_model=ExpenseOut, summary="Get an expense")
async def get_expense(ctx: Context, expense_id: uuid.UUID) -> ExpenseOut:
    return out(await run_in_threadpool(service.get_expense, ctx, expense_id))


@router.post("", response_model=ExpenseOut, status_code=201, summary="Record an expense")
async def create_expense(ctx: Context, payload: ExpenseIn) -> ExpenseOut:
    return out(await run_in_threadpool(service.record_expense, ctx, service.ExpenseIn(**payload.model_dump())))


@router.delete("/{expense_id}", status_code=204, summary="Delete an expense")
async def delete_expense(ctx: Context, expense_id: uuid.UUID) -> Response:
    await run_in_threadpool(service.delete_expense, ctx, expense_id)
    return Response(status_code=204)
