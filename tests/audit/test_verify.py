"""`bos audit verify --tenant SLUG`: exit 0 for an intact log; tampering with a sealed row
directly as the superuser (edit, delete, reorder, cut the tail, control plane) is caught
and the first bad row is named."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from psycopg import sql
from typer.testing import CliRunner

from core.audit.control import record_event
from core.audit.verify import verify_tenant
from core.cli import app
from core.context import Actor
from core.customers.models import Customer
from core.tenancy.models import Tenant
from core.tenancy.registry import context
from db.session import tenant_session
from tests.audit.support import admin_connection, audit_table, control_admin_connection, pending_table

runner = CliRunner()


def _verify(slug: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", "--tenant", slug])
    return result.exit_code, result.output


def _write(slug: str, n: int = 4) -> None:
    ctx = context(slug, Actor("user", "writer"))
    for i in range(n):
        with tenant_session(ctx) as s:
            s.add(Customer(name=f"Customer {i}"))


def _tamper(slug: str, statement: str, *params: object) -> None:
    """Run a statement on the tenant's audit rows as the superuser, past the append-only trigger.
    `{log}` in the statement stands for the tenant's rows (other tenants share the table)."""
    ctx = context(slug)
    with admin_connection(slug) as conn:
        conn.execute("SET session_replication_role = replica")
        cte = sql.SQL("WITH mine AS (SELECT id FROM {} WHERE tenant_id = {}) ").format(
            audit_table(ctx), sql.Literal(ctx.tenant_id))
        conn.execute(cte + sql.SQL(statement).format(log=audit_table(ctx)), params)


def _id_of(slug: str, seq: int) -> int:
    ctx = context(slug)
    with admin_connection(slug) as conn:
        row = conn.execute(sql.SQL("SELECT id FROM {} WHERE tenant_id = %s AND chain_seq = %s").format(
            audit_table(ctx)), (ctx.tenant_id, seq)).fetchone()
    assert row is not None
    return int(row[0])


def test_intact_log_verifies(tenants: dict[str, object], tier: str) -> None:
    _write(f"a-{tier}", 2)
    code, out = _verify(f"a-{tier}")
    assert code == 0, out
    assert "is intact" in out and "ok      data plane" in out
    assert _verify(f"a-{tier}")[0] == 0, "verifying twice is fine (the check anchors the head)"


def test_unknown_tenant_is_refused(tenants: dict[str, object]) -> None:
    code, out = _verify("no-such-company")
    assert code == 1 and "no company 'no-such-company'" in out


def test_edited_row_is_caught(fresh_tenant: Callable[[str, str], Tenant], tier: str) -> None:
    slug = f"tamper-edit-{tier}"
    fresh_tenant(slug, tier)
    _write(slug)
    assert _verify(slug)[0] == 0
    _tamper(slug, "UPDATE {log} SET new_values = jsonb_set(new_values::jsonb, '{{name}}', '\"Forged\"')::json "
                  "WHERE chain_seq = 2 AND id IN (SELECT id FROM mine)")
    code, out = _verify(slug)
    assert code == 1
    assert (f"first bad row: table customers, id {_id_of(slug, 2)}, seq 2: its content does not match its hash"
            in out), out


def test_deleted_row_is_caught(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    fresh_tenant("tamper-delete", "shared")
    _write("tamper-delete")
    assert _verify("tamper-delete")[0] == 0
    _tamper("tamper-delete", "DELETE FROM {log} WHERE chain_seq = 2 AND id IN (SELECT id FROM mine)")
    code, out = _verify("tamper-delete")
    assert code == 1
    assert f"table customers, id {_id_of('tamper-delete', 3)}, seq 3: seq 2 missing before it" in out, out


def test_reordered_rows_are_caught(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    fresh_tenant("tamper-swap", "shared")
    _write("tamper-swap")
    assert _verify("tamper-swap")[0] == 0
    first, second = _id_of("tamper-swap", 2), _id_of("tamper-swap", 3)
    for seq, row_id in ((-1, first), (2, second), (3, first)):
        _tamper("tamper-swap", "UPDATE {log} SET chain_seq = %s WHERE id = %s", seq, row_id)
    code, out = _verify("tamper-swap")
    assert code == 1
    assert (f"table customers, id {second}, seq 2: prev_hash is the hash of seq 3, not of seq 1: "
            "rows were reordered") in out, out


def test_cut_tail_is_caught_by_the_anchor(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    fresh_tenant("tamper-tail", "shared")
    _write("tamper-tail")
    assert _verify("tamper-tail")[0] == 0  # anchors seq 4 in the control plane
    _tamper("tamper-tail", "DELETE FROM {log} WHERE chain_seq = 4 AND id IN (SELECT id FROM mine)")
    code, out = _verify("tamper-tail")
    assert code == 1
    assert "seq 4, anchored in the control plane" in out and "cut off the end of the chain" in out, out


def test_control_plane_tampering_is_caught(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    tenant = fresh_tenant("tamper-control", "shared")
    for i in range(3):
        record_event("member.invited", actor="user:admin", tenant_id=tenant.id, target=f"person{i}@example.com")
    assert _verify("tamper-control")[0] == 0
    with control_admin_connection() as conn:
        conn.execute("SET session_replication_role = replica")
        row = conn.execute("UPDATE control_audit_log SET target = 'someone-else@example.com'"
                           " WHERE chain_key = %s AND chain_seq = 2 RETURNING id", (str(tenant.id),)).fetchone()
    assert row is not None
    code, out = _verify("tamper-control")
    assert code == 1
    assert (f"BROKEN  control plane (control_audit_log): first bad row: table control_audit_log, id {row[0]}, "
            "seq 2: its content does not match its hash") in out, out
    assert "ok      data plane" in out


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping of long lines in the CLI output


def _pending(slug: str) -> int:
    ctx = context(slug)
    with admin_connection(slug) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s").format(
            pending_table(ctx)), (ctx.tenant_id,)).fetchone()
    assert row is not None
    return int(row[0])


def test_seal_job_chains_every_tenant(tenants: dict[str, object]) -> None:
    from scheduler.jobs import audit_seal_job

    slugs = [f"{who}-{tier}" for who in "ab" for tier in ("shared", "schema", "dedicated")]
    for slug in slugs:
        _write(slug, 1)
    assert all(_pending(slug) for slug in slugs)
    audit_seal_job()
    assert [_pending(slug) for slug in slugs] == [0] * len(slugs)
    audit_seal_job()  # nothing left to do: safe to run twice
    for slug in slugs:
        result = verify_tenant(context(slug).acting_as(Actor("system", "test"), permissions=frozenset({"audit.read"})),
                               record=False)
        assert result.ok and result.sealed_now == 0 and result.data.pending == 0, result


def test_concurrent_writers_and_sealers_keep_one_chain(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    """Writers never touch the chain; sealers take turns on the tenant's advisory lock."""
    from concurrent.futures import ThreadPoolExecutor

    from core.audit.chain import seal

    fresh_tenant("audit-race", "shared")
    ctx = context("audit-race", Actor("user", "racer"))

    def write(worker: int) -> None:
        for i in range(15):
            with tenant_session(ctx) as s:
                s.add(Customer(name=f"Racer {worker}-{i}"))

    def sealer(_: int) -> int:
        return sum(seal(ctx, batch=7) for _ in range(10))

    with ThreadPoolExecutor(max_workers=6) as pool:
        writers = [pool.submit(write, w) for w in range(4)]
        sealers = [pool.submit(sealer, n) for n in range(2)]
        for future in writers + sealers:
            future.result()
    sealed = sum(f.result() for f in sealers) + seal(ctx)
    assert sealed == 60
    result = verify_tenant(ctx.acting_as(Actor("system", "test"), permissions=frozenset({"audit.read"})),
                           record=False)
    assert result.ok and (result.data.rows, result.data.last_seq, result.data.pending) == (60, 60, 0), result


def test_anchor_job_copies_each_head_once(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    from core.audit.chain import anchors
    from scheduler.jobs import audit_anchor_job

    fresh_tenant("audit-anchored", "shared")
    _write("audit-anchored", 3)
    ctx = context("audit-anchored")
    audit_anchor_job()
    audit_anchor_job()  # the head did not move: no second anchor
    assert [head.chain_seq for _, head in anchors(ctx)] == [3]
    _write("audit-anchored", 1)
    audit_anchor_job()
    assert [head.chain_seq for _, head in anchors(ctx)] == [3, 4]
