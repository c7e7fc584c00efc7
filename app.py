"""Business OS: Streamlit entry. Sign-in, company switch, navigation built from the role."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from core.identity.service import authenticate
from ui.i18n import LANGUAGES
from ui.nav import pages_for
from ui.session import active_membership, memberships, sign_in, sign_out, signed_in, tenant_context, tr

st.set_page_config(page_title="Business OS", page_icon="🏢", layout="wide")


def login_page() -> None:
    _, mid, _ = st.columns([1, 1.2, 1])
    with mid:
        st.title(tr("app.title"))
        st.caption(tr("app.tagline"))
        with st.form("login", border=True):
            st.subheader(tr("login.title"))
            email = st.text_input(tr("login.email"), key="login_email")
            password = st.text_input(tr("login.password"), type="password", key="login_password")
            if st.form_submit_button(tr("login.submit"), type="primary", use_container_width=True):
                try:
                    user = authenticate(email, password)
                except DomainError:
                    st.error(tr("login.failed"))
                else:
                    sign_in(user.id, user.email, user.full_name, user.language)
                    st.rerun()


def sidebar() -> None:
    with st.sidebar:
        ms = memberships()
        current = active_membership()
        if len(ms) > 1 and current is not None:
            labels = {m.tenant_id: m.name for m in ms}
            chosen = st.selectbox(tr("company.switch"), list(labels), format_func=labels.__getitem__,
                                  index=list(labels).index(current.tenant_id))
            if chosen != current.tenant_id:
                st.session_state["tenant_id"] = chosen
                st.rerun()
        codes = list(LANGUAGES)
        picked = st.selectbox(tr("language"), codes, format_func=LANGUAGES.__getitem__,
                              index=codes.index(st.session_state.get("lang", "id")))
        if picked != st.session_state.get("lang"):
            st.session_state["lang"] = picked
            st.rerun()
        user = signed_in()
        if user is not None:
            st.caption(user.email)
        if st.button(tr("logout"), use_container_width=True):
            sign_out()
            st.rerun()


if signed_in() is None:
    st.navigation([st.Page(login_page, title=tr("login.title"), icon="🔐")], position="hidden").run()
elif active_membership() is None:
    st.warning(tr("login.no_company"))
    if st.button(tr("logout")):
        sign_out()
        st.rerun()
else:
    sidebar()
    ctx = tenant_context()
    assert ctx is not None
    st.navigation(pages_for(ctx)).run()
