"""Password reset by emailed link: one-time, expiring, ends sessions, lifts a lock."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable

import pytest

from core.errors import ValidationFailed
from core.identity import auth, reset, sessions
from core.identity.models import User
from core.identity.service import AccountLocked, AuthenticationFailed, LinkRefused
from core.notify.catcher import Catcher
from tests.identity.conftest import PASSWORD, PUBLIC_URL, audit_rows, last_audit_id, unique_email

T0 = dt.datetime(2030, 3, 1, 1, 0, tzinfo=dt.UTC)


def reset_token(mail: Catcher, email: str) -> str:
    message = mail.store.to(email)[-1]
    [link] = [link for link in message.links() if "/reset-password?" in link]
    assert link.startswith(PUBLIC_URL + "/reset-password?token=")
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]


def test_reset_link_sets_a_new_password_once(mail: Catcher, make_user: Callable[..., User]) -> None:
    user = make_user("hana", language="id")
    session = auth.login(user.email, PASSWORD, now=T0).token
    mark = last_audit_id()
    assert reset.request_reset(user.email, ip="10.1.1.1", now=T0).outbox_id is not None
    message = mail.store.to(user.email)[-1]
    assert "Atur ulang" in message.subject and message.header("Content-Language") == "id"
    token = reset_token(mail, user.email)

    assert reset.check_link(token, now=T0 + dt.timedelta(minutes=5)) == user.email
    reset.reset_password(token, "brand-new-pass", now=T0 + dt.timedelta(minutes=5))
    with pytest.raises(AuthenticationFailed):
        auth.login(user.email, PASSWORD, now=T0 + dt.timedelta(minutes=6))
    assert auth.login(user.email, "brand-new-pass", now=T0 + dt.timedelta(minutes=6)).user_id == user.id
    with pytest.raises(sessions.SessionEnded) as ended:  # every earlier session is over
        sessions.resume(session, now=T0 + dt.timedelta(minutes=6))
    assert ended.value.details["reason"] == "password_reset"

    with pytest.raises(LinkRefused) as reused:
        reset.reset_password(token, "third-password", now=T0 + dt.timedelta(minutes=7))
    assert reused.value.details["reason"] == "used"
    assert auth.login(user.email, "brand-new-pass", now=T0 + dt.timedelta(minutes=8)).user_id == user.id
    assert audit_rows("password.reset_requested", user.email, mark)[0]["ip"] == "10.1.1.1"
    assert audit_rows("password.reset", user.email, mark)[0]["details"]["sessions_ended"] == 1


def test_expired_reset_link_is_refused(mail: Catcher, make_user: Callable[..., User]) -> None:
    user = make_user("indra")
    reset.request_reset(user.email, now=T0)
    token = reset_token(mail, user.email)
    with pytest.raises(LinkRefused) as expired:
        reset.reset_password(token, "never-applied-1", now=T0 + dt.timedelta(minutes=60))
    assert expired.value.details["reason"] == "expired"
    assert auth.login(user.email, PASSWORD, now=T0 + dt.timedelta(minutes=61)).user_id == user.id


def test_a_newer_link_replaces_older_ones_and_requests_are_rate_limited(mail: Catcher,
                                                                        make_user: Callable[..., User]) -> None:
    user = make_user("joko")
    reset.request_reset(user.email, now=T0)
    first = reset_token(mail, user.email)
    assert reset.request_reset(user.email, now=T0 + dt.timedelta(seconds=10)).outbox_id is None  # too soon
    assert len(mail.store.to(user.email)) == 1
    reset.request_reset(user.email, now=T0 + dt.timedelta(minutes=2))
    second = reset_token(mail, user.email)
    assert first != second
    with pytest.raises(LinkRefused):
        reset.check_link(first, now=T0 + dt.timedelta(minutes=3))
    assert reset.check_link(second, now=T0 + dt.timedelta(minutes=3)) == user.email


def test_unknown_email_gets_the_same_answer_and_no_mail(mail: Catcher) -> None:
    nobody = unique_email("nobody")
    assert reset.request_reset(nobody, now=T0).outbox_id is None
    assert mail.store.to(nobody) == []


def test_weak_new_password_changes_nothing(mail: Catcher, make_user: Callable[..., User]) -> None:
    user = make_user("kiki")
    reset.request_reset(user.email, now=T0)
    token = reset_token(mail, user.email)
    with pytest.raises(ValidationFailed):
        reset.reset_password(token, "short", now=T0)
    assert reset.check_link(token, now=T0) == user.email  # not spent


def test_reset_lifts_a_lock(mail: Catcher, make_user: Callable[..., User]) -> None:
    user = make_user("lina")
    for i in range(5):
        with pytest.raises((AuthenticationFailed, AccountLocked)):
            auth.login(user.email, "wrong-password", now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(AccountLocked):
        auth.login(user.email, PASSWORD, now=T0 + dt.timedelta(minutes=1))
    reset.request_reset(user.email, now=T0 + dt.timedelta(minutes=1))
    reset.reset_password(reset_token(mail, user.email), "unlocked-pass", now=T0 + dt.timedelta(minutes=2))
    assert auth.login(user.email, "unlocked-pass", now=T0 + dt.timedelta(minutes=3)).user_id == user.id
