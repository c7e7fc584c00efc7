"""Sessions: the control plane, and `tenant_session(ctx)`, the one road to tenant data.

`tenant_session` decides where a tenant's rows live (engine per URL, schema translation
for the schema tier) and stamps every transaction with `app.tenant_id`, `app.actor` and
`app.request_id` (SET LOCAL semantics), which row-level security and the audit triggers
read. The caller (an edge: API dependency, UI action, job block) owns commit/rollback;
leaving the block commits, an exception rolls back. `tenant_connection` is the same for
Core statements, and `read_rows` runs one read-only statement in a single round trip.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Connection, Select, event, text
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session, SessionTransaction

from core.context import TenantContext
from db.engines import engine_for
from db.topology import get_topology

EXTENSIONS_SCHEMA = "extensions"
_SET_CONTEXT = text(
    "SELECT set_config('app.tenant_id', :tenant, true), set_config('app.actor', :actor, true),"
    " set_config('app.request_id', :request, true), set_config('search_path', :path, true)"
)
_DIALECT = PGDialect_psycopg()  # type: ignore[no-untyped-call]


def search_path_for(schema: str | None) -> str:
    return f'"{schema}", {EXTENSIONS_SCHEMA}' if schema else f"public, {EXTENSIONS_SCHEMA}"


@contextmanager
def control_session(*, admin: bool = False) -> Iterator[Session]:
    """A session on the control database; commits on success."""
    engine = engine_for(get_topology().control_url(admin=admin))
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _context_params(ctx: TenantContext) -> dict[str, Any]:
    return {
        "tenant": str(ctx.tenant_id),
        "actor": str(ctx.actor),
        "request": ctx.request_id,
        "path": search_path_for(ctx.schema),
    }


def stamp(conn: Connection, ctx: TenantContext) -> None:
    """Apply the tenant context to the current transaction of `conn`."""
    conn.execute(_SET_CONTEXT, _context_params(ctx))


_CONTEXT_KEY = "bos.tenant_context"


class TenantSession(Session):
    """A Session whose every transaction starts by stamping the tenant context."""


@event.listens_for(TenantSession, "after_begin")
def _stamp_transaction(session: Session, _t: SessionTransaction, conn: Connection) -> None:
    # One listener on the class (registering one per session instance costs more than the query).
    conn.execute(_SET_CONTEXT, session.info[_CONTEXT_KEY])


@contextmanager
def tenant_session(ctx: TenantContext) -> Iterator[Session]:
    if not ctx.database_url:
        raise RuntimeError("TenantContext has no placement; build it with core.tenancy.registry")
    engine = engine_for(ctx.database_url)
    bind = engine.execution_options(schema_translate_map={None: ctx.schema}) if ctx.schema else engine
    session = TenantSession(bind=bind, expire_on_commit=False)
    session.info[_CONTEXT_KEY] = _context_params(ctx)
    try:
        yield session
        session.commit()
    except BaseException as exc:
        session.rollback()
        _raise_if_locked(exc)
        raise
    finally:
        session.close()


# SQLSTATE of the database write guard of a tier or region move (core.tenancy.migration.guard).
WRITE_LOCKED_SQLSTATE = "BOS23"


def _raise_if_locked(exc: BaseException) -> None:
    """A write refused by the move's database guard is the same 423 as the service check."""
    orig = getattr(exc, "orig", None)
    if orig is not None and getattr(orig, "sqlstate", None) == WRITE_LOCKED_SQLSTATE:
        from core.errors import Locked

        raise Locked(str(getattr(orig.diag, "message_primary", None) or "the company is read-only right now"),
                     details={"status": "migrating"}) from exc


@contextmanager
def tenant_connection(ctx: TenantContext) -> Iterator[Connection]:
    """A Core connection in one transaction with the tenant context applied (bulk work)."""
    engine = engine_for(ctx.database_url)
    bind = engine.execution_options(schema_translate_map={None: ctx.schema}) if ctx.schema else engine
    try:
        with bind.begin() as conn:
            stamp(conn, ctx)
            yield conn
    except BaseException as exc:
        _raise_if_locked(exc)
        raise


@functools.lru_cache(maxsize=256)
def stamped_sql(statement: Select[Any]) -> str:
    """The text `read_rows` sends: the stamp and `statement` as two statements (compiled
    once per statement object: callers pass statements they build once and keep)."""
    return str(_SET_CONTEXT.compile(dialect=_DIALECT)) + "; " + str(statement.compile(dialect=_DIALECT))


def stamped_values(ctx: TenantContext, params: Mapping[str, Any]) -> dict[str, Any]:
    """The values for `stamped_sql`: the tenant context's and the statement's."""
    values = _context_params(ctx)
    if clash := values.keys() & params.keys():
        raise ValueError(f"parameter names reserved for the tenant stamp: {sorted(clash)}")
    return {**values, **params}


def read_rows(ctx: TenantContext, statement: Select[Any], params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of one read-only Core statement, in one round trip to the server.

    The tenant stamp and the statement travel as one simple-protocol message, which
    PostgreSQL runs as one implicit transaction: the stamp is local to it, as in
    `tenant_connection`, and row-level security applies the same. The values are bound by
    psycopg on the client (quoted literals). Against three round trips (stamp, statement,
    commit) this cut the client's CPU per invoice page by about a third (440 to 280 us)
    and raised one client's pages per second by about 40%; the price is a plan per call
    instead of a prepared one, which costs the server less than the round trips did.
    """
    raw = engine_for(ctx.database_url).raw_connection()
    try:
        conn: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
        conn.autocommit = True  # no BEGIN/COMMIT round trips: the message is its own transaction
        try:
            with psycopg.ClientCursor(conn) as cur:
                cur.execute(stamped_sql(statement), stamped_values(ctx, params))
                cur.nextset()
                return cur.fetchall()
        finally:
            if not conn.closed:
                conn.autocommit = False
    except psycopg.OperationalError:
        raw.invalidate()
        raise
    finally:
        raw.close()
