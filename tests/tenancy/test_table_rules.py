"""Every tenant table in the metadata follows the rules, in every kind of target,
so a future table cannot skip tenant_id, row-level security or its policy."""

from __future__ import annotations

import psycopg
import pytest

import db.models  # noqa: F401 - registers every model
from core.tenancy.registry import context
from db.base import TenantBase
from db.bootstrap import libpq_url
from db.rls import POLICY

TENANT_TABLES = sorted(TenantBase.metadata.tables)


def test_metadata_has_tenant_tables() -> None:
    assert {"customers", "invoices", "invoice_lines", "expenses"} <= set(TENANT_TABLES)


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_model_has_tenant_id(table: str) -> None:
    column = TenantBase.metadata.tables[table].c.get("tenant_id")
    assert column is not None and not column.nullable


def test_every_table_in_every_target_has_rls(topology, tenants) -> None:  # type: ignore[no-untyped-def]
    from core.tenancy.placement import admin_url
    from core.tenancy.registry import get_tenant

    targets = [
        ("shared", topology.shared_url("global", admin=True), "public"),
        ("schema", topology.shared_url("global", admin=True), context("a-schema").schema),
        ("dedicated", admin_url(get_tenant("a-dedicated"), topology), "public"),
    ]
    for kind, url, schema in targets:
        with psycopg.connect(libpq_url(url)) as conn:
            rows = conn.execute(
                """
                SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = %s),
                       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                               AND a.attname = 'tenant_id' AND a.attnotnull AND NOT a.attisdropped)
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname <> 'alembic_version'
                """,
                (POLICY, schema),
            ).fetchall()
        found = {r[0]: r[1:] for r in rows}
        assert set(found) == set(TENANT_TABLES), f"{kind}: tables differ from the metadata"
        for table, (enabled, forced, policy, tenant_id) in found.items():
            assert enabled and forced, f"{kind}.{table}: RLS must be enabled and forced"
            assert policy, f"{kind}.{table}: missing policy {POLICY}"
            assert tenant_id, f"{kind}.{table}: tenant_id NOT NULL missing"
