"""Schema sync over a fleet of 50 schema tenants and 5 dedicated databases.

A test-only tenant migration (a purchase-order number on invoices) is placed in a
temporary folder and activated through BOS_TENANT_EXTRA_VERSIONS. At the end every target
still in the registry is downgraded to the original head, the fleet is dropped and the
extra folder deactivated, so other test modules see the tree exactly as it ships.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import delete, update
from typer.testing import CliRunner

from core.cli import app
from core.config import PROJECT_ROOT, reset_settings_cache
from core.context import Tier
from core.errors import NotFound
from core.tenancy.models import SchemaSyncTarget, Tenant
from core.tenancy.provisioning import NewTenant, create_tenant
from core.tenancy.registry import get_tenant, list_tenants
from core.tenancy.schema_sync import (
    Target,
    all_targets,
    ledger,
    read_revisions,
    record,
    revert_target,
    sync,
    tenant_target,
)
from db import engines
from db.bootstrap import drop_database, libpq_url
from db.migrate import head, reset_script_cache, static_upgrade_sql
from db.session import control_session
from db.topology import Topology

PREFIX = "sync-"
N_SCHEMA = 50
N_DEDICATED = 5
EXTRA_REVISION = "x9001_po_number"
SCHEMA_VICTIM = "sync-s17"
DEDICATED_VICTIM = "sync-d3"

MIGRATION = '''\
"""Test only: a purchase-order number on invoices, and a table of purchase orders.

Revision ID: {revision}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("po_number", sa.String(40)))
    op.create_index("ix_invoices_po_number", "invoices", ["po_number"])
    op.create_table(
        "purchase_orders",
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
    )
    enable_tenant_rls("purchase_orders")


def downgrade() -> None:
    op.drop_table("purchase_orders")
    op.drop_index("ix_invoices_po_number", table_name="invoices")
    op.drop_column("invoices", "po_number")
'''


@dataclass(frozen=True)
class Fleet:
    base: str  # the head the project ships
    new: str  # the head with the test migration
    topology: Topology


def _create(req: NewTenant) -> str:
    return create_tenant(req).slug


def _activate(folder: Path | None) -> None:
    if folder is None:
        os.environ.pop("BOS_TENANT_EXTRA_VERSIONS", None)
    else:
        os.environ["BOS_TENANT_EXTRA_VERSIONS"] = str(folder)
    reset_settings_cache()
    reset_script_cache()


def _target(slug: str, topology: Topology) -> Target:
    return tenant_target(get_tenant(slug), topology)


def _revisions() -> dict[str, Any]:
    return read_revisions(all_targets(), workers=4)


def _ledger_snapshot() -> dict[str, tuple[Any, ...]]:
    return {k: (r.revision, r.status, r.error, r.attempts, r.updated_at) for k, r in ledger().items()}


def _revert_all(to: str) -> None:
    """Every target back to `to`, recorded in the ledger like any other migration."""
    targets = all_targets()
    revisions = read_revisions(targets, workers=4)
    results = [revert_target(t, to) for t in targets if revisions[t.key] != to]
    record(results)
    failed = [(r.target.key, r.error) for r in results if r.status != "ok"]
    assert not failed, failed


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=True)


def _drop_fleet(topology: Topology) -> None:
    fleet = [t for t in list_tenants() if t.slug.startswith(PREFIX)]
    for region in topology.regions:
        schemas = [sql.Identifier(t.schema_name) for t in fleet
                   if t.region == region and t.tier == Tier.SCHEMA and t.schema_name]
        if schemas:
            with _admin(topology.shared_url(region, admin=True)) as conn:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.SQL(", ").join(schemas)))
    for t in fleet:
        if t.tier == Tier.DEDICATED and t.database_name:
            drop_database(topology.region_admin_urls[t.region], t.database_name)
    ids = [t.id for t in fleet]
    with control_session(admin=True) as s:
        s.execute(delete(SchemaSyncTarget).where(SchemaSyncTarget.tenant_id.in_(ids)))
        s.execute(delete(Tenant).where(Tenant.id.in_(ids)))


@pytest.fixture(scope="module")
def fleet(topology: Topology, tenants: dict[str, object], tmp_path_factory: pytest.TempPathFactory,
          ) -> Iterator[Fleet]:
    base = head("tenant")
    # Every fifth schema tenant and two dedicated ones in Indonesia: both servers take part.
    requests = [NewTenant(name=f"Sync dedicated {i}", slug=f"{PREFIX}d{i}", region="id" if i >= 3 else "global",
                          tier="dedicated") for i in range(N_DEDICATED)]
    requests += [NewTenant(name=f"Sync schema {i}", slug=f"{PREFIX}s{i:02d}",
                           region="id" if i % 5 == 4 else "global", tier="schema") for i in range(N_SCHEMA)]
    # Through the provisioning service, a few processes at a time (Alembic runs one
    # migration at a time per process).
    with multiprocessing.get_context("fork").Pool(4, initializer=engines.forget_all) as pool:
        assert sorted(pool.map(_create, requests, chunksize=1)) == sorted(r.slug for r in requests)

    folder = tmp_path_factory.mktemp("tenant_extra_versions")
    (folder / f"{EXTRA_REVISION}.py").write_text(MIGRATION.format(revision=EXTRA_REVISION, down=base))
    _activate(folder)
    try:
        assert head("tenant") == EXTRA_REVISION
        yield Fleet(base, EXTRA_REVISION, topology)
    finally:
        # Whatever happened above: the fleet goes, every remaining target returns to the
        # shipped head (while the extra script is still loadable), then the folder goes.
        _drop_fleet(topology)
        _revert_all(base)
        _activate(None)
        assert head("tenant") == base
        report = sync(workers=1)
        assert report.ok, [(r.target.key, r.error) for r in report.failed]
        assert set(_revisions().values()) == {base}


# --- helpers for sabotage ---------------------------------------------------------------


def _po_columns(fleet: Fleet) -> int:
    """How many targets have the column the test migration adds."""
    urls = {t.admin_url for t in all_targets(fleet.topology)}
    total = 0
    for url in urls:
        with _admin(url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_name = 'invoices' AND column_name = 'po_number'"
            ).fetchone()
            total += row[0] if row else 0
    return total


def _set_connections(fleet: Fleet, slug: str, allowed: bool) -> None:
    tenant = get_tenant(slug)
    assert tenant.database_name
    server = fleet.topology.region_admin_urls[tenant.region]
    with _admin(server) as conn:
        conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
            sql.Identifier(tenant.database_name), sql.SQL("true" if allowed else "false")))
        if not allowed:  # pooled connections from earlier work go too
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                         (tenant.database_name,))


def _set_conflicting_column(fleet: Fleet, slug: str, present: bool) -> None:
    target = _target(slug, fleet.topology)
    verb = "ADD COLUMN po_number text" if present else "DROP COLUMN po_number"
    with _admin(target.admin_url) as conn:
        conn.execute(sql.SQL("ALTER TABLE {}.invoices " + verb).format(sql.Identifier(target.schema)))


# --- tests ----------------------------------------------------------------------------------


def test_fleet_is_large_enough(fleet: Fleet) -> None:
    kinds = [t.kind for t in all_targets(fleet.topology)]
    assert kinds.count("schema") >= N_SCHEMA
    assert kinds.count("dedicated") >= N_DEDICATED
    assert kinds.count("shared") == len(fleet.topology.regions)


@pytest.mark.parametrize("tier", ["shared", "schema", "dedicated"])
def test_new_tenants_are_created_at_head(fleet: Fleet, tier: str) -> None:
    tenant = create_tenant(NewTenant(name=f"Sync new {tier}", slug=f"{PREFIX}new-{tier}", region="global",
                                     tier=tier))
    target = tenant_target(tenant, fleet.topology)
    assert read_revisions([target], 1)[target.key] == fleet.new
    entry = ledger()[target.key]
    assert (entry.status, entry.revision) == ("ok", fleet.new)
    with _admin(target.admin_url) as conn:
        assert conn.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = %s AND table_name = 'invoices'"
            " AND column_name = 'po_number'", (target.schema,)).fetchone() == (1,)


def test_dry_run_lists_what_is_behind_and_changes_nothing(fleet: Fleet) -> None:
    _revert_all(fleet.base)
    targets = all_targets(fleet.topology)
    before_ledger = _ledger_snapshot()

    result = CliRunner().invoke(app, ["schema-sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[2].rstrip(":") for line in result.stdout.splitlines()
              if line.startswith("would apply")]
    assert sorted(listed) == sorted(t.key for t in targets)
    assert f"{len(targets)} behind, 0 failed" in result.stdout

    report = sync(dry_run=True)
    assert report.dry_run and report.ok
    assert {r.status for r in report.results} == {"pending"}
    assert all(r.applied == [fleet.new] for r in report.results)

    assert set(_revisions().values()) == {fleet.base}
    assert _po_columns(fleet) == 0
    assert _ledger_snapshot() == before_ledger


def test_sabotaged_targets_are_reported_and_the_rerun_fixes_only_them(fleet: Fleet) -> None:
    _revert_all(fleet.base)
    schema_victim = _target(SCHEMA_VICTIM, fleet.topology)
    db_victim = _target(DEDICATED_VICTIM, fleet.topology)
    victims = {schema_victim.key, db_victim.key}
    _set_conflicting_column(fleet, SCHEMA_VICTIM, present=True)  # the migration's column exists already
    _set_connections(fleet, DEDICATED_VICTIM, allowed=False)  # the database refuses connections
    try:
        result = CliRunner().invoke(app, ["schema-sync", "--workers", "4"])
        assert result.exit_code == 1, result.output
        failed_lines = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
        assert sorted(line.split()[1].rstrip(":") for line in failed_lines) == sorted(victims)
        assert "2 failed" in result.stdout

        revisions = _revisions()
        others = {k: v for k, v in revisions.items() if k not in victims}
        assert len(others) >= N_SCHEMA + N_DEDICATED - 2
        assert set(others.values()) == {fleet.new}, "every other target reached the new head"
        assert revisions[schema_victim.key] == fleet.base, "the failed target was rolled back whole"
        assert isinstance(revisions[db_victim.key], Exception)

        book = ledger()
        for key in victims:
            assert book[key].status == "failed"
            assert book[key].error
        assert "po_number" in (book[schema_victim.key].error or "")
        assert "cannot reach" in (book[db_victim.key].error or "")
        assert fleet.topology.servers["global"].password not in (book[db_victim.key].error or "")
        assert fleet.topology.servers["global"].password not in result.output
        assert {(e.status, e.revision) for k, e in book.items() if k in others} == {("ok", fleet.new)}
    finally:
        _set_conflicting_column(fleet, SCHEMA_VICTIM, present=False)
        _set_connections(fleet, DEDICATED_VICTIM, allowed=True)

    before = _ledger_snapshot()
    report = sync(workers=4)
    assert report.ok
    assert {r.target.key for r in report.changed} == victims, "the re-run touches only the repaired targets"
    assert set(_revisions().values()) == {fleet.new}
    after = _ledger_snapshot()
    assert {k for k in after if after[k] != before[k]} == victims
    assert {(after[k][0], after[k][1], after[k][2]) for k in victims} == {(fleet.new, "ok", None)}


def test_a_revision_this_code_does_not_know_is_reported_not_fatal(fleet: Fleet) -> None:
    """E.g. a dedicated database restored from a newer release: reported, the rest goes on."""
    assert sync(workers=4).ok
    target = _target(f"{PREFIX}s09", fleet.topology)
    with _admin(target.admin_url) as conn:
        conn.execute(sql.SQL("UPDATE {}.alembic_version SET version_num = 'z9999_future'").format(
            sql.Identifier(target.schema)))
    try:
        for report in (sync(dry_run=True), sync(workers=4)):
            assert [r.target.key for r in report.failed] == [target.key]
            assert "z9999_future" in (report.failed[0].error or "")
            assert {r.status for r in report.results if r.target.key != target.key} == {"ok"}
        assert ledger()[target.key].status == "failed"
    finally:
        with _admin(target.admin_url) as conn:
            conn.execute(sql.SQL("UPDATE {}.alembic_version SET version_num = %s").format(
                sql.Identifier(target.schema)), (fleet.new,))
    assert sync(workers=4).ok
    assert ledger()[target.key].status == "ok"


def test_noop_sync_changes_nothing(fleet: Fleet) -> None:
    assert sync(workers=4).ok
    revisions = _revisions()
    before = _ledger_snapshot()

    report = sync(workers=4)
    assert report.ok and not report.changed
    result = CliRunner().invoke(app, ["schema-sync"])
    assert result.exit_code == 0, result.output
    assert "0 migrated, 0 failed" in result.stdout

    assert _revisions() == revisions
    assert _ledger_snapshot() == before


def test_a_stale_ledger_is_corrected_once(fleet: Fleet) -> None:
    """Targets at head whose ledger row says otherwise (a restored control database, a
    migration applied by hand) are recorded once, so later runs skip them again."""
    assert sync(workers=4).ok
    stale = sorted(_target(slug, fleet.topology).key for slug in (f"{PREFIX}s03", f"{PREFIX}s04", f"{PREFIX}d1"))
    with control_session(admin=True) as s:
        s.execute(update(SchemaSyncTarget).where(SchemaSyncTarget.target.in_(stale))
                  .values(revision=fleet.base))

    report = sync(workers=4)
    assert report.ok and not report.changed, "nothing needed migrating"
    book = ledger()
    assert [(book[k].status, book[k].revision) for k in stale] == [("ok", fleet.new)] * len(stale)

    before = _ledger_snapshot()
    assert not sync(workers=4).changed
    assert _ledger_snapshot() == before


# Everything about a schema that a migration can make, with the schema's name taken out.
_CATALOG = """
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' identity:' || a.attidentity::text
       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
  FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
  WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'policy ' || c.relname || ' ' || p.polname || ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '')
       || ' / ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'relation ' || c.relname || ' kind:' || c.relkind::text
       || ' rls:' || c.relrowsecurity || '/' || c.relforcerowsecurity
       || ' app:' || coalesce((SELECT string_agg(p, ',' ORDER BY p) FROM unnest(
            CASE WHEN c.relkind = 'S' THEN ARRAY['USAGE', 'SELECT', 'UPDATE']
                 ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] END) p
            WHERE CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(%(role)s, c.oid, p)
                       ELSE has_table_privilege(%(role)s, c.oid, p) END), '-')
  FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
UNION ALL
SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') '
       || md5(replace(p.prosrc, %(name)s, 'S')) || ' definer:' || p.prosecdef
  FROM pg_proc p WHERE p.pronamespace = %(ns)s::regnamespace
UNION ALL
SELECT 'schema usage:' || has_schema_privilege(%(role)s, %(name)s, 'USAGE')
"""


def _catalog(target: Target, app_user: str) -> list[str]:
    with _admin(target.admin_url) as conn:
        rows = conn.execute(_CATALOG, {"ns": target.schema, "name": target.schema, "role": app_user}).fetchall()
        versions = conn.execute(sql.SQL("SELECT version_num FROM {}.alembic_version").format(
            sql.Identifier(target.schema))).fetchall()
    schema = target.schema
    return sorted([r[0].replace(f'"{schema}".', "S.").replace(f"{schema}.", "S.").replace(f"'{schema}'", "'S'")
                   for r in rows] + [f"version {v[0]}" for v in versions])


@pytest.mark.parametrize("tier", ["schema", "dedicated"])
def test_sync_leaves_a_target_exactly_like_a_tenant_created_at_head(fleet: Fleet, tier: str) -> None:
    """The sync renders a revision's SQL once and sends it to each target, then the audit
    triggers and the grants; the result must equal what Alembic makes of a new tenant."""
    assert static_upgrade_sql("tenant", fleet.base, fleet.new) is not None, "the test revision is static"
    slug = f"{PREFIX}new-{tier}"
    try:
        reference = tenant_target(get_tenant(slug), fleet.topology)
    except NotFound:
        reference = tenant_target(create_tenant(NewTenant(name=f"Sync new {tier}", slug=slug, region="global",
                                                          tier=tier)), fleet.topology)
    migrated = _target(f"{PREFIX}s05" if tier == "schema" else f"{PREFIX}d1", fleet.topology)
    record([revert_target(migrated, fleet.base)])
    assert read_revisions([migrated], 1)[migrated.key] == fleet.base

    report = sync(workers=2, targets=[migrated])
    assert [r.applied for r in report.results] == [[fleet.new]]

    expected = _catalog(reference, fleet.topology.app_user)
    assert any(line.startswith("relation purchase_orders") and "app:DELETE,INSERT,SELECT,UPDATE" in line
               for line in expected), expected
    assert _catalog(migrated, fleet.topology.app_user) == expected


_SYNC_SCRIPT = textwrap.dedent("""
    import json
    from core.tenancy.schema_sync import sync
    report = sync(workers=2)
    print(json.dumps({"changed": [r.target.key for r in report.changed],
                      "failed": [[r.target.key, r.error] for r in report.failed]}))
""")


def test_two_concurrent_syncs_do_not_collide(fleet: Fleet) -> None:
    _revert_all(fleet.base)
    everything = {t.key for t in all_targets(fleet.topology)}
    gate = _target(f"{PREFIX}s00", fleet.topology)
    # Hold the gate target's lock until both syncs wait on it: they provably overlap.
    with _admin(gate.admin_url) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", ("schema-sync:" + gate.key,))
        gate_lock = holder.execute(
            "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).fetchone()
        procs = [
            subprocess.Popen([sys.executable, "-c", _SYNC_SCRIPT], cwd=PROJECT_ROOT, env=dict(os.environ),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        try:
            deadline = time.monotonic() + 120
            waiting = 0
            while waiting < 2:
                assert time.monotonic() < deadline, "the two syncs never both reached the gate"
                assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
                time.sleep(0.05)
                row = holder.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                    " WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
                    " AND (l.classid, l.objid) = (%s, %s)", gate_lock,
                ).fetchone()
                waiting = row[0] if row else 0
        finally:
            holder.execute("SELECT pg_advisory_unlock_all()")
        outputs = [p.communicate(timeout=120) for p in procs]

    reports = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    assert all(not r["failed"] for r in reports), reports
    first, second = (set(r["changed"]) for r in reports)
    assert not first & second, "no target was migrated by both syncs"
    assert first | second == everything
    assert set(_revisions().values()) == {fleet.new}
    book = ledger()
    assert {(book[k].status, book[k].revision) for k in everything} == {("ok", fleet.new)}
    # One version row per target: nobody stamped a target twice.
    for url in {t.admin_url for t in all_targets(fleet.topology)}:
        with _admin(url) as conn:
            schemas = [r[0] for r in conn.execute(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'")]
            for schema in schemas:
                count = conn.execute(sql.SQL("SELECT count(*) FROM {}.alembic_version").format(
                    sql.Identifier(schema))).fetchone()
                assert count == (1,), schema
