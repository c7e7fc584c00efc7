"""Tables of the CEO digest (tenant plane, registered in db.models).

`digests`: one row per tenant and day (the unique key makes a run idempotent): the KPI
snapshot computed in SQL, the three insights per language, the run's state and its retry
schedule. `digest_recipients`: members who asked for the digest by email, and in which
language.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Integer, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped

STATUSES = ("running", "ready", "failed")


class Digest(TenantScoped, TenantBase):
    __tablename__ = "digests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "day"),
        CheckConstraint("status IN ('running', 'ready', 'failed')", name="status"),
        CheckConstraint("trigger IN ('schedule', 'manual')", name="trigger"),
    )

    day: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="running")
    trigger: Mapped[str] = mapped_column(String(12), nullable=False, server_default="schedule")
    run_by: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(1000))
    kpis: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    # {"id": [{"text", "source": "model"|"template", "rejected"?: str, "unsupported"?: [..]}], "en": [...]}
    insights: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    engine: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(120))
    degraded: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    emails_queued: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class DigestRecipient(TenantScoped, TenantBase):
    __tablename__ = "digest_recipients"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "user_id"),
        CheckConstraint("language IN ('id', 'en')", name="language"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False, server_default="id")
    opted_in: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
