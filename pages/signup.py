"""Sign-up: a new company in the region of the customer's choice, and its first Admin."""

from __future__ import annotations

import streamlit as st

from core.errors import DomainError
from core.identity.signup import REGIONS, SignUp, sign_up
from core.tenancy.provisioning import TIERS
from ui.auth import client_ip
from ui.i18n import LANGUAGES
from ui.identity_errors import explain
from ui.session import flash, lang, tr

_, mid, _ = st.columns([1, 1.6, 1])
with mid:
    st.title(tr("signup.title"))
    st.caption(tr("signup.intro"))
    with st.form("signup", border=True):
        st.subheader(tr("signup.company_section"))
        company = st.text_input(tr("signup.company"), key="signup_company", max_chars=200)
        slug = st.text_input(tr("signup.slug"), key="signup_slug", help=tr("signup.slug_help"), max_chars=40)
        c1, c2 = st.columns(2)
        region = c1.radio(tr("signup.region"), list(REGIONS), format_func=lambda r: tr(f"region.{r}"),
                          key="signup_region", help=tr("signup.region_help"))
        tier = c2.radio(tr("signup.tier"), list(TIERS), format_func=lambda t: tr(f"tier.{t}"), key="signup_tier",
                        help=tr("signup.tier_help"))
        st.subheader(tr("signup.you_section"))
        full_name = st.text_input(tr("signup.full_name"), key="signup_full_name", max_chars=200,
                                  autocomplete="name")
        email = st.text_input(tr("signup.email"), key="signup_email", autocomplete="email")
        p1, p2 = st.columns(2)
        password = p1.text_input(tr("signup.password"), type="password", key="signup_password",
                                 help=tr("password.rules"), autocomplete="new-password")
        confirm = p2.text_input(tr("signup.password_confirm"), type="password", key="signup_password_confirm",
                                autocomplete="new-password")
        codes = list(LANGUAGES)
        language = st.selectbox(tr("signup.language"), codes, index=codes.index(lang()),
                                format_func=LANGUAGES.__getitem__, key="signup_language")
        submitted = st.form_submit_button(tr("signup.submit"), type="primary", use_container_width=True)
    if submitted:
        if password != confirm:
            st.error(tr("password.mismatch"))
        else:
            try:
                with st.spinner(tr("signup.working")):
                    done = sign_up(SignUp(company_name=company, region=str(region), tier=str(tier),
                                          full_name=full_name, email=email, password=password,
                                          language=str(language), slug=slug.strip() or None), ip=client_ip())
            except DomainError as exc:
                st.error(explain(exc))
            else:
                flash("signup.done", company=company.strip(), region=tr(f"region.{done.region}"), email=done.email)
                st.switch_page("pages/login.py")
    st.page_link("pages/login.py", label=tr("signup.have_account"), icon="🔐")
