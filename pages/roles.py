"""Roles: system roles at a glance; Admins compose custom roles from permissions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import DomainError
from core.rbac.permissions import PERMISSIONS
from core.rbac.service import delete_role, list_roles, save_role
from ui.guard import page_guard
from ui.session import tr

ctx = page_guard("role.manage")
st.title(tr("roles.title"))
st.caption(tr("roles.caption"))

roles = list_roles(ctx)
matrix = pd.DataFrame(
    {r.name: ["✓" if p in r.permissions else "" for p in PERMISSIONS] for r in roles},
    index=[f"{p} — {d}" for p, d in PERMISSIONS.items()],
)
st.dataframe(matrix, use_container_width=True, height=420)

custom = [r for r in roles if not r.system]
st.subheader(tr("roles.edit"))
choice = st.selectbox(tr("roles.pick"), [None, *[r.key for r in custom]],
                      format_func=lambda k: tr("roles.new") if k is None else k)
current = next((r for r in custom if r.key == choice), None)
with st.form("role_form"):
    key = st.text_input(tr("roles.key"), value=current.key if current else "", disabled=current is not None,
                        help=tr("roles.key_help"))
    name = st.text_input(tr("roles.name"), value=current.name if current else "")
    description = st.text_input(tr("roles.description"), value=current.description if current else "")
    perms = st.multiselect(tr("roles.permissions"), list(PERMISSIONS),
                           default=sorted(current.permissions) if current else [],
                           format_func=lambda p: f"{p} — {PERMISSIONS[p]}")
    if st.form_submit_button(tr("common.save"), type="primary"):
        try:
            save_role(ctx, current.key if current else key.strip(), name, set(perms), description)
        except DomainError as exc:
            st.error(exc.message)
        else:
            st.success(tr("common.saved"))
            st.rerun()
if current is not None:
    confirm = st.checkbox(tr("roles.confirm_delete", key=current.key))
    if st.button(tr("common.delete"), disabled=not confirm, type="secondary"):
        try:
            delete_role(ctx, current.key)
        except DomainError as exc:
            st.error(exc.message)
        else:
            st.rerun()
