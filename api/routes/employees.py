"""/api/v1/employees: the directory; salary only with employee.salary.read."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from api.errors import ERROR_RESPONSES
from core.employees import service

router = APIRouter(prefix="/api/v1/employees", tags=["employees"], responses=ERROR_RESPONSES)


class EmployeeOut(BaseModel):
    id: uuid.UUID
    full_name: str
    email: str | None
    position: str | None
    department: str | None
    joined_on: dt.date | None
    salary: Decimal | None = Field(description="null unless the key's role may read salaries")


class EmployeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    position: str | None = Field(default=None, max_length=120)
    department: str | None = Field(default=None, max_length=120)
    joined_on: dt.date | None = None
    salary: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 16)


class EmployeePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    position: str | None = Field(default=None, max_length=120)
    department: str | None = Field(default=None, max_length=120)
    joined_on: dt.date | None = None
    salary: Decimal | None = Field(default=None, ge=0, lt=Decimal(10) ** 16)


def _out(v: service.EmployeeView) -> EmployeeOut:
    return EmployeeOut(**v.__dict__)


@router.get("", response_model=list[EmployeeOut], summary="List employees")
async def list_employees(ctx: Context) -> list[EmployeeOut]:
    return [_out(v) for v in await run_in_threadpool(service.list_employees, ctx)]


@router.get("/{employee_id}", response_model=EmployeeOut, summary="Get an employee")
async def get_employee(ctx: Context, employee_id: uuid.UUID) -> EmployeeOut:
    return _out(await run_in_threadpool(service.get_employee, ctx, employee_id))


@router.post("", response_model=EmployeeOut, status_code=201, summary="Add an employee")
async def create_employee(ctx: Context, payload: EmployeeIn) -> EmployeeOut:
    data = service.EmployeeInput(**payload.model_dump())
    return _out(await run_in_threadpool(service.create_employee, ctx, data))


@router.patch("/{employee_id}", response_model=EmployeeOut, summary="Change an employee")
async def update_employee(ctx: Context, employee_id: uuid.UUID, payload: EmployeePatch) -> EmployeeOut:
    changes = payload.model_dump(exclude_unset=True)
    return _out(await run_in_threadpool(service.update_employee, ctx, employee_id, changes))


@router.delete("/{employee_id}", status_code=204, summary="Remove an employee")
async def delete_employee(ctx: Context, employee_id: uuid.UUID) -> Response:
    await run_in_threadpool(service.delete_employee, ctx, employee_id)
    return Response(status_code=204)
