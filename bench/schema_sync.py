"""Benchmark: schema sync of one new tenant migration over N schema tenants.

Starts its own temporary embedded cluster, creates N schema-tier tenants, then times

  * the schema sync service applying one new tenant migration (a column and an index on
    `invoices`) at 1 worker and at 4 workers, every target reset to the previous
    revision before each run;
  * the same DDL through one raw psycopg loop over the same targets (the floor: one
    transaction per target, nothing else);
  * a no-op sync (everything at head).

Each figure is the median of --repeat runs. The last line is

    schema_sync ratio_vs_raw=<sync at 4 workers / raw> noop_ms_per_target=<no-op ms / targets>

Goal: ratio <= 1.5 and no-op <= 20 ms per target.

    .venv/bin/python bench/schema_sync.py [--tenants N] [--repeat R]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRA_REVISION = "b9001_invoice_po_number"
MIGRATION = '''\
"""Benchmark only: a purchase-order number on invoices.

Revision ID: {revision}
Revises: {down}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("invoices", sa.Column("po_number", sa.String(40)))
    op.create_index("ix_invoices_po_number", "invoices", ["po_number"])


def downgrade() -> None:
    op.drop_index("ix_invoices_po_number", table_name="invoices")
    op.drop_column("invoices", "po_number")
'''
RAW_UP = (
    'ALTER TABLE "{s}".invoices ADD COLUMN po_number varchar(40)',
    'CREATE INDEX ix_invoices_po_number ON "{s}".invoices (po_number)',
)
RAW_DOWN = (
    'DROP INDEX "{s}".ix_invoices_po_number',
    'ALTER TABLE "{s}".invoices DROP COLUMN po_number',
)


def _environment(data: Path) -> None:
    """Settings for a private cluster; must happen before any project module is imported."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cluster import environment

    environment(data, fast=True)


def _create_slice(slugs: list[str]) -> int:
    from core.tenancy.provisioning import NewTenant, create_tenant

    for slug in slugs:
        create_tenant(NewTenant(name=f"Bench {slug}", slug=slug, region="global", tier="schema"))
    return len(slugs)


def _fresh_process() -> None:
    from db import engines

    engines.forget_all()


def create_tenants(n: int, processes: int = 4) -> None:
    """N schema tenants through the provisioning service, a few processes at a time."""
    slugs = [f"bench-{i:04d}" for i in range(n)]
    slices = [slugs[i::processes] for i in range(processes)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes, initializer=_fresh_process) as pool:
        assert sum(pool.map(_create_slice, slices)) == n


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200, help="schema-tier tenants (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is kept")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory afterwards")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bos-bench-"))
    _environment(data)

    import psycopg

    from core.config import reset_settings_cache
    from core.runtime import bootstrap, stop_servers
    from core.tenancy import schema_sync
    from db.bootstrap import libpq_url
    from db.engines import engine_for
    from db.migrate import head, install_audit_triggers, reset_script_cache
    from db.topology import get_topology

    topology = bootstrap(stop_at_exit=False)
    try:
        started = time.perf_counter()
        create_tenants(args.tenants)
        print(f"created {args.tenants} schema tenants in {time.perf_counter() - started:.1f} s")
        base = head("tenant")
        targets = schema_sync.all_targets(topology)
        assert sum(t.kind == "schema" for t in targets) == args.tenants

        # The raw floor, before the new revision exists: the same DDL, one transaction per
        # target, one connection per database.
        def raw(statements: tuple[str, ...]) -> None:
            by_db: dict[str, list[str]] = {}
            for t in targets:
                by_db.setdefault(t.admin_url, []).append(t.schema)
            for url, schemas in by_db.items():
                with psycopg.connect(libpq_url(url)) as conn:
                    for schema in schemas:
                        with conn.transaction():
                            for statement in statements:
                                conn.execute(statement.format(s=schema))

        versions = data / "bench_versions"
        versions.mkdir()
        (versions / f"{EXTRA_REVISION}.py").write_text(MIGRATION.format(revision=EXTRA_REVISION, down=base))
        os.environ["BOS_TENANT_EXTRA_VERSIONS"] = str(versions)
        reset_settings_cache()
        reset_script_cache()
        assert head("tenant") == EXTRA_REVISION  # loads the scripts once, like a long-lived process

        def reset() -> None:
            """Every target back at the previous revision (through the sync's own downgrade)."""
            results = [schema_sync.revert_target(t, base) for t in targets]
            assert all(r.status == "ok" for r in results), [r.error for r in results if r.error]
            schema_sync.record(results)

        def run_sync(workers: int) -> None:
            report = schema_sync.sync(workers=workers)
            assert report.ok, [(r.target.key, r.error) for r in report.failed]
            assert len(report.changed) == len(targets), len(report.changed)

        # Interleaved, so that a change in the machine's load hits every figure alike.
        raw_times: list[float] = []
        figures: dict[int, list[float]] = {1: [], 4: []}
        for _ in range(args.repeat):
            raw_times.append(_timed(lambda: raw(RAW_UP)))
            raw(RAW_DOWN)
            for workers in (1, 4):
                figures[workers].append(_timed(lambda w=workers: run_sync(w)))  # type: ignore[misc]
                reset()

        run_sync(4)

        def noop() -> None:
            report = schema_sync.sync(workers=4)
            assert report.ok and not report.changed

        noop_times = [_timed(noop) for _ in range(args.repeat)]

        # For the reading: what the audit-trigger installer, which every migrated target
        # runs after its migrations (db.migrate.install_audit_triggers), costs on its own.
        def installer() -> None:
            by_db: dict[str, list[str]] = {}
            for t in targets:
                by_db.setdefault(t.admin_url, []).append(t.schema)
            for url, schemas in by_db.items():
                with engine_for(url).connect() as conn:
                    for schema in schemas:
                        install_audit_triggers(conn, schema)
                        conn.commit()

        installer_s = statistics.median(_timed(installer) for _ in range(args.repeat))

        raw_s = statistics.median(raw_times)
        noop_s = statistics.median(noop_times)
        n = len(targets)
        print(f"targets: {n} ({args.tenants} schemas + {n - args.tenants} shared databases), "
              f"{os.cpu_count()} CPUs, median of {args.repeat}")
        print(f"raw psycopg loop:     {raw_s * 1000:8.0f} ms  ({raw_s * 1000 / n:.2f} ms/target)")
        sync_s = {w: statistics.median(times) for w, times in figures.items()}
        print(f"schema sync 1 worker: {sync_s[1] * 1000:8.0f} ms  ({sync_s[1] * 1000 / n:.2f} ms/target)")
        print(f"schema sync 4 workers:{sync_s[4] * 1000:8.0f} ms  ({sync_s[4] * 1000 / n:.2f} ms/target)")
        print(f"no-op sync:           {noop_s * 1000:8.0f} ms")
        print(f"audit installer alone:{installer_s * 1000:8.0f} ms  ({installer_s * 1000 / n:.2f} ms/target, "
              "needed only by migrations that make tables or change audited columns; this one does neither)")
        print(f"schema_sync ratio_vs_raw={sync_s[4] / raw_s:.2f} noop_ms_per_target={noop_s * 1000 / n:.2f}")
        return 0
    finally:
        stop_servers(list(get_topology().servers.values()))
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
