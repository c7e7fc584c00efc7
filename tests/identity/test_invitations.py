"""Invitations: sent by real email, accepted once, expiring; refused across tenants and roles."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, NotFound, ValidationFailed
from core.identity import auth, invitations, members
from core.identity.models import Invitation, Membership, User
from core.identity.service import LinkRefused, memberships_of
from core.notify.catcher import Catcher
from core.notify.models import OutboxEmail
from core.rbac.guard import PermissionDenied
from db.session import control_session
from tests.identity.conftest import PASSWORD, PUBLIC_URL, audit_rows, ctx_of, last_audit_id, unique_email

T0 = dt.datetime(2030, 2, 1, 3, 0, tzinfo=dt.UTC)


def token_from(mail: Catcher, email: str) -> str:
    [message] = mail.store.to(email)
    [link] = [link for link in message.links() if "/accept-invitation?" in link]
    assert link.startswith(PUBLIC_URL + "/accept-invitation?token=")
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["token"][0]


def counts(email: str) -> tuple[int, int]:
    with control_session() as s:
        inv = s.scalar(select(func.count()).select_from(Invitation).where(Invitation.email == email))
        out = s.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.to_address == email))
    return int(inv or 0), int(out or 0)


def test_invitation_email_arrives_and_its_link_creates_the_member(mail: Catcher,
                                                                  make_user: Callable[..., User]) -> None:
    admin = make_user("admin", "a-shared", "admin")
    ctx = ctx_of(admin, "a-shared")
    email = unique_email("new-staff")
    mark = last_audit_id()
    sent = invitations.invite(ctx, email.upper(), "staff", language="id", now=T0)
    assert sent.email == email

    [message] = mail.store.to(email)  # received by the real SMTP server on loopback
    assert ctx.name in message.subject and "mengundang" in message.subject
    assert message.header("Content-Language") == "id"
    assert "Staf" in message.text() and "<a href=" in message.html()
    token = token_from(mail, email)

    offer = invitations.preview(token, now=T0 + dt.timedelta(days=1))
    assert (offer.company, offer.email, offer.role, offer.existing_account) == (ctx.name, email, "staff", False)
    done = invitations.accept(token, full_name="Sari Staff", password="sari-pass-1", now=T0 + dt.timedelta(days=1))
    assert done.created_account
    [membership] = memberships_of(done.user_id)
    assert (membership.slug, membership.role) == ("a-shared", "staff")
    assert auth.login(email, "sari-pass-1", now=T0 + dt.timedelta(days=1)).user_id == done.user_id

    [sent_row] = audit_rows("invitation.sent", email, mark)
    assert sent_row["actor"] == f"user:{admin.id}" and sent_row["tenant_id"] == ctx.tenant_id
    assert sent_row["details"]["role"] == "staff"
    [accepted] = audit_rows("invitation.accepted", email, mark)
    assert accepted["actor"] == f"user:{done.user_id}" and accepted["details"]["new_account"] is True
    assert audit_rows("member.added", email, mark)[0]["details"]["role"] == "staff"

    # The link is spent: a second use is refused and changes nothing.
    with pytest.raises(LinkRefused) as again:
        invitations.accept(token, full_name="Someone Else", password="other-pass-1", now=T0 + dt.timedelta(days=2))
    assert again.value.details["reason"] == "used"
    assert len(memberships_of(done.user_id)) == 1
    # And the outbox no longer keeps the link.
    with control_session() as s:
        row = s.scalars(select(OutboxEmail).where(OutboxEmail.to_address == email)).one()
    assert (row.status, row.body_text_encrypted, row.body_html_encrypted) == ("sent", None, None)


def test_expired_invitation_is_refused(mail: Catcher, make_user: Callable[..., User]) -> None:
    ctx = ctx_of(make_user("admin", "a-schema", "admin"), "a-schema")
    email = unique_email("late")
    sent = invitations.invite(ctx, email, "manager", now=T0)
    token = token_from(mail, email)
    with pytest.raises(LinkRefused) as expired:
        invitations.accept(token, full_name="Late Comer", password="late-pass-1", now=sent.expires_at)
    assert expired.value.details["reason"] == "expired"
    with pytest.raises(LinkRefused):
        invitations.preview(token, now=sent.expires_at + dt.timedelta(days=1))
    with control_session() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.email == email)) == 0


def test_new_invitation_replaces_the_old_link_and_bad_tokens_are_refused(mail: Catcher,
                                                                         make_user: Callable[..., User]) -> None:
    ctx = ctx_of(make_user("admin", "a-shared", "admin"), "a-shared")
    email = unique_email("twice")
    invitations.invite(ctx, email, "staff", now=T0)
    first = token_from(mail, email)
    for message in mail.store.to(email):
        message.path.unlink()
    invitations.invite(ctx, email, "manager", now=T0 + dt.timedelta(hours=1))
    second = token_from(mail, email)
    with pytest.raises(LinkRefused) as revoked:
        invitations.preview(first, now=T0 + dt.timedelta(hours=2))
    assert revoked.value.details["reason"] == "revoked"
    selector, verifier = second.split(".")
    for bad in ("", "garbage", f"{selector}.{verifier[::-1]}"):
        with pytest.raises(LinkRefused) as invalid:
            invitations.accept(bad, full_name="X Y", password="xy-pass-123", now=T0 + dt.timedelta(hours=2))
        assert invalid.value.details["reason"] == "invalid"
    assert invitations.preview(second, now=T0 + dt.timedelta(hours=2)).role == "manager"


def test_existing_account_gets_the_membership(mail: Catcher, make_user: Callable[..., User]) -> None:
    ctx = ctx_of(make_user("admin", "a-dedicated", "admin"), "a-dedicated")
    someone = make_user("multi", "a-shared", "staff")
    invitations.invite(ctx, someone.email, "manager", now=T0)
    token = token_from(mail, someone.email)
    assert invitations.preview(token, now=T0).existing_account
    done = invitations.accept(token, now=T0)
    assert not done.created_account and done.user_id == someone.id
    assert {(m.slug, m.role) for m in memberships_of(someone.id)} == {("a-shared", "staff"),
                                                                     ("a-dedicated", "manager")}
    # Still one password: the existing one.
    assert auth.login(someone.email, PASSWORD, now=T0).user_id == someone.id


def test_a_new_account_needs_valid_name_and_password(mail: Catcher, make_user: Callable[..., User]) -> None:
    ctx = ctx_of(make_user("admin", "a-shared", "admin"), "a-shared")
    email = unique_email("weak")
    invitations.invite(ctx, email, "staff", now=T0)
    token = token_from(mail, email)
    with pytest.raises(ValidationFailed):
        invitations.accept(token, full_name="Weak", password="short", now=T0)
    with pytest.raises(ValidationFailed):
        invitations.accept(token, full_name=" ", password="long-enough-1", now=T0)
    # Refusals spent nothing: the link still works.
    assert invitations.accept(token, full_name="Strong", password="long-enough-1", now=T0).created_account


def test_who_may_invite_whom(make_user: Callable[..., User]) -> None:
    staff = ctx_of(make_user("staff", "a-shared", "staff"), "a-shared")
    manager = ctx_of(make_user("manager", "a-shared", "manager"), "a-shared")
    email = unique_email("nobody")
    with pytest.raises(PermissionDenied) as denied:
        invitations.invite(staff, email, "staff", now=T0)
    assert denied.value.permission == "member.invite" and denied.value.status == 403
    with pytest.raises(PermissionDenied) as escalation:  # a Manager cannot make an Admin
        invitations.invite(manager, email, "admin", now=T0)
    assert escalation.value.details["role"] == "admin"
    with pytest.raises(ValidationFailed):
        invitations.invite(manager, email, "no_such_role", now=T0)
    with pytest.raises(ValidationFailed):
        invitations.invite(manager, "not-an-email", "staff", now=T0)
    assert counts(email) == (0, 0)  # nothing written, nothing queued


def test_inviting_a_member_again_is_refused(make_user: Callable[..., User]) -> None:
    admin = make_user("admin", "a-shared", "admin")
    member = make_user("member", "a-shared", "staff")
    with pytest.raises(Conflict):
        invitations.invite(ctx_of(admin, "a-shared"), member.email, "manager", now=T0)
    assert counts(member.email) == (0, 0)


def test_tenant_a_cannot_touch_tenant_b_by_id(mail: Catcher, make_user: Callable[..., User]) -> None:
    admin_a = ctx_of(make_user("admin", "a-shared", "admin"), "a-shared")
    admin_b = ctx_of(make_user("admin", "b-shared", "admin"), "b-shared")
    member_b = make_user("member", "b-shared", "staff")
    email = unique_email("for-b")
    invited_b = invitations.invite(admin_b, email, "staff", now=T0)
    mark = last_audit_id()

    with pytest.raises(NotFound):
        invitations.revoke_invitation(admin_a, invited_b.id, now=T0)
    with pytest.raises(NotFound):
        members.change_role(admin_a, member_b.id, "admin")
    with pytest.raises(NotFound):
        members.remove_member(admin_a, member_b.id)
    assert member_b.email not in {m.email for m in members.list_members(admin_a)}
    assert email not in {i.email for i in invitations.pending_invitations(admin_a, now=T0)}

    # B's data is as it was, and A's attempts left no audit trail of changes.
    assert invitations.preview(token_from(mail, email), now=T0).company == admin_b.name
    with control_session() as s:
        role = s.scalar(select(Membership.role).where(Membership.user_id == member_b.id))
    assert role == "staff"
    for action in ("invitation.revoked", "member.role_changed", "member.removed"):
        assert not audit_rows(action, since_id=mark)


def test_revoked_invitation_cannot_be_accepted(mail: Catcher, make_user: Callable[..., User]) -> None:
    ctx = ctx_of(make_user("admin", "a-shared", "admin"), "a-shared")
    email = unique_email("withdrawn")
    sent = invitations.invite(ctx, email, "staff", now=T0)
    invitations.revoke_invitation(ctx, sent.id, now=T0 + dt.timedelta(minutes=1))
    with pytest.raises(LinkRefused) as refused:
        invitations.accept(token_from(mail, email), full_name="Too Late", password="too-late-1", now=T0)
    assert refused.value.details["reason"] == "revoked"
    with pytest.raises(NotFound):
        invitations.revoke_invitation(ctx, sent.id)
