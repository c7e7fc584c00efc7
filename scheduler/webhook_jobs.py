"""Outgoing webhooks: the dispatcher (every few seconds) and the retention sweep (daily)."""

from __future__ import annotations

import datetime as dt
import logging

from core.context import TenantContext
from core.webhooks.delivery import dispatch_tenant, purge
from core.webhooks.endpoints import tenants_with_enabled_endpoints
from core.webhooks.ssrf import Guard
from scheduler.locks import job_lock
from scheduler.per_tenant import RUNNABLE, Outcome, for_each_tenant

log = logging.getLogger(__name__)


def webhook_dispatch_job(now: dt.datetime | None = None, guard: Guard | None = None) -> Outcome | None:
    """Route new outbox events and deliver due deliveries, tenant by tenant."""
    with job_lock("webhook-dispatch") as mine:
        if not mine:
            return None
        wanted = tenants_with_enabled_endpoints()
        active_guard = guard or Guard.from_settings()

        def work(ctx: TenantContext) -> None:
            if ctx.tenant_id not in wanted:
                return  # no endpoint to deliver to: not worth a connection
            report = dispatch_tenant(ctx, now=now, guard=active_guard)
            if report.attempted or report.disabled:
                log.info("webhooks %s: %s routed, %s delivered, %s failed, disabled %s", ctx.slug, report.routed,
                         report.delivered, report.failed, report.disabled or "none")

        return for_each_tenant("webhook-dispatch", work, statuses=RUNNABLE)


def webhook_retention_job(now: dt.datetime | None = None) -> Outcome | None:
    """Drop webhook events, deliveries and log rows older than the retention period."""
    with job_lock("webhook-retention") as mine:
        if not mine:
            return None
        return for_each_tenant("webhook-retention", lambda ctx: purge(ctx, now=now), statuses=RUNNABLE)
