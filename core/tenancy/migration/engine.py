"""The move state machine: one engine for every tier and region move, and rollbacks.

Steps, persisted in `tenant_moves.step` (each one idempotent, so a worker that takes
over a move whose worker died simply runs the recorded step again):

  precheck  -> target reachable, source and target at the schema head, target empty,
               enough space
  provision -> the target's database or schema, migrated to head, write guard installed
  copy      -> the tenant's rows, table by table in foreign-key order, by COPY, inside one
               REPEATABLE READ snapshot of the source, while the tenant stays writable;
               beside it, each table's row count and checksum in that snapshot (source)
               and once copied (target), compared; then a first catch-up pass (below),
               still writable, so the window only has to apply what changed meanwhile
  lock      -> read-only window: tenant status `migrating` (UI and API refuse writes),
               the database write guard on the source, in-flight writers drained
  catchup   -> the source's audit rows sealed; every row they name above the mark the
               copy reached deleted on the target and copied again, with those audit rows
  verify    -> every table's row count, source and target in parallel, against the rows
               accounted for; checksums: the copy's (compared before the window) combined,
               by XOR, with those of the rows each catch-up replaced (compared source vs
               target); in full, source vs target, when a catch-up had to run twice
  switch    -> routing changed in one control-plane transaction, status back to active
  done

The catch-up relies on the audit log naming every changed row (the audit triggers catch
raw SQL too). An insert or delete that bypassed them (an owner with triggers off) shows up
as a count that does not add up, and the move is undone; an update that bypassed them is
only seen by a full comparison, which BOS_MOVE_VERIFY=full forces (it scans every row of
the tenant inside the read-only window, so the window grows with the tenant's size).

A failure before the switch aborts the move: the source is unlocked, the tenant is
writable again on its source, what the move made on the target is removed, and the
reason is recorded. The source copy is kept (locked) for `keep_days`, then purged by
a scheduled job; `rollback` moves back to it while it exists, carrying writes made after
the switch back with the same catch-up.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import select, text, update

from core.apikeys.authcache import forget_all as forget_api_grants
from core.context import TenantStatus, Tier
from core.errors import Conflict, DomainError
from core.tenancy.migration import copier, guard
from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.placement import Place
from core.tenancy.models import Tenant
from core.tenancy.schema_sync import Target, migrate_target, record
from db.bootstrap import drop_database, ensure_app_role, ensure_database, libpq_url, prepare_database
from db.migrate import head
from db.session import control_session
from db.topology import Topology, get_topology, normalise

log = logging.getLogger(__name__)

STEPS = ("precheck", "provision", "copy", "lock", "catchup", "verify", "switch", "done")
PROGRESS_EVERY = 0.5  # seconds between progress writes during the copy
# Testing hook, for crash-safety tests only: when BOS_MOVE_HALT_AT names a checkpoint
# ("<step>" at the start of a step, "copy:table" after the first table, "catchup:applied"
# after the catch-up's rows are committed on the target), the worker
# writes BOS_MOVE_HALT_FILE and waits there, so a test can kill it at that exact point.
HALT_ENV = "BOS_MOVE_HALT_AT"
HALT_FILE_ENV = "BOS_MOVE_HALT_FILE"


class MoveFailed(DomainError):
    status = 409
    code = "move_failed"


def keep_days() -> float:
    """How long the source copy is kept for rollback (BOS_MOVE_KEEP_DAYS, default 7)."""
    try:
        return max(0.0, float(os.environ.get("BOS_MOVE_KEEP_DAYS", "7")))
    except ValueError:
        return 7.0


def _checkpoint(name: str) -> None:
    if os.environ.get(HALT_ENV) != name:
        return
    path = os.environ.get(HALT_FILE_ENV)
    if path:
        with open(path, "w") as fh:
            fh.write(name)
    while True:  # the test kills the process here
        time.sleep(3600)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Run:
    """What a worker knows about the move it runs."""

    move_id: uuid.UUID
    tenant_id: uuid.UUID
    slug: str
    source: Place
    target: Place
    rollback_of: uuid.UUID | None
    topology: Topology
    progress: Callable[[TenantMove], None] | None = None

    @property
    def src_url(self) -> str:
        return self.source.admin_url(self.topology)

    @property
    def dst_url(self) -> str:
        return self.target.admin_url(self.topology)


# --- control-plane bookkeeping ----------------------------------------------------------


def load(move_id: uuid.UUID) -> TenantMove:
    with control_session() as s:
        move = s.get(TenantMove, move_id)
        if move is None:
            raise MoveFailed(f"no move {move_id}")
        s.expunge(move)
    return move


def _update(run: Run, **values: object) -> TenantMove:
    with control_session() as s:
        s.execute(update(TenantMove).where(TenantMove.id == run.move_id)
                  .values(heartbeat_at=text("now()"), **values))
        move = s.get(TenantMove, run.move_id)
        assert move is not None
        s.expunge(move)
    if run.progress is not None:
        run.progress(move)
    return move


def _set_tenant_status(tenant_id: uuid.UUID, status: TenantStatus, *, only_from: set[str]) -> None:
    with control_session() as s:
        s.execute(update(Tenant).where(Tenant.id == tenant_id, Tenant.status.in_(only_from))
                  .values(status=status.value, status_reason=None))
    forget_api_grants()


# --- the worker -------------------------------------------------------------------------


class _Claim:
    """A session-level advisory lock on the control database: one worker per move.

    It goes away with the worker's connection, so a killed worker's move can be taken over
    at once by the next worker (the scheduler's job or `bos tenants move --resume`)."""

    def __init__(self, move_id: uuid.UUID, topology: Topology) -> None:
        self.conn = psycopg.connect(libpq_url(topology.control_url(admin=True)), autocommit=True)
        row = self.conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                (f"bos:move:{move_id}",)).fetchone()
        self.held = bool(row and row[0])

    def release(self) -> None:
        self.conn.close()


def run_move(move_id: uuid.UUID, *, progress: Callable[[TenantMove], None] | None = None,
             topology: Topology | None = None) -> TenantMove:
    """Run (or resume) a move to its end: succeeded, or failed with the tenant on its source."""
    topology = topology or get_topology()
    claim = _Claim(move_id, topology)
    try:
        if not claim.held:
            raise Conflict("this move is being run by another worker right now")
        move = load(move_id)
        if move.status not in ("running", "aborting"):
            return move
        with control_session() as s:
            tenant = s.get(Tenant, move.tenant_id)
            assert tenant is not None
            slug = tenant.slug
        run = Run(move.id, move.tenant_id, slug, Place.from_dict(move.source), Place.from_dict(move.target),
                  move.rollback_of, topology, progress)
        worker = f"{socket.gethostname()}:{os.getpid()}"[:100]
        move = _update(run, worker=worker)
        if move.status == "aborting":
            return _abort(run, move.reason or "aborted")
        return _drive(run, move)
    finally:
        claim.release()


_STEP_FUNCS: dict[str, Callable[[Run, TenantMove], dict[str, object]]] = {}


def _step(name: str) -> Callable[[Callable[[Run, TenantMove], dict[str, object]]],
                                 Callable[[Run, TenantMove], dict[str, object]]]:
    def register(fn: Callable[[Run, TenantMove], dict[str, object]]) -> Callable[[Run, TenantMove], dict[str, object]]:
        _STEP_FUNCS[name] = fn
        return fn
    return register


def _drive(run: Run, move: TenantMove) -> TenantMove:
    while move.step != "done":
        step = move.step
        _checkpoint(step)
        try:
            values = _STEP_FUNCS[step](run, move)
        except Exception as exc:
            if step == "switch" and load(run.move_id).status == "succeeded":
                return load(run.move_id)
            reason = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
            log.warning("move %s failed in step %s: %s", run.move_id, step, reason)
            return _abort(run, f"{step}: {reason}"[:2000])
        if step == "switch":
            move = load(run.move_id)
            _after_finish(run, move)
            return move
        move = _update(run, step=STEPS[STEPS.index(step) + 1], **values)
    return move


# --- steps ------------------------------------------------------------------------------


def _revision(conn: psycopg.Connection, schema: str) -> str | None:
    have = conn.execute("SELECT to_regclass(%s)", (f'"{schema}".alembic_version',)).fetchone()
    if not have or not have[0]:
        return None
    row = conn.execute(sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(schema))).fetchone()
    return str(row[0]) if row else None


def _estimated_bytes(conn: psycopg.Connection, place: Place, tenant_id: uuid.UUID) -> int:
    specs = copier.tables(conn, place.data_schema)
    total = 0
    for spec in specs:
        row = conn.execute("SELECT pg_total_relation_size(%s)",
                           (f'"{place.data_schema}"."{spec.name}"',)).fetchone()
        total += int(row[0]) if row and row[0] else 0
    return total


def _target_free_bytes(run: Run) -> int | None:
    server = run.topology.servers.get(run.target.region)
    if server is None or run.target.external:
        return None
    return shutil.disk_usage(server.pgdata if server.pgdata.exists() else server.pgdata.parent).free


@_step("precheck")
def _precheck(run: Run, move: TenantMove) -> dict[str, object]:
    want = head("tenant")
    with control_session() as s:
        tenant = s.get(Tenant, run.tenant_id)
        assert tenant is not None
        if tenant.status != TenantStatus.ACTIVE:
            raise MoveFailed(f"the company is {tenant.status}; only an active company can move")
        if Place.of(tenant).storage_key() != run.source.storage_key():
            raise MoveFailed("the company is no longer where this move started from")
    try:
        with copier.connect(run.src_url, autocommit=True) as src:
            if _revision(src, run.source.data_schema) != want:
                raise MoveFailed(f"the source is not at the schema head {want}; run `bos schema-sync` first")
            needed = _estimated_bytes(src, run.source, run.tenant_id)
    except psycopg.Error as exc:
        raise MoveFailed(f"cannot reach the source database: {_first_line(exc)}") from exc
    if run.rollback_of is None:
        _check_target_empty(run)
    else:
        try:
            with copier.connect(run.dst_url, autocommit=True) as dst:
                kept_at = _revision(dst, run.target.data_schema)
        except psycopg.Error as exc:
            raise MoveFailed(f"cannot reach the kept copy: {_first_line(exc)}") from exc
        if kept_at != want:
            raise MoveFailed(f"the kept copy is at schema revision {kept_at}, not at the head {want}")
    free = _target_free_bytes(run)
    if free is not None and free < needed * 2:
        raise MoveFailed(f"not enough space on the target server: {free} bytes free, about {needed * 2} needed")
    return {}


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__


def _check_target_empty(run: Run) -> None:
    """The target must hold nothing of this tenant (nothing at all when it is the tenant's own)."""
    target = run.target
    try:
        if target.tier == Tier.DEDICATED and not target.external:
            server = run.topology.region_admin_urls[target.region]
            with psycopg.connect(libpq_url(_with_db(server, "postgres")), autocommit=True,
                                 connect_timeout=10) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                      (target.database_name,)).fetchone()
            if not exists:
                return
        with copier.connect(run.dst_url, autocommit=True) as dst:
            schema = target.data_schema
            specs = copier.tables(dst, schema)
            if target.tier == Tier.SHARED:
                if _revision(dst, schema) != head("tenant"):
                    raise MoveFailed(f"the target's shared database is not at the schema head {head('tenant')}")
                found = copier.has_rows(dst, schema, specs, run.tenant_id)
                if found:
                    raise MoveFailed(f"the target already holds rows of this company (table {found}); "
                                     "purge the kept copy of an earlier move first")
            else:
                ours = {spec.name for spec in specs} | {"alembic_version"}
                scope = [schema] if target.tier == Tier.SCHEMA else None
                foreign = [r[0] for r in dst.execute(
                    """SELECT schemaname || '.' || tablename FROM pg_catalog.pg_tables
                       WHERE schemaname NOT IN ('pg_catalog', 'information_schema', %s)
                         AND (%s::text[] IS NULL OR schemaname = ANY(%s::text[]))""",
                    (guard.GUARD_SCHEMA, scope, scope)).fetchall()
                    if r[0].split(".", 1)[1] not in ours or r[0].split(".", 1)[0] != schema]
                if foreign or (specs and copier.has_rows(dst, schema, specs, None)):
                    shown = ", ".join(foreign[:3]) if foreign else f"tables of {schema} with rows"
                    raise MoveFailed(f"the target database is not empty ({shown})")
    except psycopg.Error as exc:
        raise MoveFailed(f"cannot reach the target database: {_first_line(exc)}") from exc


def _with_db(url: str, database: str) -> str:
    return normalise(url).set(database=database).render_as_string(hide_password=False)


@_step("provision")
def _provision(run: Run, move: TenantMove) -> dict[str, object]:
    target, topology = run.target, run.topology
    created = move.target_created
    if run.rollback_of is None:
        if target.tier == Tier.DEDICATED and target.external:
            url = run.dst_url
            ensure_app_role(url, topology.app_user, topology.app_password)
            prepare_database(url, topology.app_user)
            created = True
        elif target.tier == Tier.DEDICATED:
            assert target.database_name
            made = ensure_database(topology.region_admin_urls[target.region], target.database_name,
                                   topology.app_user)
            created = created or made
        elif target.tier == Tier.SCHEMA:
            created = True
        if created != move.target_created:
            _update(run, target_created=created)
        kind = "shared" if target.tier == Tier.SHARED else target.tier
        key = {"shared": f"shared:{target.region}", "schema": f"schema:{target.region}:{target.schema_name}",
               "dedicated": f"dedicated:{run.tenant_id}"}[kind]
        result = migrate_target(Target(key, kind, target.region, run.dst_url, target.data_schema,
                                       None if kind == "shared" else run.tenant_id), topology.app_user)
        record([result])
        if result.status != "ok" or result.after != head("tenant"):
            raise MoveFailed(f"migrating the target to the schema head failed: {result.error}")
    with copier.connect(run.dst_url, autocommit=True) as dst:
        try:
            with dst.transaction():
                copier.replica_mode(dst)
                dst.execute("RESET session_replication_role")
        except psycopg.Error as exc:
            raise MoveFailed("the target's owner role may not set session_replication_role "
                             f"(needed to copy audit rows verbatim): {_first_line(exc)}") from exc
        guard.install(dst, run.target.data_schema, topology.app_user,
                      run.tenant_id if target.whole_target else None)
    with copier.connect(run.src_url, autocommit=True) as src:
        guard.install(src, run.source.data_schema, topology.app_user,
                      run.tenant_id if run.source.whole_target else None)
    return {}


@_step("copy")
def _copy(run: Run, move: TenantMove) -> dict[str, object]:
    if run.rollback_of is not None:
        # The kept copy already holds everything up to the original switch.
        original = load(run.rollback_of)
        return {"chain_mark": original.switch_mark or 0, "tables_done": 0, "rows_copied": 0, "checksums": None}
    src_schema, dst_schema, tid = run.source.data_schema, run.target.data_schema, run.tenant_id
    with copier.connect(run.src_url, autocommit=True) as sealer:
        copier.seal(sealer, src_schema, tid)
    with copier.connect(run.src_url) as src, copier.connect(run.dst_url) as dst:
        src.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        specs = copier.tables(src, src_schema)
        mark = copier.chain_max(src, src_schema, tid)
        snapshot = src.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        _update(run, tables_total=len(specs), tables_done=0, rows_copied=0, rows_total=0,
                copy_started_at=_now(), checksums=None)
        # Beside the copy: the source's counts and checksums in the copy's own snapshot, and
        # the target's checksum of each table as soon as it is copied.
        source_sums = _Background(_source_checksums, run, str(snapshot[0]), specs)
        target_queue: list[copier.TableSpec | None] = []
        ready = threading.Condition()
        target_sums = _Background(_target_checksums, run, target_queue, ready)
        copier.replica_mode(dst)
        dst.commit()
        whole = run.target.whole_target
        if not whole:
            copier.clear(dst, dst_schema, specs, tid, whole_target=False)
            dst.commit()
        copied = 0
        started = last = time.monotonic()

        def on_rows(n: int) -> None:
            nonlocal copied, last
            copied += n
            if time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                _update(run, rows_copied=copied)

        try:
            for done, spec in enumerate(specs, start=1):
                order = sql.SQL("chain_seq") if spec.is_audit else None
                query = copier.select_sql(src_schema, spec, tid, order=order)
                if whole:  # parents come first: CASCADE only empties tables still to be copied
                    dst.execute(sql.SQL("TRUNCATE ONLY {} CASCADE").format(copier.q(dst_schema, spec.name)))
                copier.pipe(src, dst, query, dst_schema, spec, on_rows, freeze=whole)
                dst.commit()
                with ready:
                    target_queue.append(spec)
                    ready.notify()
                if done == len(specs) or time.monotonic() - last >= PROGRESS_EVERY:
                    last = time.monotonic()
                    _update(run, tables_done=done, rows_copied=copied)
                if done == 1:
                    _checkpoint("copy:table")
        finally:
            with ready:
                target_queue.append(None)
                ready.notify()
        src.rollback()
    copied_at = time.monotonic()
    source, target = source_sums.result(), target_sums.result()
    log.info("move %s: %s rows copied in %.1fs; checksums done %.1fs later", run.move_id, copied,
             copied_at - started, time.monotonic() - copied_at)
    differ = sorted(n for n in source if source[n] != target.get(n))
    if differ:
        detail = "; ".join(f"{n}: source {source[n][0]} rows, target {target.get(n, [0])[0]} rows" for n in differ)
        raise MoveFailed(f"the bulk copy does not match its source: {detail}")
    checked_at = time.monotonic()
    # A first catch-up while the company is still writable: the read-only window then only
    # has to apply what changed during this pass.
    delta, mark, rows = _apply_changes(run, mark)
    log.info("move %s: first catch-up (%s rows) %.1fs", run.move_id, rows, time.monotonic() - checked_at)
    base = _fold(source, delta)
    _update(run, rows_copied=copied + rows)
    return {"chain_mark": mark, "rows_copied": copied + rows, "checksums": {"bulk": base}}


class _Background:
    """A function run in a thread whose result (or exception) is collected later."""

    def __init__(self, fn: Callable[..., dict[str, list[int]]], *args: object) -> None:
        self._value: dict[str, list[int]] = {}
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, *args), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[..., dict[str, list[int]]], *args: object) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:
            self._error = exc

    def result(self) -> dict[str, list[int]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _source_checksums(run: Run, snapshot: str, specs: list[copier.TableSpec]) -> dict[str, list[int]]:
    """Rows to copy (for the ETA), then each table's checksum, in the copy's snapshot."""
    schema = run.source.data_schema
    with copier.connect(run.src_url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        total = sum(copier.counts(conn, schema, specs, run.tenant_id).values())
        _update(run, rows_total=total)
        out = {spec.name: copier.checksum(conn, schema, spec, run.tenant_id) for spec in specs}
        conn.rollback()
    return out


def _target_checksums(run: Run, queue: list[copier.TableSpec | None],
                      ready: threading.Condition) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    with copier.connect(run.dst_url, autocommit=True) as conn:
        while True:
            with ready:
                while not queue:
                    ready.wait()
                spec = queue.pop(0)
            if spec is None:
                return out
            out[spec.name] = copier.checksum(conn, run.target.data_schema, spec, run.tenant_id)


@_step("lock")
def _lock(run: Run, move: TenantMove) -> dict[str, object]:
    with control_session() as s:
        tenant = s.get(Tenant, run.tenant_id, with_for_update=True)
        assert tenant is not None
        if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.MIGRATING):
            raise MoveFailed(f"the company became {tenant.status} during the move")
        tenant.status = TenantStatus.MIGRATING.value
    forget_api_grants()
    with copier.connect(run.src_url, autocommit=True) as src:
        guard.lock(src, run.tenant_id, run.source.data_schema, run.move_id)
        copier.wait_for_writers(src)
    return {"locked_at": move.locked_at or _now()}


def _apply_changes(run: Run, mark: int) -> tuple[dict[str, list[list[int]]], int, int]:
    """One catch-up pass: seal the source's audit rows, then replace on the target every row
    named by an audit row above `mark`, and copy those audit rows. Returns, per table, the
    checksums [target before, source, target after] of the replaced rows, the new mark,
    and the number of rows copied."""
    src_schema, dst_schema, tid = run.source.data_schema, run.target.data_schema, run.tenant_id
    with copier.connect(run.src_url, autocommit=True) as sealer:
        copier.seal(sealer, src_schema, tid)
    delta: dict[str, list[list[int]]] = {}
    rows = 0
    with copier.connect(run.src_url) as src, copier.connect(run.dst_url) as dst:
        src.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        specs = {s.name: s for s in copier.tables(src, src_schema)}
        changed = copier.changed_rows(src, src_schema, tid, mark)
        new_mark = copier.chain_max(src, src_schema, tid)
        copier.replica_mode(dst)
        work: list[tuple[copier.TableSpec, sql.Composable]] = []
        for table, ids in sorted(changed.items()):
            spec = specs.get(table)
            if spec is not None and not spec.is_audit:
                work.append((spec, copier.ids_filter(ids)))
        audit = specs.get(copier.AUDIT_TABLE)
        if audit is not None and new_mark > mark:
            work.append((audit, sql.SQL("chain_seq > {}").format(sql.Literal(mark))))
        for spec, where in work:
            old = copier.checksum(dst, dst_schema, spec, tid, where)
            dst.execute(sql.SQL("DELETE FROM {} WHERE tenant_id = {} AND {}").format(
                copier.q(dst_schema, spec.name), sql.Literal(str(tid)), where))
            order = sql.SQL("chain_seq") if spec.is_audit else None
            rows += copier.pipe(src, dst, copier.select_sql(src_schema, spec, tid, where, order), dst_schema, spec)
            delta[spec.name] = [old, copier.checksum(src, src_schema, spec, tid, where),
                                copier.checksum(dst, dst_schema, spec, tid, where)]
        dst.commit()
        src.rollback()
    return delta, new_mark, rows


def _fold(base: dict[str, list[int]], delta: dict[str, list[list[int]]]) -> dict[str, list[int]]:
    """The base checksums with a catch-up pass applied (after checking source == target)."""
    out = {name: list(value) for name, value in base.items()}
    for name, (old, new_src, new_dst) in delta.items():
        if new_src != new_dst:
            raise MoveFailed(f"verification failed: the rows the catch-up copied into {name} differ")
        count, value = out.get(name, [0, 0])
        out[name] = [count - old[0] + new_src[0], value ^ old[1] ^ new_src[1]]
    return out


@_step("catchup")
def _catchup(run: Run, move: TenantMove) -> dict[str, object]:
    mark = move.chain_mark or 0
    sums: dict[str, Any] = dict(move.checksums or {})
    if sums.get("catchup_started") or "bulk" not in sums:
        sums["full"] = True  # a catch-up run again cannot tell old rows from new: verify everything
    sums["catchup_started"] = True
    _update(run, checksums=sums)
    delta, switch_mark, rows = _apply_changes(run, mark)
    _checkpoint("catchup:applied")
    sums["delta"] = delta
    return {"switch_mark": switch_mark, "rows_copied": (move.rows_copied or 0) + rows, "checksums": sums}


@_step("verify")
def _verify(run: Run, move: TenantMove) -> dict[str, object]:
    """Counts of every table, source and target; checksums: in full, or (after an
    uninterrupted copy and catch-up) the bulk copy's, checked before the window, combined
    with those of the rows the catch-up replaced, checked here."""
    with copier.connect(run.src_url, autocommit=True) as src:
        specs = copier.tables(src, run.source.data_schema)
    with copier.connect(run.dst_url, autocommit=True) as dst:
        dst_tables = {s.name for s in copier.tables(dst, run.target.data_schema)}
    missing = [s.name for s in specs if s.name not in dst_tables]
    if missing:
        raise MoveFailed(f"the target lacks tables: {', '.join(missing)}")
    sums: dict[str, Any] = dict(move.checksums or {})
    full = (bool(sums.get("full")) or run.rollback_of is not None or "bulk" not in sums
            or os.environ.get("BOS_MOVE_VERIFY") == "full")
    source, target = copier.checksums_both(run.src_url, run.source.data_schema, run.dst_url,
                                           run.target.data_schema, specs, run.tenant_id, count_only=not full)
    if not full:
        final = _fold(sums["bulk"], sums.get("delta") or {})
        for name in source:
            expected = final.get(name, [0, 0])
            source[name] = [source[name][0], expected[1]]
            target[name] = [target[name][0], expected[1]]
            if expected[0] != source[name][0]:
                raise MoveFailed(f"verification failed: {name} has {source[name][0]} rows on the source, "
                                 f"{expected[0]} were accounted for")
    differ = [name for name in source if source[name] != target.get(name)]
    if differ:
        detail = "; ".join(f"{n}: source {source[n][0]} rows, target {target[n][0]} rows" for n in differ)
        raise MoveFailed(f"verification failed, source and target differ in {detail}")
    shown = {n: {"rows": v[0], "checksum": format(v[1] & (2**64 - 1), "016x")} for n, v in source.items()}
    return {"checksums": {"tables": shown, "mode": "full" if full else "incremental"}}


@_step("switch")
def _switch(run: Run, move: TenantMove) -> dict[str, object]:
    from core.audit.control import record_event

    if run.rollback_of is not None:
        with copier.connect(run.dst_url, autocommit=True) as dst:
            guard.unlock(dst, run.tenant_id, run.target.data_schema)
    keep = _now() + dt.timedelta(days=keep_days())
    target = run.target
    with control_session() as s:
        tenant = s.get(Tenant, run.tenant_id, with_for_update=True)
        assert tenant is not None
        row = s.get(TenantMove, run.move_id, with_for_update=True)
        assert row is not None
        if row.status == "succeeded":
            return {}
        tenant.tier, tenant.region = target.tier, target.region
        tenant.database_name, tenant.schema_name = target.database_name, target.schema_name
        tenant.external_url_encrypted = target.external_url_encrypted
        tenant.status, tenant.status_reason = TenantStatus.ACTIVE.value, None
        row.step, row.status, row.finished_at, row.unlocked_at = "done", "succeeded", _now(), _now()
        row.keep_until, row.heartbeat_at = keep, _now()
        if run.rollback_of is not None:
            original = s.get(TenantMove, run.rollback_of, with_for_update=True)
            if original is not None:
                original.status = "rolled_back"
                original.keep_until = None
        record_event("tenant.move.succeeded", actor=row.requested_by, tenant_id=run.tenant_id,
                     target=run.slug, details={"move": str(run.move_id), "kind": row.kind,
                                               "to": target.label()}, session=s)
    forget_api_grants()  # the company's new location, for this process's API requests at once
    return {}


def _after_finish(run: Run, move: TenantMove) -> None:
    if run.progress is not None:
        run.progress(move)
    from core.tenancy.migration.notify import notify_admins

    try:
        notify_admins(run.tenant_id, move)
    except Exception as exc:
        log.warning("emailing the admins about move %s failed: %s", run.move_id, exc)


# --- abort and purge --------------------------------------------------------------------


def _abort(run: Run, reason: str) -> TenantMove:
    """Leave the tenant on its source, writable, and remove what the move made."""
    from core.audit.control import record_event

    move = _update(run, status="aborting", reason=reason)
    with control_session() as s:
        tenant = s.get(Tenant, run.tenant_id)
        assert tenant is not None
        on_source = Place.of(tenant).storage_key() == run.source.storage_key()
    if on_source:
        try:
            with copier.connect(run.src_url, autocommit=True) as src:
                guard.unlock(src, run.tenant_id, run.source.data_schema)
        except psycopg.Error as exc:
            log.warning("unlocking the source of move %s failed: %s", run.move_id, exc)
        _set_tenant_status(run.tenant_id, TenantStatus.ACTIVE, only_from={TenantStatus.MIGRATING.value})
    if run.rollback_of is None and on_source:
        try:
            _remove_storage(run.target, run.tenant_id, run.topology, created=move.target_created)
        except Exception as exc:
            log.warning("removing the target of move %s failed: %s", run.move_id, exc)
    with control_session() as s:
        row = s.get(TenantMove, run.move_id)
        assert row is not None
        row.status, row.finished_at, row.heartbeat_at = "failed", _now(), _now()
        record_event("tenant.move.failed", actor=row.requested_by, tenant_id=run.tenant_id, target=run.slug,
                     details={"move": str(run.move_id), "reason": reason}, session=s)
    move = load(run.move_id)
    _after_finish(run, move)
    return move


def _remove_storage(place: Place, tenant_id: uuid.UUID, topology: Topology, *, created: bool) -> None:
    """Remove a placement's copy of the tenant: its database or schema, or its rows."""
    if place.tier == Tier.DEDICATED and not place.external and created and place.database_name:
        drop_database(topology.region_admin_urls[place.region], place.database_name)
        _forget_ledger(f"dedicated:{tenant_id}", place)
        return
    if place.tier == Tier.SCHEMA and place.schema_name and created:
        with copier.connect(place.admin_url(topology), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(place.schema_name)))
            guard.unlock(conn, tenant_id, place.schema_name)
        _forget_ledger(f"schema:{place.region}:{place.schema_name}", place)
        return
    try:
        conn = copier.connect(place.admin_url(topology))
    except psycopg.OperationalError:
        return  # nothing reachable there, nothing readable there
    with conn:
        schema = place.data_schema
        specs = copier.tables(conn, schema)
        copier.replica_mode(conn)
        copier.clear(conn, schema, specs, tenant_id, whole_target=False)
        guard.unlock(conn, tenant_id, schema)
        conn.commit()
    if place.external and created:
        _empty_external(place, topology)


def _empty_external(place: Place, topology: Topology) -> None:
    """An operator's database the move filled: back to empty, as it was handed over (the
    tenant tree downgraded to base, then the version table and the guard dropped)."""
    from core.tenancy.schema_sync import revert_target

    url = place.admin_url(topology)
    result = revert_target(Target(f"external:{uuid.uuid4()}", "dedicated", place.region, url, "public"), "base")
    if result.status != "ok":
        raise MoveFailed(f"emptying the external database failed: {result.error}")
    with copier.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS public.alembic_version")
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(guard.GUARD_SCHEMA)))


def _forget_ledger(key: str, place: Place) -> None:
    """Drop the schema-sync ledger row of a removed copy, unless the key now names the live one."""
    from core.tenancy.models import SchemaSyncTarget

    with control_session() as s:
        row = s.get(SchemaSyncTarget, key)
        if row is None:
            return
        tenant = s.get(Tenant, row.tenant_id) if row.tenant_id else None
        live = tenant is not None and Place.of(tenant).storage_key()[:4] == place.storage_key()[:4]
        if key.startswith("dedicated:") and tenant is not None and tenant.tier == Tier.DEDICATED:
            live = True  # the key names the tenant's database, wherever it lives now
        if not live:
            s.delete(row)


def purge(move_id: uuid.UUID, topology: Topology | None = None) -> TenantMove:
    """Remove the kept source copy of a succeeded move (idempotent)."""
    from core.audit.control import record_event

    topology = topology or get_topology()
    move = load(move_id)
    if move.status != "succeeded" or move.purged_at is not None:
        return move
    source = Place.from_dict(move.source)
    with control_session() as s:
        tenant = s.get(Tenant, move.tenant_id)
        if tenant is not None and Place.of(tenant).storage_key() == source.storage_key():
            raise Conflict("the kept copy is where the company lives now; nothing to purge")
    created = source.tier in (Tier.SCHEMA, Tier.DEDICATED)
    _remove_storage(source, move.tenant_id, topology, created=created)
    with control_session() as s:
        s.execute(update(TenantMove).where(TenantMove.id == move_id).values(purged_at=text("now()")))
        record_event("tenant.move.purged", actor="system:bos", tenant_id=move.tenant_id,
                     details={"move": str(move_id), "copy": source.label()}, session=s)
    return load(move_id)


def purge_due(now: dt.datetime | None = None, topology: Topology | None = None) -> int:
    """Purge every kept source copy whose keeping time is over."""
    moment = now or _now()
    with control_session() as s:
        ids = list(s.scalars(select(TenantMove.id).where(
            TenantMove.status == "succeeded", TenantMove.purged_at.is_(None), TenantMove.keep_until <= moment)))
    for move_id in ids:
        try:
            purge(move_id, topology)
        except Exception as exc:
            log.warning("purging the kept copy of move %s failed: %s", move_id, exc)
    return len(ids)


def resumable() -> list[uuid.UUID]:
    """Moves that are running or aborting (their workers may be gone)."""
    with control_session() as s:
        return list(s.scalars(select(TenantMove.id).where(TenantMove.status.in_(("running", "aborting")))
                              .order_by(TenantMove.created_at)))
