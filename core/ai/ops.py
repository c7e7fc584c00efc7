"""Operational intelligence: AI usage, cost and margin per user, feature and company.

Margin = subscription revenue - AI cost over a period. Revenue is the plan's monthly price
prorated by day (core.billing.plans); a user's share is the company's revenue divided
equally among its members. API keys and jobs have cost but no revenue of their own.
"Calls" are answered calls; failed provider attempts and refused calls are counted apart.
Unpriced calls (a model missing from the price table) carry no cost and are listed, so a
missing price is seen rather than read as zero.

Every query of a company's report is filtered by the caller's tenant; `tenant_margins`
is the operator's cross-company view (CLI), with no tenant context.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, func, select

from core.ai.models import AiUsage
from core.billing.plans import plan_for, prorated_micros
from core.context import TenantContext
from core.errors import ValidationFailed
from core.identity.models import Membership, User
from core.rbac.guard import require
from core.tenancy.models import Tenant
from db.session import control_session

MAX_DAYS = 366


@dataclass(frozen=True)
class Margin:
    revenue_micros: int
    cost_micros: int

    @property
    def margin_micros(self) -> int:
        return self.revenue_micros - self.cost_micros

    @property
    def margin_pct(self) -> float | None:
        if self.revenue_micros <= 0:
            return None
        return round(self.margin_micros * 100 / self.revenue_micros, 2)

    def below(self, threshold_pct: float) -> bool:
        """Exact (not the rounded percentage): a sliver of cost on a full margin still counts."""
        if self.revenue_micros <= 0:
            return self.cost_micros > 0
        return self.margin_micros * 100 < threshold_pct * self.revenue_micros


@dataclass(frozen=True)
class Totals:
    calls: int = 0
    failed: int = 0
    refused: int = 0
    fallback: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_micros: int = 0
    unpriced_calls: int = 0
    masked: dict[str, int] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class ActorRow:
    actor_kind: str
    actor_id: str
    label: str
    calls: int
    tokens: int
    cost_micros: int
    unpriced_calls: int
    margin: Margin | None  # users only


@dataclass(frozen=True)
class FeatureRow:
    feature: str
    calls: int
    tokens: int
    cost_micros: int
    unpriced_calls: int


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    calls: int
    tokens: int
    cost_micros: int


@dataclass(frozen=True)
class Alert:
    kind: str  # "tenant" or "user"
    label: str
    margin: Margin


@dataclass(frozen=True)
class Report:
    first: dt.date
    last: dt.date
    plan: str | None
    members: int
    totals: Totals
    margin: Margin
    users: list[ActorRow]
    features: list[FeatureRow]
    days: list[DayRow]
    alerts: list[Alert]
    unpriced_models: list[tuple[str, str, int]]


def period_bounds(first: dt.date, last: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    if last < first:
        raise ValidationFailed("the period ends before it starts", details={"period": "end before start"})
    if (last - first).days >= MAX_DAYS:
        raise ValidationFailed(f"choose at most {MAX_DAYS} days", details={"period": f"at most {MAX_DAYS} days"})
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone)
    return start, end


_OK = AiUsage.outcome == "ok"
_CALLS = func.count().filter(_OK)
_TOKENS = func.coalesce(func.sum(AiUsage.input_tokens + AiUsage.output_tokens), 0)
_COST = func.coalesce(func.sum(AiUsage.cost_micros), 0)
_UNPRICED = func.count().filter(and_(_OK, AiUsage.priced.is_(False)))


def _int(value: Any) -> int:
    return int(value or 0)


def _where(tenant_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> list[object]:
    return [AiUsage.tenant_id == tenant_id, AiUsage.created_at >= start, AiUsage.created_at < end]


def totals(tenant_id: uuid.UUID, start: dt.datetime, end: dt.datetime) -> Totals:
    where = _where(tenant_id, start, end)
    with control_session() as s:
        row = s.execute(select(
            _CALLS,
            func.count().filter(AiUsage.outcome.in_(("timeout", "error"))),
            func.count().filter(AiUsage.outcome.in_(("breaker_open", "budget_blocked", "disabled", "mask_failed"))),
            func.count().filter(and_(_OK, AiUsage.fallback.is_(True))),
            func.coalesce(func.sum(AiUsage.input_tokens), 0),
            func.coalesce(func.sum(AiUsage.output_tokens), 0),
            _COST,
            _UNPRICED,
        ).where(*where)).one()  # type: ignore[arg-type]
        masked: Counter[str] = Counter()
        for counts in s.scalars(select(AiUsage.masked).where(*where, _OK, AiUsage.masked != {})):  # type: ignore[arg-type]
            masked.update({str(k): int(v) for k, v in counts.items()})
    calls, failed, refused, fallback, tokens_in, tokens_out, cost, unpriced = (_int(v) for v in row)
    return Totals(calls, failed, refused, fallback, tokens_in, tokens_out, cost, unpriced, dict(masked))


def _members(tenant_id: uuid.UUID) -> int:
    with control_session() as s:
        return int(s.scalar(select(func.count()).select_from(Membership).where(Membership.tenant_id == tenant_id))
                   or 0)


def _labels(user_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not user_ids:
        return {}
    with control_session() as s:
        rows = s.execute(select(User.id, User.full_name, User.email).where(User.id.in_(user_ids)))
        return {uid: f"{name} <{email}>" for uid, name, email in rows}


def report(ctx: TenantContext, first: dt.date, last: dt.date, threshold_pct: float) -> Report:
    """The company's AI report for first..last (inclusive, in the company's time zone)."""
    require(ctx, "ai.admin")
    start, end = period_bounds(first, last, ctx.timezone)
    where = _where(ctx.tenant_id, start, end)
    with control_session() as s:
        tenant = s.get(Tenant, ctx.tenant_id)
    plan = plan_for(tenant) if tenant is not None else None
    revenue = prorated_micros(plan.monthly_price, first, last) if plan is not None else 0
    total = totals(ctx.tenant_id, start, end)
    margin = Margin(revenue, total.cost_micros)
    members = _members(ctx.tenant_id)
    share = revenue // members if members else 0

    local_day = cast(func.timezone(ctx.timezone, AiUsage.created_at), Date)
    with control_session() as s:
        actor_rows = s.execute(
            select(AiUsage.actor_kind, AiUsage.actor_id, func.max(AiUsage.actor_label), AiUsage.user_id,
                   _CALLS, _TOKENS, _COST, _UNPRICED)
            .where(*where)  # type: ignore[arg-type]
            .group_by(AiUsage.actor_kind, AiUsage.actor_id, AiUsage.user_id)
            .order_by(_COST.desc(), _TOKENS.desc())
        ).all()
        feature_rows = s.execute(
            select(AiUsage.feature, _CALLS, _TOKENS, _COST, _UNPRICED).where(*where)  # type: ignore[arg-type]
            .group_by(AiUsage.feature).order_by(_COST.desc(), _TOKENS.desc(), AiUsage.feature)
        ).all()
        day_rows = s.execute(
            select(local_day, _CALLS, _TOKENS, _COST).where(*where)  # type: ignore[arg-type]
            .group_by(local_day).order_by(local_day)
        ).all()
        unpriced = s.execute(
            select(AiUsage.provider, AiUsage.model, func.count())
            .where(*where, _OK, AiUsage.priced.is_(False))  # type: ignore[arg-type]
            .group_by(AiUsage.provider, AiUsage.model).order_by(func.count().desc())
        ).all()

    labels = _labels({r[3] for r in actor_rows if r[3] is not None})
    users = []
    for kind, actor_id, label, user_id, calls, tokens, cost, unpriced_calls in actor_rows:
        shown = labels.get(user_id) if user_id is not None else None
        users.append(ActorRow(kind, actor_id, shown or label or f"{kind}:{actor_id}", _int(calls), _int(tokens),
                              _int(cost), _int(unpriced_calls),
                              Margin(share, _int(cost)) if kind == "user" else None))
    alerts = [Alert("tenant", ctx.name, margin)] if margin.below(threshold_pct) else []
    alerts += [Alert("user", u.label, u.margin) for u in users
               if u.margin is not None and u.margin.below(threshold_pct)]
    return Report(
        first, last, plan.name if plan else None, members, total, margin, users,
        [FeatureRow(f, _int(c), _int(t), _int(m), _int(u)) for f, c, t, m, u in feature_rows],
        _fill_days(first, last, [DayRow(d, _int(c), _int(t), _int(m)) for d, c, t, m in day_rows]),
        alerts,
        [(p, m, _int(n)) for p, m, n in unpriced],
    )


def _fill_days(first: dt.date, last: dt.date, rows: list[DayRow]) -> list[DayRow]:
    """Every day of the period, zero where nothing happened (a continuous trend line)."""
    known = {r.day: r for r in rows}
    out = []
    day = first
    while day <= last:
        out.append(known.get(day, DayRow(day, 0, 0, 0)))
        day += dt.timedelta(days=1)
    return out


@dataclass(frozen=True)
class TenantMargin:
    slug: str
    name: str
    plan: str | None
    calls: int
    tokens: int
    cost_micros: int
    unpriced_calls: int
    margin: Margin
    alert: bool


def tenant_margins(first: dt.date, last: dt.date, threshold_pct: float,
                   timezone: str = "Asia/Jakarta") -> list[TenantMargin]:
    """Operator: every company's AI cost and margin over the period, lowest margin first."""
    start, end = period_bounds(first, last, timezone)
    with control_session() as s:
        tenants = list(s.scalars(select(Tenant).order_by(Tenant.slug)))
        usage = {r[0]: r[1:] for r in s.execute(
            select(AiUsage.tenant_id, _CALLS, _TOKENS, _COST, _UNPRICED)
            .where(AiUsage.created_at >= start, AiUsage.created_at < end).group_by(AiUsage.tenant_id))}
    out = []
    for tenant in tenants:
        calls, tokens, cost, unpriced_calls = (_int(v) for v in usage.get(tenant.id, (0, 0, 0, 0)))
        plan = plan_for(tenant)
        margin = Margin(prorated_micros(plan.monthly_price, first, last) if plan else 0, cost)
        out.append(TenantMargin(tenant.slug, tenant.name, plan.name if plan else None, calls, tokens, cost,
                                unpriced_calls, margin, margin.below(threshold_pct)))
    return sorted(out, key=lambda t: (t.margin.margin_pct if t.margin.margin_pct is not None else -1e9, t.slug))

