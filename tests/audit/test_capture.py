"""Insert, update and delete produce audit rows with the right actor, action, table, row
id and values, in every tier: through tenant_session and through raw SQL as the app role.
The app role cannot change, remove or forge audit rows: the database refuses."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import text

from core.audit.chain import seal
from core.context import Actor
from core.customers.models import Customer
from core.tenancy.registry import context
from db.session import tenant_session
from tests.audit.support import app_connection, audit_rows


def test_session_writes_are_audited(tenants: dict[str, object], tier: str) -> None:
    ctx = context(f"a-{tier}", Actor("user", f"orm-{tier}"))
    with tenant_session(ctx) as s:
        customer = Customer(name="Audit ORM", email="orm@example.com")
        s.add(customer)
        s.flush()
        cid = customer.id
    with tenant_session(ctx) as s:
        found = s.get(Customer, cid)
        assert found is not None
        found.name = "Audit ORM renamed"
    with tenant_session(ctx) as s:
        s.delete(s.get(Customer, cid))

    rows = audit_rows(ctx, cid)
    assert [r["action"] for r in rows] == ["INSERT", "UPDATE", "DELETE"]
    for r in rows:
        assert (r["actor"], r["table_name"], r["tenant_id"], r["request_id"]) == (
            f"user:orm-{tier}", "customers", ctx.tenant_id, ctx.request_id)
    ins, upd, dele = rows
    assert ins["old_values"] is None and ins["new_values"]["name"] == "Audit ORM"
    assert ins["new_values"]["email"] == "orm@example.com" and ins["new_values"]["id"] == str(cid)
    assert (upd["old_values"]["name"], upd["new_values"]["name"]) == ("Audit ORM", "Audit ORM renamed")
    assert dele["old_values"]["name"] == "Audit ORM renamed" and dele["new_values"] is None


def test_raw_sql_as_app_role_is_audited(tenants: dict[str, object], tier: str) -> None:
    ctx = context(f"a-{tier}")
    with app_connection(ctx, actor="api_key:raw-sql") as conn:
        cid = conn.execute("INSERT INTO customers (name) VALUES ('Raw one') RETURNING id").fetchone()[0]  # type: ignore[index]
        conn.commit()
        conn.execute("UPDATE customers SET phone = '0812' WHERE id = %s", (cid,))
        conn.commit()
        conn.execute("DELETE FROM customers WHERE id = %s", (cid,))
        conn.commit()
        # No actor in the session: the database role is recorded instead.
        conn.execute("SELECT set_config('app.actor', '', false)")
        bulk = [r[0] for r in conn.execute(
            "INSERT INTO customers (name) SELECT 'Bulk ' || g FROM generate_series(1, 3) g RETURNING id")]
        conn.commit()
    rows = audit_rows(ctx, cid)
    assert [(r["action"], r["actor"]) for r in rows] == [
        ("INSERT", "api_key:raw-sql"), ("UPDATE", "api_key:raw-sql"), ("DELETE", "api_key:raw-sql")]
    assert rows[1]["old_values"]["phone"] is None and rows[1]["new_values"]["phone"] == "0812"
    assert rows[0]["request_id"] is None
    for row_id in bulk:
        (row,) = audit_rows(ctx, row_id)
        assert (row["action"], row["actor"], row["table_name"]) == ("INSERT", "db:bos_app", "customers")


@pytest.mark.parametrize("table", ["audit_log", "audit_pending"])
@pytest.mark.parametrize("statement", [
    "UPDATE {t} SET actor = 'someone else'",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
    "INSERT INTO {t} (actor, action, table_name) VALUES ('forged', 'INSERT', 'customers')",
])
def test_app_role_cannot_change_audit_rows(tenants: dict[str, object], tier: str, statement: str, table: str) -> None:
    ctx = context(f"a-{tier}")
    with tenant_session(ctx) as s:
        s.add(Customer(name="Something to audit"))
    if table == "audit_log":
        seal(ctx)
    count = "SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM audit_pending)"
    with app_connection(ctx) as conn:
        before = conn.execute(count).fetchone()
        assert before is not None and before[table == "audit_pending"] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement.format(t=table))
        conn.rollback()
        assert conn.execute(count).fetchone() == before


def test_app_role_cannot_seal_another_tenant(tenants: dict[str, object], tier: str) -> None:
    ctx, other = context(f"a-{tier}"), context(f"b-{tier}")
    with app_connection(ctx) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT audit_seal(%s)", (other.tenant_id,))


def test_update_pairs_old_and_new_rows_of_a_bulk_statement(tenants: dict[str, object], tier: str) -> None:
    ctx = context(f"b-{tier}", Actor("job", "bulk-update"))
    marker = uuid.uuid4().hex[:8]
    with tenant_session(ctx) as s:
        s.add_all([Customer(name=f"{marker}-{i}") for i in range(4)])
    with tenant_session(ctx) as s:
        ids = s.execute(text("UPDATE customers SET address = name || ' street' WHERE name LIKE :m RETURNING id"),
                        {"m": f"{marker}-%"}).scalars().all()
    assert len(ids) == 4
    for row_id in ids:
        upd = audit_rows(ctx, row_id)[-1]
        assert upd["action"] == "UPDATE" and upd["actor"] == "job:bulk-update"
        assert upd["new_values"]["address"] == upd["old_values"]["name"] + " street"
        assert upd["old_values"]["id"] == upd["new_values"]["id"] == str(row_id)
