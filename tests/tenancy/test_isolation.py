"""Tenant A never sees tenant B's rows, in every tier; RLS holds even for raw SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import bindparam, func, select, text

from core.context import Actor
from core.customers.models import Customer
from core.invoices.models import Invoice
from core.spending.models import Expense
from core.tenancy.registry import context
from db.bootstrap import libpq_url
from db.engines import engine_for
from db.session import read_rows, tenant_session


def _fill(slug: str, marker: str) -> None:
    ctx = context(slug, Actor("user", "tester"))
    with tenant_session(ctx) as s:
        customer = Customer(name=f"{marker} customer")
        s.add(customer)
        s.flush()
        s.add(Invoice(number=f"{marker}-1", customer_id=customer.id, issue_date=dt.date(2026, 11, 1),
                      due_date=dt.date(2026, 11, 30), total=Decimal("111000")))
        s.add(Expense(spent_on=dt.date(2026, 11, 2), category="Travel", vendor=f"{marker} vendor",
                      amount=Decimal("50000")))


@pytest.fixture(scope="module")
def filled(tenants: dict[str, object]) -> dict[str, object]:
    for slug in tenants:
        _fill(slug, slug)
    return tenants


@pytest.mark.parametrize("model", [Customer, Invoice, Expense])
def test_a_never_sees_b(filled: dict[str, object], tier: str, model: type) -> None:
    for me, other in (("a", "b"), ("b", "a")):
        ctx = context(f"{me}-{tier}")
        with tenant_session(ctx) as s:
            rows = s.scalars(select(model)).all()
            assert rows, "the tenant's own rows are visible"
            assert {r.tenant_id for r in rows} == {ctx.tenant_id}
            text_rows = s.execute(text(f"SELECT tenant_id FROM {model.__tablename__}")).scalars().all()
            assert set(text_rows) == {ctx.tenant_id}, "raw SQL through tenant_session is scoped as well"
        other_ctx = context(f"{other}-{tier}")
        with tenant_session(ctx) as s:
            # Reading by id: the other tenant's row is simply not there.
            with tenant_session(other_ctx) as os_:
                their_id = os_.scalars(select(model.id).limit(1)).one()
            assert s.get(model, their_id) is None


def test_writes_cannot_target_another_tenant(filled: dict[str, object], tier: str) -> None:
    ctx = context(f"a-{tier}")
    other = context(f"b-{tier}")
    with tenant_session(other) as s:
        their_customer = s.scalars(select(Customer.id)).first()
    with tenant_session(ctx) as s:
        # UPDATE and DELETE of B's rows through A's session touch nothing.
        assert s.execute(text("UPDATE customers SET name = 'pwned' WHERE id = :i"), {"i": their_customer}).rowcount == 0
        assert s.execute(text("DELETE FROM customers WHERE id = :i"), {"i": their_customer}).rowcount == 0
    # Stamping a row with another tenant's id is refused by the policy's WITH CHECK.
    with pytest.raises(Exception, match="row-level security"), tenant_session(ctx) as s:
        s.add(Customer(name="forged", tenant_id=other.tenant_id))
        s.flush()
    # An invoice of A pointing at B's customer is refused by the composite foreign key.
    with pytest.raises(Exception, match="foreign key"), tenant_session(ctx) as s:
        s.add(Invoice(number="X-1", customer_id=their_customer, issue_date=dt.date(2026, 1, 1),
                      due_date=dt.date(2026, 1, 2)))
        s.flush()
    with tenant_session(other) as s:
        assert s.scalars(select(Customer.name).where(Customer.id == their_customer)).one() != "pwned"


def test_shared_tier_raw_sql_as_app_role(filled: dict[str, object], topology) -> None:  # type: ignore[no-untyped-def]
    a, b = context("a-shared"), context("b-shared")
    with psycopg.connect(libpq_url(topology.shared_url("global"))) as conn:
        user = conn.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        assert user == (topology.app_user, False, False)
        # No app.tenant_id set: no tenant rows at all.
        for table in ("customers", "invoices", "invoice_lines", "expenses"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
        # With B's id: only B's rows.
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(b.tenant_id),))
        seen = {r[0] for r in conn.execute("SELECT tenant_id FROM customers")}
        assert seen == {b.tenant_id}
        assert a.tenant_id not in seen
        # A nonsense id sees nothing, and an empty one too.
        conn.execute("SELECT set_config('app.tenant_id', %s, false)", (str(uuid.uuid4()),))
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (0,)
        conn.execute("SELECT set_config('app.tenant_id', '', false)")
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (0,)


def test_app_role_owns_nothing(topology) -> None:  # type: ignore[no-untyped-def]
    for region in topology.regions:
        with psycopg.connect(libpq_url(topology.shared_url(region, admin=True))) as conn:
            owned = conn.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s",
                (topology.app_user,),
            ).fetchone()
            assert owned == (0,)


def test_schema_tier_rows_live_in_their_schema(filled: dict[str, object], topology) -> None:  # type: ignore[no-untyped-def]
    ctx = context("a-schema")
    with psycopg.connect(libpq_url(topology.shared_url("global", admin=True))) as conn:
        in_schema = conn.execute(f'SELECT count(*) FROM "{ctx.schema}".customers WHERE name = %s',
                                 ("a-schema customer",)).fetchone()
        in_public = conn.execute("SELECT count(*) FROM public.customers WHERE tenant_id = %s",
                                 (ctx.tenant_id,)).fetchone()
    assert in_schema == (1,)
    assert in_public == (0,)


def test_session_context_is_per_transaction(filled: dict[str, object]) -> None:
    """A pooled connection never carries one tenant's setting into the next checkout."""
    a, b = context("a-shared"), context("b-shared")
    for _ in range(5):
        with tenant_session(a) as s:
            assert s.scalar(select(func.count()).select_from(Customer)) >= 1
            assert set(s.scalars(select(Customer.tenant_id))) == {a.tenant_id}
        with tenant_session(b) as s:
            assert set(s.scalars(select(Customer.tenant_id))) == {b.tenant_id}


_TENANT_AND_NAME = select(Customer.tenant_id, Customer.name).where(Customer.name.like(bindparam("pattern")))


def test_read_rows_is_scoped_like_a_session(filled: dict[str, object], tier: str) -> None:
    for me, other in (("a", "b"), ("b", "a")):
        ctx = context(f"{me}-{tier}")
        rows = read_rows(ctx, _TENANT_AND_NAME, {"pattern": "%customer"})
        assert rows and {r[0] for r in rows} == {ctx.tenant_id}
        assert read_rows(ctx, _TENANT_AND_NAME, {"pattern": f"{other}-{tier} customer"}) == []


def test_read_rows_binds_hostile_text_as_a_value(filled: dict[str, object]) -> None:
    ctx = context("a-shared")
    hostile = "x'); SELECT set_config('app.tenant_id', NULL, false); DROP TABLE customers; --"
    assert read_rows(ctx, _TENANT_AND_NAME, {"pattern": hostile}) == []
    assert read_rows(ctx, _TENANT_AND_NAME, {"pattern": "a-shared customer"})  # the table is still there


def test_read_rows_leaves_no_stamp_on_pooled_connections(filled: dict[str, object]) -> None:
    ctx = context("a-shared", Actor("user", "reader"))
    for _ in range(5):
        read_rows(ctx, _TENANT_AND_NAME, {"pattern": "%"})
    engine = engine_for(ctx.database_url)
    pooled = [engine.raw_connection() for _ in range(engine.pool.checkedin())]  # type: ignore[attr-defined]
    try:
        assert pooled
        for raw in pooled:
            conn = raw.driver_connection
            assert conn is not None and not conn.autocommit
            row = conn.execute("SELECT current_setting('app.tenant_id', true), current_setting('app.actor', true)"
                               ).fetchone()
            conn.rollback()
            assert row in {("", ""), (None, None)}
    finally:
        for raw in pooled:
            raw.close()


def test_read_rows_after_a_failed_statement_the_connection_still_serves(filled: dict[str, object]) -> None:
    ctx = context("b-shared")
    bad = select(Customer.name).where(Customer.created_at > bindparam("when"))
    with pytest.raises(psycopg.errors.InvalidDatetimeFormat):
        read_rows(ctx, bad, {"when": "not a date"})
    assert read_rows(ctx, _TENANT_AND_NAME, {"pattern": "b-shared customer"})
