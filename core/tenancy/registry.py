"""Reading the tenant registry and turning a tenant into a TenantContext."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from core.context import SYSTEM_ACTOR, Actor, TenantContext, TenantStatus, Tier
from core.errors import NotFound
from core.tenancy.models import Tenant
from core.tenancy.placement import app_url, schema_of
from db.session import control_session
from db.topology import get_topology


def get_tenant(key: str | uuid.UUID) -> Tenant:
    with control_session() as s:
        if isinstance(key, uuid.UUID):
            tenant = s.get(Tenant, key)
        else:
            tenant = s.scalars(select(Tenant).where(Tenant.slug == key)).one_or_none()
    if tenant is None:
        raise NotFound(f"no company '{key}'")
    return tenant


def list_tenants() -> list[Tenant]:
    with control_session() as s:
        return list(s.scalars(select(Tenant).order_by(Tenant.region, Tenant.slug)))


def context_for(
    tenant: Tenant,
    actor: Actor = SYSTEM_ACTOR,
    *,
    role: str | None = None,
    permissions: frozenset[str] = frozenset(),
    request_id: str | None = None,
) -> TenantContext:
    extra = {"request_id": request_id} if request_id else {}
    return TenantContext(
        tenant_id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        tier=Tier(tenant.tier),
        region=tenant.region,
        status=TenantStatus(tenant.status),
        actor=actor,
        role=role,
        permissions=permissions,
        database_url=app_url(tenant, get_topology()),
        schema=schema_of(tenant),
        timezone=tenant.timezone,
        locale=tenant.locale,
        currency=tenant.currency,
        **extra,
    )


def context(key: str | uuid.UUID, actor: Actor = SYSTEM_ACTOR) -> TenantContext:
    return context_for(get_tenant(key), actor)
