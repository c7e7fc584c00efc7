"""Sign-up: a new company (name, region = data residency, starting tier) and its first Admin.

Everything is checked before anything is made. The company is provisioned first (the
step that can fail for reasons outside the input); its first Admin is then added in one
control transaction. If that fails, the new company's storage and registry row are
removed again, so a failed sign-up leaves nothing behind. An email that already has an
account may sign up another company by giving that account's password.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from core.audit.control import record_event
from core.clock import utcnow
from core.context import TenantStatus
from core.errors import Conflict, DomainError, ValidationFailed
from core.identity.auth import check_credentials
from core.identity.models import Membership, User
from core.identity.service import LANGUAGES, AuthenticationFailed, insert_user, normalise_email, validate_new_user
from core.tenancy.models import SchemaSyncTarget, Tenant
from core.tenancy.placement import SLUG_RE
from core.tenancy.provisioning import TIERS, NewTenant, _drop_storage, create_tenant, validate
from db.session import control_session
from db.topology import get_topology

# The residency choice offered at sign-up: region code -> label.
REGIONS = {"id": "Indonesia", "global": "Global"}


@dataclass(frozen=True)
class SignUp:
    company_name: str
    region: str
    tier: str
    full_name: str
    email: str
    password: str = field(repr=False)
    language: str = "id"
    slug: str | None = None


@dataclass(frozen=True)
class SignedUp:
    tenant_id: uuid.UUID
    slug: str
    region: str
    tier: str
    user_id: uuid.UUID
    email: str
    created_account: bool


def derive_slug(name: str) -> str:
    """'PT Maju Jaya, Tbk.' -> 'pt-maju-jaya-tbk' (3..40 characters, starts with a letter)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if not slug or not slug[0].isalpha():
        slug = ("co-" + slug).strip("-")
    slug = slug[:40].rstrip("-")
    while len(slug) < 3:
        slug += "-co"
    return slug


def _taken(slug: str) -> bool:
    with control_session() as s:
        status = s.scalar(select(Tenant.status).where(Tenant.slug == slug))
    return status is not None and status != TenantStatus.FAILED


def _free_slug(base: str) -> str:
    if not _taken(base):
        return base
    for n in range(2, 1000):
        suffix = f"-{n}"
        candidate = base[: 40 - len(suffix)].rstrip("-") + suffix
        if not _taken(candidate):
            return candidate
    raise Conflict("no free short name could be derived; please choose one", details={"slug": "taken"})


def _validate(req: SignUp) -> tuple[str, str]:
    """All the input problems at once; returns (email, slug)."""
    problems: dict[str, str] = {}  # field -> message
    codes: dict[str, str] = {}  # field -> short code (for translated messages)

    def problem(field: str, code: str, message: str) -> None:
        problems[field], codes[field] = message, code

    email = normalise_email(req.email)
    try:
        validate_new_user(req.email, req.full_name, req.password)
    except ValidationFailed as exc:
        for field, code in exc.details.items():
            problem(field, str(code), exc.message)
    name = req.company_name.strip()
    if not name or len(name) > 200:
        problem("name", "invalid", "a company name of 1 to 200 characters is required")
    if req.region not in REGIONS or req.region not in get_topology().regions:
        problem("region", "invalid", f"choose a region: {', '.join(REGIONS)}")
    if req.tier not in TIERS:
        problem("tier", "invalid", f"choose a tier: {', '.join(TIERS)}")
    if req.language not in LANGUAGES:
        problem("language", "invalid", "choose a language: id or en")
    slug = (req.slug or "").strip().lower()
    if slug and not SLUG_RE.match(slug):
        problem("slug", "invalid", "a short name has 3 to 40 lowercase letters, digits and hyphens, starts with a "
                "letter and does not end with a hyphen")
    if problems:
        raise ValidationFailed("; ".join(dict.fromkeys(problems.values())), details=codes)
    if slug:
        if _taken(slug):
            raise Conflict(f"the short name '{slug}' is taken; choose another", details={"slug": "taken"})
    else:
        slug = _free_slug(derive_slug(req.company_name))
    return email, slug


def _discard(tenant_id: uuid.UUID) -> None:
    """Undo a company made by a sign-up that did not complete: storage, ledger, registry row."""
    with control_session() as s:
        tenant = s.get(Tenant, tenant_id)
        if tenant is None:
            return
        s.expunge(tenant)
    _drop_storage(tenant, get_topology())
    with control_session() as s:
        s.execute(delete(SchemaSyncTarget).where(SchemaSyncTarget.tenant_id == tenant_id))
        s.execute(delete(Tenant).where(Tenant.id == tenant_id))


def sign_up(req: SignUp, *, ip: str | None = None, now: dt.datetime | None = None) -> SignedUp:
    email, slug = _validate(req)
    existing = None
    with control_session() as s:
        existing_id = s.scalar(select(User.id).where(User.email == email))
    if existing_id is not None:
        try:
            existing = check_credentials(email, req.password, ip=ip, now=now)
        except AuthenticationFailed as exc:
            raise Conflict("an account with this email already exists: enter its password to add a new company "
                           "to it, or sign in", details={"email": "exists"}) from exc
    new = NewTenant(name=req.company_name.strip(), slug=slug, region=req.region, tier=req.tier,
                    locale=req.language)
    validate(new, get_topology())
    try:
        tenant = create_tenant(new)
    except DomainError:
        with control_session() as s:
            failed = s.scalar(select(Tenant.id).where(Tenant.slug == slug, Tenant.status == TenantStatus.FAILED))
        if failed is not None:
            _discard(failed)
        raise
    moment = utcnow(now)
    try:
        with control_session() as s:
            if existing is None:
                user = insert_user(s, email, req.full_name, req.password, req.language)
                record_event("user.created", actor=f"user:{user.id}", target=email, ip=ip, session=s,
                             details={"via": "sign-up"})
                user_id, created = user.id, True
            else:
                user_id, created = existing.id, False
            s.add(Membership(user_id=user_id, tenant_id=tenant.id, role="admin"))
            actor = f"user:{user_id}"
            record_event("tenant.signed_up", actor=actor, tenant_id=tenant.id, target=slug, ip=ip, session=s,
                         details={"name": tenant.name, "region": tenant.region, "tier": tenant.tier,
                                  "at": moment.isoformat()})
            record_event("member.added", actor=actor, tenant_id=tenant.id, target=email, ip=ip, session=s,
                         details={"user_id": str(user_id), "role": "admin", "via": "sign-up"})
    except BaseException:
        _discard(tenant.id)
        raise
    return SignedUp(tenant.id, slug, tenant.region, tenant.tier, user_id, email, created)
