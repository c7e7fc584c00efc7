"""Company documents: upload (checked, then queued for background ingestion), list,
delete, retry, and questions answered from the documents the asker may read.

Permissions: `document.read` to list documents and ask; `document.upload` to upload,
delete and retry. Access to each document (everyone / roles / a project's members) is
part of the retrieval SQL (see repository.VISIBLE_SQL).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.ai import gateway
from core.ai.rag import answer as answering
from core.ai.rag import extract, repository
from core.ai.rag.models import Document, DocumentQuestion
from core.ai.rag.repository import Reader
from core.ai.types import AIDisabled, BudgetExceeded
from core.context import TenantContext
from core.errors import Conflict, NotFound, ValidationFailed
from core.files.models import StoredFile
from core.rbac.guard import require, require_write
from db.session import tenant_connection, tenant_session

FEATURE = "rag"
MAX_QUESTION_CHARS = 1000
TOP_K = 6
HISTORY = 50


@dataclass(frozen=True)
class DocumentView:
    id: uuid.UUID
    title: str
    filename: str
    kind: str
    size_bytes: int
    status: str
    pages_total: int
    pages_done: int
    chunk_count: int
    visibility: str
    role_keys: tuple[str, ...]
    project_id: uuid.UUID | None
    error_code: str | None
    error: str | None
    uploaded_by: str
    created_at: object

    @property
    def progress(self) -> float:
        if self.status == "ready":
            return 1.0
        return min(1.0, self.pages_done / self.pages_total) if self.pages_total else 0.0


def _view(d: Document) -> DocumentView:
    return DocumentView(d.id, d.title, d.filename, d.kind, d.size_bytes, d.status, d.pages_total, d.pages_done,
                        d.chunk_count, d.visibility, tuple(d.role_keys or ()), d.project_id, d.error_code, d.error,
                        d.uploaded_by, d.created_at)


def _user_id(ctx: TenantContext) -> uuid.UUID | None:
    return Reader.of(ctx).user_id


def _check_access(ctx: TenantContext, visibility: str, roles: Sequence[str],
                  project_id: uuid.UUID | None) -> tuple[list[str], uuid.UUID | None]:
    from core.projects.service import get_project
    from core.rbac.service import role_exists

    if visibility == "everyone":
        return [], None
    if visibility == "roles":
        keys = sorted({r.strip() for r in roles if r and r.strip()})
        if not keys:
            raise ValidationFailed("choose at least one role that may read the document",
                                   details={"roles": "choose at least one role"})
        unknown = [k for k in keys if not role_exists(ctx.tenant_id, k)]
        if unknown:
            raise ValidationFailed(f"unknown role: {', '.join(unknown)}", details={"roles": "unknown role"})
        return keys, None
    if visibility == "project":
        if project_id is None:
            raise ValidationFailed("choose the project whose members may read the document",
                                   details={"project_id": "choose a project"})
        get_project(ctx, project_id)  # NotFound when it does not exist or is not visible to the uploader
        return [], project_id
    raise ValidationFailed("visibility is everyone, roles or project", details={"visibility": "invalid"})


def upload(ctx: TenantContext, filename: str, data: bytes, *, title: str | None = None,
           visibility: str = "everyone", roles: Sequence[str] = (),
           project_id: uuid.UUID | None = None) -> DocumentView:
    """Check the file (kind sniffed from its bytes, size, readable), store it and queue it."""
    require_write(ctx, "document.upload")
    kind = extract.check(filename, data)
    pages = extract.page_count(kind, data)
    role_keys, project = _check_access(ctx, visibility, roles, project_id)
    name = filename.replace("/", "_").replace("\\", "_").strip()[:255] or "document"
    shown = (title or "").strip()[:255] or name.rsplit(".", 1)[0][:255] or name
    digest = hashlib.sha256(data).hexdigest()
    with tenant_session(ctx) as s:
        same = repository.document_by_sha(s, digest)
        if same is not None:
            raise Conflict(f"this file is already uploaded as '{same.title}'", details={"file": "duplicate"})
        stored = StoredFile(filename=name, content_type=extract.CONTENT_TYPES[kind], size_bytes=len(data),
                            sha256=digest, data=data)
        s.add(stored)
        s.flush()
        doc = Document(title=shown, filename=name, kind=kind, size_bytes=len(data), sha256=digest,
                       file_id=stored.id, visibility=visibility, role_keys=role_keys, project_id=project,
                       status="queued", pages_total=pages, pages_done=0, chunk_count=0,
                       uploaded_by=(ctx.actor.label or str(ctx.actor))[:120], uploaded_by_user=_user_id(ctx))
        s.add(doc)
        s.flush()
        s.refresh(doc)
        return _view(doc)


def _visible(s: Session, ctx: TenantContext, document_id: uuid.UUID) -> Document:
    """The document, if the reader may see it; otherwise the same 404 as a missing one."""
    doc = repository.visible_document(s, Reader.of(ctx), document_id)
    if doc is None:
        raise NotFound("no such document")
    return doc


def list_documents(ctx: TenantContext) -> list[DocumentView]:
    require(ctx, "document.read")
    with tenant_session(ctx) as s:
        return [_view(d) for d in repository.visible_documents(s, Reader.of(ctx))]


def get_document(ctx: TenantContext, document_id: uuid.UUID) -> DocumentView:
    require(ctx, "document.read")
    with tenant_session(ctx) as s:
        doc = _visible(s, ctx, document_id)
        return _view(doc)


def delete_document(ctx: TenantContext, document_id: uuid.UUID) -> None:
    """Delete a document, every one of its chunks and its stored file."""
    require_write(ctx, "document.upload")
    with tenant_session(ctx) as s:
        doc = _visible(s, ctx, document_id)
        file_id = doc.file_id
        s.delete(doc)
        s.flush()
        stored = s.get(StoredFile, file_id)
        if stored is not None:
            s.delete(stored)


def retry(ctx: TenantContext, document_id: uuid.UUID) -> DocumentView:
    """Queue a failed document again (after AI was switched back on, say)."""
    require_write(ctx, "document.upload")
    with tenant_session(ctx) as s:
        doc = _visible(s, ctx, document_id)
        if doc.status != "failed":
            raise Conflict("only a failed document can be queued again", details={"status": doc.status})
        repository.drop_chunks(s, doc.id)
        doc.status, doc.pages_done, doc.chunk_count = "queued", 0, 0
        doc.error, doc.error_code, doc.finished_at, doc.heartbeat_at = None, None, None, None
        s.flush()
        return _view(doc)


# --- questions -------------------------------------------------------------------------------------


def search(ctx: TenantContext, question: str, *, limit: int = TOP_K) -> list[repository.Hit]:
    """Hybrid retrieval over the documents the asker may read. The question is embedded
    through the gateway; when AI is switched off or out of budget, full text alone ranks."""
    require(ctx, "document.read")
    question = _question(question)
    try:
        vector: list[float] | None = gateway.embed(ctx, FEATURE, [question]).vectors[0]
    except (AIDisabled, BudgetExceeded):
        vector = None
    with tenant_connection(ctx) as conn:
        return repository.hybrid_search(conn, Reader.of(ctx), answering.keywords(question), vector, limit=limit)


def _question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise ValidationFailed("type a question", details={"question": "empty"})
    if len(question) > MAX_QUESTION_CHARS:
        raise ValidationFailed(f"a question has at most {MAX_QUESTION_CHARS} characters",
                               details={"question": "too long"})
    return question


def ask(ctx: TenantContext, question: str, *, remember: bool = True) -> answering.Answer:
    """Answer from the company documents the asker may read, with citations; "not found"
    when retrieval is weak. The answer is written by the model through the gateway (the
    offline engine answers extractively) from the retrieved passages only."""
    require(ctx, "document.read")
    question = _question(question)
    lang = answering.language_of(question, ctx.locale)
    vector = gateway.embed(ctx, FEATURE, [question]).vectors[0]
    terms = answering.keywords(question)
    with tenant_connection(ctx) as conn:
        hits = repository.hybrid_search(conn, Reader.of(ctx), terms, vector, limit=TOP_K)
        lexemes = repository.question_lexemes(conn, terms)
    passages = answering.strong_hits(hits, lexemes)
    if not passages:
        result = answering.Answer(question, answering.NOT_FOUND[lang], False, lang)
    else:
        reply = gateway.chat(ctx, FEATURE, answering.build_messages(question, passages, lang), task="answer")
        if reply.offline:
            text, citations = answering.extractive(reply.text, passages)
        elif answering.says_not_found(reply.text):
            text, citations = answering.NOT_FOUND[lang], []
        else:
            text, citations = answering.from_model(reply.text, passages)
        result = answering.Answer(question, text, bool(citations), lang, citations, reply.provider,
                                  reply.engine_label, reply.degraded)
    if not remember:
        return result
    with tenant_session(ctx) as s:
        row = repository.add_question(
            s, asked_by=str(ctx.actor), question=question, answer=result.text, found=result.found,
            citations=[c.as_dict() for c in result.citations], engine=result.engine or "retrieval", language=lang)
        return answering.Answer(result.question, result.text, result.found, lang, result.citations,
                                result.engine, result.engine_label, result.degraded, str(row.id))


def history(ctx: TenantContext, limit: int = HISTORY) -> list[DocumentQuestion]:
    """The asker's own questions, newest first."""
    require(ctx, "document.read")
    with tenant_session(ctx) as s:
        return repository.questions_of(s, str(ctx.actor), limit)


def clear_history(ctx: TenantContext) -> int:
    require(ctx, "document.read")
    with tenant_session(ctx) as s:
        return repository.clear_questions(s, str(ctx.actor))
