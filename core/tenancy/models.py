"""Control-plane tables about tenants: the registry and the schema-sync ledger."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ControlBase


class Tenant(ControlBase):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("tier IN ('shared', 'schema', 'dedicated')", name="tier"),
        CheckConstraint(
            "status IN ('provisioning', 'active', 'failed', 'migrating', 'read_only', 'soft_locked',"
            " 'suspended')",
            name="status",
        ),
        CheckConstraint("slug ~ '^[a-z][a-z0-9-]{1,38}[a-z0-9]$'", name="slug"),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    slug: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region: Mapped[str] = mapped_column(String(20), nullable=False)
    tier: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="provisioning")
    # Placement: the database on the region server (or external URL) and schema.
    database_name: Mapped[str | None] = mapped_column(String(63))
    schema_name: Mapped[str | None] = mapped_column(String(63))
    external_url_encrypted: Mapped[str | None] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, server_default="Asia/Jakarta")
    locale: Mapped[str] = mapped_column(String(8), nullable=False, server_default="id")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="IDR")
    plan_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class SchemaSyncTarget(ControlBase):
    """One row per migration target: a region's shared database, a schema, a dedicated DB."""

    __tablename__ = "schema_sync_ledger"

    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    region: Mapped[str] = mapped_column(String(20), nullable=False)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    revision: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending")
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
