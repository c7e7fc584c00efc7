"""Who may use AI now: the per-tenant switch and the monthly budgets.

Budgets are per calendar month in the tenant's time zone, in cost (micro-units) and/or
tokens: one for the whole company, a default for each user, and overrides for single
users. At `warn_pct` (80% unless set) callers get a warning with their answer; once the
spend reaches the cap, further calls are refused with a clear message until the month
ends or an admin raises the cap.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from core.ai.metering import MICROS, user_of
from core.ai.models import AiBudget, AiTenantSetting, AiUsage
from core.ai.types import AIDisabled, BudgetExceeded
from core.context import TenantContext
from core.errors import Forbidden, ValidationFailed
from core.rbac.guard import require
from db.session import control_session

DEFAULT_WARN_PCT = 80


# --- the AI switch -------------------------------------------------------------------------


@dataclass(frozen=True)
class Switch:
    enabled: bool
    disabled_by: str | None = None
    reason: str | None = None


def switch_of(tenant_id: uuid.UUID) -> Switch:
    with control_session() as s:
        row = s.get(AiTenantSetting, tenant_id)
    if row is None:
        return Switch(True)
    return Switch(row.enabled, row.disabled_by, row.reason)


def require_enabled(ctx: TenantContext) -> None:
    switch = switch_of(ctx.tenant_id)
    if not switch.enabled:
        who = "the operator" if switch.disabled_by == "operator" else "an admin of the company"
        reason = f" ({switch.reason})" if switch.reason else ""
        raise AIDisabled(f"AI is switched off for {ctx.name} by {who}{reason}; fill it in yourself.",
                         by=switch.disabled_by)


def _set_switch(tenant_id: uuid.UUID, enabled: bool, by: str, reason: str | None, who: str) -> Switch:
    values = {"enabled": enabled, "disabled_by": None if enabled else by, "reason": None if enabled else reason,
              "updated_by": who}
    with control_session() as s:
        s.execute(insert(AiTenantSetting).values(tenant_id=tenant_id, **values)
                  .on_conflict_do_update(index_elements=["tenant_id"], set_={**values, "updated_at": func.now()}))
    return switch_of(tenant_id)


def set_enabled(ctx: TenantContext, enabled: bool, reason: str | None = None) -> Switch:
    """The company's admin turns AI on or off; an operator's 'off' stays."""
    require(ctx, "ai.admin")
    current = switch_of(ctx.tenant_id)
    if current.disabled_by == "operator":
        raise Forbidden("AI was switched off by the operator; only the operator can switch it on again",
                        details={"disabled_by": "operator"})
    return _set_switch(ctx.tenant_id, enabled, "tenant", reason, str(ctx.actor))


def operator_set_enabled(tenant_id: uuid.UUID, enabled: bool, reason: str | None = None,
                         by: str = "operator") -> Switch:
    """The operator's switch (`bos ai disable <company>`): overrides the company's own."""
    return _set_switch(tenant_id, enabled, "operator", reason, by)


# --- budgets ---------------------------------------------------------------------------------


def month_bounds(now: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The start of this month and of the next one in the tenant's time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    return start, nxt


@dataclass(frozen=True)
class Budget:
    scope: str  # "tenant", "user" (default for each user) or "user:<id>"
    user_id: uuid.UUID | None
    limit_micros: int | None
    limit_tokens: int | None
    warn_pct: int


@dataclass(frozen=True)
class BudgetUse:
    budget: Budget
    spent_micros: int
    spent_tokens: int

    def _pairs(self) -> list[tuple[int, int]]:
        """(spent, limit) for each limit set."""
        pairs = []
        if self.budget.limit_micros is not None:
            pairs.append((self.spent_micros, self.budget.limit_micros))
        if self.budget.limit_tokens is not None:
            pairs.append((self.spent_tokens, self.budget.limit_tokens))
        return pairs

    @property
    def used_pct(self) -> float:
        return max((round(spent * 100 / limit, 1) if limit else 100.0 for spent, limit in self._pairs()),
                   default=0.0)

    @property
    def exhausted(self) -> bool:
        return any(spent >= limit for spent, limit in self._pairs())

    @property
    def warning(self) -> bool:
        # Integers only: 76 of 95 tokens is exactly 80%.
        return any(spent * 100 >= limit * self.budget.warn_pct for spent, limit in self._pairs())


def _budget(row: AiBudget) -> Budget:
    scope = row.scope if row.user_id is None else f"user:{row.user_id}"
    return Budget(scope, row.user_id, row.limit_micros, row.limit_tokens, row.warn_pct)


def budgets(tenant_id: uuid.UUID) -> list[Budget]:
    with control_session() as s:
        rows = s.scalars(select(AiBudget).where(AiBudget.tenant_id == tenant_id)
                         .order_by(AiBudget.scope, AiBudget.user_id.nulls_first()))
        return [_budget(r) for r in rows]


def spent(tenant_id: uuid.UUID, since: dt.datetime, user_id: uuid.UUID | None = None) -> tuple[int, int]:
    """(cost in micro-units, tokens) since a moment; unpriced calls add tokens, not cost."""
    query = select(func.coalesce(func.sum(AiUsage.cost_micros), 0),
                   func.coalesce(func.sum(AiUsage.input_tokens + AiUsage.output_tokens), 0)) \
        .where(AiUsage.tenant_id == tenant_id, AiUsage.created_at >= since)
    if user_id is not None:
        query = query.where(AiUsage.user_id == user_id)
    with control_session() as s:
        micros, tokens = s.execute(query).one()
    return int(micros or 0), int(tokens or 0)


def usage_of(ctx: TenantContext, now: dt.datetime) -> list[BudgetUse]:
    """The budgets that apply to this caller now, with this month's spend."""
    start, _ = month_bounds(now, ctx.timezone)
    found = budgets(ctx.tenant_id)
    user = user_of(ctx)
    out = []
    tenant_budget = next((b for b in found if b.scope == "tenant"), None)
    if tenant_budget is not None:
        out.append(BudgetUse(tenant_budget, *spent(ctx.tenant_id, start)))
    if user is not None:
        mine = next((b for b in found if b.user_id == user), None) or \
            next((b for b in found if b.scope == "user" and b.user_id is None), None)
        if mine is not None:
            out.append(BudgetUse(mine, *spent(ctx.tenant_id, start, user)))
    return out


def _idr(micros: int) -> str:
    return f"Rp {micros // MICROS:,}".replace(",", ".")


def check(ctx: TenantContext, now: dt.datetime) -> str | None:
    """Refuse when a cap is reached; otherwise a warning text past the warning level, or None."""
    uses = usage_of(ctx, now)
    _, next_month = month_bounds(now, ctx.timezone)
    for use in uses:
        if use.exhausted:
            who = "this company" if use.budget.scope == "tenant" else "you"
            limit = (_idr(use.budget.limit_micros) if use.budget.limit_micros is not None
                     else f"{use.budget.limit_tokens:,} tokens")
            raise BudgetExceeded(
                f"The monthly AI budget for {who} ({limit}) is used up. AI is paused until "
                f"{next_month.date().isoformat()} or until an admin raises the budget; fill it in yourself meanwhile.",
                scope="tenant" if use.budget.scope == "tenant" else "user",
                retry_after=max(1, int((next_month - now).total_seconds())),
                details={"limit_micros": use.budget.limit_micros, "limit_tokens": use.budget.limit_tokens,
                         "spent_micros": use.spent_micros, "spent_tokens": use.spent_tokens,
                         "resets_on": next_month.date().isoformat()},
            )
    warned = [u for u in uses if u.warning]
    if not warned:
        return None
    worst = max(warned, key=lambda u: u.used_pct)
    who = "this company's" if worst.budget.scope == "tenant" else "your"
    return f"{worst.used_pct:.0f}% of {who} monthly AI budget is used."


def set_budget(ctx: TenantContext, *, scope: str, user_id: uuid.UUID | None = None,
               limit_micros: int | None = None, limit_tokens: int | None = None,
               warn_pct: int = DEFAULT_WARN_PCT) -> Budget | None:
    """Admin: set (or with both limits None, remove) a budget of the company."""
    require(ctx, "ai.admin")
    problems = {}
    if scope not in ("tenant", "user"):
        problems["scope"] = "scope is 'tenant' or 'user'"
    if scope == "tenant" and user_id is not None:
        problems["user_id"] = "a company budget has no user"
    if (limit_micros is not None and limit_micros < 0) or (limit_tokens is not None and limit_tokens < 0):
        problems["limit"] = "a budget cannot be negative"
    if not 1 <= warn_pct <= 100:
        problems["warn_pct"] = "the warning level is a percentage from 1 to 100"
    if problems:
        raise ValidationFailed("invalid budget", details=problems)
    with control_session() as s:
        row = s.scalars(select(AiBudget).where(
            AiBudget.tenant_id == ctx.tenant_id, AiBudget.scope == scope,
            AiBudget.user_id.is_(None) if user_id is None else AiBudget.user_id == user_id)).first()
        if limit_micros is None and limit_tokens is None:
            if row is not None:
                s.delete(row)
            return None
        if row is None:
            row = AiBudget(tenant_id=ctx.tenant_id, scope=scope, user_id=user_id)
            s.add(row)
        row.limit_micros, row.limit_tokens, row.warn_pct = limit_micros, limit_tokens, warn_pct
        row.updated_by = str(ctx.actor)
        s.flush()
        return _budget(row)
