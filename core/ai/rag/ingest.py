"""Background ingestion: queued documents are claimed (FOR UPDATE SKIP LOCKED), read page
by page, chunked, embedded through the gateway and stored in batches; each batch commits
its chunks and the progress (pages done of pages total), so the documents page shows
progress and a stopped worker resumes where the last batch ended.

`process_queue(ctx)` works through one tenant's queue synchronously (the scheduler job
calls it for every tenant; tests call it directly).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from core.ai import gateway
from core.ai.rag import extract, repository
from core.ai.rag.chunking import Chunk, chunk_pages
from core.ai.rag.models import Document
from core.ai.types import AIDisabled, BudgetExceeded
from core.context import TenantContext
from core.errors import DomainError, ValidationFailed
from core.files.models import StoredFile
from db.session import tenant_session

log = logging.getLogger(__name__)

BATCH_PAGES = 8
EMBED_BATCH = 64
FEATURE = "rag"
MIN_TEXT_CHARS = 20  # less than this in the whole document: a scan without a text layer

SCANNED_MESSAGE = ("the document has no text layer (a scanned image?); run it through OCR or upload a "
                   "PDF with selectable text")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class QueueRun:
    processed: list[uuid.UUID] = field(default_factory=list)
    failed: dict[uuid.UUID, str] = field(default_factory=dict)


class _Gone(Exception):
    """The document was deleted while it was being processed."""


def embedding_text(title: str, chunk: Chunk) -> str:
    return f"{title}\n{chunk.text}"


def _embed(ctx: TenantContext, texts: list[str]) -> list[list[float]]:
    vectors: list[list[float]] = []
    for start in range(0, len(texts), EMBED_BATCH):
        vectors += gateway.embed(ctx, FEATURE, texts[start:start + EMBED_BATCH]).vectors
    return vectors


def _batches(pages: Iterator[extract.Page], size: int) -> Iterator[list[extract.Page]]:
    batch: list[extract.Page] = []
    for page in pages:
        batch.append(page)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


BatchHook = Callable[[uuid.UUID, int, int], None]


def process_document(ctx: TenantContext, document_id: uuid.UUID, *, clock: Callable[[], dt.datetime] = _utcnow,
                     batch_pages: int = BATCH_PAGES, on_batch: BatchHook | None = None) -> str:
    """Ingest one claimed document from where it stopped; returns its final status.
    `on_batch(document_id, pages_done, pages_total)` runs after each committed batch."""
    with tenant_session(ctx) as s:
        doc = s.get(Document, document_id)
        if doc is None:
            return "deleted"
        data = s.scalar(select(StoredFile.data).where(StoredFile.id == doc.file_id))
        kind, title, start = doc.kind, doc.title, doc.pages_done
        chunks_so_far = doc.chunk_count
        ordinal = repository.resume_point(s, document_id, start)
    try:
        if data is None:
            raise ValidationFailed("the stored file is missing", details={"file": "missing"})
        total = extract.page_count(kind, data)
        with tenant_session(ctx) as s:
            repository.set_progress(s, document_id, clock(), pages_total=total)
        for batch in _batches(extract.pages(kind, data, start + 1), batch_pages):
            chunks = list(chunk_pages(batch, ordinal))
            vectors = _embed(ctx, [embedding_text(title, c) for c in chunks]) if chunks else []
            with tenant_session(ctx) as s:
                if s.scalar(select(Document.id).where(Document.id == document_id).with_for_update()) is None:
                    raise _Gone()
                repository.add_chunks(s, document_id, chunks, vectors)
                chunks_so_far += len(chunks)
                ordinal += len(chunks)
                repository.set_progress(s, document_id, clock(), pages_done=batch[-1].number,
                                        chunk_count=chunks_so_far)
            if on_batch is not None:
                on_batch(document_id, batch[-1].number, total)
        with tenant_session(ctx) as s:
            if chunks_so_far == 0:
                repository.drop_chunks(s, document_id)
                repository.set_progress(s, document_id, clock(), status="failed", error_code="no_text",
                                        error=SCANNED_MESSAGE, finished_at=clock())
                return "failed"
            repository.set_progress(s, document_id, clock(), status="ready", pages_done=total,
                                    finished_at=clock())
        return "ready"
    except _Gone:
        return "deleted"
    except (AIDisabled, BudgetExceeded) as exc:
        return _fail(ctx, document_id, "ai_unavailable", exc.message, clock)
    except DomainError as exc:
        return _fail(ctx, document_id, str(exc.details.get("file") or exc.code), exc.message, clock)
    except Exception as exc:  # one bad file must not stop the queue
        log.exception("document %s could not be processed", document_id)
        return _fail(ctx, document_id, "error", f"the document could not be processed ({type(exc).__name__})",
                     clock)


def _fail(ctx: TenantContext, document_id: uuid.UUID, code: str, message: str,
          clock: Callable[[], dt.datetime]) -> str:
    with tenant_session(ctx) as s:
        repository.drop_chunks(s, document_id)
        repository.set_progress(s, document_id, clock(), status="failed", error_code=code[:40],
                                error=message[:500], pages_done=0, chunk_count=0, finished_at=clock())
    return "failed"


def process_queue(ctx: TenantContext, *, max_documents: int | None = None, max_seconds: float | None = None,
                  clock: Callable[[], dt.datetime] = _utcnow, batch_pages: int = BATCH_PAGES,
                  on_batch: BatchHook | None = None) -> QueueRun:
    """Claim and ingest this tenant's queued documents, one after the other, until the queue
    is empty (or the limits are reached)."""
    run = QueueRun()
    started = time.monotonic()
    while max_documents is None or len(run.processed) + len(run.failed) < max_documents:
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            break
        with tenant_session(ctx) as s:
            doc = repository.claim_next(s, clock())
            claimed = doc.id if doc is not None else None
        if claimed is None:
            break
        status = process_document(ctx, claimed, clock=clock, batch_pages=batch_pages, on_batch=on_batch)
        if status == "failed":
            with tenant_session(ctx) as s:
                run.failed[claimed] = s.scalar(select(Document.error).where(Document.id == claimed)) or ""
        else:
            run.processed.append(claimed)
    return run
