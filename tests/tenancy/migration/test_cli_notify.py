"""`bos tenants move` with its progress line, the Admins' emails when a move ends (a real
loopback SMTP server), the control-plane audit trail, and the refusal to move onto a
copy that is still kept for rollback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from core.cli import app
from core.errors import Conflict
from core.identity.service import add_membership, create_user
from core.notify.catcher import Catcher
from core.tenancy.migration import engine
from core.tenancy.migration.service import MoveRequest, request_move
from core.tenancy.registry import get_tenant
from db.session import control_session
from tests.mailcatcher import smtp_catcher

runner = CliRunner()


@pytest.fixture
def mail(tmp_path_factory: pytest.TempPathFactory, topology: object) -> Iterator[Catcher]:
    with smtp_catcher(tmp_path_factory.mktemp("move-mail")) as catcher:
        yield catcher


def _actions(tenant_id: uuid.UUID) -> list[str]:
    with control_session() as s:
        return list(s.execute(text("SELECT action FROM control_audit_log WHERE tenant_id = :t ORDER BY id"),
                              {"t": tenant_id}).scalars())


def test_cli_moves_with_a_progress_line_and_emails_the_admins(fresh, mail) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    admin = create_user(f"admin-{uuid.uuid4().hex[:8]}@example.test", "Admin Pindah", "rahasia-123", "en")
    add_membership(admin.id, tenant.id, "admin")

    result = runner.invoke(app, ["tenants", "move", tenant.slug, "--tier", "dedicated", "--region", "id"])

    assert result.exit_code == 0, result.output
    assert f"moved {tenant.slug}: upgrade done" in result.output
    assert "[3/8] copy" in result.output and "tables " in result.output and "rows " in result.output
    assert get_tenant(tenant.slug).tier == "dedicated"
    got = mail.store.to(admin.email)
    assert len(got) == 1 and "has moved" in got[0].subject
    actions = _actions(tenant.id)
    assert actions.index("tenant.move.requested") < actions.index("tenant.move.succeeded")


def test_cli_refuses_bad_input_with_a_clear_error(fresh) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("schema")
    result = runner.invoke(app, ["tenants", "move", tenant.slug, "--tier", "schema"])
    assert result.exit_code == 1
    assert "already on the schema tier" in result.output
    result = runner.invoke(app, ["tenants", "move", tenant.slug, "--rollback"])
    assert result.exit_code == 1 and "no kept copy" in result.output


def test_failed_move_emails_the_reason(fresh, mail, topology) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    from psycopg import sql

    from db.bootstrap import libpq_url
    from db.topology import with_database

    tenant = fresh("shared")
    admin = create_user(f"admin-{uuid.uuid4().hex[:8]}@example.test", "Admin Gagal", "rahasia-123", "id")
    add_membership(admin.id, tenant.id, "admin")
    move = request_move(MoveRequest(tenant.slug, "dedicated"), actor="user:test")
    name = move.target["database_name"]
    server = topology.region_admin_urls["global"]
    with psycopg.connect(libpq_url(with_database(server, "postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(libpq_url(with_database(server, name))) as conn:
        conn.execute("CREATE TABLE squatter (id int)")
    try:
        assert engine.run_move(move.id).status == "failed"
    finally:
        with psycopg.connect(libpq_url(with_database(server, "postgres")), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    got = mail.store.to(admin.email)
    assert len(got) == 1 and "gagal" in got[0].subject and "not empty" in got[0].text()
    assert "tenant.move.failed" in _actions(tenant.id)


def test_moving_onto_the_kept_copy_is_refused_until_purged(fresh) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    up = request_move(MoveRequest(tenant.slug, "dedicated"), actor="user:test")
    assert engine.run_move(up.id).status == "succeeded"
    with pytest.raises(Conflict, match="still in that place"):
        request_move(MoveRequest(tenant.slug, "shared"), actor="user:test")

    result = runner.invoke(app, ["tenants", "move", tenant.slug, "--purge-kept"])
    assert result.exit_code == 0, result.output
    down = request_move(MoveRequest(tenant.slug, "shared"), actor="user:test")
    assert engine.run_move(down.id).status == "succeeded"
    assert get_tenant(tenant.slug).tier == "shared"
