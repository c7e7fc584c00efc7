"""Outgoing webhooks: endpoints (control plane) and the outbox, deliveries and the
delivery log (tenant plane).

The outbox row is written in the transaction of the change it reports, so a rolled-back
change sends nothing. The dispatcher turns each outbox row into one delivery per
subscribed endpoint (`webhook_deliveries`: the schedule and state of that pair) and logs
every HTTP attempt (`webhook_delivery_log`). Endpoints are routing configuration and live
in the control plane, with their signing secrets encrypted at rest.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ControlBase, TenantBase, TenantScoped

DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")


class WebhookEndpoint(ControlBase):
    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    tenant_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(String(2048), nullable=False)
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(60)), nullable=False, server_default="{}")
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    # During a rotation the previous secret still signs, until it expires.
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    # Events from this moment on are routed to the endpoint (set at creation and on re-enable).
    enabled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failing_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    server_default=func.now(), onupdate=func.now())


class WebhookEvent(TenantScoped, TenantBase):
    """The outbox: one row per event, written in the transaction of the change."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        Index("ix_webhook_outbox_undispatched", "created_at", postgresql_where=text("dispatched_at IS NULL")),
    )

    event_type: Mapped[str] = mapped_column(String(60), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # A test event goes to this endpoint only; ordinary events to every subscribed endpoint.
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Set once the dispatcher has created the event's deliveries.
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    delivery_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class WebhookDelivery(TenantScoped, TenantBase):
    """One event to one endpoint: its state and retry schedule."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "endpoint_id", "event_id"),
        ForeignKeyConstraint(["tenant_id", "event_id"], ["webhook_outbox.tenant_id", "webhook_outbox.id"],
                             ondelete="CASCADE"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')", name="status"),
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_webhook_deliveries_endpoint", "tenant_id", "endpoint_id", "created_at"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # Position in the retry schedule of the next attempt (a replay starts it again).
    retry_index: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(TenantScoped, TenantBase):
    """The delivery log: one row per HTTP attempt."""

    __tablename__ = "webhook_delivery_log"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "delivery_id"], ["webhook_deliveries.tenant_id", "webhook_deliveries.id"],
                             ondelete="CASCADE", name="fk_webhook_delivery_log_delivery"),
        Index("ix_webhook_delivery_log_endpoint", "tenant_id", "endpoint_id", "attempted_at"),
        Index("ix_webhook_delivery_log_delivery_id", "delivery_id"),
    )

    delivery_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    trigger: Mapped[str] = mapped_column(String(12), nullable=False, server_default="schedule")
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_snippet: Mapped[str | None] = mapped_column(String(1000))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(1000))
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
