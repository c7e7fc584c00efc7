"""Runs the two Alembic trees programmatically.

`control` migrates the control database. `tenant` migrates a *target*: a region's shared
database (schema `public`), one tenant schema `t_<slug>`, or a dedicated database. A
target is migrated in one transaction (PostgreSQL DDL is transactional), so a failing
migration leaves the target exactly as it was. The script directory is loaded once per
process; each target then costs only its own DDL and a version-table read.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from core.config import get_settings
from db.session import search_path_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
TREES = ("control", "tenant")
# Tables the runtime role may only read and append to (never update or delete).
APPEND_ONLY_TABLES = frozenset({"audit_log", "audit_pending", "audit_batch", "control_audit_log"})
# Tenant tables without audit triggers (the audit's own, Alembic's), as an SQL list.
UNAUDITED_TABLES_SQL = "('audit_log', 'audit_batch', 'audit_pending', 'alembic_version')"

_scripts: dict[str, ScriptDirectory] = {}
_configs: dict[str, Config] = {}
_lock = threading.Lock()
# Alembic's `op` and `context` are module-level proxies: one migration at a time per
# process. Parallel schema sync therefore uses worker processes, not threads.
_alembic_lock = threading.Lock()


def alembic_config(tree: str) -> Config:
    with _lock:
        if tree not in _configs:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS / tree))
            cfg.set_main_option("path_separator", "os")
            locations = [str(MIGRATIONS / tree / "versions")]
            extra = get_settings().tenant_extra_versions if tree == "tenant" else None
            if extra:
                locations += [p for p in extra.split(":") if p]
            cfg.set_main_option("version_locations", ":".join(locations))
            _configs[tree] = cfg
        return _configs[tree]


def script_directory(tree: str) -> ScriptDirectory:
    cfg = alembic_config(tree)
    with _lock:
        if tree not in _scripts:
            _scripts[tree] = ScriptDirectory.from_config(cfg)
        return _scripts[tree]


def revision_module(tree: str, revision: str) -> ModuleType:
    """The loaded module of one migration, for a later migration that reuses its SQL."""
    script = script_directory(tree).get_revision(revision)
    assert script is not None, f"no {tree} migration {revision}"
    return script.module


def reset_script_cache() -> None:
    with _lock:
        _scripts.clear()
        _configs.clear()
        _static_sql.clear()


def head(tree: str) -> str:
    rev = script_directory(tree).get_current_head()
    assert rev is not None, f"the {tree} migration tree has no head"
    return rev


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings, the default since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def _search_path(conn: Connection, schema: str | None) -> Iterator[None]:
    if schema:
        conn.execute(text("SELECT set_config('search_path', :p, true)"), {"p": search_path_for(schema)})
    yield


def current_revision(conn: Connection, schema: str | None = None) -> str | None:
    ctx = MigrationContext.configure(conn, opts={"version_table_schema": schema})
    return ctx.get_current_revision()


def pending_revisions(tree: str, current: str | None, target: str = "head") -> list[str]:
    script = script_directory(tree)
    revs = list(script.iterate_revisions(target, current or "base"))
    return [r.revision for r in reversed(revs)]


def upgrade(conn: Connection, tree: str, schema: str | None = None, target: str = "head") -> str | None:
    """Upgrade the target reached by `conn` (already inside a transaction) to `target`."""
    script = script_directory(tree)
    cfg = alembic_config(tree)

    def fn(rev: object, _context: object) -> object:
        return script._upgrade_revs(target, rev)  # type: ignore[arg-type]

    with _alembic_lock, _search_path(conn, schema):
        with EnvironmentContext(cfg, script, fn=fn, destination_rev=target) as env:
            env.configure(
                connection=conn,
                version_table_schema=schema,
                transactional_ddl=True,
            )
            env.run_migrations()
        if tree == "tenant":
            install_audit_triggers(conn, schema)
        return current_revision(conn, schema)


def reverted_revisions(tree: str, current: str | None, target: str) -> list[str]:
    """The revisions a downgrade from `current` to `target` removes, newest first."""
    if current is None or current == target:
        return []
    script = script_directory(tree)
    revs = script.iterate_revisions(current, None if target == "base" else target,
                                    select_for_downgrade=True)
    return [r.revision for r in revs]


def downgrade(conn: Connection, tree: str, schema: str | None = None, target: str = "base") -> str | None:
    """Downgrade the target reached by `conn` (already inside a transaction) to `target`."""
    script = script_directory(tree)
    cfg = alembic_config(tree)

    def fn(rev: object, _context: object) -> object:
        return script._downgrade_revs(target, rev)  # type: ignore[arg-type]

    with _alembic_lock, _search_path(conn, schema):
        with EnvironmentContext(cfg, script, fn=fn, destination_rev=target) as env:
            env.configure(
                connection=conn,
                version_table_schema=schema,
                transactional_ddl=True,
            )
            env.run_migrations()
        return current_revision(conn, schema)


def audit_triggers_stale_sql(schema_expr: str) -> str:
    """EXISTS: a tenant table of the schema lacks one of its audit triggers, or a trigger's
    skipped-column arguments no longer match the table (a vector/bytea column came or went).

    One catalog query, so a migration that adds no table pays next to nothing; the
    installer itself runs only when something is missing. No percent sign (see t0003)."""
    triggers = "('audit_insert', 'audit_update', 'audit_delete')"
    return f"""EXISTS (
      SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
      WHERE ns.nspname = {schema_expr} AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND c.relname NOT IN {UNAUDITED_TABLES_SQL}
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                    AND NOT a.attisdropped)
        AND ((SELECT count(*) FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname IN {triggers}) < 3
             OR EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname IN {triggers}
                        AND t.tgnargs <> (SELECT count(*) FROM pg_catalog.pg_attribute a
                                          JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
                                          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                            AND ty.typname IN ('vector', 'halfvec', 'sparsevec', 'tsvector',
                                                               'bytea')))))"""


def install_audit_triggers(conn: Connection, schema: str | None) -> int:
    """Audit triggers on every tenant table of the schema that lacks them (tenant tree t0003+)."""
    name = schema or str(conn.execute(text("SELECT current_schema()")).scalar_one())
    installer = f"{quote_ident(name)}.audit_install_triggers"
    if conn.execute(text("SELECT to_regprocedure(:f)"), {"f": installer + "(text)"}).scalar() is None:
        return 0  # a target below t0003
    if not conn.execute(text("SELECT " + audit_triggers_stale_sql(":s")), {"s": name}).scalar():
        return 0
    return int(conn.execute(text(f"SELECT {installer}(:s)"), {"s": name}).scalar_one())


def grants_sql(schema: str, app_user: str) -> str:
    """One statement that gives the runtime role what it needs on a schema, and no more.

    USAGE on the schema; SELECT, INSERT, UPDATE, DELETE on every table but the version
    table; only SELECT and INSERT on the append-only tables (UPDATE, DELETE and TRUNCATE
    revoked); USAGE and SELECT on the sequences. It changes only what is missing, so on a
    target whose tables already carry their grants it is a catalog read, nothing more.
    """
    append_only = "ARRAY[" + ", ".join(quote_literal(t) for t in sorted(APPEND_ONLY_TABLES)) + "]::text[]"
    return f"""DO $bos_grants$
DECLARE
  s text := {quote_literal(schema)};
  r text := {quote_literal(app_user)};
  append_only text[] := {append_only};
  t record;
  q text;
BEGIN
  IF NOT has_schema_privilege(r, s, 'USAGE') THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', s, r);
  END IF;
  FOR t IN SELECT c.relname, c.relkind FROM pg_catalog.pg_class c
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = s AND c.relkind IN ('r', 'p', 'S') AND c.relname <> 'alembic_version'
  LOOP
    q := format('%I.%I', s, t.relname);
    IF t.relkind = 'S' THEN
      IF NOT (has_sequence_privilege(r, q, 'USAGE') AND has_sequence_privilege(r, q, 'SELECT')) THEN
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', q, r);
      END IF;
    ELSIF t.relname = ANY (append_only) THEN
      IF has_table_privilege(r, q, 'UPDATE') OR has_table_privilege(r, q, 'DELETE')
         OR has_table_privilege(r, q, 'TRUNCATE') THEN
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %I', q, r);
      END IF;
      IF NOT (has_table_privilege(r, q, 'SELECT') AND has_table_privilege(r, q, 'INSERT')) THEN
        EXECUTE format('GRANT SELECT, INSERT ON %s TO %I', q, r);
      END IF;
    ELSIF NOT (has_table_privilege(r, q, 'SELECT') AND has_table_privilege(r, q, 'INSERT')
               AND has_table_privilege(r, q, 'UPDATE') AND has_table_privilege(r, q, 'DELETE')) THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO %I', q, r);
    END IF;
  END LOOP;
END $bos_grants$"""


def apply_grants(conn: Connection, schema: str, app_user: str) -> None:
    """Give the runtime role what it needs on a schema's tables, and no more (one round trip)."""
    conn.execute(text(grants_sql(schema, app_user)))


# --- render once, apply to many targets --------------------------------------------------
#
# Running Alembic on each of thousands of tenant schemas costs far more in Python and
# round trips than the DDL itself. The tenant tree is schema-agnostic (unqualified names,
# resolved through the search_path), so the SQL of a step `current -> target` is the same
# for every target: it is rendered once per process (Alembic offline mode) and sent to each
# target in one message (see core.tenancy.schema_sync). A revision whose module looks at
# the database or at the mode it runs in cannot be rendered that way; it always runs
# through Alembic on each target, as does a module that sets `schema_sync_static = False`.

_ONLINE_ONLY_MARKERS = ("get_bind", "get_context", "is_offline_mode", "migration_context", "inspect(")
_static_sql: dict[tuple[str, str, str], str | None] = {}


def _renderable(script: ScriptDirectory, revisions: list[str]) -> bool:
    for rev in revisions:
        sc = script.get_revision(rev)
        if sc is None or not getattr(sc.module, "schema_sync_static", True):
            return False
        source = Path(sc.path).read_text()
        if any(marker in source for marker in _ONLINE_ONLY_MARKERS):
            return False
    return True


def static_upgrade_sql(tree: str, current: str, target: str) -> str | None:
    """The SQL that upgrades a target from `current` to `target`, rendered once and cached.

    None when a step must run through Alembic on each target. The text holds the DDL and
    the version-table update, unqualified, without transaction control.
    """
    key = (tree, current, target)
    with _lock:
        if key in _static_sql:
            return _static_sql[key]
    script = script_directory(tree)
    cfg = alembic_config(tree)
    revisions = pending_revisions(tree, current, target)
    rendered: str | None = None
    if revisions and _renderable(script, revisions):
        buffer = io.StringIO()

        def fn(rev: object, _context: object) -> object:
            return script._upgrade_revs(target, rev)  # type: ignore[arg-type]

        with _alembic_lock, EnvironmentContext(cfg, script, fn=fn, as_sql=True, starting_rev=current,
                                                destination_rev=target) as env:
            env.configure(dialect_name="postgresql", output_buffer=buffer, transactional_ddl=False)
            env.run_migrations()
        rendered = buffer.getvalue()
    with _lock:
        _static_sql[key] = rendered
    return rendered
