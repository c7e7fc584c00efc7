"""Ask the company documents: a chat with one's own history; every answer comes only from
documents the asker may read, with its sources (document, page), or says "not found"."""

from __future__ import annotations

import streamlit as st

from core.ai.rag import service
from core.errors import DomainError
from ui.actions import act, show_toasts
from ui.ai import ai_section, show_ai_error
from ui.guard import page_guard
from ui.rag_widgets import answer_text, sources
from ui.session import tr
from ui.widgets import empty_state

ctx = page_guard("document.read")
show_toasts()
title, clear = st.columns([5, 1], vertical_alignment="bottom")
title.title(tr("rag.ask.title"))
st.caption(tr("rag.ask.caption"))

status = ai_section(ctx)
if status is None:
    st.info(tr("rag.ask.manual"), icon=":material/description:")
    st.stop()

rows = act(lambda: service.history(ctx)) or []
if rows and clear.button(tr("rag.ask.clear"), icon=":material/delete_sweep:", key="rag_clear"):
    act(lambda: service.clear_history(ctx), done=tr("rag.ask.cleared"), rerun="app")
if not any(d.status == "ready" for d in act(lambda: service.list_documents(ctx)) or []):
    st.info(tr("rag.ask.no_documents"), icon=":material/info:")
if not rows:
    empty_state("💬", tr("rag.ask.empty"), tr("rag.ask.empty_body"))

for row in reversed(rows):
    with st.chat_message("user"):
        st.markdown(answer_text(row.question))
    with st.chat_message("ai"):
        st.markdown(answer_text(row.answer))
        sources(row.citations)

question = st.chat_input(tr("rag.ask.input"), max_chars=service.MAX_QUESTION_CHARS, key="rag_question")
if question:
    try:
        service.ask(ctx, question)
    except DomainError as exc:
        if exc.code.startswith("ai_"):
            show_ai_error(exc)
        else:
            st.error(tr("err.rag.question") if "question" in exc.details else exc.message)
    else:
        st.rerun()
