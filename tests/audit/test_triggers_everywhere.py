"""Every tenant table in the metadata carries the three audit triggers, in every kind of
target (shared `public`, a tenant schema, a dedicated database), like the RLS rules; a
table a later migration adds gets them from the migration hook without anyone asking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

import db.models  # noqa: F401 - registers every model
from core.config import reset_settings_cache
from core.context import Actor
from core.customers.models import Customer
from core.tenancy.models import Tenant
from core.tenancy.placement import admin_url
from core.tenancy.registry import context, get_tenant
from db.base import TenantBase
from db.bootstrap import libpq_url
from db.engines import one_off_engine
from db.migrate import head, install_audit_triggers, reset_script_cache, static_upgrade_sql, upgrade
from db.session import tenant_session
from db.topology import Topology

AUDIT_TABLES = {"audit_log", "audit_pending", "audit_batch"}
AUDITED = sorted(set(TenantBase.metadata.tables) - AUDIT_TABLES)
EXPECTED = {
    "audit_insert": ("INSERT", "audit_new", None),
    "audit_update": ("UPDATE", "audit_new", "audit_old"),
    "audit_delete": ("DELETE", None, "audit_old"),
}
# tgtype bits: 1 row-level, 2 before, 4 insert, 8 delete, 16 update
_EVENTS = {4: "INSERT", 8: "DELETE", 16: "UPDATE"}

TRIGGERS = """
SELECT c.relname, t.tgname, t.tgtype, t.tgnewtable, t.tgoldtable, t.tgenabled, p.proname, pn.nspname
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE n.nspname = %s AND NOT t.tgisinternal
"""


def _targets(topology: Topology) -> list[tuple[str, str, str]]:
    return [
        ("shared", topology.shared_url("global", admin=True), "public"),
        ("schema", topology.shared_url("global", admin=True), context("a-schema").schema or ""),
        ("dedicated", admin_url(get_tenant("a-dedicated"), topology), "public"),
    ]


def test_metadata_knows_the_audit_log() -> None:
    assert set(TenantBase.metadata.tables) >= AUDIT_TABLES
    assert {"customers", "invoices", "employees"} <= set(AUDITED)


@pytest.mark.parametrize("kind", ["shared", "schema", "dedicated"])
def test_every_tenant_table_has_the_audit_triggers(topology: Topology, tenants: dict[str, object],
                                                   kind: str) -> None:
    _, url, schema = next(t for t in _targets(topology) if t[0] == kind)
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(TRIGGERS, (schema,)).fetchall()
    found: dict[str, dict[str, tuple[object, ...]]] = {}
    for table, name, tgtype, new, old, enabled, function, function_schema in rows:
        found.setdefault(table, {})[name] = (tgtype, new, old, enabled, function, function_schema)
    for table in AUDITED:
        triggers = found.get(table, {})
        for name, (event, new, old) in EXPECTED.items():
            assert name in triggers, f"{kind}.{table}: trigger {name} missing"
            tgtype, has_new, has_old, enabled, function, function_schema = triggers[name]
            assert not tgtype & 1 and not tgtype & 2, f"{kind}.{table}.{name}: must be AFTER ... FOR EACH STATEMENT"
            assert {_EVENTS[bit] for bit in _EVENTS if tgtype & bit} == {event}
            assert (has_new, has_old) == (new, old), f"{kind}.{table}.{name}: transition tables"
            assert enabled == "O", f"{kind}.{table}.{name}: disabled"
            assert (function, function_schema) == (f"audit_capture_{event.lower()}", schema)
    log_triggers = found.get("audit_log", {})
    assert not set(log_triggers) & set(EXPECTED), "the audit log does not audit itself"
    assert {"audit_log_append_only", "audit_log_no_truncate"} <= set(log_triggers)
    pending_triggers = found.get("audit_pending", {})
    assert set(pending_triggers) == {"audit_pending_no_update", "audit_pending_no_truncate"}
    assert not found.get("audit_batch")  # its rows come and go by the audit functions only (privileges, policy)


PROBE = '''"""Test only: a new tenant table.

Revision ID: {revision}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gadgets",
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("label", sa.Text),
        sa.Column("picture", sa.LargeBinary),
    )


def downgrade() -> None:
    op.drop_table("gadgets")
'''


@pytest.fixture
def probe_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A later tenant migration adding a table, active only inside the test."""
    base = head("tenant")
    (tmp_path / "x9100_gadgets.py").write_text(PROBE.format(revision="x9100_gadgets", down=base))
    monkeypatch.setenv("BOS_TENANT_EXTRA_VERSIONS", str(tmp_path))
    reset_settings_cache()
    reset_script_cache()
    try:
        yield base
    finally:
        monkeypatch.delenv("BOS_TENANT_EXTRA_VERSIONS")
        reset_settings_cache()
        reset_script_cache()


def test_a_table_added_by_a_later_migration_gets_the_triggers(topology: Topology, tenants: dict[str, object],
                                                                probe_migration: str) -> None:
    schema = context("a-schema").schema
    assert schema
    engine = one_off_engine(topology.shared_url("global", admin=True))
    try:
        with engine.connect() as conn, conn.begin() as tx:
            assert upgrade(conn, "tenant", schema) == "x9100_gadgets"
            triggers = conn.execute(text("SELECT tgname, tgnargs FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass)"
                                         " ORDER BY tgname"), {"t": f"{schema}.gadgets"}).all()
            # The binary column is passed to the triggers, to be left out of the values.
            assert [tuple(r) for r in triggers] == [("audit_delete", 1), ("audit_insert", 1), ("audit_update", 1)]
            assert install_audit_triggers(conn, schema) == 0, "installing again changes nothing"
            tx.rollback()  # the schema stays at the shipped head
    finally:
        engine.dispose()


def test_a_tenant_table_without_uuid_id_is_refused(topology: Topology, tenants: dict[str, object]) -> None:
    engine = one_off_engine(topology.shared_url("global", admin=True))
    try:
        with engine.connect() as conn, conn.begin() as tx:
            conn.execute(text("CREATE TABLE public.no_id (tenant_id uuid NOT NULL, n int)"))
            with pytest.raises(Exception, match="has tenant_id but no uuid \"id\" column"):
                install_audit_triggers(conn, "public")
            tx.rollback()
    finally:
        engine.dispose()


def test_downgrade_and_schema_sync_bring_the_audit_log_back(fresh_tenant: Callable[[str, str], Tenant]) -> None:
    """t0003 is plain SQL (no look at the database), so schema sync may render it once and
    send it to many targets; either way the target ends up audited again."""
    from core.tenancy.schema_sync import record, revert_target, sync, tenant_target
    from db.topology import get_topology

    assert static_upgrade_sql("tenant", "t0002", "t0003"), "t0003 renders to static SQL"
    tenant = fresh_tenant("audit-resync", "schema")
    target = tenant_target(tenant, get_topology())
    reverted = revert_target(target, "t0002")
    assert reverted.status == "ok", reverted.error
    record([reverted])
    with psycopg.connect(libpq_url(target.admin_url)) as conn:
        assert conn.execute("SELECT to_regclass(%s)", (f"{target.schema}.audit_log",)).fetchone() == (None,)
        assert conn.execute(TRIGGERS, (target.schema,)).fetchall() == []
    report = sync(targets=[target], workers=1)
    assert report.ok, [(r.target.key, r.error) for r in report.failed]
    ctx = context("audit-resync", Actor("user", "after-resync"))
    with tenant_session(ctx) as s:
        s.add(Customer(name="Audited again"))
    with psycopg.connect(libpq_url(target.admin_url)) as conn:
        names = {r[1] for r in conn.execute(TRIGGERS, (target.schema,)).fetchall() if r[0] == "customers"}
        actors = conn.execute(f'SELECT actor FROM "{target.schema}".audit_pending').fetchall()
    assert set(EXPECTED) <= names
    assert actors == [("user:after-resync",)]
