"""Company documents: upload (checked, then processed in the background), each document's
status and progress (refreshed while work is under way), retry and delete."""

from __future__ import annotations

import streamlit as st

from core.ai.rag import service
from core.rbac.guard import can
from ui.actions import act, show_toasts
from ui.guard import page_guard
from ui.rag_widgets import document_card, upload_form
from ui.session import tr
from ui.widgets import empty_state

REFRESH_SECONDS = 2.0

ctx = page_guard("document.read")
show_toasts()
st.title(tr("rag.docs.title"))
st.caption(tr("rag.docs.caption"))
can_manage = can(ctx, "document.upload") and ctx.writable
if can_manage:
    upload_form(ctx)

first = act(lambda: service.list_documents(ctx)) or []
busy = any(d.status in ("queued", "processing") for d in first)


@st.fragment(run_every=REFRESH_SECONDS if busy else None)
def documents() -> None:
    show_toasts()
    docs = act(lambda: service.list_documents(ctx)) or []
    if not docs:
        if can_manage:
            empty_state("📄", tr("rag.docs.none"), tr("rag.docs.none_body"))
        else:
            empty_state("📄", tr("rag.docs.none"), tr("rag.docs.none_reader"))
        return
    for doc in docs:
        document_card(ctx, doc, can_manage)
    if busy and not any(d.status in ("queued", "processing") for d in docs):
        st.rerun()  # the work is done: stop refreshing


documents()
