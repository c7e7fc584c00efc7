"""The residency report: where every tenant's data lives."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from core.context import Tier
from core.crypto import decrypt
from core.tenancy.models import Tenant
from db.topology import REGION_NAMES, SHARED_DB, Topology, get_topology, normalise


@dataclass(frozen=True)
class Residency:
    slug: str
    name: str
    status: str
    tier: str
    region: str
    region_name: str
    server: str
    database: str
    schema: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def residency_of(tenant: Tenant, topology: Topology | None = None) -> Residency:
    topology = topology or get_topology()
    server = topology.server_label(tenant.region)
    database = SHARED_DB
    if tenant.tier == Tier.DEDICATED:
        if tenant.external_url_encrypted:
            url = normalise(decrypt(tenant.external_url_encrypted))
            server, database = f"{url.host}:{url.port or 5432} (external)", url.database or ""
        else:
            database = tenant.database_name or ""
    schema = tenant.schema_name if tenant.tier == Tier.SCHEMA and tenant.schema_name else "public"
    return Residency(
        slug=tenant.slug, name=tenant.name, status=tenant.status, tier=tenant.tier, region=tenant.region,
        region_name=REGION_NAMES.get(tenant.region, tenant.region), server=server, database=database,
        schema=schema,
    )
