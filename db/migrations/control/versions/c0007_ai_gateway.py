"""AI gateway: usage ledger, versioned price table, budgets, circuit breakers, the
per-tenant AI switch, and plans with a monthly price (billing has not landed yet).

Revision ID: c0007
Revises: c0006
Create Date: 2026-11-24
"""

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "c0007"
down_revision: str | Sequence[str] | None = "c0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOW = sa.func.now()
# Micro-rupiah per one million tokens. List prices converted at Rp 16.000 per USD (January
# 2026); the operator edits them by adding a new version (`bos ai price-set`).
_PRICES = [
    ("offline", "offline-extractive-v1", 0, 0, "the built-in offline engine: no provider cost"),
    ("local", "all-MiniLM-L6-v2", 0, 0, "local embeddings on this server's CPU"),
    ("local", "hashing-384", 0, 0, "offline hashing embeddings (fallback without sentence-transformers)"),
    ("gemini", "gemini-2.5-flash", 4_800_000_000, 40_000_000_000, "USD 0.30 / 2.50 per M tokens"),
    ("gemini", "gemini-2.5-flash-lite", 1_600_000_000, 6_400_000_000, "USD 0.10 / 0.40 per M tokens"),
    ("gemini", "gemini-embedding-001", 2_400_000_000, 0, "USD 0.15 per M tokens"),
    ("openai", "gpt-4o-mini", 2_400_000_000, 9_600_000_000, "USD 0.15 / 0.60 per M tokens"),
    ("openai", "gpt-4.1-mini", 6_400_000_000, 25_600_000_000, "USD 0.40 / 1.60 per M tokens"),
]
_PLANS = [
    ("starter", "Starter", "shared", 499_000),
    ("business", "Business", "schema", 2_499_000),
    ("enterprise", "Enterprise", "dedicated", 9_999_000),
]


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("monthly_price", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="IDR"),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW),
        sa.CheckConstraint("tier IN ('shared', 'schema', 'dedicated')", name="ck_plans_tier"),
        sa.CheckConstraint("monthly_price >= 0", name="ck_plans_price"),
    )
    op.bulk_insert(plans, [{"code": c, "name": n, "tier": t, "monthly_price": p, "currency": "IDR",
                            "is_default": True, "active": True} for c, n, t, p in _PLANS])

    prices = op.create_table(
        "ai_prices",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("input_per_mtok_micros", sa.BigInteger, nullable=False),
        sa.Column("output_per_mtok_micros", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="IDR"),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_by", sa.String(200)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW),
        sa.UniqueConstraint("provider", "model", "effective_from",
                            name="uq_ai_prices_provider_model_effective_from"),
        sa.CheckConstraint("input_per_mtok_micros >= 0 AND output_per_mtok_micros >= 0",
                           name="ck_ai_prices_non_negative"),
    )
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    op.bulk_insert(prices, [{"provider": p, "model": m, "input_per_mtok_micros": i, "output_per_mtok_micros": o,
                             "currency": "IDR", "effective_from": start, "note": note, "created_by": "migration"}
                            for p, m, i, o, note in _PRICES])

    op.create_table(
        "ai_usage",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_label", sa.String(200)),
        sa.Column("user_id", UUID(as_uuid=True)),
        sa.Column("feature", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("input_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("output_tokens", sa.Integer, nullable=False, server_default="0"),
        sa.Column("tokens_estimated", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("priced", sa.Boolean, nullable=False),
        sa.Column("cost_micros", sa.BigInteger),
        sa.Column("price_id", sa.BigInteger, sa.ForeignKey("ai_prices.id", ondelete="SET NULL")),
        sa.Column("latency_ms", sa.Integer, nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("fallback", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("masked", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("request_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
        sa.CheckConstraint(
            "outcome IN ('ok', 'timeout', 'error', 'breaker_open', 'budget_blocked', 'disabled', 'mask_failed')",
            name="ck_ai_usage_outcome",
        ),
        sa.CheckConstraint("kind IN ('chat', 'embed')", name="ck_ai_usage_kind"),
        sa.CheckConstraint("priced OR cost_micros IS NULL", name="ck_ai_usage_unpriced_has_no_cost"),
    )
    op.create_index("ix_ai_usage_tenant_created", "ai_usage", ["tenant_id", "created_at"])
    op.create_index("ix_ai_usage_tenant_user_created", "ai_usage", ["tenant_id", "user_id", "created_at"])

    op.create_table(
        "ai_budgets",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True)),
        sa.Column("limit_micros", sa.BigInteger),
        sa.Column("limit_tokens", sa.BigInteger),
        sa.Column("warn_pct", sa.Integer, nullable=False, server_default="80"),
        sa.Column("updated_by", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW),
        sa.UniqueConstraint("tenant_id", "scope", "user_id", name="uq_ai_budgets_tenant_id_scope_user_id",
                            postgresql_nulls_not_distinct=True),
        sa.CheckConstraint("scope IN ('tenant', 'user')", name="ck_ai_budgets_scope"),
        sa.CheckConstraint("scope = 'user' OR user_id IS NULL", name="ck_ai_budgets_tenant_has_no_user"),
        sa.CheckConstraint("warn_pct BETWEEN 1 AND 100", name="ck_ai_budgets_warn_pct"),
        sa.CheckConstraint(
            "(limit_micros IS NULL OR limit_micros >= 0) AND (limit_tokens IS NULL OR limit_tokens >= 0)",
            name="ck_ai_budgets_limits",
        ),
    )

    op.create_table(
        "ai_breakers",
        sa.Column("provider", sa.String(40), primary_key=True),
        sa.Column("state", sa.String(10), nullable=False, server_default="closed"),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("opened_at", sa.DateTime(timezone=True)),
        sa.Column("retry_at", sa.DateTime(timezone=True)),
        sa.Column("probe_at", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW),
        sa.CheckConstraint("state IN ('closed', 'open', 'half_open')", name="ck_ai_breakers_state"),
    )

    op.create_table(
        "ai_tenant_settings",
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("disabled_by", sa.String(10)),
        sa.Column("reason", sa.Text),
        sa.Column("updated_by", sa.String(200)),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW),
        sa.CheckConstraint("disabled_by IS NULL OR disabled_by IN ('operator', 'tenant')",
                           name="ck_ai_tenant_settings_disabled_by"),
    )


def downgrade() -> None:
    op.drop_table("ai_tenant_settings")
    op.drop_table("ai_breakers")
    op.drop_table("ai_budgets")
    op.drop_table("ai_usage")
    op.drop_table("ai_prices")
    op.drop_table("plans")
