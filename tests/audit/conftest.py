"""Fresh tenants for the tests that break a chain on purpose (dropped afterwards)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import delete

from core.context import Tier
from core.tenancy.models import SchemaSyncTarget, Tenant
from core.tenancy.provisioning import NewTenant, create_tenant
from db.bootstrap import drop_database, libpq_url
from db.session import control_session
from db.topology import Topology


@pytest.fixture(scope="module")
def fresh_tenant(topology: Topology, tenants: dict[str, object]) -> Iterator[Callable[[str, str], Tenant]]:
    made: list[Tenant] = []

    def make(slug: str, tier: str = "shared") -> Tenant:
        tenant = create_tenant(NewTenant(name=f"Audit {slug}", slug=slug, region="global", tier=tier))
        made.append(tenant)
        return tenant

    yield make
    for t in made:
        if t.tier == Tier.SCHEMA and t.schema_name:
            with psycopg.connect(libpq_url(topology.shared_url(t.region, admin=True)), autocommit=True) as c:
                c.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(t.schema_name)))
        elif t.tier == Tier.DEDICATED and t.database_name:
            drop_database(topology.region_admin_urls[t.region], t.database_name)
        else:  # shared: its rows go, audit rows included (triggers off for this session)
            with psycopg.connect(libpq_url(topology.shared_url(t.region, admin=True)), autocommit=True) as c:
                c.execute("SET session_replication_role = replica")
                tables = c.execute("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'"
                                   " AND column_name = 'tenant_id'").fetchall()
                for (table,) in tables:
                    c.execute(sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(sql.Identifier(table)), (t.id,))
    ids = [t.id for t in made]
    with control_session(admin=True) as s:
        s.execute(delete(SchemaSyncTarget).where(SchemaSyncTarget.tenant_id.in_(ids)))
        s.execute(delete(Tenant).where(Tenant.id.in_(ids)))


@pytest.fixture(scope="package", autouse=True)
def _shared_tenants_left_as_found(tenants: dict[str, object]) -> Iterator[None]:
    """The audit tests write business rows into tenants A and B; other suites count theirs.
    Rows added here are deleted afterwards (through the app, so the deletes are audited)."""
    from sqlalchemy import select

    from core.context import Actor
    from core.customers.models import Customer
    from core.employees.models import Employee
    from core.tenancy.registry import context
    from db.session import tenant_session

    models = (Customer, Employee)
    before: dict[tuple[str, str], set[object]] = {}
    for slug in tenants:
        with tenant_session(context(slug)) as s:
            for model in models:
                before[slug, model.__tablename__] = set(s.scalars(select(model.id)))
    yield
    for slug in tenants:
        with tenant_session(context(slug, Actor("system", "test-cleanup"))) as s:
            for model in models:
                known = before[slug, model.__tablename__]
                for row in s.scalars(select(model)):
                    if row.id not in known:
                        s.delete(row)
