"""Company documents: the ingestion queue of every tenant, worked through every few seconds.

Replicas share the work safely: a document is claimed with FOR UPDATE SKIP LOCKED and
marked processing, so two workers never ingest the same document."""

from __future__ import annotations

from core.ai.rag import ingest
from core.context import TenantContext
from scheduler.per_tenant import Outcome, for_each_tenant

MAX_SECONDS_PER_TENANT = 120.0


def _drain(ctx: TenantContext) -> None:
    ingest.process_queue(ctx, max_seconds=MAX_SECONDS_PER_TENANT)


def rag_ingest_job() -> Outcome:
    """Ingest queued documents (and resume those whose worker stopped) in every tenant."""
    return for_each_tenant("rag-ingest", _drain)
