"""Audit rows wait in `audit_pending` until the sealer moves them into `audit_log`
(migration t0012): each keeps its id, values and time, gets its place in the chain, and
nothing stays behind; the audit page finds an event by the same key before and after.
Rows that were pending in the log when the migration ran are moved too, and sealed
after it like any other."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from psycopg import sql

from core.audit.chain import seal
from core.audit.service import get_event, list_events
from core.audit.verify import verify_data_plane
from core.context import Actor
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.models import Tenant
from core.tenancy.registry import context, context_for, get_tenant
from tests.audit.support import (
    admin_connection,
    app_connection,
    audit_rows,
    audit_table,
    pending_table,
    tenant_at,
    upgrade,
)

KEPT = ("id", "tenant_id", "occurred_at", "actor", "action", "table_name", "row_id", "old_values", "new_values",
        "request_id")


def _count(slug: str, table: sql.Composed, tenant_id: uuid.UUID) -> int:
    with admin_connection(slug) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s").format(table),
                           (tenant_id,)).fetchone()
    assert row is not None
    return int(row[0])


def test_sealing_moves_pending_rows_into_the_log(tenants: dict[str, object], tier: str) -> None:
    slug = f"a-{tier}"
    ctx = context(slug)
    reader = context_for(get_tenant(slug), Actor("user", "auditor"), role="admin", permissions=SYSTEM_ROLES["admin"])
    seal(ctx)
    with app_connection(ctx, actor="user:mover") as conn:
        conn.execute("SELECT set_config('app.request_id', 'req-pending', false)")
        (cid,) = conn.execute("INSERT INTO customers (name) VALUES ('Pending one') RETURNING id").fetchone()  # type: ignore[misc]
        conn.execute("UPDATE customers SET name = 'Pending two' WHERE id = %s", (cid,))
        conn.commit()
    before = audit_rows(ctx, cid)
    assert [(r["action"], r["chain_seq"]) for r in before] == [("INSERT", None), ("UPDATE", None)]
    assert _count(slug, pending_table(ctx), ctx.tenant_id) == 2
    key = f"data:{before[1]['id']}"
    shown = get_event(reader, key)
    assert shown is not None and shown.chain_seq is None and shown.new["name"] == "Pending two"
    assert [e.key for e in list_events(reader, page_size=500).events].count(key) == 1

    assert seal(ctx) == 2
    after = audit_rows(ctx, cid)
    assert [{k: r[k] for k in KEPT} for r in after] == [{k: r[k] for k in KEPT} for r in before]
    assert [r["chain_seq"] for r in after] == [after[0]["chain_seq"], after[0]["chain_seq"] + 1]
    assert after[1]["prev_hash"] == after[0]["hash"]
    assert _count(slug, pending_table(ctx), ctx.tenant_id) == 0
    sealed = get_event(reader, key)
    assert sealed is not None and sealed.chain_seq == after[1]["chain_seq"]
    assert [e.key for e in list_events(reader, page_size=500).events].count(key) == 1
    assert verify_data_plane(ctx).ok


def test_rows_pending_at_the_upgrade_move_to_the_pending_table(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    ctx, target = tenant_at(fresh_tenant, "audit-pend", "t0011")
    with app_connection(ctx, actor="user:before") as conn:
        conn.execute("INSERT INTO customers (name) SELECT 'Early ' || g FROM generate_series(1, 3) g")
        conn.commit()
        assert seal(ctx) == 3
        conn.execute("UPDATE customers SET email = 'early@example.co.id'")
        conn.commit()
    with admin_connection(ctx.slug) as admin:
        waiting = admin.execute(sql.SQL("SELECT id, new_values::text FROM {} WHERE chain_seq IS NULL ORDER BY id")
                                .format(audit_table(ctx))).fetchall()
    assert len(waiting) == 3

    upgrade(target)
    with admin_connection(ctx.slug) as admin:
        moved = admin.execute(sql.SQL("SELECT id, new_values::text FROM {} ORDER BY id")
                              .format(pending_table(ctx))).fetchall()
    assert moved == waiting
    assert _count(ctx.slug, audit_table(ctx), ctx.tenant_id) == 3
    with app_connection(ctx, actor="user:after") as conn:
        conn.execute("DELETE FROM customers")
        conn.commit()
    assert seal(ctx) == 6
    result = verify_data_plane(ctx)
    assert result.ok and result.last_seq == 9, result
