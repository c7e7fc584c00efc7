"""Metering: the versioned price table, cost in integer micro-units, the usage ledger.

A price applies to calls from its `effective_from` on; editing a price means adding a new
version, so past calls keep the price they were made at. A model with no price is
"unpriced": its calls are recorded with `priced = false` and no cost (never zero), and the
operational intelligence page lists them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core.ai.models import AiPrice, AiUsage
from core.context import TenantContext
from core.errors import ValidationFailed
from db.session import control_session

MICROS = 1_000_000
PER_TOKENS = 1_000_000  # prices are per one million tokens


@dataclass(frozen=True)
class Price:
    id: int
    provider: str
    model: str
    input_per_mtok_micros: int
    output_per_mtok_micros: int
    currency: str
    effective_from: dt.datetime
    note: str | None


def _price(row: AiPrice) -> Price:
    return Price(row.id, row.provider, row.model, row.input_per_mtok_micros, row.output_per_mtok_micros,
                 row.currency, row.effective_from, row.note)


def price_for(provider: str, model: str, at: dt.datetime) -> Price | None:
    """The price version in force at `at`, or None (unpriced)."""
    with control_session() as s:
        row = s.scalars(
            select(AiPrice)
            .where(AiPrice.provider == provider, AiPrice.model == model, AiPrice.effective_from <= at)
            .order_by(AiPrice.effective_from.desc())
            .limit(1)
        ).first()
    return _price(row) if row is not None else None


def cost_micros(price: Price, input_tokens: int, output_tokens: int) -> int:
    """Micro-units, rounded half up (integer arithmetic only)."""
    raw = input_tokens * price.input_per_mtok_micros + output_tokens * price.output_per_mtok_micros
    return (raw + PER_TOKENS // 2) // PER_TOKENS


def list_prices(provider: str | None = None) -> list[Price]:
    with control_session() as s:
        query = select(AiPrice).order_by(AiPrice.provider, AiPrice.model, AiPrice.effective_from.desc())
        if provider:
            query = query.where(AiPrice.provider == provider)
        return [_price(r) for r in s.scalars(query)]


def set_price(provider: str, model: str, input_per_mtok_micros: int, output_per_mtok_micros: int, *,
              effective_from: dt.datetime, note: str | None = None, by: str = "operator") -> Price:
    """Operator: add a price version (never edits an existing one)."""
    problems = {}
    if not provider.strip() or not model.strip():
        problems["model"] = "a provider and a model are required"
    if input_per_mtok_micros < 0 or output_per_mtok_micros < 0:
        problems["price"] = "prices cannot be negative"
    if effective_from.tzinfo is None:
        problems["effective_from"] = "use a timezone-aware moment"
    if problems:
        raise ValidationFailed("invalid price", details=problems)
    with control_session() as s:
        row = AiPrice(provider=provider.strip(), model=model.strip(), input_per_mtok_micros=input_per_mtok_micros,
                      output_per_mtok_micros=output_per_mtok_micros, effective_from=effective_from, note=note,
                      created_by=by)
        s.add(row)
        s.flush()
        return _price(row)


@dataclass(frozen=True)
class Recorded:
    id: int
    priced: bool
    cost_micros: int | None


def user_of(ctx: TenantContext) -> uuid.UUID | None:
    if ctx.actor.kind != "user":
        return None
    try:
        return uuid.UUID(ctx.actor.id)
    except ValueError:
        return None


def record(ctx: TenantContext, *, feature: str, kind: str, provider: str, model: str, outcome: str,
           at: dt.datetime, input_tokens: int = 0, output_tokens: int = 0, tokens_estimated: bool = False,
           latency_ms: int = 0, fallback: bool = False, masked: dict[str, int] | None = None) -> Recorded:
    """Write one ledger row. Only a call that reached a model is priced; refusals cost nothing."""
    price = price_for(provider, model, at) if outcome == "ok" else None
    if outcome != "ok":
        priced, cost = True, 0
    elif price is None:
        priced, cost = False, None
    else:
        priced, cost = True, cost_micros(price, input_tokens, output_tokens)
    with control_session() as s:
        row = AiUsage(tenant_id=ctx.tenant_id, actor_kind=ctx.actor.kind, actor_id=ctx.actor.id[:100],
                      actor_label=(ctx.actor.label or None) and ctx.actor.label[:200], user_id=user_of(ctx),
                      feature=feature[:60], kind=kind, provider=provider, model=model[:100],
                      input_tokens=input_tokens, output_tokens=output_tokens, tokens_estimated=tokens_estimated,
                      priced=priced, cost_micros=cost, price_id=price.id if price else None,
                      latency_ms=latency_ms, outcome=outcome, fallback=fallback, masked=dict(masked or {}),
                      request_id=ctx.request_id[:64], created_at=at)
        s.add(row)
        s.flush()
        return Recorded(row.id, priced, cost)
