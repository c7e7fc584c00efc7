"""Sign-in with throttling: wrong passwords are counted per email and lock it for a while.

Every attempt for one email runs under an advisory lock, so parallel guesses cannot slip
past the counter. Unknown emails are counted and locked exactly like real ones (and their
password is checked against a dummy hash), so neither timing nor lockouts reveal whether
an account exists. While locked, even the right password is refused. Every failure, lock
and success is written to the control-plane audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from core.audit.control import record_event
from core.clock import utcnow
from core.config import get_settings
from core.identity import sessions
from core.identity.models import LoginThrottle, User
from core.identity.passwords import dummy_hash, verify_password
from core.identity.service import AccountLocked, AuthenticationFailed, normalise_email
from db.session import control_session


@dataclass(frozen=True)
class Policy:
    max_failures: int
    window: dt.timedelta
    lock: dt.timedelta

    @classmethod
    def current(cls) -> Policy:
        st = get_settings()
        return cls(st.login_max_failures, dt.timedelta(minutes=st.login_window_minutes),
                   dt.timedelta(minutes=st.login_lock_minutes))


def _locked(until: dt.datetime) -> AccountLocked:
    return AccountLocked(
        f"too many failed sign-ins for this email; try again after {until:%H:%M} UTC",
        details={"locked_until": until.isoformat()},
    )


def _failure(s: Session, email: str, user: User | None, reason: str, ip: str | None, moment: dt.datetime,
             policy: Policy) -> dt.datetime | None:
    """Count one failure; returns the lock's end when this failure locks the email."""
    row = s.get(LoginThrottle, email)
    if row is None:
        row = LoginThrottle(email=email, failures=0, window_started_at=moment, last_failure_at=moment)
        s.add(row)
    expired_lock = row.locked_until is not None and row.locked_until <= moment
    if expired_lock or row.window_started_at + policy.window <= moment:
        row.failures, row.window_started_at, row.locked_until = 0, moment, None
    row.failures += 1
    row.last_failure_at = moment
    actor = f"user:{user.id}" if user else "anonymous"
    record_event("login.failed", actor=actor, target=email, ip=ip, session=s,
                 details={"reason": reason, "failures": row.failures})
    if row.failures >= policy.max_failures:
        row.locked_until = moment + policy.lock
        record_event("login.locked", actor=actor, target=email, ip=ip, session=s,
                     details={"failures": row.failures, "locked_until": row.locked_until.isoformat()})
        return row.locked_until
    return None


def _check(s: Session, email: str, password: str, ip: str | None, moment: dt.datetime) -> User:
    """Inside a transaction: the user, or raises AccountLocked / AuthenticationFailed (the
    caller commits first so that the audit rows and the counter are kept)."""
    policy = Policy.current()
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext('login:' || :e))"), {"e": email})
    throttle = s.get(LoginThrottle, email)
    user = s.scalars(select(User).where(User.email == email)).one_or_none()
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > moment:
        record_event("login.refused", actor=f"user:{user.id}" if user else "anonymous", target=email, ip=ip,
                     session=s, details={"reason": "locked", "locked_until": throttle.locked_until.isoformat()})
        raise _locked(throttle.locked_until)
    ok = verify_password(password, user.password_hash if user else dummy_hash())
    if user is not None and ok and user.is_active:
        if throttle is not None:
            s.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
        return user
    reason = "unknown_email" if user is None else ("inactive" if ok else "wrong_password")
    until = _failure(s, email, user, reason, ip, moment, policy)
    if until is not None:
        raise _locked(until)
    raise AuthenticationFailed("wrong email or password")


def check_credentials(email: str, password: str, *, ip: str | None = None, now: dt.datetime | None = None) -> User:
    """Throttled password check without starting a session (re-authentication, sign-up)."""
    moment, email = utcnow(now), normalise_email(email)
    refusal: Exception | None = None
    with control_session() as s:
        try:
            user = _check(s, email, password, ip, moment)
        except (AccountLocked, AuthenticationFailed) as exc:
            refusal = exc
        else:
            s.expunge(user)
    if refusal is not None:
        raise refusal
    return user


def login(email: str, password: str, *, ip: str | None = None, user_agent: str | None = None,
          now: dt.datetime | None = None) -> sessions.SessionUser:
    """Check the password (throttled) and open a session; audited either way."""
    moment, email = utcnow(now), normalise_email(email)
    refusal: Exception | None = None
    with control_session() as s:
        try:
            user = _check(s, email, password, ip, moment)
        except (AccountLocked, AuthenticationFailed) as exc:
            refusal = exc
        else:
            token = sessions.start(s, user, ip=ip, user_agent=user_agent, now=moment)
            user.last_login_at = moment
            record_event("login.succeeded", actor=f"user:{user.id}", target=email, ip=ip, session=s)
            result = sessions.SessionUser(user.id, user.email, user.full_name, user.language, token)
    if refusal is not None:
        raise refusal
    return result


def lock_state(email: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the email's lock ends, or None if it is not locked."""
    with control_session() as s:
        row = s.get(LoginThrottle, normalise_email(email))
    moment = utcnow(now)
    return row.locked_until if row and row.locked_until and row.locked_until > moment else None


def clear_throttle(s: Session, email: str) -> None:
    s.execute(delete(LoginThrottle).where(LoginThrottle.email == normalise_email(email)))
