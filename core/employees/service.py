"""The employee directory. Salary is a field-level secret: without `employee.salary.read`
it is never returned (None), and writing it needs `employee.salary.write`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from core.context import TenantContext
from core.csv_export import to_csv
from core.employees.models import Employee
from core.errors import NotFound, ValidationFailed
from core.rbac.guard import can, require, require_write
from db.session import tenant_session

SALARY_FIELDS = frozenset({"salary"})


@dataclass(frozen=True)
class EmployeeView:
    id: uuid.UUID
    full_name: str
    email: str | None
    position: str | None
    department: str | None
    joined_on: dt.date | None
    salary: Decimal | None  # None when hidden


@dataclass(frozen=True)
class EmployeeInput:
    full_name: str
    email: str | None = None
    position: str | None = None
    department: str | None = None
    joined_on: dt.date | None = None
    salary: Decimal | None = None


def _view(ctx: TenantContext, e: Employee) -> EmployeeView:
    salary = e.salary if can(ctx, "employee.salary.read") else None
    return EmployeeView(e.id, e.full_name, e.email, e.position, e.department, e.joined_on, salary)


def _clean(data: EmployeeInput) -> EmployeeInput:
    name = data.full_name.strip()
    problems: dict[str, str] = {}
    if not name or len(name) > 200:
        problems["full_name"] = "a name of 1 to 200 characters is required"
    for field, limit in (("position", 120), ("department", 120), ("email", 254)):
        value = getattr(data, field)
        if value is not None and len(value) > limit:
            problems[field] = f"at most {limit} characters"
    salary = data.salary
    if salary is not None:
        try:
            salary = Decimal(salary)
        except (InvalidOperation, TypeError):
            problems["salary"] = "the salary must be a number"
        else:
            if salary < 0 or not salary.is_finite() or salary >= Decimal(10) ** 16:
                problems["salary"] = "the salary must be zero or more"
    if problems:
        raise ValidationFailed("; ".join(f"{k}: {v}" for k, v in problems.items()), details=problems)
    return replace(data, full_name=name, salary=salary)


def list_employees(ctx: TenantContext) -> list[EmployeeView]:
    require(ctx, "employee.read")
    with tenant_session(ctx) as s:
        rows = s.scalars(select(Employee).order_by(Employee.full_name)).all()
        return [_view(ctx, e) for e in rows]


def get_employee(ctx: TenantContext, employee_id: uuid.UUID) -> EmployeeView:
    require(ctx, "employee.read")
    with tenant_session(ctx) as s:
        e = s.get(Employee, employee_id)
        if e is None:
            raise NotFound("no such employee")
        return _view(ctx, e)


def create_employee(ctx: TenantContext, data: EmployeeInput) -> EmployeeView:
    require_write(ctx, "employee.write")
    data = _clean(data)
    if data.salary is not None:
        require(ctx, "employee.salary.write")
    with tenant_session(ctx) as s:
        e = Employee(full_name=data.full_name, email=data.email, position=data.position,
                     department=data.department, joined_on=data.joined_on, salary=data.salary)
        s.add(e)
        s.flush()
        return _view(ctx, e)


def update_employee(ctx: TenantContext, employee_id: uuid.UUID, changes: dict[str, Any]) -> EmployeeView:
    require_write(ctx, "employee.write")
    allowed = {"full_name", "email", "position", "department", "joined_on", "salary"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"unknown fields: {', '.join(sorted(unknown))}", details={"fields": sorted(unknown)})
    if SALARY_FIELDS & set(changes):
        require(ctx, "employee.salary.write")
    with tenant_session(ctx) as s:
        e = s.get(Employee, employee_id, with_for_update=True)
        if e is None:
            raise NotFound("no such employee")
        current = EmployeeInput(e.full_name, e.email, e.position, e.department, e.joined_on, e.salary)
        data = _clean(replace(current, **changes))
        for field in changes:
            setattr(e, field, getattr(data, field))
        s.flush()
        return _view(ctx, e)


def delete_employee(ctx: TenantContext, employee_id: uuid.UUID) -> None:
    require_write(ctx, "employee.write")
    with tenant_session(ctx) as s:
        e = s.get(Employee, employee_id)
        if e is None:
            raise NotFound("no such employee")
        s.delete(e)


def export_csv(ctx: TenantContext) -> str:
    """The directory as CSV; the salary column exists only for those who may read it."""
    require(ctx, "data.export")
    people = list_employees(ctx)
    with_salary = can(ctx, "employee.salary.read")
    header = ["full_name", "email", "position", "department", "joined_on"] + (["salary"] if with_salary else [])
    rows: list[list[object]] = [
        [p.full_name, p.email, p.position, p.department, p.joined_on, *([p.salary] if with_salary else [])]
        for p in people
    ]
    return to_csv(header, rows)
