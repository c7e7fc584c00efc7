"""Bringing the servers to a usable state: roles, databases, extensions, control schema.

Idempotent: `make run`, the tests and the CLI call it every time they start.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql
from sqlalchemy import text

from db.embedded import EmbeddedServer
from db.engines import dispose_database, one_off_engine
from db.migrate import apply_grants, upgrade
from db.session import EXTENSIONS_SCHEMA
from db.topology import CONTROL_DB, SHARED_DB, Topology, normalise

log = logging.getLogger(__name__)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL as a plain libpq connection string for psycopg."""
    return normalise(url).set(drivername="postgresql").render_as_string(hide_password=False)


def start_embedded(topology: Topology) -> list[EmbeddedServer]:
    """Start the embedded servers that are not running; returns those started here."""
    started = []
    for server in topology.servers.values():
        server.start()
        if server.started_here:
            started.append(server)
    return started


def server_url(url: str) -> str:
    """The maintenance database on the server that `url` points at."""
    return _with_db(url, "postgres")


def ensure_app_role(server_admin_url: str, user: str, password: str) -> None:
    with psycopg.connect(libpq_url(server_url(server_admin_url))) as conn:
        # Role changes race between concurrent starts ("tuple concurrently updated"): serialise them.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('bos:prepare-server'))")
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(
                "{} ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD {}"
            ).format(sql.SQL(verb), sql.Identifier(user), sql.Literal(password))
        )


def ensure_database(server_admin_url: str, database: str, app_user: str) -> bool:
    """Create a database for Business OS unless it exists; returns True if created."""
    with psycopg.connect(libpq_url(server_url(server_admin_url)), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    prepare_database(_with_db(server_admin_url, database), app_user)
    return not exists


def prepare_database(db_admin_url: str, app_user: str) -> None:
    """Extensions in their own schema, no CREATE for PUBLIC, CONNECT for the app role."""
    with psycopg.connect(libpq_url(db_admin_url)) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('bos:prepare-database'))")
        dbname = conn.info.dbname
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(EXTENSIONS_SCHEMA)))
        conn.execute(
            sql.SQL("CREATE EXTENSION IF NOT EXISTS vector SCHEMA {}").format(sql.Identifier(EXTENSIONS_SCHEMA))
        )
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET search_path = public, {}").format(
                sql.Identifier(dbname), sql.Identifier(EXTENSIONS_SCHEMA)
            )
        )
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(dbname), sql.Identifier(app_user)
            )
        )
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {}, public TO {}").format(
                sql.Identifier(EXTENSIONS_SCHEMA), sql.Identifier(app_user)
            )
        )


def drop_database(server_admin_url: str, database: str) -> None:
    with psycopg.connect(libpq_url(server_url(server_admin_url)), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    # FORCE ended every session on it: this process's pooled ones are gone, not merely idle.
    dispose_database(server_admin_url, database)


def _with_db(url: str, database: str) -> str:
    return normalise(url).set(database=database).render_as_string(hide_password=False)


def migrate_control(topology: Topology) -> str | None:
    engine = one_off_engine(topology.control_url(admin=True))
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('bos:migrate-control'))"))
            rev = upgrade(conn, "control")
            apply_grants(conn, "public", topology.app_user)
        return rev
    finally:
        engine.dispose()


def prepare_servers(topology: Topology) -> None:
    """Roles and databases on every server; the control schema at head."""
    servers = {server_url(topology.control_admin_url)}
    servers.update(server_url(topology.region_admin_urls[region]) for region in topology.regions)
    for url in servers:
        ensure_app_role(url, topology.app_user, topology.app_password)
    ensure_database(topology.control_admin_url, normalise(topology.control_admin_url).database or CONTROL_DB,
                    topology.app_user)
    for region in topology.regions:
        ensure_database(topology.region_admin_urls[region], SHARED_DB, topology.app_user)
    migrate_control(topology)
