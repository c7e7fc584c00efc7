"""RAG tests: the corpus uploaded and ingested once per test session (the local embedding
model loads once), and contexts for members of each system role."""

from __future__ import annotations

import uuid

import pytest

from core.ai.rag import ingest, service
from core.context import Actor, TenantContext
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.registry import context_for, get_tenant
from scheduler.per_tenant import job_context
from tests.ai.rag.corpus import CORPUS, pdf_bytes


def member(role: str, slug: str = "a-shared", user_id: uuid.UUID | None = None) -> TenantContext:
    uid = user_id or uuid.uuid5(uuid.NAMESPACE_DNS, f"rag-{role}@{slug}")
    return context_for(get_tenant(slug), Actor("user", str(uid), f"{role}@{slug}"), role=role,
                       permissions=SYSTEM_ROLES[role])


def drain(slug: str) -> ingest.QueueRun:
    """Process a tenant's document queue synchronously, as the scheduler job does."""
    return ingest.process_queue(job_context(get_tenant(slug), "rag-ingest"))


@pytest.fixture(scope="session")
def corpus(tenants: dict[str, object]) -> dict[str, uuid.UUID]:
    """The corpus in a-shared, ready: document key -> id."""
    admin = member("admin")
    ids = {}
    for doc in CORPUS:
        view = service.upload(admin, f"{doc.key}.pdf", pdf_bytes(doc.pages, title=doc.title), title=doc.title,
                              visibility="roles" if doc.roles else "everyone", roles=doc.roles)
        ids[doc.key] = view.id
    run = drain("a-shared")
    assert not run.failed, run.failed
    return ids


@pytest.fixture(autouse=True)
def _servers(tenants: dict[str, object]) -> None:
    """Every test here needs the servers and tenants A and B in every tier."""
