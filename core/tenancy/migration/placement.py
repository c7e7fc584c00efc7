"""A placement: where a tenant's rows live (tier, region, database, schema, external URL)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from core.context import Tier
from core.crypto import decrypt
from core.tenancy.models import Tenant
from core.tenancy.placement import admin_url
from db.topology import REGION_NAMES, Topology, hide_password

TIER_RANK = {Tier.SHARED.value: 0, Tier.SCHEMA.value: 1, Tier.DEDICATED.value: 2}


@dataclass(frozen=True)
class Place:
    tier: str
    region: str
    database_name: str | None = None
    schema_name: str | None = None
    external_url_encrypted: str | None = None

    @classmethod
    def of(cls, tenant: Tenant) -> Place:
        return cls(tenant.tier, tenant.region, tenant.database_name, tenant.schema_name,
                   tenant.external_url_encrypted)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        return cls(str(data["tier"]), str(data["region"]), data.get("database_name"), data.get("schema_name"),
                   data.get("external_url_encrypted"))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def as_tenant(self, tenant_id: uuid.UUID, slug: str) -> Tenant:
        """A detached Tenant carrying this placement, for the placement helpers."""
        return Tenant(id=tenant_id, slug=slug, name=slug, tier=self.tier, region=self.region,
                      database_name=self.database_name, schema_name=self.schema_name,
                      external_url_encrypted=self.external_url_encrypted)

    def admin_url(self, topology: Topology) -> str:
        return admin_url(self.as_tenant(uuid.UUID(int=0), "x"), topology)

    @property
    def data_schema(self) -> str:
        return self.schema_name if self.tier == Tier.SCHEMA and self.schema_name else "public"

    @property
    def whole_target(self) -> bool:
        """The storage holds this tenant only (its own schema or database)."""
        return self.tier != Tier.SHARED

    @property
    def external(self) -> bool:
        return self.tier == Tier.DEDICATED and bool(self.external_url_encrypted)

    def label(self) -> str:
        where = REGION_NAMES.get(self.region, self.region)
        if self.external and self.external_url_encrypted:
            return f"{self.tier} ({hide_password(decrypt(self.external_url_encrypted))}), {where}"
        detail = self.database_name if self.tier == Tier.DEDICATED else self.schema_name
        return f"{self.tier}{f' ({detail})' if detail else ''}, {where}"

    def storage_key(self) -> tuple[str, str, str | None, str | None, str | None]:
        return (self.tier, self.region, self.database_name if self.tier == Tier.DEDICATED else None,
                self.schema_name if self.tier == Tier.SCHEMA else None,
                decrypt(self.external_url_encrypted) if self.external and self.external_url_encrypted else None)
