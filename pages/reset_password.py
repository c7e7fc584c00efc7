"""Choose a new password through the emailed link (`?token=...`)."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from core.identity.reset import check_link, reset_password
from ui.auth import client_ip
from ui.identity_errors import explain
from ui.session import flash, signed_in, tr

token = st.query_params.get("token", "")
_, mid, _ = st.columns([1, 1.2, 1])
with mid:
    st.title(tr("reset.title"))
    if not token:
        st.info(tr("link.missing"))
        st.stop()
    try:
        email = check_link(token)
    except DomainError as exc:
        st.error(explain(exc))
        st.page_link("pages/forgot_password.py", label=tr("reset.new_link"), icon="✉️")
        st.stop()
    st.caption(tr("reset.intro", email=email))
    with st.form("reset", border=True):
        password = st.text_input(tr("reset.password"), type="password", key="reset_password",
                                 help=tr("password.rules"), autocomplete="new-password")
        confirm = st.text_input(tr("signup.password_confirm"), type="password", key="reset_password_confirm",
                                autocomplete="new-password")
        submitted = st.form_submit_button(tr("reset.submit"), type="primary", use_container_width=True)
    if submitted:
        if password != confirm:
            st.error(tr("password.mismatch"))
        else:
            try:
                reset_password(token, password, ip=client_ip())
            except DomainError as exc:
                st.error(explain(exc))
            else:
                st.query_params.clear()
                flash("reset.done", email=email)
                if signed_in() is None:
                    st.switch_page("pages/login.py")
                st.rerun()  # this browser's session was ended too: the next run shows the sign-in page
