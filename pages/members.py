"""Members: who belongs to the company, their roles, invitations (member.read / invite / manage)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.errors import DomainError
from core.identity.invitations import invite, pending_invitations, revoke_invitation
from core.identity.members import change_role, grantable_roles, list_members, remove_member
from core.rbac.service import list_roles
from ui.guard import page_guard
from ui.i18n import LANGUAGES, date_label
from ui.identity_errors import explain
from ui.session import lang, signed_in, tr

ctx = page_guard("member.read")
me = signed_in()
zone = ZoneInfo(ctx.timezone)
names = {r.key: (tr(f"role.{r.key}") if r.system else r.name) for r in list_roles(ctx)}


def role_label(key: str) -> str:
    return names.get(key, key)


def when(moment: dt.datetime | None) -> str:
    if moment is None:
        return tr("members.never")
    local = moment.astimezone(zone)
    return f"{date_label(local.date(), lang())} {local:%H:%M}"


def show_outcome() -> None:
    note = st.session_state.pop("members_note", None)
    if note:
        st.success(note)


st.title(tr("members.title"))
members = list_members(ctx)
st.caption(tr("members.caption", count=len(members), company=ctx.name))
show_outcome()
st.dataframe(
    pd.DataFrame([{tr("members.name"): m.full_name, tr("members.email"): m.email,
                   tr("members.role"): role_label(m.role), tr("members.joined"): when(m.joined_at),
                   tr("members.last_login"): when(m.last_login_at)}
                  for m in members]),
    hide_index=True, use_container_width=True,
)

grantable = [r.key for r in grantable_roles(ctx)]

if "member.manage" in ctx.permissions:
    with st.expander(tr("members.manage")):
        by_id = {m.user_id: m for m in members}
        chosen = st.selectbox(tr("members.member"), list(by_id), key="manage_member",
                              format_func=lambda uid: f"{by_id[uid].full_name} <{by_id[uid].email}>")
        target = by_id[chosen]
        c1, c2 = st.columns([2, 1])
        new_role = c1.selectbox(tr("members.new_role"), grantable, format_func=role_label, key="manage_role",
                                index=grantable.index(target.role) if target.role in grantable else 0)
        if c2.button(tr("members.save_role"), key="manage_save", use_container_width=True):
            try:
                change_role(ctx, target.user_id, new_role)
            except DomainError as exc:
                st.error(explain(exc))
            else:
                st.session_state["members_note"] = tr("members.role_changed", name=target.full_name,
                                                      role=role_label(new_role))
                st.rerun()
        sure = st.checkbox(tr("members.remove_confirm", name=target.full_name), key="manage_sure")
        if st.button(tr("members.remove"), key="manage_remove", disabled=not sure):
            try:
                remove_member(ctx, target.user_id)
            except DomainError as exc:
                st.error(explain(exc))
            else:
                st.session_state["members_note"] = tr("members.removed", name=target.full_name)
                st.rerun()

if "member.invite" in ctx.permissions:
    st.subheader(tr("members.invite"))
    with st.form("invite", clear_on_submit=True, border=True):
        c1, c2, c3 = st.columns([3, 2, 2])
        email = c1.text_input(tr("members.invite_email"), key="invite_email")
        role = c2.selectbox(tr("members.invite_role"), grantable, format_func=role_label, key="invite_role",
                            index=grantable.index("staff") if "staff" in grantable else 0)
        codes = list(LANGUAGES)
        language = c3.selectbox(tr("members.invite_language"), codes, format_func=LANGUAGES.__getitem__,
                                index=codes.index(ctx.locale if ctx.locale in codes else "id"), key="invite_language")
        if st.form_submit_button(tr("members.invite_submit"), type="primary"):
            try:
                sent = invite(ctx, email, str(role), language=str(language))
            except DomainError as exc:
                st.error(explain(exc))
            else:
                st.success(tr("members.invite_sent", email=sent.email, expires=when(sent.expires_at)))

pending = pending_invitations(ctx)
if pending:
    st.subheader(tr("members.pending"))
    st.dataframe(
        pd.DataFrame([{tr("members.email"): p.email, tr("members.role"): role_label(p.role),
                       tr("members.invited_by"): p.invited_by or "", tr("members.expires"): when(p.expires_at)}
                      for p in pending]),
        hide_index=True, use_container_width=True,
    )
    if "member.invite" in ctx.permissions:
        by_invite = {p.id: p for p in pending}
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox(tr("members.revoke"), list(by_invite), format_func=lambda i: by_invite[i].email,
                            key="revoke_pick")
        if c2.button(tr("members.revoke_submit"), key="revoke_submit", use_container_width=True):
            try:
                revoke_invitation(ctx, pick)
            except DomainError as exc:
                st.error(explain(exc))
            else:
                st.session_state["members_note"] = tr("members.revoked", email=by_invite[pick].email)
                st.rerun()
