"""Business OS: Streamlit entry. Sign-in, company switch, navigation built from the role."""

from __future__ import annotations

import streamlit as st

from ui.auth import authenticator, check_session, log_out
from ui.i18n import LANGUAGES
from ui.nav import sections_for
from ui.session import active_membership, memberships, signed_in, tenant_context, tr

st.set_page_config(page_title="Business OS", page_icon="🏢", layout="wide")


def _take_language() -> None:
    st.session_state["lang"] = st.session_state["lang_picker"]
    st.session_state["lang_chosen"] = True  # signing in keeps it instead of the account's language


def language_picker() -> None:
    # A callback, not st.rerun(): a rerun before st.navigation() confuses AppTest's page tracking.
    current = st.session_state.setdefault("lang", "id")
    if st.session_state.get("lang_picker") != current:
        st.session_state["lang_picker"] = current  # the widget is not drawn yet in this run
    st.selectbox(tr("language"), list(LANGUAGES), format_func=LANGUAGES.__getitem__, key="lang_picker",
                 on_change=_take_language)


def public_pages() -> list[st.Page]:
    """Reachable without signing in (the reset and invitation links also when signed in).

    Their URL paths differ from the file names on purpose: AppTest re-runs a page whose
    path matches a file in pages/ without the entry script (a relic of multipage v1).
    """
    return [
        st.Page("pages/login.py", title=tr("login.title"), icon="🔐", default=True, url_path="sign-in"),
        st.Page("pages/signup.py", title=tr("signup.title"), icon="🏢", url_path="sign-up"),
        st.Page("pages/forgot_password.py", title=tr("forgot.title"), icon="✉️", url_path="forgot-password"),
        *link_pages("visible"),
    ]


def link_pages(visibility: str) -> list[st.Page]:
    return [
        st.Page("pages/reset_password.py", title=tr("reset.title"), icon="🔑", url_path="reset-password",
                visibility=visibility),  # type: ignore[arg-type]
        st.Page("pages/accept_invitation.py", title=tr("accept.title"), icon="🤝", url_path="accept-invitation",
                visibility=visibility),  # type: ignore[arg-type]
    ]


def no_company() -> None:
    st.warning(tr("login.no_company"))
    st.button(tr("logout"), key="logout_button", on_click=log_out)


def sidebar() -> None:
    with st.sidebar:
        ms = memberships()
        current = active_membership()
        if len(ms) > 1 and current is not None:
            labels = {m.tenant_id: m.name for m in ms}
            st.selectbox(tr("company.switch"), list(labels), format_func=labels.__getitem__,
                         index=list(labels).index(current.tenant_id), key="company_picker",
                         on_change=lambda: st.session_state.update(tenant_id=st.session_state["company_picker"]))
        language_picker()
        user = signed_in()
        if user is not None:
            st.caption(user.email)
        st.button(tr("logout"), use_container_width=True, key="logout_button", on_click=log_out)


auth = authenticator()
check_session(auth)

if signed_in() is None:
    _, right = st.columns([5, 1])
    with right:
        language_picker()
    st.navigation(public_pages(), position="hidden").run()
elif active_membership() is None:
    st.navigation([st.Page(no_company, title=tr("nav.home"), default=True), *link_pages("hidden")],
                  position="hidden").run()
else:
    sidebar()
    ctx = tenant_context()
    assert ctx is not None
    if ctx.status == "migrating":
        st.warning(tr("migration.banner"), icon=":material/sync_lock:")
    st.navigation(sections_for(ctx, link_pages("hidden")), expanded=True).run()
