"""Invitations: an emailed, expiring, one-time link to join a company with a role.

Inviting needs `member.invite`, a role that exists in the company and gives nothing the
inviter lacks. Accepting creates the account when the email is new, or adds the
membership to the existing account; either way the invitation is spent in the same
transaction (the row is locked, so a link cannot be used twice, even at the same time).
The email is queued in the outbox in the inviting transaction and sent after commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.audit.control import record_event
from core.clock import utcnow
from core.config import get_settings
from core.context import TenantContext, TenantStatus
from core.errors import Conflict, NotFound, ValidationFailed
from core.identity import tokens
from core.identity.members import check_grantable
from core.identity.models import Invitation, Membership, User
from core.identity.service import EMAIL_RE, LANGUAGES, LinkRefused, insert_user, normalise_email, validate_new_user
from core.notify import outbox
from core.notify.emails import render, role_name, when
from core.rbac.guard import require
from core.rbac.service import list_roles, role_exists
from core.tenancy.models import Tenant
from db.session import control_session

ACCEPT_PATH = "accept-invitation"


@dataclass(frozen=True)
class InvitationView:
    id: uuid.UUID
    email: str
    role: str
    created_at: dt.datetime
    expires_at: dt.datetime
    invited_by: str | None
    outbox_id: int | None = None


@dataclass(frozen=True)
class InvitationPreview:
    company: str
    email: str
    role: str
    existing_account: bool
    expires_at: dt.datetime


@dataclass(frozen=True)
class Accepted:
    user_id: uuid.UUID
    tenant_id: uuid.UUID
    email: str
    created_account: bool


def link_for(token: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/{ACCEPT_PATH}?token={token}"


def _user_id(ctx: TenantContext) -> uuid.UUID | None:
    if ctx.actor.kind != "user":
        return None
    try:
        return uuid.UUID(ctx.actor.id)
    except ValueError:
        return None


def _role_label(ctx: TenantContext, role: str, lang: str) -> str:
    custom = next((r.name for r in list_roles(ctx) if r.key == role and not r.system), None)
    return role_name(role, lang, custom)


def invite(ctx: TenantContext, email: str, role: str, *, language: str | None = None,
           now: dt.datetime | None = None) -> InvitationView:
    """Invite `email` to the company as `role`; (re)sends a fresh link, the old one stops working."""
    require(ctx, "member.invite")
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed(f"'{email}' is not a valid email address", details={"email": "invalid"})
    check_grantable(ctx, role)
    moment = utcnow(now)
    issued = tokens.issue()
    inviter_id = _user_id(ctx)
    with control_session() as s:
        existing = s.scalars(select(User).where(User.email == email)).one_or_none()
        if existing is not None and s.scalar(select(func.count()).select_from(Membership).where(
                Membership.tenant_id == ctx.tenant_id, Membership.user_id == existing.id)):
            raise Conflict(f"{email} is already a member of this company", details={"email": "member"})
        lang = existing.language if existing is not None else (language or ctx.locale)
        lang = lang if lang in LANGUAGES else "id"
        s.execute(update(Invitation).where(Invitation.tenant_id == ctx.tenant_id, Invitation.email == email,
                                           Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
                  .values(revoked_at=moment))
        inviter = s.get(User, inviter_id) if inviter_id else None
        row = Invitation(tenant_id=ctx.tenant_id, email=email, role=role, language=lang, selector=issued.selector,
                         verifier_hash=issued.verifier_hash, invited_by=inviter.id if inviter else None,
                         created_at=moment, expires_at=moment + dt.timedelta(days=get_settings().invitation_days))
        s.add(row)
        s.flush()
        message = render("invitation", lang, link_for(issued.token),
                         inviter=inviter.full_name if inviter else ctx.name, company=ctx.name,
                         role=_role_label(ctx, role, lang), expires=when(row.expires_at, lang, ctx.timezone))
        outbox_id = outbox.enqueue(s, to=email, kind="invitation", language=lang, email=message,
                                   tenant_id=ctx.tenant_id, now=moment)
        record_event("invitation.sent", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=email,
                     details={"role": role, "invitation_id": str(row.id), "expires_at": row.expires_at.isoformat()},
                     request_id=ctx.request_id, session=s)
        view = InvitationView(row.id, email, role, moment, row.expires_at, inviter.email if inviter else None,
                              outbox_id)
    outbox.send_now([outbox_id])
    return view


def pending_invitations(ctx: TenantContext, *, now: dt.datetime | None = None) -> list[InvitationView]:
    require(ctx, "member.read")
    moment = utcnow(now)
    with control_session() as s:
        rows = s.execute(
            select(Invitation, User.email).outerjoin(User, User.id == Invitation.invited_by)
            .where(Invitation.tenant_id == ctx.tenant_id, Invitation.accepted_at.is_(None),
                   Invitation.revoked_at.is_(None), Invitation.expires_at > moment)
            .order_by(Invitation.created_at.desc())
        ).all()
    return [InvitationView(i.id, i.email, i.role, i.created_at, i.expires_at, by) for i, by in rows]


def revoke_invitation(ctx: TenantContext, invitation_id: uuid.UUID, *, now: dt.datetime | None = None) -> None:
    require(ctx, "member.invite")
    with control_session() as s:
        row = s.scalars(select(Invitation).where(Invitation.id == invitation_id,
                                                 Invitation.tenant_id == ctx.tenant_id)
                        .with_for_update()).one_or_none()
        if row is None or row.accepted_at is not None or row.revoked_at is not None:
            raise NotFound("no open invitation with this id in this company")
        row.revoked_at = utcnow(now)
        record_event("invitation.revoked", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=row.email,
                     details={"invitation_id": str(row.id)}, request_id=ctx.request_id, session=s)


def _usable(s: Session, token: str | None, moment: dt.datetime, *, lock: bool) -> Invitation:
    parts = tokens.split(token)
    if parts is None:
        raise LinkRefused("invalid", "invitation")
    query = select(Invitation).where(Invitation.selector == parts[0])
    row = s.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None or not tokens.verifies(parts[1], row.verifier_hash):
        raise LinkRefused("invalid", "invitation")
    if row.accepted_at is not None:
        raise LinkRefused("used", "invitation")
    if row.revoked_at is not None:
        raise LinkRefused("revoked", "invitation")
    if row.expires_at <= moment:
        raise LinkRefused("expired", "invitation")
    return row


def preview(token: str | None, *, now: dt.datetime | None = None) -> InvitationPreview:
    """What the link offers (for the accept page); raises LinkRefused when it cannot be used."""
    with control_session() as s:
        row = _usable(s, token, utcnow(now), lock=False)
        tenant = s.get(Tenant, row.tenant_id)
        assert tenant is not None
        existing = bool(s.scalar(select(func.count()).select_from(User).where(User.email == row.email)))
        return InvitationPreview(tenant.name, row.email, row.role, existing, row.expires_at)


def accept(token: str | None, *, full_name: str | None = None, password: str | None = None,
           language: str | None = None, ip: str | None = None, now: dt.datetime | None = None) -> Accepted:
    """Spend the invitation: a new account (name and password required) or a new membership."""
    moment = utcnow(now)
    with control_session() as s:
        row = _usable(s, token, moment, lock=True)
        tenant = s.get(Tenant, row.tenant_id)
        if tenant is None or tenant.status in (TenantStatus.FAILED, TenantStatus.PROVISIONING,
                                               TenantStatus.SUSPENDED):
            raise Conflict("this company is not available at the moment", details={"tenant": "unavailable"})
        if not role_exists(row.tenant_id, row.role):
            raise Conflict(f"the role '{row.role}' of this invitation no longer exists; ask for a new invitation",
                           details={"role": "gone"})
        user = s.scalars(select(User).where(User.email == row.email)).one_or_none()
        created = user is None
        if user is None:
            validate_new_user(row.email, full_name or "", password or "")
            user = insert_user(s, row.email, full_name or "", password or "", language or row.language)
            record_event("user.created", actor=f"user:{user.id}", target=user.email, ip=ip, session=s,
                         details={"via": "invitation"})
        already = s.scalars(select(Membership).where(Membership.tenant_id == row.tenant_id,
                                                     Membership.user_id == user.id)).one_or_none()
        if already is None:
            s.add(Membership(user_id=user.id, tenant_id=row.tenant_id, role=row.role))
        row.accepted_at, row.accepted_by = moment, user.id
        actor = f"user:{user.id}"
        record_event("invitation.accepted", actor=actor, tenant_id=row.tenant_id, target=user.email, ip=ip,
                     session=s, details={"invitation_id": str(row.id), "role": row.role, "new_account": created})
        if already is None:
            record_event("member.added", actor=actor, tenant_id=row.tenant_id, target=user.email, ip=ip, session=s,
                         details={"user_id": str(user.id), "role": row.role, "via": "invitation"})
        result = Accepted(user.id, row.tenant_id, user.email, created)
    return result
