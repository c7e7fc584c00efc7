"""Business jobs: overdue invoices (hourly, in each tenant's time zone), API bookkeeping."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.context import TenantContext
from core.invoices.service import mark_overdue
from scheduler.locks import job_lock
from scheduler.per_tenant import Outcome, for_each_tenant


def _overdue(ctx: TenantContext) -> None:
    mark_overdue(ctx, dt.datetime.now(ZoneInfo(ctx.timezone)).date())


def overdue_invoices_job() -> Outcome | None:
    """Sent invoices past their due date (in the tenant's time zone) become overdue."""
    with job_lock("overdue-invoices") as mine:
        if not mine:
            return None
        return for_each_tenant("overdue-invoices", _overdue)


def api_housekeeping_job() -> None:
    """Forget idempotency records older than a day and rate windows older than an hour."""
    from sqlalchemy import text

    from core.apikeys.idempotency import purge
    from db.session import control_session

    with job_lock("api-housekeeping") as mine:
        if not mine:
            return
        purge(24)
        with control_session() as s:
            s.execute(text("DELETE FROM api_rate_windows WHERE window_start < now() - interval '1 hour'"))
