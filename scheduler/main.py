"""The scheduler sidecar: registers jobs and runs them (APScheduler)."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler

from scheduler import business_jobs, digest_jobs, jobs, migration_jobs, rag_jobs, webhook_jobs

log = logging.getLogger("scheduler")


def build() -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(jobs.schema_sync_job, "interval", minutes=10, id="schema-sync")
    scheduler.add_job(jobs.email_outbox_job, "interval", seconds=30, id="email-outbox")
    scheduler.add_job(jobs.audit_seal_job, "interval", seconds=5, id="audit-seal")
    scheduler.add_job(jobs.audit_anchor_job, "interval", hours=1, id="audit-anchor")
    scheduler.add_job(webhook_jobs.webhook_dispatch_job, "interval", seconds=5, id="webhook-dispatch")
    scheduler.add_job(webhook_jobs.webhook_retention_job, "interval", hours=24, id="webhook-retention")
    scheduler.add_job(business_jobs.overdue_invoices_job, "interval", hours=1, id="overdue-invoices")
    scheduler.add_job(business_jobs.api_housekeeping_job, "interval", minutes=30, id="api-housekeeping")
    scheduler.add_job(digest_jobs.digest_job, "interval", minutes=5, id="ceo-digest")
    scheduler.add_job(migration_jobs.tenant_moves_job, "interval", seconds=15, id="tenant-moves")
    scheduler.add_job(rag_jobs.rag_ingest_job, "interval", seconds=5, id="rag-ingest")
    return scheduler


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # no line per job run in the console
    scheduler = build()

    def stop(_sig: int, _frame: FrameType | None) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started with jobs: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    sys.exit(0)


if __name__ == "__main__":
    main()
