"""TenantContext: who acts, for which tenant, and where that tenant's rows live."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Tier(StrEnum):
    SHARED = "shared"
    SCHEMA = "schema"
    DEDICATED = "dedicated"


class TenantStatus(StrEnum):
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"
    MIGRATING = "migrating"  # read-only window of a tier or region move
    READ_ONLY = "read_only"
    SOFT_LOCKED = "soft_locked"  # dunning: read-only, export allowed, nothing deleted
    SUSPENDED = "suspended"


WRITABLE_STATUSES = frozenset({TenantStatus.ACTIVE})


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "api_key", "job", "system"
    id: str
    label: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


SYSTEM_ACTOR = Actor("system", "bos", "Business OS")


@dataclass(frozen=True)
class TenantContext:
    tenant_id: uuid.UUID
    slug: str
    name: str
    tier: Tier
    region: str
    status: TenantStatus
    actor: Actor = SYSTEM_ACTOR
    role: str | None = None
    permissions: frozenset[str] = frozenset()
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Placement (where the rows live); resolved from the control plane.
    database_url: str = field(default="", repr=False)
    schema: str | None = None
    timezone: str = "Asia/Jakarta"
    locale: str = "id"
    currency: str = "IDR"

    @property
    def writable(self) -> bool:
        return self.status in WRITABLE_STATUSES

    def acting_as(self, actor: Actor, role: str | None = None,
                  permissions: frozenset[str] | None = None, request_id: str | None = None) -> TenantContext:
        from dataclasses import replace

        return replace(
            self,
            actor=actor,
            role=role if role is not None else self.role,
            permissions=permissions if permissions is not None else self.permissions,
            request_id=request_id or uuid.uuid4().hex,
        )
