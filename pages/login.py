"""Sign in (with links to sign-up and forgotten password)."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from ui.auth import log_in
from ui.identity_errors import explain
from ui.session import take_flash, tr

_, mid, _ = st.columns([1, 1.2, 1])
with mid:
    st.title(tr("app.title"))
    st.caption(tr("app.tagline"))
    note = take_flash()
    if note is not None:
        key, values = note
        (st.warning if key == "session.expired" else st.success)(tr(key, **values))
        if values.get("email"):
            st.session_state.setdefault("login_email", values["email"])
    with st.form("login", border=True):
        st.subheader(tr("login.title"))
        email = st.text_input(tr("login.email"), key="login_email", autocomplete="username")
        password = st.text_input(tr("login.password"), type="password", key="login_password",
                                 autocomplete="current-password")
        if st.form_submit_button(tr("login.submit"), type="primary", use_container_width=True):
            try:
                log_in(email, password)
            except DomainError as exc:
                st.error(explain(exc))
            else:
                st.rerun()
    st.page_link("pages/forgot_password.py", label=tr("login.forgot"), icon="✉️")
    st.divider()
    st.caption(tr("login.or"))
    st.page_link("pages/signup.py", label=tr("login.signup"), icon="🏢")
