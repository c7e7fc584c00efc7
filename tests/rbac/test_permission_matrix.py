"""Every service action x each system role: allowed or denied, as specified.

The expected column is written out here (the specification), not derived from the role
table, so a change to a role's permissions that breaks the rules fails this test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from core.context import TenantContext
from core.employees import service as employees
from core.projects import service as projects
from core.rbac import service as roles
from core.rbac.guard import PermissionDenied

A, M, S = "admin", "manager", "staff"


def _employee(ctx: TenantContext) -> uuid.UUID:
    return employees.create_employee(ctx, employees.EmployeeInput("Budi Santoso", salary=Decimal("9000000"))).id


ACTIONS: dict[str, tuple[set[str], Callable[[TenantContext, TenantContext], Any]]] = {
    "employee.list": ({A, M, S}, lambda ctx, admin: employees.list_employees(ctx)),
    "employee.create": ({A, M}, lambda ctx, admin: employees.create_employee(ctx, employees.EmployeeInput("X"))),
    "employee.create_with_salary": (
        {A}, lambda ctx, admin: employees.create_employee(ctx, employees.EmployeeInput("Y", salary=Decimal(1)))),
    "employee.update": ({A, M}, lambda ctx, admin: employees.update_employee(ctx, _employee(admin),
                                                                             {"position": "Lead"})),
    "employee.update_salary": ({A}, lambda ctx, admin: employees.update_employee(ctx, _employee(admin),
                                                                                 {"salary": Decimal(5)})),
    "employee.delete": ({A, M}, lambda ctx, admin: employees.delete_employee(ctx, _employee(admin))),
    "employee.export": ({A, M, S}, lambda ctx, admin: employees.export_csv(ctx)),
    "project.create": ({A, M, S}, lambda ctx, admin: projects.create_project(ctx, "Matrix project")),
    "project.set_members_as_plain_member": (
        {A, M}, lambda ctx, admin: projects.set_members(
            ctx, projects.create_project(admin, "P", members=[uuid.UUID(ctx.actor.id)]).id, [])),
    "role.save": ({A}, lambda ctx, admin: roles.save_role(ctx, "auditor", "Auditor", {"audit.read"})),
    "role.list": ({A, M, S}, lambda ctx, admin: roles.list_roles(ctx)),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", [A, M, S])
def test_matrix(as_role: Callable[..., TenantContext], action: str, role: str) -> None:
    allowed, call = ACTIONS[action]
    ctx, admin = as_role(role), as_role(A)
    if role in allowed:
        call(ctx, admin)
    else:
        with pytest.raises(PermissionDenied) as denied:
            call(ctx, admin)
        assert denied.value.status == 403
        assert denied.value.permission in denied.value.message


def test_staff_never_sees_salaries(as_role: Callable[..., TenantContext]) -> None:
    admin, staff = as_role(A), as_role(S)
    eid = _employee(admin)
    assert employees.get_employee(admin, eid).salary == Decimal("9000000")
    assert employees.get_employee(staff, eid).salary is None
    assert all(e.salary is None for e in employees.list_employees(staff))
    csv_text = employees.export_csv(staff)
    assert "salary" not in csv_text.splitlines()[0] and "9000000" not in csv_text
    assert "9000000" in employees.export_csv(admin)


def test_project_level_access(as_role: Callable[..., TenantContext]) -> None:
    member_id, outsider_id = uuid.uuid4(), uuid.uuid4()
    admin = as_role(A)
    member = as_role(S, user_id=member_id)
    outsider = as_role(S, user_id=outsider_id)
    manager = as_role(M, user_id=uuid.uuid4())
    p = projects.create_project(admin, "Secret launch", members=[member_id])
    assert p.id in {x.id for x in projects.list_projects(member)}
    assert p.id not in {x.id for x in projects.list_projects(outsider)}
    assert p.id in {x.id for x in projects.list_projects(manager)}  # project.read_all
    from core.errors import NotFound

    with pytest.raises(NotFound):
        projects.get_project(outsider, p.id)
    with pytest.raises(NotFound):
        projects.set_members(outsider, p.id, [outsider_id])
    assert outsider_id not in projects.get_project(admin, p.id).member_ids


def test_custom_role(as_role: Callable[..., TenantContext], tenants: dict[str, object]) -> None:
    from core.context import Actor
    from core.errors import ValidationFailed
    from core.rbac.service import permissions_for
    from core.tenancy.registry import context_for, get_tenant

    admin = as_role(A)
    roles.save_role(admin, "payroll", "Payroll", {"employee.read", "employee.salary.read"})
    perms = permissions_for(admin.tenant_id, "payroll")
    assert perms == {"employee.read", "employee.salary.read"}
    payroll = context_for(get_tenant("a-shared"), Actor("user", str(uuid.uuid4())), role="payroll", permissions=perms)
    eid = _employee(admin)
    assert employees.get_employee(payroll, eid).salary == Decimal("9000000")
    with pytest.raises(PermissionDenied):
        employees.create_employee(payroll, employees.EmployeeInput("Z"))
    # The role exists only in its own tenant.
    assert permissions_for(as_role(A, "b-shared").tenant_id, "payroll") == frozenset()
    with pytest.raises(ValidationFailed):
        roles.save_role(admin, "bad", "Bad", {"invoice.teleport"})
    with pytest.raises(Exception, match="system role"):
        roles.save_role(admin, "admin", "Admin 2", {"audit.read"})


def test_tenant_b_cannot_read_a_by_id(as_role: Callable[..., TenantContext], tier: str) -> None:
    from core.errors import NotFound

    a_admin, b_admin = as_role(A, f"a-{tier}"), as_role(A, f"b-{tier}")
    eid = _employee(a_admin)
    pid = projects.create_project(a_admin, "A only").id
    with pytest.raises(NotFound):
        employees.get_employee(b_admin, eid)
    with pytest.raises(NotFound):
        employees.update_employee(b_admin, eid, {"position": "pwned"})
    with pytest.raises(NotFound):
        employees.delete_employee(b_admin, eid)
    with pytest.raises(NotFound):
        projects.get_project(b_admin, pid)
    assert eid not in {e.id for e in employees.list_employees(b_admin)}
    assert employees.get_employee(a_admin, eid).position is None
