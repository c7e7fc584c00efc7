"""Widgets of company documents: a document card (status, progress, error, delete/retry),
an answer with its sources, and the upload form."""

from __future__ import annotations

import uuid
from typing import Any

import streamlit as st

from core.ai.rag import extract, service
from core.ai.rag.service import DocumentView
from core.context import TenantContext
from core.errors import DomainError
from ui.actions import act, show_error, toast_later
from ui.session import tr
from ui.widgets import confirm, plain

STATUS_BADGES = {"queued": ("gray", ":material/schedule:"), "processing": ("blue", ":material/sync:"),
                 "ready": ("green", ":material/check_circle:"), "failed": ("red", ":material/error:")}
KIND_NAMES = {"pdf": "PDF", "docx": "DOCX", "txt": "TXT", "md": "Markdown"}


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", "," if st.session_state.get("lang") == "id" else ".")
    return f"{max(1, size // 1024)} KB"


def problem_text(code: str | None, fallback: str) -> str:
    """A file problem (service error detail or a failed document's code) in the user's language."""
    key = f"rag.err.{code}"
    text = tr(key, mb=extract.MAX_BYTES // (1024 * 1024), pages=extract.MAX_PAGES)
    return fallback if text == key else text


def access_text(doc: DocumentView) -> str:
    if doc.visibility == "roles":
        return tr("rag.docs.access_roles", roles=", ".join(doc.role_keys))
    if doc.visibility == "project":
        return tr("rag.docs.access_project")
    return tr("rag.docs.access_everyone")


def document_card(ctx: TenantContext, doc: DocumentView, can_manage: bool) -> None:
    with st.container(border=True):
        head, actions = st.columns([5, 2], vertical_alignment="center")
        with head:
            color, icon = STATUS_BADGES.get(doc.status, ("gray", "•"))
            st.markdown(f"**{plain(doc.title)}**")
            st.badge(tr(f"rag.status.{doc.status}"), icon=icon, color=color)  # type: ignore[arg-type]
            st.caption(tr("rag.docs.meta", kind=KIND_NAMES.get(doc.kind, doc.kind), pages=doc.pages_total,
                          size=size_text(doc.size_bytes), who=plain(doc.uploaded_by), access=access_text(doc)))
        if doc.status in ("queued", "processing"):
            st.progress(doc.progress, text=tr("rag.docs.progress", done=doc.pages_done, total=doc.pages_total))
        elif doc.status == "failed":
            st.error(tr("rag.docs.failed", error=problem_text(doc.error_code, doc.error or "")),
                     icon=":material/error:")
        elif doc.status == "ready":
            st.caption(tr("rag.docs.chunks", n=doc.chunk_count))
        if can_manage:
            with actions:
                if doc.status == "failed" and st.button(tr("rag.docs.retry"), key=f"retry_{doc.id}",
                                                        icon=":material/refresh:", width="stretch"):
                    act(lambda: service.retry(ctx, doc.id), done=tr("rag.docs.requeued"), rerun="app")
                if confirm(tr("rag.docs.delete"), f"del_{doc.id}", tr("rag.docs.delete_prompt", title=plain(doc.title)),
                           tr("rag.docs.delete_yes"), icon=":material/delete:"):
                    act(lambda: service.delete_document(ctx, doc.id), done=tr("rag.docs.deleted"), rerun="app")


def upload_form(ctx: TenantContext) -> None:
    from core.projects.service import list_projects
    from core.rbac.service import list_roles

    with st.expander(tr("rag.upload.open"), icon=":material/upload_file:"):
        upload = st.file_uploader(tr("rag.upload.file"), type=["pdf", "docx", "txt", "md", "markdown"],
                                  key="rag_upload_file",
                                  help=tr("rag.upload.help", mb=extract.MAX_BYTES // (1024 * 1024)))
        title = st.text_input(tr("rag.upload.title"), max_chars=255, key="rag_upload_title")
        visibility = st.radio(tr("rag.upload.visibility"), ("everyone", "roles", "project"), horizontal=True,
                              format_func=lambda v: tr(f"rag.visibility.{v}"), key="rag_upload_visibility")
        roles: list[str] = []
        project_id: uuid.UUID | None = None
        if visibility == "roles":
            options = {r.key: r.name for r in list_roles(ctx)}
            roles = st.multiselect(tr("rag.upload.roles"), list(options), default=["manager", "admin"],
                                   format_func=lambda k: options.get(k, k), key="rag_upload_roles")
        elif visibility == "project":
            projects = {p.id: p.name for p in list_projects(ctx)}
            if not projects:
                st.info(tr("rag.upload.no_projects"))
            else:
                project_id = st.selectbox(tr("rag.upload.project"), list(projects),
                                          format_func=lambda p: projects.get(p, str(p)), key="rag_upload_project")
        if st.button(tr("rag.upload.submit"), type="primary", key="rag_upload_submit", icon=":material/upload:"):
            if upload is None:
                st.warning(tr("rag.upload.pick_file"))
                return
            try:
                service.upload(ctx, upload.name, upload.getvalue(), title=title, visibility=visibility,
                               roles=roles, project_id=project_id)
            except DomainError as exc:
                file_problem = (exc.details or {}).get("file")
                if file_problem:
                    st.error(problem_text(str(file_problem), exc.message), icon=":material/error:")
                else:
                    show_error(exc)
                return
            toast_later(tr("rag.upload.queued"))
            st.rerun()


def sources(citations: list[dict[str, Any]]) -> None:
    if not citations:
        return
    with st.expander(tr("rag.ask.sources"), icon=":material/menu_book:"):
        for c in citations:
            st.markdown(f"**[{c['n']}] {plain(tr('rag.ask.source', title=c['title'], page=c['page']))}**")
            st.caption(plain(c.get("quote", "")))


def answer_text(text: str) -> str:
    """The answer as plain text (quotes from documents never render as markup or links)."""
    return plain(text)
