"""Scheduled jobs. Each takes its advisory lock, so it runs once across replicas."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from core.context import TenantContext
from scheduler.locks import job_lock

log = logging.getLogger(__name__)


def schema_sync_job() -> None:
    """Bring any target that is behind (a new tenant, a repaired database) to head."""
    from core.tenancy.schema_sync import sync

    with job_lock("schema-sync") as mine:
        if not mine:
            return
        report = sync(workers=2)
        for result in report.failed:
            log.error("schema sync: %s failed: %s", result.target.key, result.error)


def _tenant_contexts(job: str, *, pending_audit_only: bool = False) -> Iterator[TenantContext]:
    """A job context for every tenant whose storage exists and is not being moved (only
    those with unsealed audit rows or batches, when asked: one query per database finds them)."""
    from core.context import Actor, TenantStatus
    from core.tenancy.registry import context_for, list_tenants
    from scheduler.pending import tenants_with_rows

    skip = {TenantStatus.PROVISIONING, TenantStatus.FAILED, TenantStatus.MIGRATING}
    actor = Actor("job", job)
    tenants = [t for t in list_tenants() if t.status not in skip]
    if pending_audit_only:
        due = (tenants_with_rows(tenants, "audit_pending", "true")
               | tenants_with_rows(tenants, "audit_batch", "true"))
        tenants = [t for t in tenants if t.id in due]
    for tenant in tenants:
        yield context_for(tenant, actor)


def audit_seal_job() -> None:
    """Chain the audit rows written since the last run (hash chain per tenant)."""
    from core.audit.chain import seal

    with job_lock("audit-seal") as mine:
        if not mine:
            return
        for ctx in _tenant_contexts("audit-seal", pending_audit_only=True):
            try:
                seal(ctx)
            except Exception:
                log.exception("audit seal: %s failed", ctx.slug)


def audit_anchor_job() -> None:
    """Copy each tenant's audit chain head into its control-plane chain (another server)."""
    from core.audit.chain import anchor, seal

    with job_lock("audit-anchor") as mine:
        if not mine:
            return
        for ctx in _tenant_contexts("audit-anchor"):
            try:
                seal(ctx)
                anchor(ctx)
            except Exception:
                log.exception("audit anchor: %s failed", ctx.slug)


def email_outbox_job() -> None:
    """Send the queued emails that are due (those the UI could not send right away)."""
    from core.notify.outbox import deliver_due

    with job_lock("email-outbox") as mine:
        if not mine:
            return
        done = deliver_due()
        if done.sent or done.retrying or done.failed:
            log.info("email outbox: %s sent, %s to retry, %s failed", done.sent, done.retrying, done.failed)
