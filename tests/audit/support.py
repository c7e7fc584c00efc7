"""Helpers for the audit tests: raw connections as the app role and as the superuser."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from core.context import TenantContext
from core.tenancy.models import Tenant
from core.tenancy.placement import admin_url
from core.tenancy.registry import context, get_tenant
from core.tenancy.schema_sync import Target, record, revert_target, sync, tenant_target
from db.bootstrap import libpq_url
from db.session import search_path_for
from db.topology import get_topology


def app_connection(ctx: TenantContext, actor: str | None = None) -> psycopg.Connection[Any]:
    """A plain psycopg connection as the runtime role, tenant context set for the session."""
    conn = psycopg.connect(libpq_url(ctx.database_url))
    conn.execute("SELECT set_config('app.tenant_id', %s, false), set_config('search_path', %s, false)",
                 (str(ctx.tenant_id), search_path_for(ctx.schema)))
    if actor is not None:
        conn.execute("SELECT set_config('app.actor', %s, false)", (actor,))
    conn.commit()
    return conn


def admin_connection(slug: str) -> psycopg.Connection[Any]:
    """The superuser on the database holding the tenant's tables, autocommit."""
    return psycopg.connect(libpq_url(admin_url(get_tenant(slug), get_topology())), autocommit=True)


def control_admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(get_topology().control_url(admin=True)), autocommit=True)


def audit_table(ctx: TenantContext) -> sql.Composed:
    """The sealed audit rows."""
    return sql.SQL("{}.audit_log").format(sql.Identifier(ctx.schema or "public"))


def pending_table(ctx: TenantContext) -> sql.Composed:
    """The audit rows not sealed yet."""
    return sql.SQL("{}.audit_pending").format(sql.Identifier(ctx.schema or "public"))


def all_audit_rows(ctx: TenantContext) -> sql.Composed:
    """Sealed and pending audit rows, as one table expression (pending: no chain columns)."""
    cols = "id, tenant_id, occurred_at, actor, action, table_name, row_id, old_values, new_values, request_id"
    return sql.SQL("(SELECT {cols}, chain_seq, prev_hash, hash FROM {log} UNION ALL"
                   " SELECT {cols}, NULL::bigint, NULL::bytea, NULL::bytea FROM {pending}) AS audit_rows").format(
        cols=sql.SQL(cols), log=audit_table(ctx), pending=pending_table(ctx))


def audit_rows(ctx: TenantContext, row_id: object) -> list[dict[str, Any]]:
    """The audit rows of one business row, sealed or not, oldest first (read as the superuser)."""
    with admin_connection(ctx.slug) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(sql.SQL("SELECT * FROM {} WHERE row_id = %s ORDER BY id").format(all_audit_rows(ctx)), (row_id,))
        return list(cur.fetchall())


def create_audited_table(ctx: TenantContext, name: str, columns: str) -> None:
    """A table in the tenant's schema with `id uuid` and `tenant_id` before `columns`, open
    to the app role and given the audit triggers (as a migration would)."""
    schema = sql.Identifier(ctx.schema or "public")
    with admin_connection(ctx.slug) as admin:
        admin.execute(sql.SQL("CREATE TABLE {}.{} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
                              " tenant_id uuid NOT NULL, {})").format(schema, sql.Identifier(name), sql.SQL(columns)))
        admin.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {}.{} TO bos_app").format(
            schema, sql.Identifier(name)))
        admin.execute(sql.SQL("SELECT {}.audit_install_triggers(%s)").format(schema), (ctx.schema or "public",))


def tenant_at(fresh_tenant: Callable[[str, str], Tenant], prefix: str, revision: str) -> tuple[TenantContext, Target]:
    """A new schema-tier tenant whose tables are taken back to migration `revision`."""
    tenant = fresh_tenant(f"{prefix}-{uuid.uuid4().hex[:6]}", "schema")
    target = tenant_target(tenant, get_topology())
    reverted = revert_target(target, revision)
    assert reverted.status == "ok", reverted.error
    record([reverted])
    return context(tenant.slug), target


def upgrade(target: Target) -> None:
    """Bring a target's tables to the newest migration (schema sync)."""
    report = sync(targets=[target], workers=1)
    assert report.ok, [(r.target.key, r.error) for r in report.failed]
