"""Data residency: an Indonesian tenant's rows live on the `id` server and nowhere on the
`global` server, in every tier. Checked physically: by reading every table of every
database on both servers as superuser (RLS does not hide anything from it), and by
scanning the servers' data directories for a marker only the tenant's rows contain.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from core.context import Actor
from core.customers.models import Customer
from core.invoices.models import Invoice
from core.spending.models import Expense
from core.tenancy.provisioning import NewTenant, create_tenant
from core.tenancy.registry import context
from core.tenancy.residency import residency_of
from db.bootstrap import libpq_url
from db.session import tenant_session
from db.topology import CONTROL_DB, SHARED_DB, Topology, with_database

TIERS = ("shared", "schema", "dedicated")
# Routing metadata the control plane (on the global server) may hold about any tenant.
CONTROL_ROUTING_TABLES = {(CONTROL_DB, "public", "tenants"), (CONTROL_DB, "public", "schema_sync_ledger")}


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=True)


def _databases(topology: Topology, region: str) -> list[str]:
    with _admin(topology.region_admin_urls[region]) as conn:
        return [r[0] for r in conn.execute(
            "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1")]


def _search(topology: Topology, region: str, needles: list[str]) -> set[tuple[str, str, str]]:
    """(database, schema, table) of every table on the region's server holding a needle."""
    patterns = [f"%{n}%" for n in needles]
    hits = set()
    for database in _databases(topology, region):
        with _admin(with_database(topology.region_admin_urls[region], database)) as conn:
            tables = conn.execute(
                "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                " AND n.nspname NOT LIKE 'pg_toast%'"
            ).fetchall()
            for schema, table in tables:
                query = sql.SQL("SELECT count(*) FROM {}.{} AS row WHERE row::text LIKE ANY(%s)").format(
                    sql.Identifier(schema), sql.Identifier(table))
                found = conn.execute(query, (patterns,)).fetchone()
                if found and found[0]:
                    hits.add((database, schema, table))
    return hits


def _files_containing(pgdata: Path, needles: list[bytes]) -> set[bytes]:
    found: set[bytes] = set()
    for path in pgdata.rglob("*"):
        try:
            if not path.is_file():
                continue
            data = path.read_bytes()
        except (FileNotFoundError, PermissionError):  # temporary files come and go
            continue
        found.update(n for n in needles if n in data)
    return found


@pytest.fixture(scope="module")
def jakarta(topology: Topology) -> dict[str, dict[str, Any]]:
    """One Indonesian tenant per tier, each with a customer, an invoice and an expense."""
    made = {}
    for tier in TIERS:
        tenant = create_tenant(NewTenant(name=f"PT Nusantara ({tier})", slug=f"idn-{tier}", region="id",
                                         tier=tier))
        marker = f"Rahasia-{tier}-{uuid.uuid4().hex}"
        with tenant_session(context(tenant.slug, Actor("user", "tester"))) as s:
            customer = Customer(name=marker, npwp="01.234.567.8-901.000")
            s.add(customer)
            s.flush()
            s.add(Invoice(number=f"INV-{tier}-1", customer_id=customer.id, issue_date=dt.date(2026, 11, 1),
                          due_date=dt.date(2026, 11, 30), total=Decimal("1110000"), notes=marker))
            s.add(Expense(spent_on=dt.date(2026, 11, 3), category="Transport", vendor=marker,
                          amount=Decimal("75000")))
        made[tier] = {"tenant": tenant, "marker": marker}
    return made


def test_residency_report_names_the_id_server(topology: Topology, jakarta: dict[str, dict[str, Any]]) -> None:
    for tier, made in jakarta.items():
        r = residency_of(made["tenant"], topology)
        assert (r.region, r.region_name, r.server) == ("id", "Indonesia (Jakarta)", topology.server_label("id"))
        assert r.database == (SHARED_DB if tier != "dedicated" else "bos_t_idn_dedicated")
    assert topology.server_label("id") != topology.server_label("global")


@pytest.mark.parametrize("tier", TIERS)
def test_rows_are_on_the_id_server_and_nowhere_on_global(topology: Topology,
                                                         jakarta: dict[str, dict[str, Any]], tier: str) -> None:
    tenant, marker = jakarta[tier]["tenant"], jakarta[tier]["marker"]
    needles = [str(tenant.id), marker]
    expected_home = {
        "shared": (SHARED_DB, "public"),
        "schema": (SHARED_DB, "t_idn_schema"),
        "dedicated": ("bos_t_idn_dedicated", "public"),
    }[tier]

    on_id = _search(topology, "id", needles)
    assert {(expected_home[0], expected_home[1], t) for t in ("customers", "invoices", "expenses")} <= on_id
    assert {(db, schema) for db, schema, _ in on_id} == {expected_home}, "only in its own place"

    on_global = _search(topology, "global", needles)
    assert (CONTROL_DB, "public", "tenants") in on_global, "the search does reach the global server"
    assert on_global <= CONTROL_ROUTING_TABLES, f"tenant rows on the global server: {on_global}"
    assert _search(topology, "global", [marker]) == set(), "no business data on the global server"

    # The containers do not exist on the global server either.
    assert "bos_t_idn_dedicated" not in _databases(topology, "global")
    with _admin(topology.shared_url("global", admin=True)) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 't_idn_schema'").fetchone() is None


def test_no_byte_of_the_rows_in_the_global_data_directory(topology: Topology,
                                                          jakarta: dict[str, dict[str, Any]]) -> None:
    """Below SQL: the markers are in the id server's files (heap or WAL) and in no file
    of the global server's data directory."""
    markers = [m["marker"].encode() for m in jakarta.values()]
    for region in ("global", "id"):
        with _admin(topology.region_admin_urls[region]) as conn:
            conn.execute("CHECKPOINT")
    assert _files_containing(topology.servers["id"].pgdata, markers) == set(markers)
    assert _files_containing(topology.servers["global"].pgdata, markers) == set()
