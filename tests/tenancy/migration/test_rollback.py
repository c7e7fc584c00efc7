"""Rollback to the kept copy (carrying back writes made after the switch), and the
scheduled purge of kept copies whose keeping time is over."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text, update

from core.audit.verify import verify_data_plane
from core.customers.service import CustomerIn, create_customer
from core.errors import ValidationFailed
from core.tenancy.migration import engine
from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.placement import Place
from core.tenancy.migration.service import MoveRequest, request_move, request_rollback
from core.tenancy.registry import context, get_tenant
from db.session import control_session, tenant_session
from scheduler.migration_jobs import tenant_moves_job
from tests.tenancy.migration.seed import seed_every_table, snapshot
from tests.tenancy.migration.test_moves import _rows_left
from tests.tenancy.migration.test_window import admin_ctx


@pytest.mark.parametrize(("source", "target"), [("shared", "dedicated"), ("dedicated", "schema")])
def test_rollback_carries_later_writes_back(fresh, topology, source, target) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh(source)
    seed_every_table(tenant.slug, rows=3)
    first = request_move(MoveRequest(tenant.slug, target), actor="user:test")
    assert engine.run_move(first.id).status == "succeeded"

    ctx = admin_ctx(tenant.slug)
    create_customer(ctx, CustomerIn(name="after the switch"))
    with tenant_session(ctx) as s:
        s.execute(text("UPDATE customers SET notes = 'changed after' WHERE name <> 'after the switch'"))
        s.execute(text("DELETE FROM tasks WHERE id = (SELECT id FROM tasks ORDER BY id LIMIT 1)"))
    before = snapshot(context(tenant.slug))

    back = request_rollback(tenant.slug, actor="user:test")
    done = engine.run_move(back.id)

    assert done.status == "succeeded", done.reason
    now = get_tenant(tenant.slug)
    assert Place.of(now).storage_key() == Place.from_dict(first.source).storage_key()
    assert snapshot(context(tenant.slug)) == before
    assert verify_data_plane(context(tenant.slug)).ok
    assert engine.load(first.id).status == "rolled_back"
    engine.purge(back.id)  # the place it rolled back from
    assert not _rows_left(Place.from_dict(first.target), tenant.id, topology)
    with pytest.raises(ValidationFailed, match="no kept copy"):
        request_rollback(tenant.slug, actor="user:test")


def test_scheduled_purge_removes_expired_copies_only(fresh, topology) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("schema")
    seed_every_table(tenant.slug, rows=2)
    move = request_move(MoveRequest(tenant.slug, "shared", "id"), actor="user:test")
    assert engine.run_move(move.id).status == "succeeded"
    source = Place.from_dict(move.source)

    tenant_moves_job()  # kept for days: nothing purged yet
    assert engine.load(move.id).purged_at is None
    assert _rows_left(source, tenant.id, topology)

    with control_session() as s:
        s.execute(update(TenantMove).where(TenantMove.id == move.id)
                  .values(keep_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    assert tenant_moves_job()["purged"] >= 1
    assert engine.load(move.id).purged_at is not None
    assert not _rows_left(source, tenant.id, topology)
    with pytest.raises(ValidationFailed, match="no kept copy"):
        request_rollback(tenant.slug, actor="user:test")
    assert snapshot(context(tenant.slug))["customers"]
