from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from core.context import Actor, TenantContext
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.registry import context_for, get_tenant

ROLES = ("admin", "manager", "staff")


@pytest.fixture
def as_role(tenants: dict[str, object]) -> Callable[..., TenantContext]:
    """A context for a member with a system role, in the given tenant."""

    def make(role: str, slug: str = "a-shared", user_id: uuid.UUID | None = None) -> TenantContext:
        actor = Actor("user", str(user_id or uuid.uuid5(uuid.NAMESPACE_DNS, f"{role}@{slug}")), f"{role}@{slug}")
        return context_for(get_tenant(slug), actor, role=role, permissions=SYSTEM_ROLES[role])

    return make
