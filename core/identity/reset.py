"""Password reset by an emailed, expiring, one-time link.

Asking for a link answers the same whether or not the email has an account. A new link
replaces the previous ones; a link is spent in the transaction that sets the password,
which also ends every session of the account and lifts a sign-in lock (whoever holds the
link controls the mailbox).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.audit.control import record_event
from core.clock import utcnow
from core.config import get_settings
from core.identity import sessions, tokens
from core.identity.auth import clear_throttle
from core.identity.models import PasswordResetToken, User
from core.identity.passwords import hash_password
from core.identity.service import LinkRefused, normalise_email, validate_password
from core.notify import outbox
from core.notify.emails import render, when
from db.session import control_session

RESET_PATH = "reset-password"
# At most one email per account in this interval, however often the form is sent.
RESEND_AFTER = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class ResetRequested:
    outbox_id: int | None  # None when nothing was sent (unknown email or too soon)


def link_for(token: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/{RESET_PATH}?token={token}"


def request_reset(email: str, *, ip: str | None = None, now: dt.datetime | None = None) -> ResetRequested:
    moment = utcnow(now)
    email = normalise_email(email)
    outbox_id: int | None = None
    with control_session() as s:
        user = s.scalars(select(User).where(User.email == email)).one_or_none()
        if user is None or not user.is_active:
            record_event("password.reset_requested", actor="anonymous", target=email[:200], ip=ip, session=s,
                         details={"account": False})
            return ResetRequested(None)
        latest = s.scalar(select(PasswordResetToken.created_at).where(PasswordResetToken.user_id == user.id)
                          .order_by(PasswordResetToken.created_at.desc()).limit(1))
        if latest is not None and moment - latest < RESEND_AFTER:
            return ResetRequested(None)
        s.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                                   PasswordResetToken.used_at.is_(None),
                                                   PasswordResetToken.expires_at > moment)
                  .values(expires_at=moment))
        issued = tokens.issue()
        row = PasswordResetToken(user_id=user.id, selector=issued.selector, verifier_hash=issued.verifier_hash,
                                 created_at=moment,
                                 expires_at=moment + dt.timedelta(minutes=get_settings().reset_token_minutes),
                                 requested_ip=ip)
        s.add(row)
        s.flush()
        message = render("password_reset", user.language, link_for(issued.token), name=user.full_name,
                         email=user.email, expires=when(row.expires_at, user.language))
        outbox_id = outbox.enqueue(s, to=user.email, kind="password_reset", language=user.language, email=message,
                                   now=moment)
        record_event("password.reset_requested", actor=f"user:{user.id}", target=email, ip=ip, session=s,
                     details={"account": True})
    outbox.send_now([outbox_id])
    return ResetRequested(outbox_id)


def _usable(s: Session, token: str | None, moment: dt.datetime, *, lock: bool) -> PasswordResetToken:
    parts = tokens.split(token)
    if parts is None:
        raise LinkRefused("invalid", "password reset")
    query = select(PasswordResetToken).where(PasswordResetToken.selector == parts[0])
    row = s.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None or not tokens.verifies(parts[1], row.verifier_hash):
        raise LinkRefused("invalid", "password reset")
    if row.used_at is not None:
        raise LinkRefused("used", "password reset")
    if row.expires_at <= moment:
        raise LinkRefused("expired", "password reset")
    return row


def check_link(token: str | None, *, now: dt.datetime | None = None) -> str:
    """The account's email when the link can be used; raises LinkRefused otherwise."""
    with control_session() as s:
        row = _usable(s, token, utcnow(now), lock=False)
        user = s.get(User, row.user_id)
        assert user is not None
        return user.email


def reset_password(token: str | None, new_password: str, *, ip: str | None = None,
                   now: dt.datetime | None = None) -> str:
    """Set the new password and spend the link; returns the account's email."""
    validate_password(new_password)
    moment = utcnow(now)
    with control_session() as s:
        row = _usable(s, token, moment, lock=True)
        user = s.get(User, row.user_id)
        assert user is not None
        user.password_hash = hash_password(new_password)
        user.password_changed_at = moment
        row.used_at = moment
        s.execute(update(PasswordResetToken).where(PasswordResetToken.user_id == user.id,
                                                   PasswordResetToken.used_at.is_(None))
                  .values(used_at=moment))
        ended = sessions.end_all(s, user.id, "password_reset", now=moment)
        clear_throttle(s, user.email)
        record_event("password.reset", actor=f"user:{user.id}", target=user.email, ip=ip, session=s,
                     details={"sessions_ended": ended})
        email = user.email
    return email
