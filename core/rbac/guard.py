"""`require(ctx, perm)`: the single permission check, and the tenant-status write guard."""

from __future__ import annotations

from core.apikeys.scopes import PERMISSION_SCOPE
from core.context import TenantContext, TenantStatus
from core.errors import Forbidden, Locked
from core.rbac.permissions import PERMISSIONS


class PermissionDenied(Forbidden):
    code = "permission_denied"

    def __init__(self, permission: str, *, scope: str | None = None) -> None:
        message = f"missing permission '{permission}' ({PERMISSIONS.get(permission, permission)})"
        details = {"permission": permission}
        if scope:
            message += f"; an API key needs the scope '{scope}' for it"
            details["scope"] = scope
        super().__init__(message, details=details)
        self.permission = permission


def can(ctx: TenantContext, permission: str) -> bool:
    assert permission in PERMISSIONS, f"unknown permission {permission}"
    return permission in ctx.permissions


def require(ctx: TenantContext, permission: str) -> None:
    if not can(ctx, permission):
        scope = PERMISSION_SCOPE.get(permission) if ctx.actor.kind == "api_key" else None
        raise PermissionDenied(permission, scope=scope)


_STATUS_MESSAGES = {
    TenantStatus.MIGRATING: "the company is being moved to its new home; changes are paused for a moment",
    TenantStatus.READ_ONLY: "the company is read-only",
    TenantStatus.SOFT_LOCKED: "the company is locked for unpaid invoices: reading and export still work",
    TenantStatus.SUSPENDED: "the company is suspended",
}


def require_writable(ctx: TenantContext) -> None:
    """Refuse changes while the tenant is migrating, read-only, soft-locked or suspended."""
    if not ctx.writable:
        raise Locked(_STATUS_MESSAGES.get(ctx.status, f"the company is {ctx.status}"),
                     details={"status": str(ctx.status)})


def require_write(ctx: TenantContext, permission: str) -> None:
    require(ctx, permission)
    require_writable(ctx)
