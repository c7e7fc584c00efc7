"""The one loop over tenants: each tenant's work in its own transaction, failures isolated."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from core.context import Actor, TenantContext, TenantStatus
from core.rbac.permissions import ALL
from core.tenancy.registry import context_for, list_tenants

log = logging.getLogger(__name__)

# Jobs skip tenants whose storage is not usable or that must not change.
RUNNABLE = {TenantStatus.ACTIVE, TenantStatus.SOFT_LOCKED, TenantStatus.READ_ONLY}


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def job_context(tenant: object, job: str) -> TenantContext:
    """A job acts with every permission, as actor `job:<name>` (the audit log shows it)."""
    return context_for(tenant, Actor("job", job, job), role="job", permissions=ALL)  # type: ignore[arg-type]


def for_each_tenant(job: str, work: Callable[[TenantContext], object],
                    statuses: set[TenantStatus] | None = None) -> Outcome:
    outcome = Outcome()
    wanted = statuses or {TenantStatus.ACTIVE}
    for tenant in list_tenants():
        if TenantStatus(tenant.status) not in wanted:
            continue
        try:
            work(job_context(tenant, job))
            outcome.done.append(tenant.slug)
        except Exception as exc:  # one tenant's failure must not stop the others
            log.exception("job %s failed for %s", job, tenant.slug)
            outcome.failed[tenant.slug] = f"{type(exc).__name__}: {exc}"[:500]
    return outcome
