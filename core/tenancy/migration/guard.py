"""The database-level write guard of a move's read-only window.

Each database that holds tenant tables gets a schema `bos_guard` with one small table,
`write_locks` (one row per locked tenant and schema: a region's shared database holds the
shared tier's `public` and the schema tier's `t_<slug>` side by side), and one trigger
function. Every tenant table
of a guarded target carries a statement-level BEFORE INSERT/UPDATE/DELETE trigger,
`bos_write_guard`, that refuses the statement (SQLSTATE BOS23, shown as 423 Locked) when
the tenant is locked. In a schema or dedicated target the trigger names its tenant (one
tenant per target); in a region's shared database it reads `app.tenant_id`, which every
application transaction sets (row-level security needs it).

A normal write pays one index probe of a table with no rows (a few microseconds per
statement, not per row). The guard is installed on a move's source before its read-only
window and on the target when it is provisioned; the source stays locked after the
switch, so a stale writer can never add rows to the copy that is kept for rollback.
"""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from db.migrate import UNAUDITED_TABLES_SQL

GUARD_SCHEMA = "bos_guard"
LOCKED_SQLSTATE = "BOS23"

_GUARD_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {GUARD_SCHEMA};
CREATE TABLE IF NOT EXISTS {GUARD_SCHEMA}.write_locks (
  tenant_id uuid NOT NULL,
  schema_name text NOT NULL,
  move_id uuid,
  locked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, schema_name)
);
CREATE OR REPLACE FUNCTION {GUARD_SCHEMA}.refuse_locked_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_tenant uuid := CASE WHEN TG_NARGS > 0 THEN TG_ARGV[0]::uuid
                        ELSE nullif(current_setting('app.tenant_id', true), '')::uuid END;
BEGIN
  IF v_tenant IS NOT NULL AND EXISTS (SELECT 1 FROM {GUARD_SCHEMA}.write_locks l
                                      WHERE l.tenant_id = v_tenant AND l.schema_name = TG_TABLE_SCHEMA) THEN
    RAISE EXCEPTION 'the company is being moved to its new home; changes are paused for a moment'
      USING ERRCODE = '{LOCKED_SQLSTATE}';
  END IF;
  RETURN NULL;
END $$;
"""


def _tenant_tables(conn: psycopg.Connection, schema: str) -> list[str]:
    rows = conn.execute(
        """SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND c.relname NOT IN """ + UNAUDITED_TABLES_SQL + """
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid
                         AND a.attname = 'tenant_id' AND NOT a.attisdropped)
             AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid
                             AND t.tgname = 'bos_write_guard')
           ORDER BY c.relname""",
        (schema,),
    ).fetchall()
    return [r[0] for r in rows]


def install(conn: psycopg.Connection, schema: str, app_user: str, tenant_id: uuid.UUID | None) -> int:
    """Install the guard on every tenant table of `schema` that lacks it (idempotent).

    `conn` is an owner's connection in autocommit mode; `tenant_id` is given for a target
    that holds one tenant only (schema, dedicated), None for a region's shared database.
    """
    have = conn.execute("SELECT to_regprocedure(%s)", (f"{GUARD_SCHEMA}.refuse_locked_write()",)).fetchone()
    if have is None or have[0] is None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('bos:write-guard'))")
            conn.execute(_GUARD_DDL)
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(GUARD_SCHEMA), sql.Identifier(app_user)))
            conn.execute(sql.SQL("GRANT SELECT ON {}.write_locks TO {}").format(
                sql.Identifier(GUARD_SCHEMA), sql.Identifier(app_user)))
    made = 0
    for table in _tenant_tables(conn, schema):
        args = sql.Literal(str(tenant_id)) if tenant_id else sql.SQL("")
        stmt = sql.SQL(
            "CREATE TRIGGER bos_write_guard BEFORE INSERT OR UPDATE OR DELETE ON {}.{} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {}.refuse_locked_write({})"
        ).format(sql.Identifier(schema), sql.Identifier(table), sql.Identifier(GUARD_SCHEMA), args)
        # Creating a trigger briefly takes a lock that waits for writers of the table: bounded.
        with conn.transaction():
            conn.execute("SET LOCAL lock_timeout = '10s'")
            exists = conn.execute(
                """SELECT 1 FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
                   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relname = %s AND t.tgname = 'bos_write_guard'""",
                (schema, table),
            ).fetchone()
            if not exists:
                conn.execute(stmt)
                made += 1
    return made


def lock(conn: psycopg.Connection, tenant_id: uuid.UUID, schema: str, move_id: uuid.UUID | None) -> None:
    """Refuse the tenant's writes to the tables of `schema` in this database."""
    conn.execute(
        f"INSERT INTO {GUARD_SCHEMA}.write_locks (tenant_id, schema_name, move_id) VALUES (%s, %s, %s) "
        "ON CONFLICT (tenant_id, schema_name) DO UPDATE SET move_id = EXCLUDED.move_id",
        (tenant_id, schema, move_id),
    )


def unlock(conn: psycopg.Connection, tenant_id: uuid.UUID, schema: str) -> None:
    have = conn.execute("SELECT to_regclass(%s)", (f"{GUARD_SCHEMA}.write_locks",)).fetchone()
    if have and have[0]:
        conn.execute(f"DELETE FROM {GUARD_SCHEMA}.write_locks WHERE tenant_id = %s AND schema_name = %s",
                     (tenant_id, schema))


def is_locked(conn: psycopg.Connection, tenant_id: uuid.UUID, schema: str) -> bool:
    have = conn.execute("SELECT to_regclass(%s)", (f"{GUARD_SCHEMA}.write_locks",)).fetchone()
    if not have or not have[0]:
        return False
    row = conn.execute(f"SELECT 1 FROM {GUARD_SCHEMA}.write_locks WHERE tenant_id = %s AND schema_name = %s",
                       (tenant_id, schema)).fetchone()
    return row is not None
