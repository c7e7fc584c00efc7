"""Which view of the invoices page is open (list, new, edit, detail), kept in session state."""

from __future__ import annotations

import uuid

import streamlit as st

VIEW, OPEN = "invoices_view", "invoices_open"


def current() -> tuple[str, uuid.UUID | None]:
    return str(st.session_state.get(VIEW, "list")), st.session_state.get(OPEN)


def go(view: str, invoice_id: uuid.UUID | None = None, *, rerun: bool = True) -> None:
    st.session_state[VIEW], st.session_state[OPEN] = view, invoice_id
    for key in [k for k in st.session_state if str(k).startswith("invoice_form_")]:
        del st.session_state[key]  # a fresh form every time it opens
    if rerun:
        st.rerun()
