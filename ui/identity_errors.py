"""Domain errors from sign-up, sign-in, invitations and members, in the user's language."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from core.errors import DomainError
from ui.session import tr

_DETAILS = {
    ("email", "invalid"): "err.email",
    ("email", "taken"): "err.email_taken",
    ("email", "exists"): "err.email_exists",
    ("email", "member"): "err.email_member",
    ("full_name", "invalid"): "err.full_name",
    ("password", "too short"): "err.password_short",
    ("password", "too long"): "err.password_long",
    ("password", "spaces"): "err.password_spaces",
    ("slug", "taken"): "err.slug_taken",
    ("role", "last_admin"): "err.last_admin",
}


def explain(exc: DomainError) -> str:
    """One clear sentence per problem; falls back to the service's own message."""
    details = exc.details or {}
    if exc.code == "account_locked":
        until = dt.datetime.fromisoformat(str(details["locked_until"])).astimezone(ZoneInfo("Asia/Jakarta"))
        return tr("login.locked", time=f"{until:%H:%M} WIB")
    if exc.code == "authentication_failed":
        return tr("login.failed")
    if exc.code == "link_refused":
        return tr(f"link.{details.get('reason', 'invalid')}")
    if exc.code == "permission_denied":
        if details.get("role"):
            return tr("err.grant", role=details["role"], permission=details.get("permission", ""))
        return tr("err.permission", permission=details.get("permission", ""))
    if exc.code == "not_found":
        return tr("err.not_found")
    lines = []
    for field, value in details.items():
        key = _DETAILS.get((field, str(value)))
        key = key or {"name": "err.company", "slug": "err.slug"}.get(field)
        if key:
            lines.append(tr(key))
    return " ".join(dict.fromkeys(lines)) if lines else exc.message
