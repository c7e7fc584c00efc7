"""Reading the audit log: events merged from both planes, filters, diff, CSV export,
salary redaction, permissions; tenant B never reads tenant A's audit rows in any tier."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from core.audit.control import record_event
from core.audit.service import HIDDEN, AuditFilter, diff, export_csv, get_event, list_events
from core.context import Actor, TenantContext
from core.customers.models import Customer
from core.employees.models import Employee
from core.rbac.guard import PermissionDenied
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.registry import context_for, get_tenant
from db.session import tenant_session
from tests.audit.support import app_connection


def _ctx(slug: str, role: str = "admin", *, permissions: frozenset[str] | None = None,
         who: str | None = None) -> TenantContext:
    actor = Actor("user", who or str(uuid.uuid4()))
    return context_for(get_tenant(slug), actor, role=role,
                       permissions=SYSTEM_ROLES[role] if permissions is None else permissions)


def _customer_history(ctx: TenantContext, name: str) -> uuid.UUID:
    with tenant_session(ctx) as s:
        c = Customer(name=name)
        s.add(c)
        s.flush()
        cid = c.id
    with tenant_session(ctx) as s:
        s.execute(text("UPDATE customers SET phone = '0812-555' WHERE id = :id"), {"id": cid})
    with tenant_session(ctx) as s:
        s.execute(text("DELETE FROM customers WHERE id = :id"), {"id": cid})
    return cid


def _data_events_of(ctx: TenantContext, row_id: uuid.UUID) -> list[object]:
    return [e for e in list_events(ctx, page_size=500).events if e.target == str(row_id)]


def test_tenant_b_never_reads_tenant_a(tenants: dict[str, object], tier: str) -> None:
    a, b = _ctx(f"a-{tier}"), _ctx(f"b-{tier}")
    cid = _customer_history(a, "Secret of A")
    record_event("member.invited", actor=str(a.actor), tenant_id=a.tenant_id, target="secret-of-a@example.com")
    mine = list_events(a, page_size=500).events
    a_data = [e for e in mine if e.target == str(cid)]
    a_control = [e for e in mine if e.target == "secret-of-a@example.com"]
    assert [e.action for e in a_data] == ["DELETE", "UPDATE", "INSERT"] and len(a_control) == 1

    seen_by_b = list_events(b, page_size=500).events
    assert not [e for e in seen_by_b if e.target in (str(cid), "secret-of-a@example.com")]
    for event in a_data + a_control:
        # In the schema and dedicated tiers each tenant numbers its own audit rows, so B may
        # have a row with the same number: it must be B's own, never A's.
        got = get_event(b, event.key)
        assert got is None or got.target != event.target, "B cannot open A's event by id"
        assert get_event(a, event.key) is not None
    with tenant_session(b) as s:  # raw SQL through B's session: row-level security
        for table in ("audit_log", "audit_pending"):
            assert s.execute(text(f"SELECT count(*) FROM {table} WHERE tenant_id = :a"),
                             {"a": a.tenant_id}).scalar() == 0
            assert set(s.execute(text(f"SELECT DISTINCT tenant_id FROM {table}")).scalars()) <= {b.tenant_id}


def test_filters_person_table_action_and_dates(tenants: dict[str, object]) -> None:
    alice, bob = _ctx("a-shared"), _ctx("a-shared")
    cid = _customer_history(alice, "Filtered customer")
    with tenant_session(bob) as s:
        s.add(Employee(full_name="Bob's hire"))
    today = dt.datetime.now(dt.UTC).date()

    by_alice = list_events(alice, AuditFilter(actor=str(alice.actor)), page_size=500).events
    assert [(e.action, e.table) for e in by_alice] == [("DELETE", "customers"), ("UPDATE", "customers"),
                                                       ("INSERT", "customers")]
    assert {e.target for e in by_alice} == {str(cid)}
    by_bob = list_events(alice, AuditFilter(actor=str(bob.actor), table="employees"), page_size=500).events
    assert [(e.action, e.new["full_name"]) for e in by_bob] == [("INSERT", "Bob's hire")]  # type: ignore[index]
    updates = list_events(alice, AuditFilter(actor=str(alice.actor), action="UPDATE")).events
    assert [e.action for e in updates] == ["UPDATE"]
    around_today = AuditFilter(actor=str(alice.actor), start=today - dt.timedelta(days=1),
                               end=today + dt.timedelta(days=1))
    assert len(list_events(alice, around_today).events) == 3
    tomorrow = AuditFilter(actor=str(alice.actor), start=today + dt.timedelta(days=2))
    assert list_events(alice, tomorrow).events == []


def test_paging(tenants: dict[str, object]) -> None:
    ctx = _ctx("b-shared")
    for i in range(5):
        with tenant_session(ctx) as s:
            s.add(Customer(name=f"Paged {i}"))
    flt = AuditFilter(actor=str(ctx.actor))
    first, second, third = (list_events(ctx, flt, page=p, page_size=2) for p in range(3))
    assert (len(first.events), len(second.events), len(third.events)) == (2, 2, 1)
    assert first.has_more and second.has_more and not third.has_more
    names = [e.new["name"] for page in (first, second, third) for e in page.events]  # type: ignore[index]
    assert names == [f"Paged {i}" for i in range(4, -1, -1)]


def test_diff_shows_changed_fields_first(tenants: dict[str, object]) -> None:
    ctx = _ctx("a-schema")
    cid = _customer_history(ctx, "Diffed")
    update = next(e for e in _data_events_of(ctx, cid) if e.action == "UPDATE")  # type: ignore[attr-defined]
    changes = diff(update)  # type: ignore[arg-type]
    changed = [c for c in changes if c.changed]
    assert [(c.field, c.before, c.after) for c in changed if c.field == "phone"] == [("phone", None, "0812-555")]
    assert changes[:len(changed)] == changed, "changed fields come first"
    assert {c.field for c in changes if not c.changed} >= {"name", "id", "tenant_id"}


def test_salary_is_hidden_without_permission(tenants: dict[str, object], tier: str) -> None:
    admin = _ctx(f"a-{tier}")
    auditor = _ctx(f"a-{tier}", "auditor", permissions=frozenset({"audit.read", "audit.export"}))
    with tenant_session(admin) as s:
        e = Employee(full_name="Chief Executive", salary=Decimal("987654321"))
        s.add(e)
        s.flush()
        eid = e.id
    with tenant_session(admin) as s:
        s.execute(text("UPDATE employees SET salary = 987654322, position = 'CEO' WHERE id = :id"), {"id": eid})
    flt = AuditFilter(table="employees", actor=str(admin.actor))

    seen = list_events(auditor, flt).events
    assert [e.action for e in seen] == ["UPDATE", "INSERT"]
    assert seen[1].new["salary"] == HIDDEN  # type: ignore[index]
    assert (seen[0].old["salary"], seen[0].new["salary"]) == (HIDDEN, HIDDEN)  # type: ignore[index]
    changes = {c.field: c for c in diff(seen[0])}
    assert changes["salary"].changed and changes["salary"].after == HIDDEN
    assert changes["position"].after == "CEO"
    assert get_event(auditor, seen[0].key).new["salary"] == HIDDEN  # type: ignore[union-attr]
    exported = export_csv(auditor, flt)
    assert "98765432" not in exported and HIDDEN in exported

    full = list_events(admin, flt).events
    assert (full[0].old["salary"], full[0].new["salary"]) == (987654321, 987654322)  # type: ignore[index]
    assert "987654322" in export_csv(admin, flt)


def test_csv_export_neutralises_formulas(tenants: dict[str, object]) -> None:
    ctx = _ctx("b-dedicated")
    evil = "=cmd|' /C calc'!A0"
    with app_connection(ctx, actor=evil) as conn:
        conn.execute("INSERT INTO customers (name) VALUES (%s)", (evil,))
        conn.commit()
    record_event("member.invited", actor="@SUM(1+1)", tenant_id=ctx.tenant_id, target="+cmd|' /C notepad'!A0")
    exported = export_csv(ctx, AuditFilter())
    rows = list(csv.DictReader(io.StringIO(exported)))
    data = next(r for r in rows if r["source"] == "data" and r["actor"].endswith(evil))
    assert data["actor"] == "'" + evil
    assert data["after"].startswith("{") and evil in data["after"]
    control = next(r for r in rows if r["source"] == "control" and r["action"] == "member.invited")
    assert (control["actor"], control["target"]) == ("'@SUM(1+1)", "'+cmd|' /C notepad'!A0")
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r" or cell.lstrip("-").replace(".", "").isdigit()


def test_permissions(tenants: dict[str, object]) -> None:
    staff, manager = _ctx("a-shared", "staff"), _ctx("a-shared", "manager")
    for call in (lambda: list_events(staff), lambda: get_event(staff, "data:1"), lambda: export_csv(staff)):
        with pytest.raises(PermissionDenied) as denied:
            call()
        assert denied.value.permission == "audit.read"
    assert list_events(manager).events is not None
    with pytest.raises(PermissionDenied) as denied:
        export_csv(manager)
    assert denied.value.permission == "audit.export"
