"""Asking for a move: the checks made before anything is written, and the move's row.

`request_move` refuses bad input with a clear error and changes nothing; otherwise it
records the move (`running`, step `precheck`) for a worker to run: `bos tenants move`
runs it in the foreground, the scheduler's job picks up moves started from the UI.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.context import TenantContext, TenantStatus, Tier
from core.crypto import encrypt
from core.errors import Conflict, NotFound, ValidationFailed
from core.rbac.guard import require
from core.tenancy.migration.models import ACTIVE_MOVE_STATUSES, TenantMove
from core.tenancy.migration.placement import TIER_RANK, Place
from core.tenancy.models import Tenant
from core.tenancy.placement import database_name, schema_name
from core.tenancy.provisioning import TIERS, probe_external
from db.bootstrap import libpq_url
from db.session import control_session
from db.topology import Topology, get_topology, normalise


@dataclass(frozen=True)
class MoveRequest:
    slug: str
    tier: str
    region: str | None = None
    url: str | None = None


def _kind(source: Place, target: Place) -> str:
    if TIER_RANK[target.tier] > TIER_RANK[source.tier]:
        return "upgrade"
    if TIER_RANK[target.tier] < TIER_RANK[source.tier]:
        return "downgrade"
    return "region" if target.region != source.region else "relocate"


def _database_exists(topology: Topology, region: str, name: str) -> bool:
    server = normalise(topology.region_admin_urls[region]).set(database="postgres")
    with psycopg.connect(libpq_url(server.render_as_string(hide_password=False)), autocommit=True,
                         connect_timeout=10) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _schema_exists(topology: Topology, region: str, name: str) -> bool:
    with psycopg.connect(libpq_url(topology.shared_url(region, admin=True)), autocommit=True,
                         connect_timeout=10) as conn:
        return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone() is not None


def _free_name(base: str, taken: set[str], exists: object) -> str:
    """`base`, or `base_2`, `base_3`... when a kept copy of an earlier move still uses it."""
    assert callable(exists)
    for n in range(1, 100):
        name = base if n == 1 else f"{base[:58]}_{n}"
        if name not in taken and not exists(name):
            return name
    raise Conflict(f"no free storage name for '{base}'")


def _kept_names(tenant_id: uuid.UUID) -> set[str]:
    with control_session() as s:
        rows = s.scalars(select(TenantMove).where(TenantMove.tenant_id == tenant_id,
                                                  TenantMove.purged_at.is_(None))).all()
    names: set[str] = set()
    for m in rows:
        for place in (m.source, m.target):
            names.update(v for v in (place.get("database_name"), place.get("schema_name")) if v)
    return names


def plan_target(tenant: Tenant, req: MoveRequest, topology: Topology) -> Place:
    """Validate the request against the tenant's placement; the target placement."""
    problems: dict[str, str] = {}
    region = req.region or tenant.region
    if req.tier not in TIERS:
        problems["tier"] = f"unknown tier '{req.tier}'; choose one of: {', '.join(TIERS)}"
    if region not in topology.regions:
        problems["region"] = f"unknown region '{region}'; choose one of: {', '.join(topology.regions)}"
    if req.url and req.tier != Tier.DEDICATED:
        problems["url"] = "an external database URL is only used by the dedicated tier"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    if req.tier == tenant.tier and region == tenant.region and not req.url:
        raise ValidationFailed(f"'{tenant.slug}' is already on the {tenant.tier} tier in region {region}",
                               details={"tier": "unchanged"})
    if req.url:
        url = probe_external(req.url)  # reachable, PostgreSQL 15+, empty; else ValidationFailed
        if tenant.external_url_encrypted and Place.of(tenant).storage_key()[4] == url:
            raise ValidationFailed(f"'{tenant.slug}' already lives in that database", details={"url": "unchanged"})
        return Place(Tier.DEDICATED.value, region, None, None, encrypt(url))
    taken = _kept_names(tenant.id)
    if req.tier == Tier.DEDICATED:
        name = _free_name(database_name(tenant.slug), taken,
                          lambda n: _database_exists(topology, region, n))
        return Place(req.tier, region, name, None, None)
    if req.tier == Tier.SCHEMA:
        name = _free_name(schema_name(tenant.slug), taken, lambda n: _schema_exists(topology, region, n))
        return Place(req.tier, region, None, name, None)
    target = Place(req.tier, region)
    for kept in kept_moves(tenant.id):
        if Place.from_dict(kept.source).storage_key() == target.storage_key():
            until = f"{kept.keep_until:%Y-%m-%d}" if kept.keep_until else "-"
            raise Conflict(f"the copy kept by the last move (until {until}) is still in that place; go back "
                           f"with `bos tenants move --rollback {tenant.slug}`, or purge it first with "
                           f"`bos tenants move {tenant.slug} --purge-kept`", details={"move": str(kept.id)})
    return target


def kept_moves(tenant_id: uuid.UUID) -> list[TenantMove]:
    """Succeeded moves whose source copy is still kept."""
    with control_session() as s:
        rows = list(s.scalars(select(TenantMove).where(TenantMove.tenant_id == tenant_id,
                                                       TenantMove.status == "succeeded",
                                                       TenantMove.purged_at.is_(None))))
        for r in rows:
            s.expunge(r)
        return rows


def request_move(req: MoveRequest, *, actor: str, topology: Topology | None = None) -> TenantMove:
    """Check and record a move; raises ValidationFailed / Conflict / NotFound and changes nothing."""

    topology = topology or get_topology()
    with control_session() as s:
        tenant = s.scalars(select(Tenant).where(Tenant.slug == req.slug)).one_or_none()
        if tenant is None:
            raise NotFound(f"no company '{req.slug}'")
        s.expunge(tenant)
    _refuse_if_busy(tenant)
    target = plan_target(tenant, req, topology)
    source = Place.of(tenant)
    move = TenantMove(id=uuid.uuid4(), tenant_id=tenant.id, kind=_kind(source, target), requested_by=actor[:200],
                      source=source.as_dict(), target=target.as_dict(), step="precheck", status="running")
    return _insert(move, tenant, actor, target)


def _refuse_if_busy(tenant: Tenant) -> None:
    running = active_move(tenant.id)
    if running is not None:
        raise Conflict(f"a move of '{tenant.slug}' is already running (step {running.step})",
                       details={"move": str(running.id)})
    if tenant.status != TenantStatus.ACTIVE:
        raise Conflict(f"'{tenant.slug}' is {tenant.status}; only an active company can move")


def _insert(move: TenantMove, tenant: Tenant, actor: str, target: Place) -> TenantMove:
    from core.audit.control import record_event

    try:
        with control_session() as s:
            s.add(move)
            s.flush()
            record_event("tenant.move.requested", actor=actor, tenant_id=tenant.id, target=tenant.slug,
                         details={"move": str(move.id), "kind": move.kind, "to": target.label()}, session=s)
            s.expunge(move)
    except IntegrityError as exc:
        if isinstance(exc.orig, psycopg.errors.UniqueViolation):
            raise Conflict(f"a move of '{tenant.slug}' is already running") from exc
        raise
    return move


def request_rollback(slug: str, *, actor: str) -> TenantMove:
    """Move back to the copy kept by the company's last move, carrying later writes back."""
    with control_session() as s:
        tenant = s.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
        if tenant is None:
            raise NotFound(f"no company '{slug}'")
        s.expunge(tenant)
        last = s.scalars(select(TenantMove).where(TenantMove.tenant_id == tenant.id)
                         .where(TenantMove.status == "succeeded").order_by(TenantMove.finished_at.desc())
                         .limit(1)).one_or_none()
    _refuse_if_busy(tenant)
    if last is None or last.purged_at is not None:
        raise ValidationFailed(f"'{slug}' has no kept copy to go back to", details={"rollback": "nothing kept"})
    kept = Place.from_dict(last.source)
    here = Place.of(tenant)
    if here.storage_key() != Place.from_dict(last.target).storage_key():
        raise ValidationFailed(f"'{slug}' is no longer where its last move put it", details={"rollback": "moved"})
    move = TenantMove(id=uuid.uuid4(), tenant_id=tenant.id, kind="rollback", requested_by=actor[:200],
                      source=here.as_dict(), target=kept.as_dict(), rollback_of=last.id, step="precheck",
                      status="running")
    return _insert(move, tenant, actor, kept)


def active_move(tenant_id: uuid.UUID) -> TenantMove | None:
    with control_session() as s:
        move = s.scalars(select(TenantMove).where(TenantMove.tenant_id == tenant_id,
                                                  TenantMove.status.in_(ACTIVE_MOVE_STATUSES))).one_or_none()
        if move is not None:
            s.expunge(move)
        return move


def history(tenant_id: uuid.UUID, limit: int = 20) -> list[TenantMove]:
    with control_session() as s:
        rows = list(s.scalars(select(TenantMove).where(TenantMove.tenant_id == tenant_id)
                              .order_by(TenantMove.created_at.desc()).limit(limit)))
        for r in rows:
            s.expunge(r)
        return rows


# --- for the UI: the same checks, in the tenant's own context ---------------------------


def start_move(ctx: TenantContext, tier: str, region: str | None = None) -> TenantMove:
    """An Admin asks for a move of their own company (the scheduler runs it)."""
    require(ctx, "tenant.move")
    return request_move(MoveRequest(ctx.slug, tier, region), actor=str(ctx.actor))


def moves_of(ctx: TenantContext) -> list[TenantMove]:
    require(ctx, "tenant.move")
    return history(ctx.tenant_id)


@dataclass(frozen=True)
class Progress:
    step: str
    step_number: int
    steps: int
    tables_done: int
    tables_total: int
    rows_copied: int
    rows_total: int
    rate: float  # rows per second during the copy
    eta_seconds: float | None
    fraction: float


def progress_of(move: TenantMove, now: dt.datetime | None = None) -> Progress:
    from core.tenancy.migration.engine import STEPS

    moment = now or dt.datetime.now(dt.UTC)
    number = STEPS.index(move.step) if move.step in STEPS else 0
    rate = 0.0
    if move.copy_started_at is not None and move.rows_copied:
        end = move.heartbeat_at if move.step == "copy" and move.heartbeat_at else moment
        elapsed = max((end - move.copy_started_at).total_seconds(), 0.001)
        rate = move.rows_copied / elapsed
    eta = None
    if move.step == "copy" and rate > 0 and move.rows_total:
        eta = max(move.rows_total - move.rows_copied, 0) / rate
    copy_part = (move.rows_copied / move.rows_total) if move.rows_total else 0.0
    if move.step in ("precheck", "provision"):
        fraction = 0.02 * (number + 1)
    elif move.step == "copy":
        fraction = 0.05 + 0.8 * min(copy_part, 1.0)
    else:
        fraction = 0.85 + 0.15 * (number - STEPS.index("lock")) / (len(STEPS) - 1 - STEPS.index("lock"))
    if move.status in ("succeeded", "failed", "rolled_back"):
        fraction = 1.0
    return Progress(move.step, number + 1, len(STEPS), move.tables_done, move.tables_total, move.rows_copied,
                    move.rows_total, rate, eta, min(max(fraction, 0.0), 1.0))
