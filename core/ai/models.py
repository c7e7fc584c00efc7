"""AI gateway tables (control plane): usage ledger, versioned prices, budgets, the shared
circuit breaker and the per-tenant AI switch.

The ledger holds no personal data: who (tenant, user or key), what (feature, provider,
model), how much (tokens, cost in integer micro-units), how it went (latency, outcome) and
how many values of each kind were masked (counts only, never the values).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ControlBase

OUTCOMES = ("ok", "timeout", "error", "breaker_open", "budget_blocked", "disabled", "mask_failed")


class AiPrice(ControlBase):
    """One price version of a model: applies to calls from `effective_from` on."""

    __tablename__ = "ai_prices"
    __table_args__ = (
        UniqueConstraint("provider", "model", "effective_from"),
        CheckConstraint("input_per_mtok_micros >= 0 AND output_per_mtok_micros >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    model: Mapped[str] = mapped_column(String(100), nullable=False)
    # Micro-units of `currency` per one million tokens.
    input_per_mtok_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)
    output_per_mtok_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, server_default="IDR")
    effective_from: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AiUsage(ControlBase):
    """One row per provider attempt (and per refused call)."""

    __tablename__ = "ai_usage"
    __table_args__ = (
        Index("ix_ai_usage_tenant_created", "tenant_id", "created_at"),
        Index("ix_ai_usage_tenant_user_created", "tenant_id", "user_id", "created_at"),
        CheckConstraint(
            "outcome IN ('ok', 'timeout', 'error', 'breaker_open', 'budget_blocked', 'disabled', 'mask_failed')",
            name="outcome",
        ),
        CheckConstraint("kind IN ('chat', 'embed')", name="kind"),
        CheckConstraint("priced OR cost_micros IS NULL", name="unpriced_has_no_cost"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    actor_kind: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[str] = mapped_column(String(100), nullable=False)
    actor_label: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    feature: Mapped[str] = mapped_column(String(60), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    model: Mapped[str] = mapped_column(String(100), nullable=False)
    input_tokens: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    priced: Mapped[bool] = mapped_column(Boolean, nullable=False)
    cost_micros: Mapped[int | None] = mapped_column(BigInteger)
    price_id: Mapped[int | None] = mapped_column(ForeignKey("ai_prices.id", ondelete="SET NULL"))
    latency_ms: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    fallback: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    masked: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    server_default=func.now())


class AiBudget(ControlBase):
    """A monthly cap: for the whole tenant, for each user (user_id NULL), or for one user."""

    __tablename__ = "ai_budgets"
    __table_args__ = (
        UniqueConstraint("tenant_id", "scope", "user_id", postgresql_nulls_not_distinct=True),
        CheckConstraint("scope IN ('tenant', 'user')", name="scope"),
        CheckConstraint("scope = 'user' OR user_id IS NULL", name="tenant_has_no_user"),
        CheckConstraint("warn_pct BETWEEN 1 AND 100", name="warn_pct"),
        CheckConstraint("(limit_micros IS NULL OR limit_micros >= 0) AND (limit_tokens IS NULL OR limit_tokens >= 0)",
                        name="limits"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False)
    scope: Mapped[str] = mapped_column(String(10), nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    limit_micros: Mapped[int | None] = mapped_column(BigInteger)
    limit_tokens: Mapped[int | None] = mapped_column(BigInteger)
    warn_pct: Mapped[int] = mapped_column(Integer, nullable=False, server_default="80")
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())


class AiBreaker(ControlBase):
    """The circuit breaker of one provider, shared by UI, API and scheduler."""

    __tablename__ = "ai_breakers"
    __table_args__ = (CheckConstraint("state IN ('closed', 'open', 'half_open')", name="state"),)

    provider: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), nullable=False, server_default="closed")
    failures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    retry_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    probe_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())


class AiTenantSetting(ControlBase):
    """The AI switch of a tenant. An operator's 'off' cannot be undone by the tenant."""

    __tablename__ = "ai_tenant_settings"
    __table_args__ = (CheckConstraint("disabled_by IS NULL OR disabled_by IN ('operator', 'tenant')",
                                      name="disabled_by"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    disabled_by: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())
