"""The signed-in user, the active company and the language, kept in st.session_state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import streamlit as st

from core.context import Actor, TenantContext
from core.identity.service import MembershipView, memberships_of
from core.rbac.service import permissions_for
from core.tenancy.registry import context_for, get_tenant
from ui.i18n import t


@dataclass(frozen=True)
class SignedIn:
    user_id: uuid.UUID
    email: str
    full_name: str


def lang() -> str:
    return str(st.session_state.get("lang", "id"))


def tr(key: str, **values: Any) -> str:
    return t(key, lang(), **values)


def signed_in() -> SignedIn | None:
    value = st.session_state.get("user")
    return value if isinstance(value, SignedIn) else None


def sign_in(user_id: uuid.UUID, email: str, full_name: str, language: str, token: str | None = None) -> None:
    """Remember the signed-in user; `token` is the server-side session (core.identity.sessions)."""
    st.session_state["user"] = SignedIn(user_id, email, full_name)
    st.session_state["session_token"] = token
    if not st.session_state.get("lang_chosen"):
        st.session_state["lang"] = language


def session_token() -> str | None:
    value = st.session_state.get("session_token")
    return value if isinstance(value, str) else None


def sign_out() -> None:
    for key in ("user", "tenant_id", "session_token"):
        st.session_state.pop(key, None)


def flash(key: str, **values: Any) -> None:
    """A message shown once on the next page (after st.rerun / switch_page)."""
    st.session_state["flash"] = (key, values)


def take_flash() -> tuple[str, dict[str, Any]] | None:
    value = st.session_state.pop("flash", None)
    return value if isinstance(value, tuple) else None


def memberships() -> list[MembershipView]:
    user = signed_in()
    return memberships_of(user.user_id) if user else []


def active_membership() -> MembershipView | None:
    ms = memberships()
    if not ms:
        return None
    chosen = st.session_state.get("tenant_id")
    for m in ms:
        if m.tenant_id == chosen:
            return m
    st.session_state["tenant_id"] = ms[0].tenant_id
    return ms[0]


def tenant_context() -> TenantContext | None:
    """The context every page passes to the services, or None when not signed in."""
    user, membership = signed_in(), active_membership()
    if user is None or membership is None:
        return None
    actor = Actor("user", str(user.user_id), user.email)
    return context_for(get_tenant(membership.tenant_id), actor, role=membership.role,
                       permissions=permissions_for(membership.tenant_id, membership.role))
