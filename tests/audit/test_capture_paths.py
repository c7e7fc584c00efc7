"""The capture picks its path by the statement's size: fewer than 64 rows give one audit
row each at once, 64 or more one batch; a statement changing no row leaves nothing. The
values are json; rows sealed while they were jsonb (before migration t0011) keep
verifying. The audit rows' rules hold for writers the policies do not trust: an unknown
action is refused even to the superuser, and no trigger may add a sealed row."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql

from core.audit.chain import seal
from core.audit.verify import verify_data_plane
from core.context import Actor, TenantContext
from core.tenancy.models import Tenant
from core.tenancy.registry import context
from tests.audit.support import (
    admin_connection,
    all_audit_rows,
    app_connection,
    audit_table,
    create_audited_table,
    pending_table,
    tenant_at,
    upgrade,
)

CUSTOMERS = "INSERT INTO customers (name) SELECT %s || g FROM generate_series(1, %s) g"


def _written(ctx: TenantContext, request: str) -> tuple[int, int]:
    """(audit rows, batches) a statement tagged with `request` wrote."""
    schema = sql.Identifier(ctx.schema or "public")
    with admin_connection(ctx.slug) as conn:
        rows = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE request_id = %s").format(all_audit_rows(ctx)),
                            (request,)).fetchone()
        batches = conn.execute(sql.SQL("SELECT count(*) FROM {}.audit_batch WHERE request_id = %s").format(schema),
                               (request,)).fetchone()
    assert rows is not None and batches is not None
    return int(rows[0]), int(batches[0])


def _run(conn: psycopg.Connection[Any], statement: str, *params: object) -> str:
    request = uuid.uuid4().hex
    conn.execute("SELECT set_config('app.request_id', %s, false)", (request,))
    conn.execute(statement, params)
    conn.commit()
    return request


@pytest.mark.parametrize(("rows", "expected"), [(0, (0, 0)), (1, (1, 0)), (2, (2, 0)), (63, (63, 0)), (64, (0, 1))])
def test_the_statement_size_picks_the_path(tenants: dict[str, object], tier: str, rows: int,
                                           expected: tuple[int, int]) -> None:
    ctx = context(f"a-{tier}", Actor("user", "sizes"))
    marker = f"size-{rows}-{uuid.uuid4().hex[:6]}-"
    with app_connection(ctx, actor="user:sizes") as conn:
        assert _written(ctx, _run(conn, CUSTOMERS, marker, rows)) == expected
        assert _written(ctx, _run(conn, "UPDATE customers SET email = 'x@example.co.id' WHERE name LIKE %s",
                                  marker + "%")) == expected
        assert _written(ctx, _run(conn, "DELETE FROM customers WHERE name LIKE %s", marker + "%")) == expected
    seal(ctx)
    assert verify_data_plane(ctx).ok


def test_an_update_of_one_row_pairs_its_old_and_new_values(tenants: dict[str, object], tier: str) -> None:
    ctx = context(f"a-{tier}")
    with app_connection(ctx, actor="user:editor") as conn:
        (row_id,) = conn.execute("INSERT INTO customers (name) VALUES ('Before') RETURNING id").fetchone()  # type: ignore[misc]
        conn.commit()
        request = _run(conn, "UPDATE customers SET name = 'After' WHERE id = %s", row_id)
        expected = conn.execute("SELECT to_jsonb(c) FROM customers c WHERE id = %s", (row_id,)).fetchone()
    with admin_connection(ctx.slug) as admin:
        (old, new, actor) = admin.execute(
            sql.SQL("SELECT old_values, new_values, actor FROM {} WHERE request_id = %s").format(all_audit_rows(ctx)),
            (request,)).fetchone()  # type: ignore[misc]
    assert expected is not None and new == expected[0]
    assert (old["name"], new["name"], actor) == ("Before", "After", "user:editor")
    assert {k: v for k, v in old.items() if k not in ("name", "updated_at")} == \
        {k: v for k, v in new.items() if k not in ("name", "updated_at")}
    seal(ctx)


def test_rows_sealed_as_jsonb_keep_verifying(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    ctx, target = tenant_at(fresh_tenant, "audit-json", "t0010")
    with app_connection(ctx, actor="user:before") as conn:
        conn.execute(CUSTOMERS, ("Old ", 3))
        conn.execute("UPDATE customers SET email = 'old@example.co.id'")
        conn.commit()
    assert seal(ctx) == 6
    with admin_connection(ctx.slug) as admin:
        (kind,) = admin.execute(sql.SQL("SELECT pg_typeof(new_values)::text FROM {} LIMIT 1")
                                .format(audit_table(ctx))).fetchone()  # type: ignore[misc]
    assert kind == "jsonb"
    upgrade(target)
    with app_connection(ctx, actor="user:after") as conn:
        conn.execute("DELETE FROM customers")
        conn.commit()
    assert seal(ctx) == 3
    result = verify_data_plane(ctx)
    assert result.ok and result.last_seq == 9, result


@pytest.mark.parametrize("table", [audit_table, pending_table])
def test_an_unknown_action_is_refused_even_to_the_superuser(tenants: dict[str, object],
                                                           table: Callable[[TenantContext], sql.Composed]) -> None:
    ctx = context("a-shared")
    count = sql.SQL("SELECT count(*) FROM {}").format(table(ctx))
    # The log's rows are sealed (chain columns NOT NULL); pending rows have none.
    chain_columns, chain_values = (", chain_seq, hash", ", 1, '\\x00'") if table is audit_table else ("", "")
    insert = sql.SQL("INSERT INTO {} (tenant_id, actor, action, table_name" + chain_columns
                     + ") VALUES (%s, 'x', 'ERASE', 'customers'" + chain_values + ")").format(table(ctx))
    with admin_connection(ctx.slug) as admin:
        before = admin.execute(count).fetchone()
        with pytest.raises(psycopg.errors.CheckViolation, match="audit_action"):
            admin.execute(insert, (ctx.tenant_id,))
        assert admin.execute(count).fetchone() == before


def test_no_trigger_may_add_a_sealed_row(tenants: dict[str, object]) -> None:
    """Capture triggers write audit rows to the pending table; the log takes sealed rows
    from its owner only (the sealer): a trigger of someone else's making that tries to
    slip in a sealed row is refused."""
    ctx = context("a-shared")
    with app_connection(ctx) as conn:
        (app_role,) = conn.execute("SELECT current_user").fetchone()  # type: ignore[misc]
    with admin_connection(ctx.slug) as admin, admin.transaction(force_rollback=True):
        admin.execute("""CREATE FUNCTION public.forge_sealed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO public.audit_log (tenant_id, actor, action, table_name, chain_seq, hash)
              VALUES (NEW.tenant_id, 'forger', 'INSERT', 'customers', 1, '\\x00');
              RETURN NULL;
            END $$""")
        admin.execute("CREATE TRIGGER forge_sealed AFTER INSERT ON public.customers FOR EACH ROW"
                      " EXECUTE FUNCTION public.forge_sealed()")
        admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(app_role)))
        admin.execute("SELECT set_config('app.tenant_id', %s, true)", (str(ctx.tenant_id),))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            admin.execute("INSERT INTO customers (name) VALUES ('Forged')")


def test_binary_and_vector_columns_stay_out_of_the_values(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    """A table with a bytea or vector column keeps the per-row path at any size, and its
    audit rows hold every other column."""
    tenant = fresh_tenant(f"audit-skip-{uuid.uuid4().hex[:6]}", "schema")
    ctx = context(tenant.slug)
    create_audited_table(ctx, "scans", "label text, picture bytea, embedding vector(3)")
    with app_connection(ctx, actor="user:scanner") as conn:
        for rows in (1, 70):
            insert = _run(conn, "INSERT INTO scans (tenant_id, label, picture, embedding) SELECT %s, 'scan ' || g,"
                          " '\\xdeadbeef', '[1,2,3]' FROM generate_series(1, %s) g", ctx.tenant_id, rows)
            assert _written(ctx, insert) == (rows, 0)
        for where, rows in (("label = 'scan 1'", 2), ("true", 71)):
            assert _written(ctx, _run(conn, f"UPDATE scans SET label = label || '!' WHERE {where}")) == (rows, 0)
        delete = _run(conn, "DELETE FROM scans")
        assert _written(ctx, delete) == (71, 0)
    with admin_connection(ctx.slug) as admin:
        values = admin.execute(sql.SQL("SELECT old_values, new_values FROM {} WHERE table_name = 'scans'")
                               .format(all_audit_rows(ctx))).fetchall()
    assert len(values) == 1 + 70 + 2 + 71 + 71
    for old, new in values:
        for image in (old, new):
            assert image is None or set(image) == {"id", "tenant_id", "label"}
    seal(ctx)
    assert verify_data_plane(ctx).ok
