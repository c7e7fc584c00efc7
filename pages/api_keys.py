"""API keys: created (shown once) and revoked by Admins; scopes, role, expiry, last use."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key, list_keys, revoke_key, rotate_key
from core.rbac.service import list_roles
from ui.actions import act, show_toasts
from ui.guard import page_guard
from ui.session import tr

ctx = page_guard("apikey.manage")
show_toasts()
st.title(tr("apikeys.title"), anchor=False)
st.caption(tr("apikeys.caption"))

fresh = st.session_state.pop("apikey_secret", None)
if fresh:
    st.success(tr("apikeys.shown_once"), icon=":material/key:")
    st.code(fresh, language=None)

keys = list_keys(ctx)
now = dt.datetime.now(dt.UTC)


def _state(revoked: dt.datetime | None, expires: dt.datetime | None) -> str:
    if revoked is not None and revoked <= now:
        return tr("apikeys.revoked")
    if expires is not None and expires <= now:
        return tr("apikeys.expired")
    return tr("apikeys.active") if revoked is None else tr("apikeys.until", when=revoked.strftime("%Y-%m-%d %H:%M"))


if not keys:
    st.info(tr("apikeys.empty"), icon=":material/key_off:")
else:
    st.dataframe(pd.DataFrame([{
        tr("apikeys.name"): k.name, tr("apikeys.prefix"): k.prefix + "…", tr("apikeys.role"): k.role,
        tr("apikeys.scopes"): ", ".join(k.scopes), tr("apikeys.state"): _state(k.revoked_at, k.expires_at),
        tr("apikeys.last_used"): k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "—",
    } for k in keys]), hide_index=True, width="stretch")
    active = {k.id: f"{k.name} ({k.prefix}…)" for k in keys if k.revoked_at is None}
    if active:
        c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
        chosen = c1.selectbox(tr("apikeys.pick"), list(active), format_func=active.__getitem__, key="apikey_pick")
        if c2.button(tr("apikeys.rotate"), icon=":material/autorenew:", width="stretch"):
            created = act(lambda: rotate_key(ctx, chosen), done=tr("apikeys.rotated"))
            if created:
                st.session_state["apikey_secret"] = created.secret
                st.rerun()
        if c3.button(tr("apikeys.revoke"), icon=":material/block:", width="stretch"):
            act(lambda: revoke_key(ctx, chosen), done=tr("apikeys.revoked_done"), rerun="app")

with st.expander(tr("apikeys.new"), expanded=not keys, icon=":material/add:"), st.form("apikey_new", border=False):
    name = st.text_input(tr("apikeys.name"), placeholder="ERP sync")
    roles = {r.key: r.name for r in list_roles(ctx)}
    role = st.selectbox(tr("apikeys.role"), list(roles), format_func=roles.__getitem__, index=0)
    scopes = st.multiselect(tr("apikeys.scopes"), list(SCOPES), default=["invoices:read"])
    expires = st.date_input(tr("apikeys.expires"), value=None, min_value=dt.date.today() + dt.timedelta(days=1))
    if st.form_submit_button(tr("apikeys.create"), type="primary"):
        until = dt.datetime.combine(expires, dt.time(), tzinfo=dt.UTC) if expires else None
        created = act(lambda: create_key(ctx, name, role, scopes, until), done=tr("apikeys.created"))
        if created:
            st.session_state["apikey_secret"] = created.secret
            st.rerun()
