"""Names and URLs that say where a tenant's rows live, by tier."""

from __future__ import annotations

import re

from core.context import Tier
from core.crypto import decrypt
from core.tenancy.models import Tenant
from db.topology import Topology

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")


def schema_name(slug: str) -> str:
    return "t_" + slug.replace("-", "_")


def database_name(slug: str) -> str:
    return "bos_t_" + slug.replace("-", "_")


def admin_url(tenant: Tenant, topology: Topology) -> str:
    """The owner's URL of the database that holds the tenant's tables."""
    if tenant.tier == Tier.DEDICATED:
        if tenant.external_url_encrypted:
            return decrypt(tenant.external_url_encrypted)
        assert tenant.database_name
        return topology.region_url(tenant.region, tenant.database_name, admin=True)
    return topology.shared_url(tenant.region, admin=True)


def app_url(tenant: Tenant, topology: Topology) -> str:
    return topology.as_app(admin_url(tenant, topology))


def schema_of(tenant: Tenant) -> str | None:
    return tenant.schema_name if tenant.tier == Tier.SCHEMA else None
