"""Forgot password: ask for an emailed reset link (same answer whether or not the account exists)."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from core.identity.reset import request_reset
from ui.auth import client_ip
from ui.identity_errors import explain
from ui.session import tr

_, mid, _ = st.columns([1, 1.2, 1])
with mid:
    st.title(tr("forgot.title"))
    st.caption(tr("forgot.intro"))
    with st.form("forgot", border=True):
        email = st.text_input(tr("forgot.email"), key="forgot_email", autocomplete="email")
        submitted = st.form_submit_button(tr("forgot.submit"), type="primary", use_container_width=True)
    if submitted and email.strip():
        try:
            request_reset(email, ip=client_ip())
        except DomainError as exc:
            st.error(explain(exc))
        else:
            st.success(tr("forgot.sent", email=email.strip()))
    st.page_link("pages/login.py", label=tr("back_to_login"), icon="🔐")
