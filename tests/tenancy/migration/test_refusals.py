"""Bad input is refused with a clear error and changes nothing; a check that fails during
the move leaves the company on its source, writable, with the reason recorded."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import func, select

from core.errors import Conflict, NotFound, ValidationFailed
from core.tenancy.migration import engine
from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.service import MoveRequest, request_move
from core.tenancy.registry import get_tenant
from db.bootstrap import libpq_url
from db.embedded import free_port
from db.session import control_session
from db.topology import with_database


def _moves(tenant_id: object) -> int:
    with control_session() as s:
        return int(s.scalar(select(func.count()).select_from(TenantMove).where(TenantMove.tenant_id == tenant_id)) or 0)


def _unchanged(tenant: object) -> None:
    now = get_tenant(tenant.slug)  # type: ignore[attr-defined]
    assert (now.tier, now.region, now.status) == (tenant.tier, tenant.region, "active")  # type: ignore[attr-defined]
    assert _moves(now.id) == 0


def test_same_tier_is_refused(fresh) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("schema")
    with pytest.raises(ValidationFailed, match="already on the schema tier in region global"):
        request_move(MoveRequest(tenant.slug, "schema", "global"), actor="user:test")
    _unchanged(tenant)


@pytest.mark.parametrize(("tier", "region", "url", "message"), [
    ("gold", None, None, "unknown tier 'gold'"),
    ("dedicated", "mars", None, "unknown region 'mars'"),
    ("schema", None, "postgresql://u:p@127.0.0.1/x", "only used by the dedicated tier"),
])
def test_unknown_values_are_refused(fresh, tier, region, url, message) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    with pytest.raises(ValidationFailed, match=message):
        request_move(MoveRequest(tenant.slug, tier, region, url), actor="user:test")
    _unchanged(tenant)


def test_unknown_company_is_refused() -> None:
    with pytest.raises(NotFound):
        request_move(MoveRequest("no-such-company", "dedicated"), actor="user:test")


def test_unreachable_url_is_refused(fresh) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    url = f"postgresql://nobody:secret@127.0.0.1:{free_port()}/nothing"
    with pytest.raises(ValidationFailed, match="cannot reach the database") as info:
        request_move(MoveRequest(tenant.slug, "dedicated", url=url), actor="user:test")
    assert "secret" not in info.value.message
    _unchanged(tenant)


def test_database_that_is_not_empty_is_refused(fresh, external_db) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    url = external_db()
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("CREATE TABLE somebody_elses (id int)")
    with pytest.raises(ValidationFailed, match="is not empty"):
        request_move(MoveRequest(tenant.slug, "dedicated", url=url), actor="user:test")
    _unchanged(tenant)


def test_two_moves_at_once_are_refused(fresh) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    first = request_move(MoveRequest(tenant.slug, "dedicated"), actor="user:test")
    with pytest.raises(Conflict, match="already running"):
        request_move(MoveRequest(tenant.slug, "schema"), actor="user:test")
    assert _moves(tenant.id) == 1
    done = engine.run_move(first.id)
    assert done.status == "succeeded", done.reason


def test_a_second_worker_cannot_run_the_same_move(fresh, topology) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    move = request_move(MoveRequest(tenant.slug, "schema"), actor="user:test")
    claim = engine._Claim(move.id, topology)
    try:
        assert claim.held
        with pytest.raises(Conflict, match="another worker"):
            engine.run_move(move.id)
    finally:
        claim.release()
    assert engine.run_move(move.id).status == "succeeded"


def test_target_filled_after_the_request_fails_the_move_and_keeps_the_source(fresh, topology) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    move = request_move(MoveRequest(tenant.slug, "dedicated"), actor="user:test")
    name = move.target["database_name"]
    server = topology.region_admin_urls["global"]
    with psycopg.connect(libpq_url(with_database(server, "postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(libpq_url(with_database(server, name))) as conn:
            conn.execute("CREATE TABLE squatter (id int)")
            conn.execute("INSERT INTO squatter VALUES (1)")
        done = engine.run_move(move.id)
        assert done.status == "failed"
        assert done.reason and "not empty" in done.reason
        now = get_tenant(tenant.slug)
        assert (now.tier, now.status) == ("shared", "active")
        with psycopg.connect(libpq_url(with_database(server, name))) as conn:
            assert conn.execute("SELECT count(*) FROM squatter").fetchone() == (1,)  # not ours: left alone
    finally:
        with psycopg.connect(libpq_url(with_database(server, "postgres")), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_move_history_and_progress_are_per_company(fresh) -> None:  # type: ignore[no-untyped-def]
    from core.errors import Forbidden
    from core.tenancy.migration.service import active_move, moves_of
    from tests.tenancy.migration.test_window import admin_ctx

    a, b = fresh("shared"), fresh("shared")
    move = request_move(MoveRequest(a.slug, "schema"), actor="user:test")
    assert active_move(b.id) is None
    assert [m.id for m in moves_of(admin_ctx(b.slug))] == []
    assert [m.id for m in moves_of(admin_ctx(a.slug))] == [move.id]
    with pytest.raises(Forbidden):
        moves_of(admin_ctx(a.slug).acting_as(admin_ctx(a.slug).actor, role="staff", permissions=frozenset()))
    assert engine.run_move(move.id).status == "succeeded"
    assert [m.id for m in moves_of(admin_ctx(b.slug))] == []
