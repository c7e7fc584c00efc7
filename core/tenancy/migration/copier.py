"""Moving a tenant's rows between two databases: table discovery, COPY pipes, checksums.

Every function here works on owner (admin) psycopg connections. Reads name the tenant
explicitly (`WHERE tenant_id = ...`), so the same code serves a region's shared database
and a tenant's own schema or database. Writes on the target run with
`session_replication_role = replica`: neither the audit triggers nor the foreign-key
triggers fire, so rows (audit rows too) arrive verbatim, in foreign-key order.

The audit log travels without its bigint `id` (the target numbers the rows in chain
order; the hash chain leaves the id out on purpose). It holds sealed rows only; the rows
waiting to be sealed (`audit_pending`, `audit_batch`) are not copied: the read-only window
seals them on the source, and the catch-up copies every audit row whose `chain_seq` is
above the mark the bulk copy reached.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from db.bootstrap import libpq_url

AUDIT_TABLE = "audit_log"
# Unsealed audit rows and bulk statements' captures stay behind: sealing, which a move does
# before its last copy, turns them into audit rows.
NOT_COPIED = ("alembic_version", "audit_batch", "audit_pending")
SEAL_BATCH = 50000

# The same text rendering of values on both sides, so checksums compare.
_SESSION = (
    "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
    "SET extra_float_digits = 1; SET bytea_output = 'hex'"
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]

    @property
    def is_audit(self) -> bool:
        return self.name == AUDIT_TABLE


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    conn = psycopg.connect(libpq_url(url), autocommit=autocommit, connect_timeout=10,
                           application_name="business-os-move")
    conn.execute(_SESSION)
    if not autocommit:
        conn.commit()
    return conn


def replica_mode(conn: psycopg.Connection) -> None:
    """Triggers (audit capture, foreign keys, write guard) off for this session."""
    conn.execute("SET session_replication_role = replica")


def q(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def tables(conn: psycopg.Connection, schema: str) -> list[TableSpec]:
    """The tenant tables of `schema` in foreign-key order (parents first), audit log last."""
    rows = conn.execute(
        """SELECT c.oid, c.relname,
                  array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attgenerated = '')
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND c.relname <> ALL(%s)
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute t WHERE t.attrelid = c.oid
                         AND t.attname = 'tenant_id' AND NOT t.attisdropped)
           GROUP BY c.oid, c.relname""",
        (schema, list(NOT_COPIED)),
    ).fetchall()
    by_oid = {oid: (name, tuple(cols)) for oid, name, cols in rows}
    deps: dict[int, set[int]] = {oid: set() for oid in by_oid}
    for child, parent in conn.execute(
        "SELECT conrelid, confrelid FROM pg_catalog.pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s)",
        (list(by_oid),),
    ).fetchall():
        if parent in by_oid and parent != child:
            deps[child].add(parent)
    ordered: list[TableSpec] = []
    done: set[int] = set()
    while len(done) < len(by_oid):
        ready = sorted((o for o in by_oid if o not in done and deps[o] <= done), key=lambda o: by_oid[o][0])
        if not ready:  # a cycle: take the rest by name (replica mode does not check foreign keys)
            ready = sorted((o for o in by_oid if o not in done), key=lambda o: by_oid[o][0])
        for oid in ready:
            done.add(oid)
            name, cols = by_oid[oid]
            if name != AUDIT_TABLE:
                ordered.append(TableSpec(name, cols))
    audit = [by_oid[o] for o in by_oid if by_oid[o][0] == AUDIT_TABLE]
    for name, cols in audit:
        ordered.append(TableSpec(name, tuple(c for c in cols if c != "id")))
    return ordered


def _cols(spec: TableSpec) -> sql.Composed:
    return sql.SQL(", ").join(sql.Identifier(c) for c in spec.columns)


def select_sql(schema: str, spec: TableSpec, tenant_id: uuid.UUID, where: sql.Composable | None = None,
               order: sql.Composable | None = None) -> sql.Composed:
    query = sql.SQL("SELECT {} FROM {} WHERE tenant_id = {}").format(
        _cols(spec), q(schema, spec.name), sql.Literal(str(tenant_id)))
    if where is not None:
        query = sql.SQL("{} AND {}").format(query, where)
    if order is not None:
        query = sql.SQL("{} ORDER BY {}").format(query, order)
    return query


def pipe(src: psycopg.Connection, dst: psycopg.Connection, query: sql.Composable, dst_schema: str,
         spec: TableSpec, on_rows: Callable[[int], None] | None = None, *, freeze: bool = False) -> int:
    """COPY the rows of `query` on `src` into the table on `dst`; returns the row count.

    `freeze`: the table was truncated in the same transaction, so the rows can be written
    frozen and all-visible (no later vacuum pass over them)."""
    copied = 0
    out_stmt = sql.SQL("COPY ({}) TO STDOUT").format(query)
    in_stmt = sql.SQL("COPY {} ({}) FROM STDIN{}").format(q(dst_schema, spec.name), _cols(spec),
                                                          sql.SQL(" WITH (FREEZE)") if freeze else sql.SQL(""))
    with src.cursor() as sc, dst.cursor() as dc, sc.copy(out_stmt) as out, dc.copy(in_stmt) as inp:
        for block in out:
            inp.write(block)
            lines = bytes(block).count(b"\n")
            copied += lines
            if on_rows is not None and lines:
                on_rows(lines)
    return copied


def clear(dst: psycopg.Connection, schema: str, specs: list[TableSpec], tenant_id: uuid.UUID,
          whole_target: bool) -> None:
    """Remove the tenant's rows from the target (replica mode: no triggers fire)."""
    if not specs:
        return
    if whole_target:
        dst.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(q(schema, s.name) for s in specs)))
        return
    for spec in reversed(specs):
        dst.execute(sql.SQL("DELETE FROM {} WHERE tenant_id = {}").format(
            q(schema, spec.name), sql.Literal(str(tenant_id))))


def has_rows(conn: psycopg.Connection, schema: str, specs: list[TableSpec], tenant_id: uuid.UUID | None) -> str | None:
    """The first table holding rows (of the tenant, when given), or None."""
    for spec in specs:
        cond = sql.SQL("tenant_id = {}").format(sql.Literal(str(tenant_id))) if tenant_id else sql.SQL("true")
        row = conn.execute(sql.SQL("SELECT 1 FROM {} WHERE {} LIMIT 1").format(q(schema, spec.name), cond)).fetchone()
        if row:
            return spec.name
    return None


def counts(conn: psycopg.Connection, schema: str, specs: list[TableSpec], tenant_id: uuid.UUID) -> dict[str, int]:
    result: dict[str, int] = {}
    for spec in specs:
        query = sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = {}").format(
            q(schema, spec.name), sql.Literal(str(tenant_id)))
        row = conn.execute(query).fetchone()
        result[spec.name] = int(row[0]) if row else 0
    return result


def checksum_sql(schema: str, spec: TableSpec, tenant_id: uuid.UUID,
                 where: sql.Composable | None = None) -> sql.Composed:
    """Row count and an order-independent checksum: XOR of each row's 64-bit hash.

    The hash is PostgreSQL's `hashtextextended` of the row's text (the same function on both
    sides, several times cheaper than md5). XOR makes it incremental: a table's checksum
    after changing rows R is its checksum before, XOR the old versions of R, XOR the new."""
    row = sql.SQL("ROW({})::text").format(_cols(spec))
    query = sql.SQL(
        "SELECT count(*), coalesce(bit_xor(hashtextextended({}, 0)), 0) FROM {} WHERE tenant_id = {}"
    ).format(row, q(schema, spec.name), sql.Literal(str(tenant_id)))
    return query if where is None else sql.SQL("{} AND {}").format(query, where)


def checksum(conn: psycopg.Connection, schema: str, spec: TableSpec, tenant_id: uuid.UUID,
             where: sql.Composable | None = None) -> list[int]:
    row = conn.execute(checksum_sql(schema, spec, tenant_id, where)).fetchone()
    assert row is not None
    return [int(row[0]), int(row[1])]


def ids_filter(ids: list[uuid.UUID]) -> sql.Composed:
    return sql.SQL("id = ANY({}::uuid[])").format(sql.Literal([str(i) for i in ids]))


def checksums(url: str, schema: str, specs: list[TableSpec], tenant_id: uuid.UUID,
              *, count_only: bool = False) -> dict[str, list[int]]:
    with connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        out: dict[str, list[int]] = {}
        for spec in specs:
            if count_only:
                row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = {}").format(
                    q(schema, spec.name), sql.Literal(str(tenant_id)))).fetchone()
                out[spec.name] = [int(row[0]) if row else 0, 0]
            else:
                out[spec.name] = checksum(conn, schema, spec, tenant_id)
        conn.rollback()
    return out


def checksums_both(src_url: str, src_schema: str, dst_url: str, dst_schema: str, specs: list[TableSpec],
                   tenant_id: uuid.UUID, *, count_only: bool = False,
                   ) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Source and target checksums (or row counts), computed at the same time in two threads."""
    results: dict[str, dict[str, list[int]]] = {}
    errors: list[BaseException] = []

    def run(side: str, url: str, schema: str) -> None:
        try:
            results[side] = checksums(url, schema, specs, tenant_id, count_only=count_only)
        except BaseException as exc:
            errors.append(exc)

    other = threading.Thread(target=run, args=("target", dst_url, dst_schema), daemon=True)
    other.start()
    run("source", src_url, src_schema)
    other.join()
    if errors:
        raise errors[0]
    return results["source"], results["target"]


def seal(conn: psycopg.Connection, schema: str, tenant_id: uuid.UUID) -> int:
    """Seal the tenant's pending audit rows on `conn` (autocommit), in its own context."""
    total = 0
    fn = sql.SQL("SELECT {}.audit_seal({}, {})").format(
        sql.Identifier(schema), sql.Literal(str(tenant_id)), sql.Literal(SEAL_BATCH))
    while True:
        with conn.transaction():
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(tenant_id),))
            row = conn.execute(fn).fetchone()
        sealed = int(row[0]) if row and row[0] is not None else 0
        total += sealed
        if sealed < SEAL_BATCH:
            return total


def chain_max(conn: psycopg.Connection, schema: str, tenant_id: uuid.UUID) -> int:
    row = conn.execute(sql.SQL("SELECT coalesce(max(chain_seq), 0) FROM {} WHERE tenant_id = {}").format(
        q(schema, AUDIT_TABLE), sql.Literal(str(tenant_id)))).fetchone()
    return int(row[0]) if row else 0


def changed_rows(conn: psycopg.Connection, schema: str, tenant_id: uuid.UUID, mark: int) -> dict[str, list[uuid.UUID]]:
    """Rows named by the audit rows above `mark`, per table."""
    rows = conn.execute(
        sql.SQL("SELECT table_name, array_agg(DISTINCT row_id) FROM {} WHERE tenant_id = {} AND chain_seq > {}"
                " AND row_id IS NOT NULL GROUP BY table_name").format(
            q(schema, AUDIT_TABLE), sql.Literal(str(tenant_id)), sql.Literal(mark))).fetchall()
    return {str(t): list(ids) for t, ids in rows}


def wait_for_writers(conn: psycopg.Connection, timeout: float = 60.0) -> None:
    """Wait until no transaction of this database that began before now (the server's
    clock, read right after the lock was committed) is still open: such a transaction may
    have checked the guard before the lock existed."""
    since = conn.execute("SELECT clock_timestamp()").fetchone()
    assert since is not None
    deadline = time.monotonic() + timeout
    while True:
        row = conn.execute(
            """SELECT count(*) FROM pg_catalog.pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()
                 AND xact_start < %s AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)""",
            (since[0],),
        ).fetchone()
        if not row or int(row[0]) == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{row[0]} transaction(s) that began before the read-only window are still open")
        time.sleep(0.05)
