"""Daily business jobs: overdue invoices."""

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
