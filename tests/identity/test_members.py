"""Members: role changes and removal (member.manage), never without an Admin, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.errors import Conflict
from core.identity import members
from core.identity.models import User
from core.identity.service import memberships_of
from core.rbac.guard import PermissionDenied
from core.tenancy.provisioning import NewTenant, create_tenant
from tests.identity.conftest import audit_rows, ctx_of, last_audit_id


@pytest.fixture(scope="module")
def company(tenants: dict[str, Any]) -> str:
    """A company of its own, so the admin count is under the test's control."""
    create_tenant(NewTenant(name="Members Test Co", slug="members-test", region="global", tier="shared"))
    return "members-test"


def test_role_change_is_audited_and_the_last_admin_stays(company: str, make_user: Callable[..., User]) -> None:
    boss = make_user("boss", company, "admin")
    worker = make_user("worker", company, "staff")
    ctx = ctx_of(boss, company)
    mark = last_audit_id()

    view = members.change_role(ctx, worker.id, "admin")
    assert view.role == "admin"
    [row] = audit_rows("member.role_changed", worker.email, mark)
    assert (row["details"]["before"], row["details"]["after"], row["actor"]) == ("staff", "admin", f"user:{boss.id}")

    # Two admins: one may step down; then the remaining one may not, nor be removed.
    members.change_role(ctx_of(worker, company), boss.id, "manager")
    with pytest.raises(Conflict) as last:
        members.change_role(ctx_of(worker, company), worker.id, "staff")
    assert last.value.details["role"] == "last_admin"
    with pytest.raises(Conflict):
        members.remove_member(ctx_of(worker, company), worker.id)
    assert {m.email: m.role for m in members.list_members(ctx_of(worker, company))} == {
        boss.email: "manager", worker.email: "admin"}


def test_remove_member(company: str, make_user: Callable[..., User]) -> None:
    admin = make_user("admin", company, "admin")
    leaving = make_user("leaving", company, "staff")
    mark = last_audit_id()
    members.remove_member(ctx_of(admin, company), leaving.id)
    assert memberships_of(leaving.id) == []
    assert audit_rows("member.removed", leaving.email, mark)[0]["details"]["role"] == "staff"


def test_only_member_manage_may_change_and_never_above_oneself(company: str, make_user: Callable[..., User]) -> None:
    admin = make_user("admin", company, "admin")
    manager = make_user("manager", company, "manager")
    staff = make_user("staff", company, "staff")
    for actor in (manager, staff):
        with pytest.raises(PermissionDenied) as denied:
            members.change_role(ctx_of(actor, company), staff.id, "manager")
        assert denied.value.permission == "member.manage"
        with pytest.raises(PermissionDenied):
            members.remove_member(ctx_of(actor, company), admin.id)
    assert [r.key for r in members.grantable_roles(ctx_of(manager, company))] == ["manager", "staff"]
    assert {r.key for r in members.grantable_roles(ctx_of(admin, company))} >= {"admin", "manager", "staff"}
    assert {m.email: m.role for m in members.list_members(ctx_of(staff, company))}[staff.email] == "staff"


def test_staff_may_read_the_member_list(company: str, make_user: Callable[..., User]) -> None:
    staff = make_user("reader", company, "staff")
    assert staff.email in {m.email for m in members.list_members(ctx_of(staff, company))}
