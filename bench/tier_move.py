"""Benchmark: moving one tenant from the shared tier to its own database.

Starts its own temporary embedded cluster (durable settings, as in production), makes a
shared-tier tenant with about `--rows` rows across its tables (customers, invoices, two
lines per invoice, expenses, and the audit rows their inserts wrote; a second, smaller
tenant shares the tables), seals its audit chain (the seal job does that every few seconds
in production), then measures in the same run:

  * reference: a raw psycopg pipe, `COPY (SELECT ... WHERE tenant_id = X) TO STDOUT` ->
    `COPY ... FROM STDIN`, of the same tables and columns into an empty database at the
    schema head (triggers off on the target, as in the move);
  * the move: `request_move` + `run_move` to the dedicated tier, with a writer creating
    customers through the service layer at about 50 writes/s the whole time.

The last line is

    tier_move ratio_vs_raw_copy=<x> write_block_ms=<y> lost_rows=<n>

ratio = raw copy seconds / the move's copy + read-only window (lock, catch-up, verify)
seconds; write_block_ms = the longest time the writer could not write (from the first
refused or waiting write to the next one that succeeded); lost_rows = writes that
succeeded but are not in the company after the move. Goals: ratio >= 0.7,
write_block_ms <= 2000, lost_rows = 0.

    .venv/bin/python bench/tier_move.py [--rows 1000000] [--rate 50]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _cluster import private_cluster


def load(topology: object, slug: str, n: int) -> uuid.UUID:
    import psycopg

    from core.tenancy.provisioning import NewTenant, create_tenant
    from db.bootstrap import libpq_url

    tenant = create_tenant(NewTenant(name=f"Bench {slug}", slug=slug, region="global", tier="shared"))
    url = topology.shared_url("global", admin=True)  # type: ignore[attr-defined]
    tid = str(tenant.id)
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, false), set_config('app.actor', 'bench', false)",
                     (tid,))
        conn.execute("INSERT INTO customers (id, name, email, address) SELECT gen_random_uuid(), 'Customer ' || g,"
                     " 'c' || g || '@example.co.id', 'Jl. Sudirman No. ' || g || ', Jakarta'"
                     " FROM generate_series(1, %s) g", (n,))
        conn.execute("INSERT INTO invoices (id, number, customer_id, issue_date, due_date, subtotal, tax_amount,"
                     " total, notes) SELECT gen_random_uuid(), 'INV/2026/' || row_number() OVER (), c.id,"
                     " DATE '2026-01-01', DATE '2026-01-31', 100000, 11000, 111000, 'Terima kasih'"
                     " FROM customers c WHERE c.tenant_id = %s", (tid,))
        conn.execute("INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_price,"
                     " line_total) SELECT gen_random_uuid(), i.id, p, 'Jasa konsultasi ' || p, 1, 50000, 50000"
                     " FROM invoices i, generate_series(1, 2) p WHERE i.tenant_id = %s", (tid,))
        conn.execute("INSERT INTO expenses (id, spent_on, category, vendor, amount, description)"
                     " SELECT gen_random_uuid(), DATE '2026-01-01' + (g %% 300), 'Operasional', 'Vendor ' || (g %% 97),"
                     " 1000 + g, 'Biaya ' || g FROM generate_series(1, %s) g", (n,))
        conn.commit()
        while True:
            row = conn.execute("SELECT audit_seal(%s, 50000)", (tid,)).fetchone()
            conn.commit()
            if not row or row[0] < 50000:
                break
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    return tenant.id


def raw_copy(topology: object, tenant_id: uuid.UUID) -> tuple[float, int]:
    """The reference: a bare COPY pipe of the tenant's tables into an empty database at head."""
    from core.tenancy.migration import copier
    from core.tenancy.schema_sync import Target, migrate_target
    from db.bootstrap import ensure_database

    server = topology.region_admin_urls["global"]  # type: ignore[attr-defined]
    ensure_database(server, "bench_raw", topology.app_user)  # type: ignore[attr-defined]
    dst_url = topology.region_url("global", "bench_raw", admin=True)  # type: ignore[attr-defined]
    result = migrate_target(Target("bench:raw", "dedicated", "global", dst_url, "public", tenant_id),
                            topology.app_user)  # type: ignore[attr-defined]
    assert result.status == "ok", result.error
    src_url = topology.shared_url("global", admin=True)  # type: ignore[attr-defined]
    with copier.connect(src_url) as src, copier.connect(dst_url) as dst:
        specs = copier.tables(src, "public")
        src.rollback()
        copier.replica_mode(dst)
        dst.commit()
        started = time.perf_counter()
        src.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        rows = 0
        for spec in specs:
            rows += copier.pipe(src, dst, copier.select_sql("public", spec, tenant_id), "public", spec)
            dst.commit()
        elapsed = time.perf_counter() - started
        src.rollback()
    return elapsed, rows


def guard_overhead(topology: object, tenant_id: uuid.UUID, rows: int = 500, rounds: int = 9) -> float:
    """Single-row INSERT throughput of another tenant of the shared database with the move's
    write guard on its tables / with it disabled (median of interleaved rounds)."""
    import statistics

    import psycopg

    from db.bootstrap import libpq_url

    admin = libpq_url(topology.shared_url("global", admin=True))  # type: ignore[attr-defined]
    app = libpq_url(topology.shared_url("global"))  # type: ignore[attr-defined]

    def toggle(on: bool) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"ALTER TABLE public.expenses {'ENABLE' if on else 'DISABLE'} TRIGGER bos_write_guard")

    def run() -> float:
        with psycopg.connect(app) as conn:
            started = time.perf_counter()
            for i in range(rows):
                conn.execute("SELECT set_config('app.tenant_id', %s, true), set_config('app.actor', 'bench', true)",
                             (str(tenant_id),))
                conn.execute("INSERT INTO expenses (spent_on, category, vendor, amount) VALUES"
                             " (DATE '2026-02-01', 'Bench', 'Guard', %s)", (i + 1,))
                conn.commit()
            return rows / (time.perf_counter() - started)

    ratios = []
    for r in range(rounds):
        rates = {}
        for on in ((True, False) if r % 2 == 0 else (False, True)):
            toggle(on)
            rates[on] = run()
        ratios.append(rates[True] / rates[False])
    toggle(True)
    return statistics.median(ratios)


class Writer:
    """Creates customers through the service layer at about `rate` per second."""

    def __init__(self, slug: str, rate: float) -> None:
        self.slug, self.interval = slug, 1.0 / rate
        self.ok: list[str] = []
        self.refused = 0
        self.errors: list[str] = []
        self.block = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _write(self, name: str) -> bool:
        from core.context import Actor
        from core.customers.service import CustomerIn, create_customer
        from core.errors import Locked
        from core.rbac.permissions import SYSTEM_ROLES
        from core.tenancy.registry import context_for, get_tenant

        ctx = context_for(get_tenant(self.slug), Actor("user", "bench-writer", "writer"), role="admin",
                          permissions=SYSTEM_ROLES["admin"])
        try:
            create_customer(ctx, CustomerIn(name=name))
        except Locked:
            self.refused += 1
            return False
        except Exception as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return False
        self.ok.append(name)
        return True

    def _run(self) -> None:
        blocked_since: float | None = None
        n = 0
        next_at = time.perf_counter()
        while not self._stop.is_set():
            started = time.perf_counter()
            succeeded = self._write(f"writer-{n}")
            n += 1
            ended = time.perf_counter()
            if succeeded:
                since = blocked_since if blocked_since is not None else started
                self.block = max(self.block, ended - since)
                blocked_since = None
            elif blocked_since is None:
                blocked_since = started
            next_at = max(next_at + self.interval, time.perf_counter())  # no bursts to catch up
            time.sleep(max(0.0, next_at - time.perf_counter()))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        time.sleep(1.0)  # a few writes after the switch, to close any refused streak
        self._stop.set()
        self._thread.join(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows across the tenant's tables")
    parser.add_argument("--rate", type=float, default=50.0, help="writer's writes per second")
    args = parser.parse_args()
    n = max(args.rows // 10, 1)  # 5 data rows per n, and one audit row for each

    import logging

    logging.basicConfig(level=logging.WARNING, format="  %(message)s")
    logging.getLogger("core.tenancy.migration").setLevel(logging.INFO)
    with private_cluster(fast=False) as topology:
        from sqlalchemy import text

        from core.tenancy.migration.engine import run_move
        from core.tenancy.migration.models import TenantMove
        from core.tenancy.migration.service import MoveRequest, request_move
        from core.tenancy.registry import context
        from db.session import tenant_session

        t0 = time.perf_counter()
        tenant_id = load(topology, "bench-mover", n)
        neighbour = load(topology, "bench-neighbour", max(n // 10, 1))
        print(f"loaded {n * 10:,} rows for the tenant in {time.perf_counter() - t0:.1f}s", flush=True)

        writer = Writer("bench-mover", args.rate)  # runs through the reference and the move alike
        writer.start()
        raw_s, raw_rows = raw_copy(topology, tenant_id)
        print(f"raw COPY pipe: {raw_rows:,} rows in {raw_s:.2f}s ({raw_rows / raw_s:,.0f} rows/s)", flush=True)

        steps: dict[str, float] = {}

        def progress(move: TenantMove) -> None:
            steps.setdefault(move.step, time.perf_counter())

        started = time.perf_counter()
        move = request_move(MoveRequest("bench-mover", "dedicated"), actor="bench")
        done = run_move(move.id, progress=progress)
        finished = time.perf_counter()
        writer.stop()
        if done.status != "succeeded":
            raise SystemExit(f"the move failed: {done.reason}")
        steps["done"] = min(steps.get("done", finished), finished)
        order = ["precheck", "provision", "copy", "lock", "catchup", "verify", "switch", "done"]
        marks = [(s, steps[s]) for s in order if s in steps]
        for (name, at), (_, nxt) in itertools.pairwise(marks):
            print(f"  step {name:<9} {nxt - at:7.2f}s", flush=True)
        copy_verify = steps["switch"] - steps["copy"]
        window = steps["switch"] - steps["lock"]
        print(f"move: {finished - started:.2f}s in all, copy + window {copy_verify:.2f}s, read-only window "
              f"{window:.2f}s, rows {done.rows_copied:,}", flush=True)

        with tenant_session(context("bench-mover")) as s:
            names = set(s.execute(text("SELECT name FROM customers WHERE name LIKE 'writer-%'")).scalars())
        lost = len([w for w in writer.ok if w not in names])
        ratio = guard_overhead(topology, neighbour)
        print(f"write guard: single-row INSERT throughput with the guard / without = {ratio:.3f}", flush=True)
        print(f"writer: {len(writer.ok)} writes succeeded, {writer.refused} refused (423), "
              f"{len(writer.errors)} other errors {writer.errors[:2]}", flush=True)
        print(f"tier_move ratio_vs_raw_copy={raw_s / copy_verify:.2f} write_block_ms={writer.block * 1000:.0f} "
              f"lost_rows={lost}")


if __name__ == "__main__":
    main()
