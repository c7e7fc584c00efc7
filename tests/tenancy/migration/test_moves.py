"""Every kind of move, on a company with rows in every table: afterwards it sees the same
data through its own session, the audit chain still verifies on the target, the other
companies are untouched, and once purged nothing of it is readable at the old place."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.main import app
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key
from core.audit.verify import verify_data_plane
from core.tenancy.migration import engine
from core.tenancy.migration.placement import Place
from core.tenancy.migration.service import MoveRequest, request_move
from core.tenancy.registry import context, get_tenant
from db.bootstrap import libpq_url
from tests.tenancy.migration.seed import seed_every_table, snapshot

MOVES = [  # every tier to every other, up and down, and across regions (both ways)
    ("shared", "global", "schema", "id"),
    ("shared", "global", "dedicated", "global"),
    ("schema", "global", "dedicated", "id"),
    ("dedicated", "global", "schema", "global"),
    ("dedicated", "id", "shared", "global"),
    ("schema", "id", "shared", "global"),
    ("shared", "global", "shared", "id"),
]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _api_view(client: TestClient, key: str) -> list[object]:
    got = []
    for path in ("/api/v1/customers", "/api/v1/invoices"):
        r = client.get(path, headers={"Authorization": f"Bearer {key}"}, params={"limit": 100})
        assert r.status_code == 200, r.text
        got.append(r.json())
    return got


def _rows_left(place: Place, tenant_id: object, topology: object) -> int | None:
    """Rows of the tenant still readable at a placement; None when the storage is gone."""
    from core.tenancy.migration import copier

    try:
        conn = psycopg.connect(libpq_url(place.admin_url(topology)))  # type: ignore[arg-type]
    except psycopg.OperationalError:
        return None
    with conn:
        specs = copier.tables(conn, place.data_schema)
        if not specs:
            return None
        return sum(copier.counts(conn, place.data_schema, specs, tenant_id).values())  # type: ignore[arg-type]


@pytest.mark.parametrize(("from_tier", "from_region", "to_tier", "to_region"), MOVES,
                         ids=[f"{a}-{b}-to-{c}-{d}" for a, b, c, d in MOVES])
def test_move_keeps_every_row(fresh, tenants, topology, client, from_tier, from_region, to_tier,  # type: ignore[no-untyped-def]
                              to_region) -> None:
    tenant = fresh(from_tier, from_region)
    seeded = seed_every_table(tenant.slug)
    from tests.tenancy.migration.test_window import admin_ctx

    key = create_key(admin_ctx(tenant.slug), "reader", "admin", sorted(SCOPES)).secret
    api_before = _api_view(client, key)
    assert all(n == 5 for n in seeded.values()) and len(seeded) >= 15
    bystander = context(f"b-{from_tier}") if from_region == "global" else None
    bystander_before = snapshot(bystander) if bystander else None
    before = snapshot(context(tenant.slug))
    source = Place.of(get_tenant(tenant.slug))

    move = request_move(MoveRequest(tenant.slug, to_tier, to_region), actor="user:test")
    done = engine.run_move(move.id)

    assert done.status == "succeeded", done.reason
    moved = get_tenant(tenant.slug)
    assert (moved.tier, moved.region, moved.status) == (to_tier, to_region, "active")
    ctx = context(tenant.slug)
    assert snapshot(ctx) == before
    assert _api_view(client, key) == api_before
    report = verify_data_plane(ctx)
    assert report.ok and report.rows > 0, report
    assert done.checksums and done.checksums["mode"] == "incremental"
    assert {t: v["rows"] for t, v in done.checksums["tables"].items()} == {t: len(r) for t, r in before.items()}
    if bystander is not None:
        assert snapshot(bystander) == bystander_before

    assert _rows_left(source, tenant.id, topology) == sum(len(v) for v in before.values())
    purged = engine.purge(move.id)
    assert purged.purged_at is not None
    assert not _rows_left(source, tenant.id, topology)
    assert snapshot(context(tenant.slug)) == before


def test_move_into_external_database(fresh, external_db, topology) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    seed_every_table(tenant.slug, rows=3)
    before = snapshot(context(tenant.slug))
    url = external_db()

    move = request_move(MoveRequest(tenant.slug, "dedicated", "id", url=url), actor="user:test")
    done = engine.run_move(move.id)

    assert done.status == "succeeded", done.reason
    moved = get_tenant(tenant.slug)
    assert moved.tier == "dedicated" and moved.external_url_encrypted
    ctx = context(tenant.slug)
    assert ctx.database_url.rsplit("/", 1)[1] == url.rsplit("/", 1)[1]
    with psycopg.connect(libpq_url(url)) as conn:
        n = conn.execute("SELECT count(*) FROM public.customers WHERE tenant_id = %s", (tenant.id,)).fetchone()
    assert n is not None and n[0] == len(before["customers"]) > 0
    assert snapshot(ctx) == before
    assert verify_data_plane(ctx).ok


def test_failed_verification_leaves_the_company_on_its_source(fresh, topology) -> None:  # type: ignore[no-untyped-def]
    """A row slipped into the source behind the audit log's back (owner, triggers off)
    after the catch-up: verification sees it, the move is undone, the company stays."""
    from core.tenancy.migration import copier

    tenant = fresh("schema")
    seed_every_table(tenant.slug, rows=2)
    source = Place.of(get_tenant(tenant.slug))

    def sneak(move: object) -> None:
        if getattr(move, "step", None) != "verify":
            return
        with copier.connect(source.admin_url(topology)) as conn:
            copier.replica_mode(conn)
            conn.execute(f'INSERT INTO "{source.data_schema}".customers (tenant_id, name) VALUES (%s, %s)',
                         (tenant.id, "unaudited"))
            conn.commit()

    move = request_move(MoveRequest(tenant.slug, "dedicated", "id"), actor="user:test")
    done = engine.run_move(move.id, progress=sneak)

    assert done.status == "failed"
    assert done.reason and "verify" in done.reason and "customers" in done.reason
    now = get_tenant(tenant.slug)
    assert Place.of(now).storage_key() == source.storage_key() and now.status == "active"
    assert _rows_left(Place.from_dict(move.target), tenant.id, topology) is None  # its database was dropped
    from core.customers.service import CustomerIn, create_customer
    from tests.tenancy.migration.test_window import admin_ctx

    create_customer(admin_ctx(tenant.slug), CustomerIn(name="writable again"))


def test_failed_move_into_external_database_leaves_it_empty(fresh, external_db, topology) -> None:  # type: ignore[no-untyped-def]
    """Undoing a move into an operator's database empties it again, so a retry is accepted."""
    from core.tenancy.migration import copier

    tenant = fresh("shared")
    seed_every_table(tenant.slug, rows=2)
    source = Place.of(get_tenant(tenant.slug))
    url = external_db()

    def sneak(move: object) -> None:
        if getattr(move, "step", None) == "verify":
            with copier.connect(source.admin_url(topology)) as conn:
                copier.replica_mode(conn)
                conn.execute("INSERT INTO public.customers (tenant_id, name) VALUES (%s, 'unaudited')", (tenant.id,))
                conn.commit()

    move = request_move(MoveRequest(tenant.slug, "dedicated", url=url), actor="user:test")
    assert engine.run_move(move.id, progress=sneak).status == "failed"
    with psycopg.connect(libpq_url(url)) as conn:
        left = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
                            "'information_schema')").fetchone()
    assert left == (0,)
    retry = request_move(MoveRequest(tenant.slug, "dedicated", url=url), actor="user:test")
    assert engine.run_move(retry.id).status == "succeeded"


def test_a_bulk_statements_unsealed_batch_arrives_as_audit_rows(fresh, topology) -> None:  # type: ignore[no-untyped-def]
    from tests.audit.support import app_connection, audit_rows

    tenant = fresh("shared")
    with app_connection(context(tenant.slug), actor="user:importer") as conn:
        ids = [r[0] for r in conn.execute(
            "INSERT INTO customers (name) SELECT 'Imported ' || g FROM generate_series(1, 70) g RETURNING id")]
        conn.commit()
        assert conn.execute("SELECT count(*) FROM audit_batch").fetchone() == (1,)  # captured, not yet sealed
    source = Place.of(get_tenant(tenant.slug))

    done = engine.run_move(request_move(MoveRequest(tenant.slug, "schema", "global"), actor="user:test").id)

    assert done.status == "succeeded", done.reason
    ctx = context(tenant.slug)
    for row_id in ids:
        (row,) = audit_rows(ctx, row_id)
        assert (row["action"], row["actor"], row["new_values"]["id"]) == ("INSERT", "user:importer", str(row_id))
    assert verify_data_plane(ctx).ok
    with psycopg.connect(libpq_url(source.admin_url(topology))) as conn:
        left = conn.execute("SELECT count(*) FROM public.audit_batch WHERE tenant_id = %s", (tenant.id,)).fetchone()
    assert left == (0,)
