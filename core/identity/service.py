"""Users and memberships (control plane); sign-in itself lives in core.identity.auth."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, DomainError, Locked, ValidationFailed
from core.identity.models import Membership, User
from core.identity.passwords import MAX_BYTES, MIN_LENGTH, hash_password
from core.tenancy.models import Tenant
from db.session import control_session

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
ROLES = ("admin", "manager", "staff")
LANGUAGES = ("id", "en")


class AuthenticationFailed(DomainError):
    status = 401
    code = "authentication_failed"


class AccountLocked(Locked):
    code = "account_locked"


class LinkRefused(DomainError):
    """An invitation or reset link that cannot be used: details["reason"] says why."""

    status = 410
    code = "link_refused"

    def __init__(self, reason: str, what: str) -> None:
        messages = {
            "invalid": f"this {what} link is not valid",
            "expired": f"this {what} link has expired",
            "used": f"this {what} link has already been used",
            "revoked": f"this {what} link was withdrawn",
        }
        super().__init__(messages[reason], details={"reason": reason})
        self.reason = reason


@dataclass(frozen=True)
class MembershipView:
    tenant_id: uuid.UUID
    slug: str
    name: str
    tier: str
    region: str
    status: str
    role: str


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"the password needs at least {MIN_LENGTH} characters",
                               details={"password": "too short"})
    if len(password.encode()) > MAX_BYTES:
        raise ValidationFailed(f"the password may be at most {MAX_BYTES} bytes", details={"password": "too long"})
    if password != password.strip():
        # The sign-in widget trims what is typed; a password must survive that unchanged.
        raise ValidationFailed("the password may not begin or end with a space", details={"password": "spaces"})


def validate_new_user(email: str, full_name: str, password: str) -> str:
    """Check a new account's fields; returns the normalised email."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed(f"'{email}' is not a valid email address", details={"email": "invalid"})
    if not full_name.strip() or len(full_name) > 200:
        raise ValidationFailed("a name of 1 to 200 characters is required", details={"full_name": "invalid"})
    validate_password(password)
    return email


def insert_user(s: Session, email: str, full_name: str, password: str, language: str = "id") -> User:
    """Add a validated user inside the caller's transaction."""
    email = validate_new_user(email, full_name, password)
    if s.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Conflict(f"an account for {email} already exists", details={"email": "taken"})
    user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password),
                language=language if language in LANGUAGES else "id")
    s.add(user)
    s.flush()
    return user


def create_user(email: str, full_name: str, password: str, language: str = "id") -> User:
    validate_new_user(email, full_name, password)
    with control_session() as s:
        user = insert_user(s, email, full_name, password, language)
        s.expunge(user)
    return user


def get_user_by_email(email: str) -> User | None:
    with control_session() as s:
        return s.scalars(select(User).where(User.email == normalise_email(email))).one_or_none()


def add_membership(user_id: uuid.UUID, tenant_id: uuid.UUID, role: str) -> None:
    with control_session() as s:
        existing = s.scalars(
            select(Membership).where(Membership.user_id == user_id, Membership.tenant_id == tenant_id)
        ).one_or_none()
        if existing is None:
            s.add(Membership(user_id=user_id, tenant_id=tenant_id, role=role))
        else:
            existing.role = role


def authenticate(email: str, password: str) -> User:
    """Throttled password check (see core.identity.auth); raises AuthenticationFailed or AccountLocked."""
    from core.identity.auth import check_credentials

    return check_credentials(email, password)


def memberships_of(user_id: uuid.UUID) -> list[MembershipView]:
    with control_session() as s:
        rows = s.execute(
            select(Tenant, Membership.role)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(Membership.user_id == user_id)
            .order_by(Tenant.name)
        ).all()
    return [
        MembershipView(t.id, t.slug, t.name, t.tier, t.region, t.status, role) for t, role in rows
    ]
