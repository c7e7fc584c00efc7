"""Creating a company: validate, register, make its storage, migrate it to head.

Input is checked before anything is written. Once the tenant row exists (status
`provisioning`), a failure drops whatever storage was made and marks the tenant `failed`
with the reason; calling create again with the same slug retries it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import psycopg
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.apikeys.authcache import forget_all as forget_api_grants
from core.context import TenantStatus, Tier
from core.crypto import encrypt
from core.errors import Conflict, DomainError, ValidationFailed
from core.tenancy.models import Tenant
from core.tenancy.placement import SLUG_RE, database_name, schema_name
from core.tenancy.schema_sync import migrate_target, record, shared_target, tenant_target
from db.bootstrap import drop_database, ensure_app_role, ensure_database, libpq_url, prepare_database
from db.engines import engine_for
from db.migrate import head, quote_ident
from db.session import control_session
from db.topology import Topology, get_topology, hide_password, normalise

TIERS = tuple(t.value for t in Tier)
LOCALES = ("id", "en")


class ProvisioningFailed(DomainError):
    status = 500
    code = "provisioning_failed"


@dataclass(frozen=True)
class NewTenant:
    name: str
    slug: str
    region: str
    tier: str
    external_url: str | None = None
    timezone: str = "Asia/Jakarta"
    locale: str = "id"
    currency: str = "IDR"
    plan_code: str | None = None


def validate(req: NewTenant, topology: Topology) -> None:
    problems: dict[str, str] = {}
    name = req.name.strip()
    if not name:
        problems["name"] = "a company name is required"
    elif len(name) > 200:
        problems["name"] = "the company name is longer than 200 characters"
    if not SLUG_RE.match(req.slug):
        problems["slug"] = (
            f"'{req.slug}' is not a valid slug: 3 to 40 characters, lowercase letters, digits and "
            "hyphens, starting with a letter and not ending with a hyphen"
        )
    if req.region not in topology.regions:
        problems["region"] = f"unknown region '{req.region}'; choose one of: {', '.join(topology.regions)}"
    if req.tier not in TIERS:
        problems["tier"] = f"unknown tier '{req.tier}'; choose one of: {', '.join(TIERS)}"
    if req.external_url and req.tier != Tier.DEDICATED:
        problems["url"] = "an external database URL is only used by the dedicated tier"
    try:
        ZoneInfo(req.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems["timezone"] = f"unknown time zone '{req.timezone}'"
    if req.locale not in LOCALES:
        problems["locale"] = f"unknown language '{req.locale}'; choose one of: {', '.join(LOCALES)}"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)


def probe_external(url: str) -> str:
    """Check that an operator-supplied URL is a reachable, empty PostgreSQL with pgvector."""
    try:
        parsed = normalise(url)
    except Exception as exc:
        raise ValidationFailed("the database URL cannot be parsed", details={"url": "malformed"}) from exc
    shown = hide_password(url)
    try:
        with psycopg.connect(libpq_url(url), connect_timeout=5, autocommit=True) as conn:
            version = conn.info.server_version
            tables = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if parsed.password:
            reason = reason.replace(parsed.password, "***")
        raise ValidationFailed(
            f"cannot reach the database {shown}: {reason}", details={"url": "unreachable"}
        ) from exc
    if version < 150000:
        raise ValidationFailed(f"{shown} runs PostgreSQL {version // 10000}; version 15 or newer is required")
    if tables and tables[0]:
        raise ValidationFailed(f"the database {shown} is not empty ({tables[0]} tables)")
    return parsed.render_as_string(hide_password=False)


def _register(req: NewTenant) -> Tenant:
    try:
        return _insert_or_reclaim(req)
    except IntegrityError as exc:
        # Another create of the same slug committed first (the row lock above cannot
        # guard a row that did not exist yet): the same answer as a plain duplicate.
        if isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise Conflict(f"a company with slug '{req.slug}' already exists", details={"slug": "taken"}) from exc
        raise


# A create that crashed hard (the process killed) leaves its tenant in `provisioning`;
# after this long it is treated like a failed one: a retry resumes it (every step is idempotent).
STALE_PROVISIONING = dt.timedelta(minutes=10)


def _reclaimable(tenant: Tenant) -> bool:
    if tenant.status == TenantStatus.FAILED:
        return True
    stale = tenant.updated_at is not None and tenant.updated_at < dt.datetime.now(dt.UTC) - STALE_PROVISIONING
    return tenant.status == TenantStatus.PROVISIONING and stale


def _insert_or_reclaim(req: NewTenant) -> Tenant:
    with control_session() as s:
        existing = s.scalars(select(Tenant).where(Tenant.slug == req.slug).with_for_update()).one_or_none()
        if existing is not None and not _reclaimable(existing):
            raise Conflict(f"a company with slug '{req.slug}' already exists", details={"slug": "taken"})
        tenant = existing or Tenant(id=uuid.uuid4(), slug=req.slug)
        tenant.name = req.name.strip()
        tenant.region = req.region
        tenant.tier = req.tier
        tenant.status = TenantStatus.PROVISIONING
        tenant.status_reason = None
        tenant.timezone = req.timezone
        tenant.locale = req.locale
        tenant.currency = req.currency
        tenant.plan_code = req.plan_code
        tenant.schema_name = schema_name(req.slug) if req.tier == Tier.SCHEMA else None
        tenant.database_name = database_name(req.slug) if req.tier == Tier.DEDICATED else None
        tenant.external_url_encrypted = encrypt(req.external_url) if req.external_url else None
        s.add(tenant)
        s.flush()
        s.expunge(tenant)
    return tenant


def _make_storage(tenant: Tenant, topology: Topology) -> None:
    if tenant.tier == Tier.DEDICATED:
        if tenant.external_url_encrypted:
            from core.crypto import decrypt

            url = decrypt(tenant.external_url_encrypted)
            ensure_app_role(url, topology.app_user, topology.app_password)
            prepare_database(url, topology.app_user)
        else:
            assert tenant.database_name
            server = topology.region_admin_urls[tenant.region]
            ensure_database(server, tenant.database_name, topology.app_user)
    target = tenant_target(tenant, topology)
    if tenant.tier == Tier.SHARED:
        # The region's shared database is a schema-sync target of its own; make sure it is at head.
        target = shared_target(tenant.region, topology)
    result = migrate_target(target, topology.app_user)
    record([result])
    if result.status != "ok" or result.after != head("tenant"):
        raise ProvisioningFailed(f"migrating the new company's tables failed: {result.error}")


def _drop_storage(tenant: Tenant, topology: Topology) -> None:
    try:
        if tenant.tier == Tier.SCHEMA and tenant.schema_name:
            with engine_for(topology.shared_url(tenant.region, admin=True)).begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {quote_ident(tenant.schema_name)} CASCADE"))
        elif tenant.tier == Tier.DEDICATED and tenant.database_name and not tenant.external_url_encrypted:
            drop_database(topology.region_admin_urls[tenant.region], tenant.database_name)
    except Exception:  # noqa: S110 - best effort; the tenant is marked failed either way
        pass


def _set_status(tenant_id: uuid.UUID, status: TenantStatus, reason: str | None = None) -> None:
    with control_session() as s:
        tenant = s.get(Tenant, tenant_id)
        assert tenant is not None
        tenant.status = status
        tenant.status_reason = reason
    forget_api_grants()


def create_tenant(req: NewTenant, topology: Topology | None = None) -> Tenant:
    topology = topology or get_topology()
    validate(req, topology)
    if req.external_url:
        req = NewTenant(**{**req.__dict__, "external_url": probe_external(req.external_url)})
    tenant = _register(req)
    try:
        _make_storage(tenant, topology)
    except Exception as exc:
        _drop_storage(tenant, topology)
        reason = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        _set_status(tenant.id, TenantStatus.FAILED, reason[:1000])
        if isinstance(exc, DomainError):
            raise
        raise ProvisioningFailed(f"creating '{req.slug}' failed and was rolled back: {reason}") from exc
    _set_status(tenant.id, TenantStatus.ACTIVE)
    tenant.status = TenantStatus.ACTIVE
    return tenant
