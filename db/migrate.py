"""Runs the two Alembic trees programmatically.

`control` migrates the control database. `tenant` migrates a *target*: a region's shared
database (schema `public`), one tenant schema `t_<slug>`, or a dedicated database. A
target is migrated in one transaction (PostgreSQL DDL is transactional), so a failing
migration leaves the target exactly as it was. The script directory is loaded once per
process; each target then costs only its own DDL and a version-table read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
APPEND_ONLY_TABLES = frozenset({"audit_log", "control_audit_log"})

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


def reset_script_cache() -> None:
    with _lock:
        _scripts.clear()
        _configs.clear()


def head(tree: str) -> str:
    rev = script_directory(tree).get_current_head()
    assert rev is not None, f"the {tree} migration tree has no head"
    return rev


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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


def apply_grants(conn: Connection, schema: str, app_user: str) -> None:
    """Give the runtime role what it needs on a schema's tables, and no more."""
    role = quote_ident(app_user)
    s = quote_ident(schema)
    conn.execute(text(f"GRANT USAGE ON SCHEMA {s} TO {role}"))
    tables = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s AND tablename <> 'alembic_version'"),
        {"s": schema},
    ).scalars()
    for table in tables:
        qualified = f"{s}.{quote_ident(table)}"
        if table in APPEND_ONLY_TABLES:
            conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {qualified} FROM {role}"))
            conn.execute(text(f"GRANT SELECT, INSERT ON {qualified} TO {role}"))
        else:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {qualified} TO {role}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {role}"))
