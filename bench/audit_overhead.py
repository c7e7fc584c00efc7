"""Benchmark: what the audit triggers cost writers, on the `invoices` table.

Starts its own temporary embedded cluster with the normal durable settings (fsync and
synchronous commit on, as in production) and creates one shared-tier tenant. For single
rows the reference is a twin of `invoices` made in the same run: the same columns,
defaults, checks, indexes, foreign keys (both ways) and row security, only without the
audit triggers. Measured as
the runtime role, with the tenant context stamped per transaction like the app does
(`set_config` of app.tenant_id / app.actor / app.request_id, then the statement, then
COMMIT):

  * single-row INSERT throughput, one statement per transaction;
  * single-row UPDATE throughput, one statement per transaction;
  * a 100k-row bulk INSERT ... SELECT generate_series in one transaction.

Single-row transactions alternate between the two tables one by one, so whatever else
the machine does at a moment (other processes, checkpoints, a slow fsync, background work
one table's writes cause) falls on both alike; each block of them gives a ratio, and the
median over blocks is kept. They run twice: by one writer (one connection taking turns
between the tables, as a client writing row after row would: the headline figure), and
by two writers (a connection, that is a server process, per table), which also gives
each table's server CPU time, a figure other processes' load cannot move; there each
transaction runs in a process another one ran beside, with colder caches, and the
audit's extra code shows more. A bulk insert goes into `invoices` itself, with its audit
triggers and without them (dropped, then put back), in back-to-back pairs.

A bulk statement is captured as one batch row holding each changed row's text (migration
t0010); what that serialisation costs is measured apart, next to what json would cost.
Expanding batches and sealing the chain are not on the writer's path (a job does both);
their rate is reported too. The last line is

    audit_overhead single_ratio=<x> bulk_ratio=<y>

where a ratio is throughput with triggers / throughput without (the median over blocks
of interleaved transactions, or over back-to-back bulk pairs), and single_ratio is the
lower of the one writer's INSERT and UPDATE ratios. Goals: single >= 0.90, bulk >= 0.80.

    .venv/bin/python bench/audit_overhead.py [--rows N] [--repeat R] [--bulk ROWS] [--bulk-repeat R] [--calibrate]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent

STAMP = ("SELECT set_config('app.tenant_id', %s, true), set_config('app.actor', %s, true),"
         " set_config('app.request_id', %s, true)")
INSERT = ("INSERT INTO {table} (number, customer_id, issue_date, due_date, status, subtotal, discount_amount,"
          " tax_rate, tax_amount, total, notes) VALUES (%s, %s, DATE '2026-11-01', DATE '2026-11-30', 'draft',"
          " 1000000, 50000, 11, 104500, 1054500, 'Consulting services for November') RETURNING id")
UPDATE = "UPDATE {table} SET amount_paid = amount_paid + 1000, updated_at = now() WHERE id = %s"
BULK = ("INSERT INTO {table} (number, customer_id, issue_date, due_date, status, subtotal, discount_amount,"
        " tax_rate, tax_amount, total, notes)"
        " SELECT %s || g, %s, DATE '2026-11-01', DATE '2026-11-30', 'draft', 1000000 + g, 0, 11,"
        " round((1000000 + g) * 0.11, 2), round((1000000 + g) * 1.11, 2), 'Imported invoice ' || g"
        " FROM generate_series(1, %s) g")
AUDITED, TWIN = "invoices", "bench_invoices"
TABLES = {True: AUDITED, False: TWIN}  # with the audit triggers, without
MODES = {"one": "one writer", "two": "two writers"}


def _environment(data: Path) -> None:
    """Settings for a private cluster; must happen before any project module is imported."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cluster import environment

    environment(data, fast=False)


def create_twin(admin: Any, app_role: str) -> None:
    """`invoices` in every respect but the audit triggers, as `bench_invoices`: LIKE ...
    INCLUDING ALL (columns, defaults, checks, indexes), then its foreign keys, a copy of
    each table referencing it (for the referential triggers an UPDATE runs), row security
    with its policies, its other triggers, the runtime role's grants."""
    src = f"public.{AUDITED}"
    admin.execute(f"CREATE TABLE public.{TWIN} (LIKE {src} INCLUDING ALL)")
    for (definition,) in admin.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                                       " WHERE conrelid = %s::regclass AND contype = 'f'", (src,)).fetchall():
        admin.execute(f"ALTER TABLE public.{TWIN} ADD {definition}")
    referencing = admin.execute("SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
                                " WHERE confrelid = %s::regclass AND contype = 'f' ORDER BY conname", (src,)).fetchall()
    for i, (table, definition) in enumerate(referencing):
        admin.execute(f"CREATE TABLE public.bench_ref_{i} (LIKE {table})")
        assert f"REFERENCES {AUDITED}(" in definition, definition
        admin.execute(f"ALTER TABLE public.bench_ref_{i} ADD "
                      + definition.replace(f"REFERENCES {AUDITED}(", f"REFERENCES {TWIN}("))
    enabled, forced = admin.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass",
                                    (src,)).fetchone()
    if enabled:
        admin.execute(f"ALTER TABLE public.{TWIN} ENABLE ROW LEVEL SECURITY")
    if forced:
        admin.execute(f"ALTER TABLE public.{TWIN} FORCE ROW LEVEL SECURITY")
    policies = admin.execute("SELECT policyname, permissive, array_to_string(roles, ', '), cmd, qual, with_check"
                             " FROM pg_policies WHERE schemaname = 'public' AND tablename = %s", (AUDITED,)).fetchall()
    for name, permissive, roles, cmd, using, check in policies:
        admin.execute(f"CREATE POLICY {name} ON public.{TWIN} AS {permissive} FOR {cmd} TO {roles}"
                      + (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else ""))
    for (definition,) in admin.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass"
                                       " AND NOT tgisinternal AND tgname NOT LIKE 'audit%%'", (src,)).fetchall():
        admin.execute(definition.replace(f" ON {src} ", f" ON public.{TWIN} "))
    admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.{TWIN} TO {app_role}")
    shape = ("SELECT (SELECT count(*) FROM pg_index WHERE indrelid = %(t)s::regclass),"
             " (SELECT count(*) FROM pg_constraint WHERE conrelid = %(t)s::regclass),"
             " (SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND tablename = %(n)s),"
             " (SELECT count(*) FROM pg_trigger WHERE tgrelid = %(t)s::regclass AND tgname NOT LIKE 'audit%%')")
    twin = admin.execute(shape, {"t": f"public.{TWIN}", "n": TWIN}).fetchone()
    original = admin.execute(shape, {"t": src, "n": AUDITED}).fetchone()
    assert twin == original, (twin, original)


class Writer:
    """Writes one of the two tables through a connection as the runtime role."""

    def __init__(self, conn: Any, table: str, tenant: str, customer: Any) -> None:
        self.conn = conn
        self.table, self.tenant, self.customer = table, tenant, customer
        self.insert_sql, self.update_sql = INSERT.format(table=table), UPDATE.format(table=table)
        self.ids: list[Any] = []

    def _stamp(self) -> None:
        self.conn.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))

    def insert(self, number: str) -> float:
        """Seconds one single-row INSERT transaction takes."""
        started = time.perf_counter()
        self._stamp()
        row = self.conn.execute(self.insert_sql, (number, self.customer)).fetchone()
        self.conn.commit()
        elapsed = time.perf_counter() - started
        self.ids.append(row[0])
        return elapsed

    def update(self, i: int) -> float:
        """Seconds one single-row UPDATE transaction takes (of the i-th row, spread out)."""
        row_id = self.ids[(i * 7919) % len(self.ids)]
        started = time.perf_counter()
        self._stamp()
        self.conn.execute(self.update_sql, (row_id,))
        self.conn.commit()
        return time.perf_counter() - started

    def bulk(self, prefix: str, rows: int) -> float:
        started = time.perf_counter()
        self._stamp()
        self.conn.execute(BULK.format(table=self.table), (prefix, self.customer, rows))
        self.conn.commit()
        return time.perf_counter() - started

    def cpu(self) -> float:
        """CPU seconds used so far by this connection's server process (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.conn.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sample(NamedTuple):
    seconds: dict[bool, float]  # elapsed, with triggers (True) and without
    cpu: dict[bool, float]  # server CPU seconds, likewise


class Bench:
    def __init__(self, app_url: str, admin_url: str, tenant_id: uuid.UUID) -> None:
        import psycopg

        self.app = psycopg.connect(app_url)
        self.admin = psycopg.connect(admin_url, autocommit=True)
        self.tenant = str(tenant_id)
        self.seq = 0
        settings = self.admin.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
        self.durability = settings.fetchone()
        self.customer = self._in_tenant(
            lambda: self.app.execute("INSERT INTO customers (name) VALUES ('PT Benchmark') RETURNING id")
            .fetchone()[0])  # type: ignore[index]
        create_twin(self.admin, self.app.execute("SELECT current_user").fetchone()[0])  # type: ignore[index]
        self.app.commit()
        # One writer: one connection takes turns between the tables, as a client writing
        # row after row would. Two writers: a connection (a server process) per table, so
        # each one's CPU time can be read, and each transaction runs in a process the
        # other table's transaction ran beside: a process switch, colder caches.
        shared = psycopg.connect(app_url)
        self.modes = {
            "one": {on: Writer(shared, table, self.tenant, self.customer) for on, table in TABLES.items()},
            "two": {on: Writer(psycopg.connect(app_url), table, self.tenant, self.customer)
                    for on, table in TABLES.items()},
        }

    def _in_tenant(self, fn: Any) -> Any:
        self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
        result = fn()
        self.app.commit()
        return result

    def _interleaved(self, mode: str, n: int, one: Callable[[Writer, int], float]) -> Sample:
        """n transactions on each table, alternating one by one (and which goes first)."""
        writers = self.modes[mode]
        seconds = {True: 0.0, False: 0.0}
        cpu = {on: -w.cpu() for on, w in writers.items()}
        for i in range(n):
            for on in ((True, False) if i % 2 == 0 else (False, True)):
                seconds[on] += one(writers[on], i)
        for on, w in writers.items():
            cpu[on] += w.cpu()
        return Sample(seconds, cpu)

    def single_inserts(self, mode: str, n: int) -> Sample:
        def one(w: Writer, i: int) -> float:
            self.seq += 1
            return w.insert(f"S-{self.seq}")

        return self._interleaved(mode, n, one)

    def single_updates(self, mode: str, n: int) -> Sample:
        return self._interleaved(mode, n, lambda w, i: w.update(i))

    def _audit_triggers(self, on: bool) -> None:
        """Put the audit triggers on `invoices` back (as schema sync does), or drop them. Not
        DISABLE TRIGGER: a disabled trigger's transition table is still filled."""
        if on:
            self.admin.execute("SELECT public.audit_install_triggers('public')")
        else:
            for event in ("insert", "update", "delete"):
                self.admin.execute(f"DROP TRIGGER IF EXISTS audit_{event} ON public.{AUDITED}")

    def bulk(self, rows: int, first: bool, toggle: bool = True) -> Sample:
        """One bulk insert into `invoices` with its audit triggers and one without (dropped
        for it), `first` going first. Unlike single rows, against the table itself: a bulk
        statement runs for seconds, putting the triggers back takes milliseconds."""
        writer = self.modes["two"][True]
        seconds, cpu = {}, {}
        for on in (first, not first):
            self.seq += 1
            if toggle:
                self._audit_triggers(on)
            self.admin.execute("CHECKPOINT")
            before = writer.cpu()
            seconds[on] = writer.bulk(f"B{self.seq}-", rows)
            cpu[on] = writer.cpu() - before
            self.admin.execute("BEGIN")
            self.admin.execute("SET LOCAL session_replication_role = replica")  # past the append-only guard
            self.admin.execute(f"DELETE FROM public.{AUDITED} WHERE number LIKE %s", (f"B{self.seq}-%",))
            self.admin.execute("DELETE FROM audit_batch WHERE table_name = %s", (AUDITED,))
            self.admin.execute("COMMIT")
            self.admin.execute(f"VACUUM ANALYZE {AUDITED}, audit_batch")
        if toggle:
            self._audit_triggers(True)
        return Sample(seconds, cpu)

    def breakdown(self, rows: int = 30_000) -> dict[str, float]:
        """Where the bulk overhead goes, in microseconds per row: writing each row's record
        as text (what a bulk statement's capture stores), and, for comparison, serialising
        it to json (what the per-row capture does, and the sealer does later)."""
        a = self.admin
        a.execute("BEGIN")
        a.execute("SELECT set_config('app.tenant_id', %s, true)", (self.tenant,))
        a.execute("CREATE TEMP TABLE sample (LIKE invoices INCLUDING DEFAULTS) ON COMMIT DROP")
        a.execute(BULK.format(table="sample"), ("X-", self.customer, rows))

        def timed(sql: str) -> float:
            started = time.perf_counter()
            a.execute(sql)
            return (time.perf_counter() - started) / rows * 1e6

        scan = min(timed("SELECT count(*) FROM sample s") for _ in range(3))
        as_text = min(timed("SELECT count(s::text) FROM sample s") for _ in range(3)) - scan
        as_json = min(timed("SELECT count(to_json(s)) FROM sample s") for _ in range(3)) - scan
        a.execute("ROLLBACK")
        return {"text": as_text, "json": as_json}

    def seal_rate(self, bulk_rows: int = 20_000) -> tuple[int, float]:
        """Rows sealed per second: the single-row statements' audit rows, and one bulk
        statement's batch, expanded into audit rows first."""
        self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
        self.app.execute(BULK.format(table=AUDITED), ("SEAL-", self.customer, bulk_rows))
        self.app.commit()
        pending = self.admin.execute(
            "SELECT (SELECT count(*) FROM audit_pending)"
            " + (SELECT coalesce(sum(cardinality(new_rows)), 0) FROM audit_batch)").fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        sealed = 0
        while True:
            self.app.execute(STAMP, (self.tenant, "job:bench", uuid.uuid4().hex))
            n = self.app.execute("SELECT audit_seal(%s, 5000)", (self.tenant,)).fetchone()[0]  # type: ignore[index]
            self.app.commit()
            sealed += n
            if n < 5000:
                break
        assert sealed == pending
        return sealed, sealed / (time.perf_counter() - started)


def _ratio(samples: list[Sample]) -> tuple[float, float, list[float]]:
    """Throughput with / without triggers: the median over samples, each sample's ratio
    being its time without over its time with (the same work on both sides, interleaved);
    the same ratio per server CPU second of all samples together (CPU ticks are coarse:
    10 ms); the samples' ratios, sorted."""
    ratios = sorted(x.seconds[False] / x.seconds[True] for x in samples)
    with_cpu = sum(x.cpu[True] for x in samples)
    cpu = sum(x.cpu[False] for x in samples) / with_cpu if with_cpu > 0 else float("nan")
    return statistics.median(ratios), cpu, ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200,
                        help="single-row transactions per table in a block (default 200)")
    parser.add_argument("--repeat", type=int, default=25, help="blocks (default 25)")
    parser.add_argument("--bulk", type=int, default=100_000, help="rows of the bulk insert (default 100000)")
    parser.add_argument("--bulk-repeat", type=int, default=5, help="bulk runs per table (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory afterwards")
    parser.add_argument("--calibrate", action="store_true",
                        help="no audit triggers at all: both sides alike, the ratios show the method's own error")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bos-bench-audit-"))
    _environment(data)

    from core.runtime import bootstrap, stop_servers
    from core.tenancy.placement import admin_url
    from core.tenancy.provisioning import NewTenant, create_tenant
    from core.tenancy.registry import context_for
    from db.bootstrap import libpq_url
    from db.topology import get_topology

    topology = bootstrap(stop_at_exit=False)
    try:
        tenant = create_tenant(NewTenant(name="PT Bench Audit", slug="bench-audit", region="global", tier="shared"))
        ctx = context_for(tenant)
        bench = Bench(libpq_url(ctx.database_url), libpq_url(admin_url(tenant, topology)), tenant.id)
        print(f"fsync={bench.durability[0]} synchronous_commit={bench.durability[1]}; "  # type: ignore[index]
              f"{args.repeat} blocks of {args.rows} single-row transactions per table, interleaved one by one; "
              f"{args.bulk_repeat} x {args.bulk} bulk rows with the triggers and without, back to back")
        if args.calibrate:
            for event in ("insert", "update", "delete"):
                bench.admin.execute(f"DROP TRIGGER audit_{event} ON public.{AUDITED}")
            print("calibration: the audit triggers are dropped, both tables are alike")
        # Warm-up: plans prepared, caches filled, both tables, both ways.
        for mode in MODES:
            bench.single_inserts(mode, 300)
            bench.single_updates(mode, 300)

        runs: dict[tuple[str, str], list[Sample]] = {}
        for _ in range(args.repeat):
            for mode in MODES:
                runs.setdefault(("insert", mode), []).append(bench.single_inserts(mode, args.rows))
                runs.setdefault(("update", mode), []).append(bench.single_updates(mode, args.rows))
        for rep in range(args.bulk_repeat):
            runs.setdefault(("bulk", "two"), []).append(bench.bulk(args.bulk, first=rep % 2 == 0,
                                                                   toggle=not args.calibrate))

        ratios, cpu_ratios = {}, {}
        for (kind, mode), samples in runs.items():
            n, unit = (args.bulk, "rows/s") if kind == "bulk" else (args.rows, "tx/s")
            on_rate = statistics.median(n / x.seconds[True] for x in samples)
            off_rate = statistics.median(n / x.seconds[False] for x in samples)
            ratios[kind, mode], cpu, spread = _ratio(samples)
            what = "back-to-back pairs" if kind == "bulk" else "blocks"
            cpu_note = ""
            if mode == "two":
                cpu_ratios[kind] = cpu
                cpu_note = f"; per server CPU second {cpu:.3f}"
            label = "" if kind == "bulk" else f"{MODES[mode]:12}"
            print(f"{kind:7}{label} with triggers {on_rate:8.0f} {unit:6} without {off_rate:8.0f} {unit:6} "
                  f"ratio {ratios[kind, mode]:.3f} (median of {len(spread)} {what}, {spread[0]:.2f} .. "
                  f"{spread[-1]:.2f}){cpu_note}")
        bulk = runs["bulk", "two"]
        per_row = (statistics.median(x.seconds[True] for x in bulk)
                   - statistics.median(x.seconds[False] for x in bulk)) / args.bulk * 1e6
        parts = bench.breakdown()
        print(f"bulk overhead {per_row:.1f} us/row; a bulk statement's capture writes each row's record as text "
              f"({parts['text']:.1f} us, measured apart; to_json would cost {parts['json']:.1f} us) into one batch "
              "row; the rest is the transition table and storing the batch")
        sealed, seal_rate = bench.seal_rate()
        print(f"sealing (job, off the write path): {sealed} pending rows expanded and chained"
              f" at {seal_rate:.0f} rows/s")
        print(f"per CPU second of the server process (what other processes' load cannot move): "
              f"single_ratio={min(cpu_ratios['insert'], cpu_ratios['update']):.3f} "
              f"bulk_ratio={cpu_ratios['bulk']:.3f}")
        print(f"two writers (a server process per table): single_ratio="
              f"{min(ratios['insert', 'two'], ratios['update', 'two']):.3f}")
        single = min(ratios["insert", "one"], ratios["update", "one"])
        print(f"audit_overhead single_ratio={single:.3f} bulk_ratio={ratios['bulk', 'two']:.3f}")
        return 0
    finally:
        stop_servers(list(get_topology().servers.values()))
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
