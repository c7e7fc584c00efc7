"""Scheduled jobs. Each takes its advisory lock, so it runs once across replicas."""

from __future__ import annotations

import logging

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
