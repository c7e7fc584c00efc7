"""Users, memberships and plain password login (control plane)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from core.errors import Conflict, DomainError, ValidationFailed
from core.identity.models import Membership, User
from core.identity.passwords import MAX_BYTES, MIN_LENGTH, hash_password, verify_password
from core.tenancy.models import Tenant
from db.session import control_session

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
ROLES = ("admin", "manager", "staff")
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = "$2b$12$JTvDJ83nKt/KUhicXdXxsur1YUxfrutyyH.R.rWBIcYn8VUrBxKry"


class AuthenticationFailed(DomainError):
    status = 401
    code = "authentication_failed"


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


def create_user(email: str, full_name: str, password: str, language: str = "id") -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise ValidationFailed(f"'{email}' is not a valid email address", details={"email": "invalid"})
    if not full_name.strip() or len(full_name) > 200:
        raise ValidationFailed("a name of 1 to 200 characters is required", details={"full_name": "invalid"})
    validate_password(password)
    with control_session() as s:
        if s.scalar(select(func.count()).select_from(User).where(User.email == email)):
            raise Conflict(f"an account for {email} already exists", details={"email": "taken"})
        user = User(email=email, full_name=full_name.strip(), password_hash=hash_password(password),
                    language=language)
        s.add(user)
        s.flush()
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
    user = get_user_by_email(email)
    ok = verify_password(password, user.password_hash if user else _DUMMY_HASH)
    if user is None or not ok or not user.is_active:
        raise AuthenticationFailed("wrong email or password")
    return user


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
