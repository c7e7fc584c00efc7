"""Bulk statements are captured as one `audit_batch` row and expanded by the sealer into
the audit rows the per-row path would have written: same values, actor, request id and
pairing of old and new rows, in every tier, whatever the writer's date and time zone
settings, and even when the table changed between capture and seal. The app role cannot
forge, change or read another tenant's batches."""

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
from tests.audit.support import admin_connection, app_connection, audit_rows, create_audited_table

BULK = 70  # above the batch threshold (t0010.BATCH_ROWS = 64)
INVOICES = ("INSERT INTO invoices (number, customer_id, issue_date, due_date, status, subtotal, discount_amount,"
            " tax_rate, tax_amount, total, notes) SELECT %s || g, %s, DATE '2026-11-01' + g, DATE '2027-03-31',"
            " 'draft', 1000 + g, 0, 11, 110, 1110 + g, 'Imported ' || g FROM generate_series(1, %s) g RETURNING id")


def _batches(ctx: TenantContext) -> int:
    table = sql.SQL("{}.audit_batch").format(sql.Identifier(ctx.schema or "public"))
    with admin_connection(ctx.slug) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s").format(table),
                           (ctx.tenant_id,)).fetchone()
    return int(row[0]) if row else 0


def _customer(conn: psycopg.Connection[Any]) -> uuid.UUID:
    row = conn.execute("INSERT INTO customers (name) VALUES ('Batch customer') RETURNING id").fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def _jsonb(conn: psycopg.Connection[Any], table: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The rows' values as the per-row path records them, in this session's settings (read
    back as Python values, its json and this jsonb compare equal)."""
    query = sql.SQL("SELECT t.id, to_jsonb(t) FROM {} t WHERE t.id = ANY(%s)").format(sql.Identifier(table))
    return {uuid.UUID(str(i)): j for i, j in conn.execute(query, (ids,))}


def test_bulk_insert_update_delete_expand_to_the_per_row_audit(tenants: dict[str, object], tier: str) -> None:
    ctx = context(f"a-{tier}", Actor("job", "bulk-import"))
    marker = f"BATCH-{uuid.uuid4().hex[:6]}-"
    with app_connection(ctx, actor="job:bulk-import") as conn:
        conn.execute("SELECT set_config('app.request_id', 'req-bulk', false)")
        customer = _customer(conn)
        ids = [r[0] for r in conn.execute(INVOICES, (marker, customer, BULK))]
        inserted = _jsonb(conn, "invoices", ids)
        conn.commit()
        assert _batches(ctx) == 1 and audit_rows(ctx, ids[0]) == []  # captured, not yet expanded
        conn.execute("UPDATE invoices SET status = 'sent' WHERE number LIKE %s", (marker + "%",))
        updated = _jsonb(conn, "invoices", ids)
        conn.commit()
        conn.execute("DELETE FROM invoices WHERE number LIKE %s", (marker + "%",))
        conn.commit()
    assert _batches(ctx) == 3

    seal(ctx)
    assert _batches(ctx) == 0
    for row_id in ids:
        rows = audit_rows(ctx, row_id)
        assert [r["action"] for r in rows] == ["INSERT", "UPDATE", "DELETE"]
        ins, upd, dele = rows
        assert all((r["actor"], r["request_id"], r["table_name"], r["tenant_id"])
                   == ("job:bulk-import", "req-bulk", "invoices", ctx.tenant_id) for r in rows)
        assert all(r["chain_seq"] is not None for r in rows)
        assert (ins["old_values"], ins["new_values"]) == (None, inserted[row_id])
        assert (upd["old_values"], upd["new_values"]) == (inserted[row_id], updated[row_id])
        assert (dele["old_values"], dele["new_values"]) == (updated[row_id], None)
    # Within a batch the audit rows keep the statement's order.
    firsts = [audit_rows(ctx, row_id)[0]["id"] for row_id in ids]
    assert firsts == sorted(firsts)
    assert verify_data_plane(ctx).ok


def test_the_writers_date_and_time_zone_settings_are_kept(tenants: dict[str, object]) -> None:
    ctx = context("b-shared")
    marker = f"TZ-{uuid.uuid4().hex[:6]}-"
    with app_connection(ctx, actor="user:jakarta") as conn:
        conn.execute("SET DateStyle = 'SQL, DMY'")
        conn.execute("SET TimeZone = 'Asia/Jakarta'")
        customer = _customer(conn)
        ids = [r[0] for r in conn.execute(INVOICES, (marker, customer, BULK))]
        expected = _jsonb(conn, "invoices", ids)
        conn.commit()
    assert _batches(ctx) == 1
    seal(ctx)  # a pooled session: ISO dates, UTC
    for row_id in ids:
        (row,) = audit_rows(ctx, row_id)
        assert row["new_values"] == expected[row_id]
    sample = expected[ids[0]]
    assert sample["issue_date"] == "2026-11-02" and sample["created_at"].endswith("+07:00")
    with app_connection(ctx) as conn:
        conn.execute("DELETE FROM invoices WHERE customer_id = %s", (customer,))
        conn.commit()
    seal(ctx)


def test_a_table_changed_between_capture_and_seal(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    tenant = fresh_tenant(f"batch-ddl-{uuid.uuid4().hex[:6]}", "schema")
    ctx = context(tenant.slug)
    schema = sql.Identifier(ctx.schema or "public")
    create_audited_table(ctx, "imports", "label text, amount numeric(12,2), day date")
    with app_connection(ctx, actor="user:importer") as conn:
        ids = [r[0] for r in conn.execute(
            "INSERT INTO imports (tenant_id, label, amount, day) SELECT %s, 'row ' || g, g * 1.5,"
            " DATE '2026-01-01' + g FROM generate_series(1, %s) g RETURNING id", (ctx.tenant_id, BULK))]
        expected = _jsonb(conn, "imports", ids)
        conn.commit()
    with admin_connection(ctx.slug) as admin:
        admin.execute(sql.SQL("ALTER TABLE {}.imports ADD COLUMN extra integer DEFAULT 7,"
                              " DROP COLUMN label, ALTER COLUMN amount TYPE numeric(14,3)").format(schema))
    seal(ctx)
    assert _batches(ctx) == 0
    for row_id in ids:
        (row,) = audit_rows(ctx, row_id)
        assert row["new_values"] == expected[row_id]
    assert expected[ids[0]]["label"] == "row 1" and "extra" not in expected[ids[0]]
    assert verify_data_plane(ctx).ok


@pytest.mark.parametrize("statement", [
    "INSERT INTO audit_batch (tenant_id, actor, action, table_name, columns, types, settings)"
    " VALUES (current_setting('app.tenant_id')::uuid, 'forged', 'INSERT', 'customers', '{}', '{}', '{}')",
    "UPDATE audit_batch SET actor = 'someone else'",
    "DELETE FROM audit_batch",
    "TRUNCATE audit_batch",
])
def test_app_role_cannot_forge_or_change_batches(tenants: dict[str, object], statement: str) -> None:
    ctx = context("a-shared")
    with app_connection(ctx) as conn:
        conn.execute("INSERT INTO customers (name) SELECT 'Pending ' || g FROM generate_series(1, %s) g", (BULK,))
        conn.commit()
        before = conn.execute("SELECT count(*), max(id) FROM audit_batch").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        conn.rollback()
        assert conn.execute("SELECT count(*), max(id) FROM audit_batch").fetchone() == before
    seal(ctx)


def test_tenant_b_neither_sees_nor_expands_tenant_a_batches(tenants: dict[str, object], tier: str) -> None:
    a, b = context(f"a-{tier}"), context(f"b-{tier}")
    with app_connection(a) as conn:
        conn.execute("INSERT INTO customers (name) SELECT 'Mine ' || g FROM generate_series(1, %s) g", (BULK,))
        conn.commit()
        assert conn.execute("SELECT count(*) FROM audit_batch").fetchone() == (1,)
    with app_connection(b) as conn:
        assert conn.execute("SELECT count(*) FROM audit_batch").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT audit_expand(%s)", (a.tenant_id,))
    seal(b)
    assert _batches(a) == 1
    seal(a)
    assert _batches(a) == 0


def test_pending_bulk_changes_are_counted_per_tenant(tenants: dict[str, object], tier: str) -> None:
    from core.audit.service import pending_bulk_changes
    from core.rbac.permissions import SYSTEM_ROLES

    a, b = (context(f"{x}-{tier}").acting_as(Actor("user", "auditor"), "admin", SYSTEM_ROLES["admin"])
            for x in ("a", "b"))
    with app_connection(a) as conn:
        conn.execute("INSERT INTO customers (name) SELECT 'Counted ' || g FROM generate_series(1, %s) g", (BULK,))
        conn.commit()
    assert (pending_bulk_changes(a), pending_bulk_changes(b)) == (BULK, 0)
    seal(a)
    assert pending_bulk_changes(a) == 0
