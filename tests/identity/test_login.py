"""Sign-in: success, wrong password, lockout (audited), sessions that expire and end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from core.identity import auth, sessions
from core.identity.models import User
from core.identity.service import AccountLocked, AuthenticationFailed
from tests.identity.conftest import PASSWORD, audit_rows, last_audit_id, unique_email

T0 = dt.datetime(2030, 1, 15, 9, 0, tzinfo=dt.UTC)


def test_login_opens_a_session_and_is_audited(make_user: Callable[..., User]) -> None:
    user = make_user("ani", "a-shared")
    mark = last_audit_id()
    signed = auth.login(user.email.upper(), PASSWORD, ip="10.0.0.7", now=T0)
    assert signed.user_id == user.id and signed.token
    assert sessions.resume(signed.token, now=T0 + dt.timedelta(minutes=5)) is not None
    [row] = audit_rows("login.succeeded", user.email, mark)
    assert row["actor"] == f"user:{user.id}" and row["ip"] == "10.0.0.7"


def test_wrong_password_and_unknown_email_get_the_same_refusal(make_user: Callable[..., User]) -> None:
    user = make_user("budi")
    mark = last_audit_id()
    with pytest.raises(AuthenticationFailed) as wrong:
        auth.login(user.email, "not-the-password", now=T0)
    nobody = unique_email("nobody")
    with pytest.raises(AuthenticationFailed) as unknown:
        auth.login(nobody, "whatever-123", now=T0)
    assert wrong.value.message == unknown.value.message == "wrong email or password"
    assert audit_rows("login.failed", user.email, mark)[0]["details"]["reason"] == "wrong_password"
    assert audit_rows("login.failed", nobody, mark)[0]["details"]["reason"] == "unknown_email"
    assert not audit_rows("login.succeeded", user.email, mark)


def test_five_failures_lock_the_account_even_for_the_right_password(make_user: Callable[..., User]) -> None:
    user = make_user("citra")
    mark = last_audit_id()
    for i in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.login(user.email, f"wrong-{i}-password", now=T0 + dt.timedelta(minutes=i))
    with pytest.raises(AccountLocked) as locked:
        auth.login(user.email, "wrong-4-password", now=T0 + dt.timedelta(minutes=4))
    until = dt.datetime.fromisoformat(locked.value.details["locked_until"])
    assert until == T0 + dt.timedelta(minutes=4 + 15)
    # While locked, the right password is refused too, and the refusal is audited.
    with pytest.raises(AccountLocked):
        auth.login(user.email, PASSWORD, now=T0 + dt.timedelta(minutes=10))
    assert auth.lock_state(user.email, now=T0 + dt.timedelta(minutes=10)) == until
    [lock] = audit_rows("login.locked", user.email, mark)
    assert lock["details"]["failures"] == 5 and lock["actor"] == f"user:{user.id}"
    assert [r["details"]["failures"] for r in audit_rows("login.failed", user.email, mark)] == [1, 2, 3, 4, 5]
    assert audit_rows("login.refused", user.email, mark)[0]["details"]["reason"] == "locked"
    assert not audit_rows("login.succeeded", user.email, mark)
    # After the lock, the right password works and the counter starts again.
    assert auth.login(user.email, PASSWORD, now=until + dt.timedelta(seconds=1)).user_id == user.id
    assert auth.lock_state(user.email, now=until + dt.timedelta(seconds=2)) is None


def test_unknown_emails_lock_exactly_like_real_ones() -> None:
    nobody = unique_email("ghost")
    for i in range(4):
        with pytest.raises(AuthenticationFailed):
            auth.login(nobody, "guess-password", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(AccountLocked):
        auth.login(nobody, "guess-password", now=T0 + dt.timedelta(seconds=5))


def test_failures_spread_beyond_the_window_do_not_lock(make_user: Callable[..., User]) -> None:
    user = make_user("dewi")
    for i in range(8):  # one failure every 4 minutes: never 5 inside 15 minutes
        moment = T0 + dt.timedelta(minutes=4 * i)
        with pytest.raises(AuthenticationFailed):
            auth.login(user.email, "wrong-password", now=moment)
    assert auth.login(user.email, PASSWORD, now=T0 + dt.timedelta(minutes=33)).user_id == user.id


def test_session_ends_after_idle_time_and_after_max_age(make_user: Callable[..., User]) -> None:
    user = make_user("eko")
    token = auth.login(user.email, PASSWORD, now=T0).token
    # Activity keeps it alive past 8 hours of age ...
    assert sessions.resume(token, now=T0 + dt.timedelta(hours=7)) is not None
    assert sessions.resume(token, now=T0 + dt.timedelta(hours=14)) is not None
    # ... but 8 idle hours end it, for good.
    with pytest.raises(sessions.SessionEnded) as idle:
        sessions.resume(token, now=T0 + dt.timedelta(hours=22, minutes=1))
    assert idle.value.details["reason"] == "idle"
    with pytest.raises(sessions.SessionEnded):
        sessions.resume(token, now=T0 + dt.timedelta(hours=14, minutes=1))

    other = auth.login(user.email, PASSWORD, now=T0).token
    for hour in range(1, 24):
        sessions.resume(other, now=T0 + dt.timedelta(hours=hour))
    with pytest.raises(sessions.SessionEnded) as old:
        sessions.resume(other, now=T0 + dt.timedelta(hours=24))
    assert old.value.details["reason"] == "expired"


def test_logout_ends_the_session_and_is_audited(make_user: Callable[..., User]) -> None:
    user = make_user("fajar")
    mark = last_audit_id()
    token = auth.login(user.email, PASSWORD, now=T0).token
    assert sessions.end(token, ip="10.0.0.9", now=T0 + dt.timedelta(minutes=1))
    with pytest.raises(sessions.SessionEnded) as ended:
        sessions.resume(token, now=T0 + dt.timedelta(minutes=2))
    assert ended.value.details["reason"] == "logout"
    assert not sessions.end(token)  # a second logout changes nothing
    assert len(audit_rows("logout", user.email, mark)) == 1


def test_forged_or_tampered_session_tokens_are_unknown(make_user: Callable[..., User]) -> None:
    user = make_user("gita")
    token = auth.login(user.email, PASSWORD, now=T0).token
    selector, verifier = token.split(".")
    tampered = f"{selector}.{'A' if verifier[0] != 'A' else 'B'}{verifier[1:]}"
    assert sessions.resume(tampered, now=T0) is None
    assert sessions.resume("not-a-token", now=T0) is None
    assert sessions.resume(None, now=T0) is None
