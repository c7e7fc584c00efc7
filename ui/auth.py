"""Sign-in for the UI: streamlit-authenticator backed by the control database.

streamlit-authenticator 0.4.2 keeps a dict of *every* user (with hashes) in memory and
counts failed attempts in that dict. Here its model is replaced by `_DatabaseModel`: the
library's controller calls it with the email and password being tried, and it asks
`core.identity.auth.login` (bcrypt hash from the database, throttling, audit, server-side
session). No user list and no YAML file exist anywhere.

The library's re-authentication cookie (a JWT signed with a key derived from the master
key, set and deleted through its CookieManager component) carries the server-side
session token, so a reload keeps the user signed in while the session lives, and logout,
a password reset or idle expiry end it everywhere: the cookie alone never signs anyone in.

The login form itself is ours (stable widget keys for AppTest, proper autocomplete hints
for password managers, i18n); on submit it goes through the library's controller exactly
as the library's own widget does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import AuthenticationModel, CookieModel

from core.config import get_settings
from core.identity import auth as identity_auth
from core.identity import sessions
from ui.session import flash, sign_in, sign_out, signed_in

COOKIE_NAME = "bos_session"
_STATE = "_bos_authenticator"
_LIBRARY_KEYS = ("name", "username", "email", "roles", "authentication_status")


def client_ip() -> str | None:
    try:
        value = st.context.ip_address
    except Exception:
        return None
    return value[:64] if isinstance(value, str) else None  # AppTest has no real client


def user_agent() -> str | None:
    try:
        value = st.context.headers.get("User-Agent")
    except Exception:
        return None
    return value[:300] if isinstance(value, str) else None


def _cookie_key() -> str:
    master = get_settings().resolved_master_key().encode()
    return hmac.new(master, b"bos-session-cookie", hashlib.sha256).hexdigest()


def _adopt(user: sessions.SessionUser) -> None:
    """Mirror a signed-in user into the library's keys and ours."""
    st.session_state.update(name=user.full_name, username=user.email, email=user.email, roles=None,
                            authentication_status=True, logout=False)
    sign_in(user.user_id, user.email, user.full_name, user.language, user.token)


def _forget() -> None:
    for key in _LIBRARY_KEYS:
        st.session_state[key] = None
    sign_out()


class _DatabaseModel(AuthenticationModel):  # type: ignore[misc]
    """The library's authentication model with the database behind it (one user at a time)."""

    def __init__(self) -> None:
        super().__init__(credentials={"usernames": {}}, auto_hash=False)

    def login(self, username: str | None, password: str | None, max_concurrent_users: int | None = None,
              max_login_attempts: int | None = None, token: dict[str, Any] | None = None,
              single_session: bool = False, callback: Any = None) -> bool | None:
        if username:
            # Raises AuthenticationFailed / AccountLocked (DomainError) for the caller to show.
            _adopt(identity_auth.login(username, password or "", ip=client_ip(), user_agent=user_agent()))
            st.session_state["_set_cookie"] = True
            return True
        if token:
            try:
                user = sessions.resume(str(token.get("sid", "")))
            except sessions.SessionEnded as exc:
                if exc.details.get("reason") in ("idle", "expired"):
                    flash("session.expired")
                st.session_state["_delete_cookie"] = True
                return None
            if user is not None:
                _adopt(user)
            else:
                st.session_state["_delete_cookie"] = True
        return None

    def logout(self, callback: Any = None) -> None:
        sessions.end(st.session_state.get("session_token"), ip=client_ip())
        sign_out()
        super().logout(callback)


class _SessionCookie(CookieModel):  # type: ignore[misc]
    """The library's cookie, carrying the server-side session token as well."""

    def __init__(self, base: CookieModel) -> None:
        self.__dict__.update(base.__dict__)

    def get_cookie(self) -> dict[str, Any] | None:
        if st.session_state.get("logout"):
            return None
        raw = st.context.cookies.to_dict().get(self.cookie_name)
        if not raw:
            return None
        try:
            data = jwt.decode(raw, self.cookie_key, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if not isinstance(data, dict) or not data.get("sid"):
            return None
        if data.get("exp_date", 0) <= dt.datetime.now().timestamp():
            return None
        return data

    def _token_encode(self) -> str:
        return jwt.encode({"username": st.session_state.get("username"), "sid": st.session_state.get("session_token"),
                           "exp_date": self.exp_date}, self.cookie_key, algorithm="HS256")


def authenticator() -> stauth.Authenticate:
    """Build the authenticator for this script run (once per run: it renders the cookie component)."""
    settings = get_settings()
    auth = stauth.Authenticate({"usernames": {}}, COOKIE_NAME, _cookie_key(), settings.session_max_hours / 24,
                               auto_hash=False, login_sleep_time=0)
    auth.authentication_controller.authentication_model = _DatabaseModel()
    auth.cookie_controller.cookie_model = _SessionCookie(auth.cookie_controller.cookie_model)
    st.session_state[_STATE] = auth
    return auth


def current() -> stauth.Authenticate:
    auth = st.session_state.get(_STATE)
    return auth if auth is not None else authenticator()


def check_session(auth: stauth.Authenticate) -> None:
    """Every run: end an expired or revoked session; otherwise restore one from the cookie."""
    if signed_in() is not None:
        try:
            alive = sessions.resume(st.session_state.get("session_token"))
        except sessions.SessionEnded as exc:
            if exc.details.get("reason") in ("idle", "expired"):
                flash("session.expired")
            alive = None
        if alive is None:
            _forget()
            st.session_state["logout"] = True  # the cookie must not bring the ended session back
            st.session_state["_delete_cookie"] = True
            return
        if st.session_state.pop("_set_cookie", False):
            auth.cookie_controller.set_cookie()
        return
    if st.session_state.pop("_delete_cookie", False):
        auth.cookie_controller.delete_cookie()
    if not st.session_state.get("authentication_status"):
        auth.login(location="unrendered")  # the library's cookie re-authentication


def log_in(email: str, password: str) -> None:
    """The login form's submit: through the library's controller into `_DatabaseModel`."""
    current().authentication_controller.login(email, password)


def log_out() -> None:
    auth = current()
    auth.authentication_controller.logout()
    st.session_state["_delete_cookie"] = True
