"""Server-side sign-in sessions: idle and absolute expiry, revocation.

The browser holds `<selector>.<verifier>` (in Streamlit's session state and, signed, in
a cookie); the database holds the selector and the verifier's hash. A session ends after
`session_idle_minutes` without activity, `session_max_hours` after sign-in, on logout, on
a password reset, or when the user is deactivated.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit.control import record_event
from core.clock import utcnow
from core.config import get_settings
from core.errors import DomainError
from core.identity import tokens
from core.identity.models import User, UserSession
from db.session import control_session

# last_seen_at is written at most this often (not on every click).
TOUCH_EVERY = dt.timedelta(seconds=60)


class SessionEnded(DomainError):
    """The session existed but is over: details["reason"] is idle, expired, revoked or inactive."""

    status = 401
    code = "session_ended"


@dataclass(frozen=True)
class SessionUser:
    user_id: uuid.UUID
    email: str
    full_name: str
    language: str
    token: str = field(default="", repr=False)


def start(s: Session, user: User, *, ip: str | None = None, user_agent: str | None = None,
          now: dt.datetime | None = None) -> str:
    """Open a session for `user` inside the caller's transaction; returns the token."""
    moment = utcnow(now)
    issued = tokens.issue()
    s.add(UserSession(user_id=user.id, selector=issued.selector, verifier_hash=issued.verifier_hash,
                      created_at=moment, last_seen_at=moment,
                      expires_at=moment + dt.timedelta(hours=get_settings().session_max_hours),
                      ip=ip, user_agent=(user_agent or "")[:300] or None))
    s.flush()
    return issued.token


def _find(s: Session, token: str | None) -> UserSession | None:
    parts = tokens.split(token)
    if parts is None:
        return None
    row = s.scalars(select(UserSession).where(UserSession.selector == parts[0])).one_or_none()
    if row is None or not tokens.verifies(parts[1], row.verifier_hash):
        return None
    return row


def resume(token: str | None, *, now: dt.datetime | None = None) -> SessionUser | None:
    """The session's user, or None for an unknown token; raises SessionEnded when it is over."""
    moment = utcnow(now)
    idle = dt.timedelta(minutes=get_settings().session_idle_minutes)
    reason: str | None = None
    with control_session() as s:
        row = _find(s, token)
        if row is None:
            return None
        user = s.get(User, row.user_id)
        if row.revoked_at is not None:
            reason = row.revoked_reason or "revoked"
        elif user is None or not user.is_active:
            reason = "inactive"
        elif row.expires_at <= moment:
            reason = "expired"
        elif row.last_seen_at + idle <= moment:
            reason = "idle"
        if reason is not None:
            if row.revoked_at is None:
                row.revoked_at, row.revoked_reason = moment, reason
        else:
            assert user is not None
            if moment - row.last_seen_at >= TOUCH_EVERY:
                row.last_seen_at = moment
            result = SessionUser(user.id, user.email, user.full_name, user.language, token or "")
    if reason is not None:
        raise SessionEnded(f"the session has ended ({reason})", details={"reason": reason})
    return result


def end(token: str | None, *, ip: str | None = None, now: dt.datetime | None = None) -> bool:
    """Logout: revoke the session (audited). False when there was nothing to end."""
    moment = utcnow(now)
    with control_session() as s:
        row = _find(s, token)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at, row.revoked_reason = moment, "logout"
        user = s.get(User, row.user_id)
        record_event("logout", actor=f"user:{row.user_id}", target=user.email if user else None, ip=ip, session=s)
    return True


def end_all(s: Session, user_id: uuid.UUID, reason: str, *, now: dt.datetime | None = None) -> int:
    """Revoke every open session of a user (inside the caller's transaction)."""
    result = s.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(now), revoked_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
