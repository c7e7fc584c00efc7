"""Schema sync: the tenant migration tree applied to every target, in parallel.

A target is a region's shared database (`public`, shared-tier rows), one tenant schema
`t_<slug>` in it, or a dedicated database. Each target is migrated in its own
transaction under an advisory lock (two syncs never collide; the second waits and then
finds nothing to do). Results go to a ledger in the control plane; a failing target is
recorded and reported while the others go on, and the next run touches only targets
that are behind or failed.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from core.context import TenantStatus, Tier
from core.tenancy.models import SchemaSyncTarget, Tenant
from core.tenancy.placement import admin_url
from db.engines import engine_for
from db.migrate import (
    apply_grants,
    current_revision,
    downgrade,
    head,
    pending_revisions,
    quote_ident,
    reverted_revisions,
    upgrade,
)
from db.session import control_session
from db.topology import Topology, get_topology, hide_password

# Tenants whose storage exists and must follow the schema.
SYNCED_STATUSES = {s.value for s in TenantStatus} - {TenantStatus.PROVISIONING, TenantStatus.FAILED}


@dataclass(frozen=True)
class Target:
    key: str
    kind: str  # "shared" | "schema" | "dedicated"
    region: str
    admin_url: str = field(repr=False)
    schema: str = "public"
    tenant_id: uuid.UUID | None = None


@dataclass
class TargetResult:
    target: Target
    status: str  # "ok" | "failed" | "pending" (dry run)
    before: str | None
    after: str | None
    duration_ms: int = 0
    error: str | None = None
    applied: list[str] = field(default_factory=list)


@dataclass
class SyncReport:
    head: str
    results: list[TargetResult]
    dry_run: bool = False

    @property
    def failed(self) -> list[TargetResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def changed(self) -> list[TargetResult]:
        return [r for r in self.results if r.applied]

    @property
    def ok(self) -> bool:
        return not self.failed


def shared_target(region: str, topology: Topology) -> Target:
    return Target(f"shared:{region}", "shared", region, topology.shared_url(region, admin=True))


def tenant_target(tenant: Tenant, topology: Topology) -> Target:
    if tenant.tier == Tier.SCHEMA:
        assert tenant.schema_name
        return Target(
            f"schema:{tenant.region}:{tenant.schema_name}", "schema", tenant.region,
            admin_url(tenant, topology), tenant.schema_name, tenant.id,
        )
    if tenant.tier == Tier.DEDICATED:
        return Target(f"dedicated:{tenant.id}", "dedicated", tenant.region, admin_url(tenant, topology),
                      "public", tenant.id)
    return shared_target(tenant.region, topology)


def all_targets(topology: Topology | None = None) -> list[Target]:
    topology = topology or get_topology()
    targets = [shared_target(region, topology) for region in topology.regions]
    with control_session() as s:
        tenants = s.scalars(
            select(Tenant).where(Tenant.status.in_(SYNCED_STATUSES), Tenant.tier != Tier.SHARED)
            .order_by(Tenant.slug)
        ).all()
    targets += [tenant_target(t, topology) for t in tenants]
    return targets


def _short_error(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {message}"[:500]


def read_revisions(targets: Sequence[Target], workers: int) -> dict[str, str | Exception | None]:
    """Current revision of every target, with two queries per database."""
    by_db: dict[str, list[Target]] = defaultdict(list)
    for t in targets:
        by_db[t.admin_url].append(t)

    def read_db(url: str) -> dict[str, str | Exception | None]:
        group = by_db[url]
        try:
            with engine_for(url).connect() as conn:
                versioned = set(conn.execute(text(
                    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'"
                )).scalars())
                wanted = [t.schema for t in group if t.schema in versioned]
                found: dict[str, str | None] = {}
                if wanted:
                    union = " UNION ALL ".join(
                        f"SELECT '{s}' AS s, (SELECT version_num FROM {quote_ident(s)}.alembic_version"
                        " LIMIT 1) AS v" for s in wanted
                    )
                    found = {row.s: row.v for row in conn.execute(text(union))}
                conn.rollback()
            return {t.key: found.get(t.schema) for t in group}
        except Exception as exc:
            error = RuntimeError(f"cannot reach {hide_password(url)}: {_short_error(exc)}")
            return {t.key: error for t in group}

    revisions: dict[str, str | Exception | None] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for part in pool.map(read_db, list(by_db)):
            revisions.update(part)
    return revisions


def migrate_target(target: Target, app_user: str, destination: str = "head") -> TargetResult:
    """Bring one target to `destination` in one transaction, under its advisory lock."""
    started = time.perf_counter()
    before: str | None = None
    try:
        with engine_for(target.admin_url).connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL lock_timeout = '120s'"))
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "schema-sync:" + target.key})
            if target.kind == "schema":
                conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(target.schema)}"))
            before = current_revision(conn, target.schema)
            applied = pending_revisions("tenant", before, destination)
            after = upgrade(conn, "tenant", target.schema, destination) if applied else before
            if applied:
                apply_grants(conn, target.schema, app_user)
        return TargetResult(target, "ok", before, after, _ms(started), applied=applied)
    except Exception as exc:
        return TargetResult(target, "failed", before, before, _ms(started), _short_error(exc))


def revert_target(target: Target, destination: str) -> TargetResult:
    """Downgrade one target to `destination` (an ancestor of its revision), under its lock.

    For operators backing out a bad tenant migration, and for tests and benchmarks that
    need targets behind head again. `applied` lists the revisions removed.
    """
    started = time.perf_counter()
    before: str | None = None
    try:
        with engine_for(target.admin_url).connect() as conn, conn.begin():
            conn.execute(text("SET LOCAL lock_timeout = '120s'"))
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "schema-sync:" + target.key})
            before = current_revision(conn, target.schema)
            removed = reverted_revisions("tenant", before, destination)
            after = downgrade(conn, "tenant", target.schema, destination) if removed else before
        return TargetResult(target, "ok", before, after, _ms(started), applied=removed)
    except Exception as exc:
        return TargetResult(target, "failed", before, before, _ms(started), _short_error(exc))


def _fresh_worker() -> None:
    """In a forked worker: forget the parent's pooled connections without closing them."""
    from db import engines

    engines.forget_all()


def _migrate_all(targets: list[Target], app_user: str, destination: str, workers: int) -> list[TargetResult]:
    workers = max(1, min(workers, len(targets)))
    if workers == 1:
        return [migrate_target(t, app_user, destination) for t in targets]
    chunk = max(1, len(targets) // (workers * 4))
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_fresh_worker) as pool:
        return list(pool.map(partial(migrate_target, app_user=app_user, destination=destination), targets,
                             chunksize=chunk))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def record(results: Iterable[TargetResult]) -> None:
    rows = [
        {
            "target": r.target.key, "kind": r.target.kind, "region": r.target.region,
            "tenant_id": r.target.tenant_id, "revision": r.after, "status": r.status,
            "duration_ms": r.duration_ms, "error": r.error, "attempts": 1,
        }
        for r in results if r.status in ("ok", "failed")
    ]
    # One order for every writer: two syncs upserting overlapping rows cannot deadlock.
    rows.sort(key=lambda row: str(row["target"]))
    if not rows:
        return
    stmt = insert(SchemaSyncTarget).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[SchemaSyncTarget.target],
        set_={
            "revision": stmt.excluded.revision, "status": stmt.excluded.status,
            "duration_ms": stmt.excluded.duration_ms, "error": stmt.excluded.error,
            "attempts": SchemaSyncTarget.attempts + 1, "updated_at": text("now()"),
        },
    )
    with control_session() as s:
        s.execute(stmt)


def ledger() -> dict[str, SchemaSyncTarget]:
    with control_session() as s:
        return {row.target: row for row in s.scalars(select(SchemaSyncTarget))}


def sync(
    *,
    dry_run: bool = False,
    workers: int = 4,
    targets: Sequence[Target] | None = None,
    topology: Topology | None = None,
) -> SyncReport:
    topology = topology or get_topology()
    want = head("tenant")
    targets = list(targets) if targets is not None else all_targets(topology)
    revisions = read_revisions(targets, workers)
    known = ledger()

    results: list[TargetResult] = []
    todo: list[Target] = []
    for t in targets:
        rev = revisions.get(t.key)
        if isinstance(rev, Exception):
            results.append(TargetResult(t, "failed", None, None, 0, str(rev)))
            continue
        entry = known.get(t.key)
        if rev == want and entry is not None and entry.status == "ok" and entry.revision == want:
            results.append(TargetResult(t, "ok", rev, rev))  # nothing to do
        elif dry_run:
            try:
                pending = pending_revisions("tenant", rev, want)
            except Exception as exc:  # e.g. a revision this code does not know
                results.append(TargetResult(t, "failed", rev, rev, 0, _short_error(exc)))
                continue
            results.append(TargetResult(t, "pending", rev, rev, applied=pending))
        else:
            todo.append(t)

    if todo:
        results.extend(_migrate_all(todo, topology.app_user, want, workers))
    if not dry_run:
        record([r for r in results if r.applied or r.status == "failed" or r.target.key not in known
                or known[r.target.key].status != "ok" or known[r.target.key].revision != r.after])
    order = {t.key: i for i, t in enumerate(targets)}
    results.sort(key=lambda r: order.get(r.target.key, 0))
    return SyncReport(want, results, dry_run)
