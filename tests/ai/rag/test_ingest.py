"""Background ingestion: progress committed batch by batch, a stopped worker's document
resumed without duplicates, claims that skip each other, deletion that removes every chunk,
and the scheduler job."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from core.ai.rag import ingest, repository, service
from core.ai.rag.models import DocumentChunk
from core.files.models import StoredFile
from core.tenancy.registry import get_tenant
from db.session import tenant_session
from scheduler.per_tenant import job_context
from tests.ai.rag.conftest import member
from tests.ai.rag.corpus import pdf_bytes

SLUG = "rag-queue"  # a company of its own: these tests expect its queue to hold only their documents


@pytest.fixture(autouse=True, scope="module")
def _company(tenants: dict[str, object]) -> None:
    from tests.ui.business_seed import company

    company(SLUG, "Antrean Dokumen", roles=("admin",))


def _book(tag: str, pages: int) -> bytes:
    return pdf_bytes([[f"Chapter {n} of the {tag} manual: machine {tag}-{n} is serviced every {n + 2} weeks.",
                       f"Operators of machine {tag}-{n} wear gloves and check the oil level before starting."]
                      for n in range(1, pages + 1)], title=f"{tag} manual")


def _chunks(doc_id: uuid.UUID) -> list[tuple[int, int]]:
    with tenant_session(member("admin", SLUG)) as s:
        return [(r.page, r.ordinal) for r in s.execute(
            select(DocumentChunk.page, DocumentChunk.ordinal).where(DocumentChunk.document_id == doc_id)
            .order_by(DocumentChunk.ordinal))]


def _job() -> object:
    return job_context(get_tenant(SLUG), "rag-ingest")


def test_progress_is_committed_batch_by_batch() -> None:
    admin = member("admin", SLUG)
    doc = service.upload(admin, "press.pdf", _book("press", 7))
    seen: list[tuple[int, int, str]] = []

    def watch(document_id: uuid.UUID, done: int, total: int) -> None:
        view = service.get_document(admin, document_id)  # another session: only committed work shows
        seen.append((view.pages_done, view.pages_total, view.status))

    run = ingest.process_queue(_job(), batch_pages=3, on_batch=watch)  # type: ignore[arg-type]
    assert run.processed == [doc.id]
    assert seen == [(3, 7, "processing"), (6, 7, "processing"), (7, 7, "processing")]
    view = service.get_document(admin, doc.id)
    assert (view.status, view.pages_done, view.progress) == ("ready", 7, 1.0)
    chunks = _chunks(doc.id)
    assert {p for p, _ in chunks} == set(range(1, 8)) and [o for _, o in chunks] == list(range(len(chunks)))
    assert view.chunk_count == len(chunks)


class _Stop(BaseException):
    """The worker process dies (not an error the ingestion could record)."""


def test_stopped_worker_is_resumed_without_duplicates() -> None:
    admin = member("admin", SLUG)
    doc = service.upload(admin, "lathe.pdf", _book("lathe", 5))
    now = dt.datetime.now(dt.UTC)

    def die(document_id: uuid.UUID, done: int, total: int) -> None:
        raise _Stop()

    with pytest.raises(_Stop):
        ingest.process_queue(_job(), batch_pages=2, on_batch=die, clock=lambda: now)  # type: ignore[arg-type]
    view = service.get_document(admin, doc.id)
    assert (view.status, view.pages_done) == ("processing", 2)
    # A fresh claim does not take it while its heartbeat is recent ...
    assert ingest.process_queue(_job(), clock=lambda: now + dt.timedelta(seconds=30)).processed == []  # type: ignore[arg-type]
    # ... and does once the worker is clearly gone.
    later = now + repository.STALE_AFTER + dt.timedelta(seconds=1)
    run = ingest.process_queue(_job(), batch_pages=2, clock=lambda: later)  # type: ignore[arg-type]
    assert run.processed == [doc.id]
    chunks = _chunks(doc.id)
    assert [o for _, o in chunks] == list(range(len(chunks))) and {p for p, _ in chunks} == set(range(1, 6))
    assert len(chunks) == len(set(chunks)) and service.get_document(admin, doc.id).status == "ready"


def test_claims_skip_a_locked_document() -> None:
    admin = member("admin", SLUG)
    first = service.upload(admin, "drill.pdf", _book("drill", 1))
    second = service.upload(admin, "saw.pdf", _book("saw", 1))
    now = dt.datetime.now(dt.UTC)
    with tenant_session(admin) as one, tenant_session(admin) as two:
        a = repository.claim_next(one, now)
        b = repository.claim_next(two, now)
        assert a is not None and b is not None and {a.id, b.id} == {first.id, second.id}
        with tenant_session(admin) as three:
            assert repository.claim_next(three, now) is None
    assert len(ingest.process_queue(_job()).processed) == 0  # type: ignore[arg-type]
    later = now + repository.STALE_AFTER + dt.timedelta(seconds=1)
    assert len(ingest.process_queue(_job(), clock=lambda: later).processed) == 2  # type: ignore[arg-type]


def test_delete_removes_every_chunk_and_the_file() -> None:
    admin = member("admin", SLUG)
    doc = service.upload(admin, "crane.pdf", _book("crane", 3))
    assert ingest.process_queue(_job()).processed == [doc.id]  # type: ignore[arg-type]
    assert _chunks(doc.id)
    service.delete_document(admin, doc.id)
    assert _chunks(doc.id) == []
    with tenant_session(admin) as s:
        assert s.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.filename == "crane.pdf")) == 0
    assert all(h.document_id != doc.id for h in service.search(admin, "crane manual machine serviced", limit=50))


def test_delete_while_processing_leaves_no_chunk() -> None:
    admin = member("admin", SLUG)
    doc = service.upload(admin, "forklift.pdf", _book("forklift", 6))

    def delete_after_first(document_id: uuid.UUID, done: int, total: int) -> None:
        if done == 2:
            service.delete_document(admin, document_id)

    run = ingest.process_queue(_job(), batch_pages=2, on_batch=delete_after_first)  # type: ignore[arg-type]
    assert run.failed == {} and _chunks(doc.id) == []


def test_scheduler_job_drains_every_tenant() -> None:
    from scheduler.rag_jobs import rag_ingest_job

    doc = service.upload(member("admin", "a-dedicated"), "boiler.pdf", _book("boiler", 2))
    outcome = rag_ingest_job()
    assert "a-dedicated" in outcome.done and not outcome.failed
    assert service.get_document(member("admin", "a-dedicated"), doc.id).status == "ready"
