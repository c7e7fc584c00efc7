"""Accept an invitation through the emailed link (`?token=...`): new account or new membership."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from core.identity.invitations import accept, preview
from ui.auth import client_ip
from ui.identity_errors import explain
from ui.session import flash, lang, signed_in, tr

token = st.query_params.get("token", "")
_, mid, _ = st.columns([1, 1.4, 1])
with mid:
    st.title(tr("accept.title"))
    if not token:
        st.info(tr("link.missing"))
        st.stop()
    try:
        offer = preview(token)
    except DomainError as exc:
        st.error(explain(exc))
        if signed_in() is None:
            st.page_link("pages/login.py", label=tr("back_to_login"), icon="🔐")
        st.stop()
    role = tr(f"role.{offer.role}") if offer.role in ("admin", "manager", "staff") else offer.role
    st.markdown(tr("accept.intro", company=offer.company, role=role))
    with st.form("accept", border=True):
        if offer.existing_account:
            st.write(tr("accept.existing", email=offer.email, company=offer.company))
            full_name = password = confirm = ""
            label = tr("accept.submit_existing", company=offer.company)
        else:
            st.write(tr("accept.new_account", email=offer.email))
            full_name = st.text_input(tr("signup.full_name"), key="accept_full_name", max_chars=200,
                                      autocomplete="name")
            password = st.text_input(tr("signup.password"), type="password", key="accept_password",
                                     help=tr("password.rules"), autocomplete="new-password")
            confirm = st.text_input(tr("signup.password_confirm"), type="password", key="accept_password_confirm",
                                    autocomplete="new-password")
            label = tr("accept.submit_new")
        submitted = st.form_submit_button(label, type="primary", use_container_width=True)
    if submitted:
        if password != confirm:
            st.error(tr("password.mismatch"))
        else:
            try:
                done = accept(token, full_name=full_name or None, password=password or None, language=lang(),
                              ip=client_ip())
            except DomainError as exc:
                st.error(explain(exc))
            else:
                user = signed_in()
                if user is None:
                    flash("accept.done", company=offer.company, email=done.email)
                    st.switch_page("pages/login.py")
                elif user.email == done.email:
                    st.session_state["tenant_id"] = done.tenant_id
                    st.success(tr("accept.done_signed_in", company=offer.company))
                else:
                    st.success(tr("accept.done", company=offer.company))
