"""Creating, listing, revoking, rotating and authenticating API keys.

The secret is shown once at creation; only its SHA-256 is stored (keys carry 256 bits of
randomness, so a fast hash is safe and lookups stay O(1)). A key belongs to one tenant:
the tenant comes from the key alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import select, text

from core.apikeys.authcache import KeyGrant, auth_cache
from core.apikeys.models import ApiKey
from core.apikeys.ratelimit import limiter
from core.apikeys.scopes import SCOPES, permissions_of
from core.audit.control import record_event
from core.context import Actor, TenantContext
from core.errors import DomainError, NotFound, ValidationFailed
from core.rbac.guard import require
from core.rbac.service import permissions_for, role_exists
from core.tenancy.models import Tenant
from core.tenancy.registry import context_for
from db.session import control_session

KEY_PREFIX = "bos_live_"
SHOWN_PREFIX_LENGTH = len(KEY_PREFIX) + 6


class InvalidApiKey(DomainError):
    status = 401
    code = "invalid_api_key"


@dataclass(frozen=True)
class ApiKeyView:
    id: uuid.UUID
    name: str
    prefix: str
    role: str
    scopes: tuple[str, ...]
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class CreatedKey:
    view: ApiKeyView
    secret: str  # shown once


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _view(k: ApiKey) -> ApiKeyView:
    return ApiKeyView(k.id, k.name, k.prefix, k.role, tuple(k.scopes), k.expires_at, k.revoked_at,
                      k.last_used_at, k.created_at)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_key(ctx: TenantContext, name: str, role: str, scopes: list[str],
               expires_at: dt.datetime | None = None, *, rotated_from: uuid.UUID | None = None) -> CreatedKey:
    require(ctx, "apikey.manage")
    name = name.strip()
    problems = {}
    if not name or len(name) > 100:
        problems["name"] = "a name of 1 to 100 characters is required"
    if not role_exists(ctx.tenant_id, role):
        problems["role"] = f"unknown role '{role}'"
    bad = sorted(set(scopes) - set(SCOPES))
    if bad or not scopes:
        problems["scopes"] = f"unknown scopes: {', '.join(bad)}" if bad else "choose at least one scope"
    if expires_at is not None and expires_at <= _now():
        problems["expires_at"] = "the expiry must be in the future"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with control_session() as s:
        key = ApiKey(tenant_id=ctx.tenant_id, name=name, prefix=secret[:SHOWN_PREFIX_LENGTH], key_hash=_hash(secret),
                     role=role, scopes=sorted(set(scopes)), expires_at=expires_at, created_by=str(ctx.actor),
                     rotated_from=rotated_from)
        s.add(key)
        s.flush()
        record_event("apikey.created", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=key.prefix,
                     details={"name": name, "role": role, "scopes": sorted(set(scopes))},
                     request_id=ctx.request_id, session=s)
        s.refresh(key)
        return CreatedKey(_view(key), secret)


def list_keys(ctx: TenantContext) -> list[ApiKeyView]:
    require(ctx, "apikey.manage")
    with control_session() as s:
        rows = s.scalars(select(ApiKey).where(ApiKey.tenant_id == ctx.tenant_id).order_by(ApiKey.created_at.desc()))
        return [_view(k) for k in rows]


def revoke_key(ctx: TenantContext, key_id: uuid.UUID, at: dt.datetime | None = None) -> None:
    require(ctx, "apikey.manage")
    with control_session() as s:
        key = s.get(ApiKey, key_id)
        if key is None or key.tenant_id != ctx.tenant_id:
            raise NotFound("no such API key")
        key.revoked_at = at or _now()
        record_event("apikey.revoked", actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=key.prefix,
                     details={"effective": key.revoked_at.isoformat()}, request_id=ctx.request_id, session=s)
    auth_cache.forget_all()  # after the commit: a request in between cannot cache the old row again


def rotate_key(ctx: TenantContext, key_id: uuid.UUID, overlap: dt.timedelta = dt.timedelta(hours=24)) -> CreatedKey:
    """A new key with the same role and scopes; the old one keeps working for `overlap`."""
    require(ctx, "apikey.manage")
    with control_session() as s:
        old = s.get(ApiKey, key_id)
        if old is None or old.tenant_id != ctx.tenant_id or old.revoked_at is not None:
            raise NotFound("no such active API key")
        name, role, scopes, expires = old.name, old.role, list(old.scopes), old.expires_at
    created = create_key(ctx, name, role, scopes, expires, rotated_from=key_id)
    revoke_key(ctx, key_id, at=_now() + overlap)
    return created


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(f"rate limit of {limit} requests per minute reached; retry in {retry_after} s",
                         details={"limit": limit, "retry_after": retry_after})
        self.retry_after = retry_after


# One round trip: find the key and its tenant, and touch last_used_at at most once a minute.
_AUTHENTICATE = text(
    """
    WITH k AS (
        SELECT k.id, k.name, k.role, k.scopes, k.expires_at, k.revoked_at, k.rate_limit_per_minute,
               t.id AS tenant_id, t.slug, t.name AS tenant_name, t.tier, t.region, t.status, t.database_name,
               t.schema_name, t.external_url_encrypted, t.timezone, t.locale, t.currency
        FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.key_hash = :hash
    ), touched AS (
        UPDATE api_keys SET last_used_at = now()
        WHERE id = (SELECT id FROM k) AND (revoked_at IS NULL OR revoked_at > now())
          AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
        RETURNING id
    )
    SELECT k.*, now() AS now, (SELECT count(*) FROM touched) AS touched FROM k
    """
)


def authenticate(secret: str, *, request_id: str | None = None) -> TenantContext:
    """The tenant context an API key acts in; raises InvalidApiKey or RateLimited."""
    context = authenticate_cached(secret, request_id=request_id)
    if context is not None:
        return context
    key_hash = _hash(secret)
    with control_session() as s:
        row = s.execute(_AUTHENTICATE, {"hash": key_hash}).mappings().one_or_none()
    if row is None:
        raise InvalidApiKey("the API key is not valid")
    tenant = Tenant(
        id=row["tenant_id"], slug=row["slug"], name=row["tenant_name"], tier=row["tier"], region=row["region"],
        status=row["status"], database_name=row["database_name"], schema_name=row["schema_name"],
        external_url_encrypted=row["external_url_encrypted"], timezone=row["timezone"], locale=row["locale"],
        currency=row["currency"],
    )
    permissions = permissions_for(tenant.id, row["role"]) & permissions_of(row["scopes"])
    grant = KeyGrant(context_for(tenant, Actor("api_key", str(row["id"]), row["name"]), role=row["role"],
                                 permissions=permissions),
                     row["id"], int(row["rate_limit_per_minute"]), row["expires_at"], row["revoked_at"])
    auth_cache.put(key_hash, grant)
    return _admit(grant, request_id)


def authenticate_cached(secret: str, *, request_id: str | None = None) -> TenantContext | None:
    """`authenticate` from this process's recent grants alone (no I/O, so the API calls it
    on its event loop); None when the key must be read from the control plane."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        raise InvalidApiKey("the API key is not valid")
    grant = auth_cache.get(_hash(secret))
    return None if grant is None else _admit(grant, request_id)


def _admit(grant: KeyGrant, request_id: str | None) -> TenantContext:
    now = _now()
    if grant.revoked_at is not None and grant.revoked_at <= now:
        raise InvalidApiKey("the API key has been revoked")
    if grant.expires_at is not None and grant.expires_at <= now:
        raise InvalidApiKey("the API key has expired")
    retry_after = limiter.hit(grant.key_id, grant.rate_limit_per_minute)
    if retry_after is not None:
        raise RateLimited(grant.rate_limit_per_minute, retry_after)
    return replace(grant.context, request_id=request_id or uuid.uuid4().hex)
