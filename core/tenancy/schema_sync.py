"""Schema sync: the tenant migration tree applied to every target, in parallel.

A target is a region's shared database (`public`, shared-tier rows), one tenant schema
`t_<slug>` in it, or a dedicated database. Each target is migrated in its own
transaction under an advisory lock (two syncs never collide; the second waits and then
finds nothing to do). Results go to a ledger in the control plane; a failing target is
recorded and reported while the others go on, and the next run touches only targets
that are behind or failed.

Two ways to migrate a target, with the same result (tests compare the catalogs):

* static: when every pending step renders to plain SQL (db.migrate.static_upgrade_sql),
  the SQL is rendered once per process and each target gets one message: transaction,
  advisory lock, search_path, a guard on its revision, the DDL, the audit-trigger
  installer, the grants (only when the SQL can make a relation), commit. Threads, one
  pooled connection each; this costs little more than the DDL itself.
* Alembic: new targets (no version table), steps that look at the database while they
  run, and targets another sync moved meanwhile go through Alembic one by one, in worker
  processes (Alembic's `op` is a module-level proxy, one migration per process at a time).
"""

from __future__ import annotations

import multiprocessing
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import cast

import psycopg
from sqlalchemy import Connection, Table, select, text
from sqlalchemy.dialects.postgresql import insert

from core.config import get_settings
from core.context import TenantStatus, Tier
from core.tenancy.models import SchemaSyncTarget, Tenant
from core.tenancy.placement import admin_url
from db.engines import engine_for
from db.migrate import (
    apply_grants,
    audit_triggers_stale_sql,
    current_revision,
    downgrade,
    grants_sql,
    head,
    pending_revisions,
    quote_ident,
    quote_literal,
    reverted_revisions,
    static_upgrade_sql,
    upgrade,
)
from db.session import control_session, search_path_for
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


def tenant_target(tenant: Tenant, topology: Topology, shared_urls: dict[str, str] | None = None) -> Target:
    """The target holding a tenant's tables; `shared_urls` (region -> the shared database's
    admin URL) saves building the same URL for every schema tenant of a region."""
    if tenant.tier == Tier.SCHEMA:
        assert tenant.schema_name
        url = (shared_urls or {}).get(tenant.region) or admin_url(tenant, topology)
        return Target(
            f"schema:{tenant.region}:{tenant.schema_name}", "schema", tenant.region, url,
            tenant.schema_name, tenant.id,
        )
    if tenant.tier == Tier.DEDICATED:
        return Target(f"dedicated:{tenant.id}", "dedicated", tenant.region, admin_url(tenant, topology),
                      "public", tenant.id)
    return shared_target(tenant.region, topology)


def all_targets(topology: Topology | None = None) -> list[Target]:
    topology = topology or get_topology()
    targets = [shared_target(region, topology) for region in topology.regions]
    shared_urls = {t.region: t.admin_url for t in targets}
    with control_session() as s:
        tenants = s.scalars(
            select(Tenant).where(Tenant.status.in_(SYNCED_STATUSES), Tenant.tier != Tier.SHARED)
            .order_by(Tenant.slug)
        ).all()
    targets += [tenant_target(t, topology, shared_urls) for t in tenants]
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
                    "SELECT n.nspname FROM pg_catalog.pg_class c"
                    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE c.relname = 'alembic_version' AND c.relkind IN ('r', 'p')"
                )).scalars())
                wanted = [t.schema for t in group if t.schema in versioned]
                found: dict[str, str | None] = {}
                if wanted:
                    union = " UNION ALL ".join(
                        f"SELECT {quote_literal(s)} AS s, version_num AS v FROM {quote_ident(s)}.alembic_version"
                        for s in wanted
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


# --- the static path: SQL rendered once, one message per target --------------------------

# Raised by the guard when a target is no longer at the revision the SQL was rendered for
# (another sync got there first); the target then goes the Alembic way.
_MOVED = "BOS01"
_GUARD = (
    "DO $bos_guard$ BEGIN IF (SELECT count(*) FROM alembic_version) <> 1 OR NOT EXISTS"
    " (SELECT FROM alembic_version WHERE version_num = {current}) THEN"
    f" RAISE EXCEPTION 'schema sync: the revision moved' USING ERRCODE = '{_MOVED}';"
    " END IF; END $bos_guard$;"
)
# What db.migrate.upgrade runs after the migrations of a target (install_audit_triggers),
# as one statement: the schema's audit installer, where the tree has one (t0003+).
_AUDIT_TRIGGERS = (
    "DO $bos_audit$ BEGIN"
    " IF to_regprocedure(format('%I.audit_install_triggers(text)', current_schema())) IS NOT NULL"
    f" AND {audit_triggers_stale_sql('current_schema()')} THEN"
    " EXECUTE format('SELECT %I.audit_install_triggers(%L)', current_schema(), current_schema());"
    " END IF; END $bos_audit$;"
)
# Statements that can make a relation (a table or a sequence) the runtime role needs grants
# on. Conservative: anything CREATEd other than an index, policy or trigger; serial and
# identity columns; SELECT INTO; SET SCHEMA; and dynamic SQL.
_MAKES_RELATIONS = re.compile(
    r"\bCREATE\s+(?!(UNIQUE\s+)?INDEX\b|POLICY\b|TRIGGER\b)|SERIAL|IDENTITY|\bINTO\b(?<!INSERT INTO)"
    r"|\bSET\s+SCHEMA\b|\bEXECUTE\b|\bDO\b",
    re.IGNORECASE,
)


# Columns the audit triggers leave out of the stored values (their trigger arguments):
# adding, dropping or retyping one means the triggers must be re-made.
_CHANGES_AUDITED_COLUMNS = re.compile(
    r"\b(VECTOR|HALFVEC|SPARSEVEC|TSVECTOR|BYTEA)\b|\bDROP\s+COLUMN\b|\bALTER\s+COLUMN\b.*\bTYPE\b|\bRENAME\b",
    re.IGNORECASE,
)


def _static_message(target: Target, current: str, body: str, app_user: str) -> str:
    """The whole migration of one target as one message: transaction, advisory lock,
    search_path, revision guard, the rendered DDL, audit triggers, grants, commit."""
    parts = [
        "BEGIN ISOLATION LEVEL READ COMMITTED;",
        "SET LOCAL lock_timeout = '120s';",
        f"SELECT pg_advisory_xact_lock(hashtext({quote_literal('schema-sync:' + target.key)}));",
        f"SET LOCAL search_path TO {search_path_for(target.schema)};",
        _GUARD.format(current=quote_literal(current)),  # each statement reads a fresh snapshot
        body.rstrip().rstrip(";") + ";",
    ]
    if _MAKES_RELATIONS.search(body) or _CHANGES_AUDITED_COLUMNS.search(body):
        parts.append(_AUDIT_TRIGGERS)
    if _MAKES_RELATIONS.search(body):
        parts.append(grants_sql(target.schema, app_user) + ";")
    parts.append("COMMIT;")
    return "\n".join(parts)


def _apply_static(conn: Connection, target: Target, current: str, destination: str, body: str,
                  app_user: str, applied: list[str]) -> TargetResult | None:
    """Apply SQL rendered for `current -> destination` to one target on `conn` (autocommit:
    the message carries its own transaction control). None when the target is no longer
    at `current`."""
    started = time.perf_counter()
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    try:
        raw.execute(_static_message(target, current, body, app_user))
    except Exception as exc:
        _reset(conn)
        if isinstance(exc, psycopg.Error) and exc.sqlstate == _MOVED:
            return None
        return TargetResult(target, "failed", current, current, _ms(started), _short_error(exc))
    return TargetResult(target, "ok", current, destination, _ms(started), applied=list(applied))


def _reset(conn: Connection) -> None:
    """After a failure: roll the target's transaction back, or drop the connection."""
    raw = conn.connection.driver_connection
    try:
        if isinstance(raw, psycopg.Connection) and not raw.closed:
            if raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raw.execute("ROLLBACK")
            conn.rollback()
            return
    except Exception:  # noqa: S110 - the connection is discarded below
        pass
    conn.invalidate()


def _migrate_static(items: list[tuple[Target, str, str]], app_user: str, destination: str,
                    workers: int) -> tuple[list[TargetResult], list[Target]]:
    """Threads pull targets (grouped by database) and keep one connection per database."""
    queue = iter(sorted(items, key=lambda item: (item[0].admin_url, item[0].key)))
    take = threading.Lock()
    results: list[TargetResult] = []
    moved: list[Target] = []
    steps: dict[str, list[str]] = {}

    def work() -> None:
        url: str | None = None
        conn: Connection | None = None
        try:
            while True:
                with take:
                    item = next(queue, None)
                if item is None:
                    return
                target, current, body = item
                if conn is None or url != target.admin_url:
                    if conn is not None:
                        conn.close()
                        conn = None
                    try:
                        conn = engine_for(target.admin_url).connect().execution_options(
                            isolation_level="AUTOCOMMIT")
                    except Exception as exc:
                        results.append(TargetResult(target, "failed", current, current, 0, _short_error(exc)))
                        continue
                    url = target.admin_url
                try:
                    if current not in steps:
                        steps[current] = pending_revisions("tenant", current, destination)
                    result = _apply_static(conn, target, current, destination, body, app_user, steps[current])
                except Exception as exc:  # never lose a target to an unexpected error
                    result = TargetResult(target, "failed", current, current, 0, _short_error(exc))
                if result is None:
                    moved.append(target)
                else:
                    results.append(result)
                if conn.invalidated:  # the next target starts on a fresh connection
                    conn.close()
                    conn = None
        finally:
            if conn is not None:
                conn.close()

    # Each thread holds one pooled connection: stay within the pool of a database's engine.
    settings = get_settings()
    workers = max(1, min(workers, settings.pool_size + settings.pool_max_overflow - 1))
    threads = [threading.Thread(target=work, name=f"schema-sync-{i}") for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, moved


def _rendered(current: str, destination: str) -> str | None:
    try:
        return static_upgrade_sql("tenant", current, destination)
    except Exception:  # e.g. a revision this code does not know: Alembic reports it per target
        return None


def _migrate_all(targets: list[Target], app_user: str, destination: str, workers: int,
                 revisions: dict[str, str | Exception | None] | None = None) -> list[TargetResult]:
    """Targets whose steps render to static SQL take the static path; the rest, new
    targets and targets another sync moved meanwhile go through Alembic one by one."""
    if not targets:
        return []
    workers = max(1, min(workers, len(targets)))
    results: list[TargetResult] = []
    static: list[tuple[Target, str, str]] = []
    online: list[Target] = []
    for t in targets:
        current = (revisions or {}).get(t.key)
        if not isinstance(current, str):  # a new target (no version table yet)
            online.append(t)
        elif current == destination:
            results.append(TargetResult(t, "ok", current, current))  # at head; only the ledger lagged
        elif body := _rendered(current, destination):
            static.append((t, current, body))
        else:
            online.append(t)
    if static:
        done, moved = _migrate_static(static, app_user, destination, workers)
        results += done
        online += moved
    return results + _migrate_online(online, app_user, destination, workers)


def _migrate_online(targets: list[Target], app_user: str, destination: str, workers: int) -> list[TargetResult]:
    if not targets:
        return []
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
    table = cast(Table, SchemaSyncTarget.__table__)
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.target],
        set_={
            "revision": stmt.excluded.revision, "status": stmt.excluded.status,
            "duration_ms": stmt.excluded.duration_ms, "error": stmt.excluded.error,
            "attempts": table.c.attempts + 1, "updated_at": text("now()"),
        },
    )
    with control_session() as s:
        # One statement compiled once; the rows go in batches of multi-row VALUES.
        s.connection().execute(stmt, rows)


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
        results.extend(_migrate_all(todo, topology.app_user, want, workers, revisions))
    if not dry_run:
        record([r for r in results if r.applied or r.status == "failed" or r.target.key not in known
                or known[r.target.key].status != "ok" or known[r.target.key].revision != r.after])
    order = {t.key: i for i, t in enumerate(targets)}
    results.sort(key=lambda r: order.get(r.target.key, 0))
    return SyncReport(want, results, dry_run)
