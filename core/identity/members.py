"""A company's members: list, change a role, remove. Never leaves a company without an Admin.

Every function acts on `ctx.tenant_id` only: a user id of another company is simply not
found there. Granting a role is refused when it carries a permission the actor lacks, so
a Manager cannot make anyone an Admin.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.audit.control import record_event
from core.context import TenantContext
from core.errors import Conflict, NotFound, ValidationFailed
from core.identity.models import Membership, User
from core.rbac.guard import PermissionDenied, require
from core.rbac.service import RoleView, list_roles, permissions_for, role_exists
from db.session import control_session

ADMIN = "admin"


@dataclass(frozen=True)
class MemberView:
    user_id: uuid.UUID
    email: str
    full_name: str
    role: str
    joined_at: dt.datetime | None
    last_login_at: dt.datetime | None


class GrantDenied(PermissionDenied):
    def __init__(self, role: str, permission: str) -> None:
        super().__init__(permission)
        self.message = (f"you cannot grant the role '{role}': it carries the permission '{permission}', "
                        "which you do not have")
        self.args = (self.message,)
        self.details = {"permission": permission, "role": role}


def check_grantable(ctx: TenantContext, role: str) -> None:
    """The role exists in this company and gives nothing the actor does not have."""
    if not role_exists(ctx.tenant_id, role):
        raise ValidationFailed(f"there is no role '{role}' in this company", details={"role": "unknown"})
    missing = permissions_for(ctx.tenant_id, role) - ctx.permissions
    if missing:
        raise GrantDenied(role, sorted(missing)[0])


def grantable_roles(ctx: TenantContext) -> list[RoleView]:
    """The roles this actor may hand out (for the invite form and the role picker)."""
    return [r for r in list_roles(ctx) if r.permissions <= ctx.permissions]


def list_members(ctx: TenantContext) -> list[MemberView]:
    require(ctx, "member.read")
    with control_session() as s:
        rows = s.execute(
            select(User, Membership.role, Membership.created_at)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == ctx.tenant_id)
            .order_by(User.full_name, User.email)
        ).all()
    return [MemberView(u.id, u.email, u.full_name, role, joined, u.last_login_at) for u, role, joined in rows]


def _lock_members(s: Session, tenant_id: uuid.UUID) -> None:
    # Serialises membership changes of one company, so two admins demoting each other
    # at the same moment cannot both succeed and leave nobody in charge.
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext('members:' || :t))"), {"t": str(tenant_id)})


def _membership(s: Session, ctx: TenantContext, user_id: uuid.UUID) -> tuple[Membership, User]:
    row = s.execute(
        select(Membership, User).join(User, User.id == Membership.user_id)
        .where(Membership.tenant_id == ctx.tenant_id, Membership.user_id == user_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no such member in this company", details={"user_id": str(user_id)})
    return row[0], row[1]


def _other_admins(s: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> int:
    return int(s.scalar(select(func.count()).select_from(Membership).where(
        Membership.tenant_id == tenant_id, Membership.role == ADMIN, Membership.user_id != user_id)) or 0)


def change_role(ctx: TenantContext, user_id: uuid.UUID, role: str) -> MemberView:
    require(ctx, "member.manage")
    check_grantable(ctx, role)
    with control_session() as s:
        _lock_members(s, ctx.tenant_id)
        membership, user = _membership(s, ctx, user_id)
        before = membership.role
        if before == role:
            return MemberView(user.id, user.email, user.full_name, role, membership.created_at, user.last_login_at)
        # Taking a role away is a grant in reverse: one may not demote someone above oneself.
        above = permissions_for(ctx.tenant_id, before) - ctx.permissions
        if above:
            raise GrantDenied(before, sorted(above)[0])
        if before == ADMIN and _other_admins(s, ctx.tenant_id, user_id) == 0:
            raise Conflict("the company needs at least one Admin; make someone else Admin first",
                           details={"role": "last_admin"})
        membership.role = role
        record_event("member.role_changed", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=user.email,
                     details={"user_id": str(user.id), "before": before, "after": role},
                     request_id=ctx.request_id, session=s)
        view = MemberView(user.id, user.email, user.full_name, role, membership.created_at, user.last_login_at)
    return view


def remove_member(ctx: TenantContext, user_id: uuid.UUID) -> None:
    require(ctx, "member.manage")
    with control_session() as s:
        _lock_members(s, ctx.tenant_id)
        membership, user = _membership(s, ctx, user_id)
        above = permissions_for(ctx.tenant_id, membership.role) - ctx.permissions
        if above:
            raise GrantDenied(membership.role, sorted(above)[0])
        if membership.role == ADMIN and _other_admins(s, ctx.tenant_id, user_id) == 0:
            raise Conflict("the last Admin cannot be removed; make someone else Admin first",
                           details={"role": "last_admin"})
        s.delete(membership)
        record_event("member.removed", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=user.email,
                     details={"user_id": str(user.id), "role": membership.role},
                     request_id=ctx.request_id, session=s)
