"""Roles: resolving a member's permissions, and custom roles composed by Admins."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from core.apikeys.authcache import forget_all as forget_api_grants
from core.audit.control import record_event
from core.context import TenantContext
from core.errors import Conflict, NotFound, ValidationFailed
from core.identity.models import Membership
from core.rbac.guard import require
from core.rbac.models import Role
from core.rbac.permissions import SYSTEM_ROLE_NAMES, SYSTEM_ROLES, unknown
from db.session import control_session

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class RoleView:
    key: str
    name: str
    permissions: frozenset[str]
    system: bool
    description: str = ""


def permissions_for(tenant_id: uuid.UUID, role_key: str) -> frozenset[str]:
    if role_key in SYSTEM_ROLES:
        return SYSTEM_ROLES[role_key]
    with control_session() as s:
        role = s.scalars(select(Role).where(Role.tenant_id == tenant_id, Role.key == role_key)).one_or_none()
    return frozenset(role.permissions) if role else frozenset()


def list_roles(ctx: TenantContext) -> list[RoleView]:
    views = [RoleView(k, SYSTEM_ROLE_NAMES[k], perms, True) for k, perms in SYSTEM_ROLES.items()]
    with control_session() as s:
        custom = s.scalars(select(Role).where(Role.tenant_id == ctx.tenant_id).order_by(Role.name)).all()
    views += [RoleView(r.key, r.name, frozenset(r.permissions), False, r.description or "") for r in custom]
    return views


def role_exists(tenant_id: uuid.UUID, key: str) -> bool:
    if key in SYSTEM_ROLES:
        return True
    with control_session() as s:
        return bool(s.scalar(select(func.count()).select_from(Role).where(Role.tenant_id == tenant_id,
                                                                             Role.key == key)))


def _check(key: str, name: str, permissions: set[str]) -> None:
    if not KEY_RE.match(key):
        raise ValidationFailed("a role key is 2 to 40 lowercase letters, digits or underscores, starting with a "
                               "letter", details={"key": "invalid"})
    if key in SYSTEM_ROLES:
        raise Conflict(f"'{key}' is a system role", details={"key": "reserved"})
    if not name.strip() or len(name) > 80:
        raise ValidationFailed("a role name of 1 to 80 characters is required", details={"name": "invalid"})
    bad = unknown(permissions)
    if bad:
        raise ValidationFailed(f"unknown permissions: {', '.join(sorted(bad))}", details={"permissions": "unknown"})


def save_role(ctx: TenantContext, key: str, name: str, permissions: set[str], description: str = "") -> RoleView:
    """Create or replace a custom role."""
    require(ctx, "role.manage")
    _check(key, name, permissions)
    with control_session() as s:
        role = s.scalars(select(Role).where(Role.tenant_id == ctx.tenant_id, Role.key == key)).one_or_none()
        before = sorted(role.permissions) if role else None
        if role is None:
            role = Role(tenant_id=ctx.tenant_id, key=key)
            s.add(role)
        role.name = name.strip()
        role.description = description.strip()[:300] or None
        role.permissions = sorted(permissions)
        record_event("role.saved", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=key,
                     details={"before": before, "after": sorted(permissions)}, request_id=ctx.request_id,
                     session=s)
    forget_api_grants()
    return RoleView(key, name.strip(), frozenset(permissions), False, description)


def delete_role(ctx: TenantContext, key: str) -> None:
    require(ctx, "role.manage")
    with control_session() as s:
        role = s.scalars(select(Role).where(Role.tenant_id == ctx.tenant_id, Role.key == key)).one_or_none()
        if role is None:
            raise NotFound(f"no custom role '{key}'")
        in_use = s.scalar(select(func.count()).select_from(Membership).where(
            Membership.tenant_id == ctx.tenant_id, Membership.role == key))
        if in_use:
            raise Conflict(f"the role '{key}' is held by {in_use} member(s); give them another role first")
        s.delete(role)
        record_event("role.deleted", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=key,
                     request_id=ctx.request_id, session=s)
    forget_api_grants()
