"""Benchmark: what the audit triggers cost writers, on the `invoices` table.

Starts its own temporary embedded cluster with the normal durable settings (fsync and
synchronous commit on, as in production), creates one shared-tier tenant and measures,
as the runtime role with the tenant context stamped per transaction like the app does
(`set_config` of app.tenant_id / app.actor / app.request_id, then the statement, then
COMMIT):

  * single-row INSERT throughput, one statement per transaction;
  * single-row UPDATE throughput, one statement per transaction;
  * a 100k-row bulk INSERT ... SELECT generate_series in one transaction;

each with the audit triggers enabled and disabled (ALTER TABLE ... DISABLE TRIGGER), the
two modes interleaved and alternating which goes first, medians kept. Next to throughput
(elapsed time, which includes every fsync) the same ratios are given per CPU second of the
server process, a figure other processes' load on a shared machine cannot move. A bulk
statement is captured as one batch row holding each changed row's text (migration t0010);
what that serialisation costs is measured apart, next to what json would cost. Expanding
batches and sealing the chain are not on the writer's path (a job does both); their rate
is reported too.
The last line is

    audit_overhead single_ratio=<x> bulk_ratio=<y>

where a ratio is throughput with triggers / throughput without (the median over pairs of
runs made back to back), and single_ratio is the lower of the INSERT and UPDATE ratios.
Goals: single >= 0.90, bulk >= 0.80.

    .venv/bin/python bench/audit_overhead.py [--rows N] [--repeat R] [--bulk ROWS] [--bulk-repeat R]
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
TRIGGERS = ("audit_insert", "audit_update", "audit_delete")

STAMP = ("SELECT set_config('app.tenant_id', %s, true), set_config('app.actor', %s, true),"
         " set_config('app.request_id', %s, true)")
INSERT = ("INSERT INTO invoices (number, customer_id, issue_date, due_date, status, subtotal, discount_amount,"
          " tax_rate, tax_amount, total, notes) VALUES (%s, %s, DATE '2026-11-01', DATE '2026-11-30', 'draft',"
          " 1000000, 50000, 11, 104500, 1054500, 'Consulting services for November') RETURNING id")
UPDATE = "UPDATE invoices SET amount_paid = amount_paid + 1000, updated_at = now() WHERE id = %s"
BULK = ("INSERT INTO invoices (number, customer_id, issue_date, due_date, status, subtotal, discount_amount,"
        " tax_rate, tax_amount, total, notes)"
        " SELECT %s || g, %s, DATE '2026-11-01', DATE '2026-11-30', 'draft', 1000000 + g, 0, 11,"
        " round((1000000 + g) * 0.11, 2), round((1000000 + g) * 1.11, 2), 'Imported invoice ' || g"
        " FROM generate_series(1, %s) g")


def _environment(data: Path) -> None:
    """Settings for a private cluster; must happen before any project module is imported."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _cluster import environment

    environment(data, fast=False)


class Bench:
    def __init__(self, app_url: str, admin_url: str, tenant_id: uuid.UUID) -> None:
        import psycopg

        self.app = psycopg.connect(app_url)
        self.admin = psycopg.connect(admin_url, autocommit=True)
        self.tenant = str(tenant_id)
        self.seq = 0
        self.ids: list[Any] = []
        settings = self.admin.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit')")
        self.durability = settings.fetchone()
        self.customer = self._in_tenant(
            lambda: self.app.execute("INSERT INTO customers (name) VALUES ('PT Benchmark') RETURNING id")
            .fetchone()[0])  # type: ignore[index]

    def _in_tenant(self, fn: Any) -> Any:
        self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
        result = fn()
        self.app.commit()
        return result

    def triggers(self, on: bool) -> None:
        verb = "ENABLE" if on else "DISABLE"
        for name in TRIGGERS:
            self.admin.execute(f"ALTER TABLE public.invoices {verb} TRIGGER {name}")

    def _backend_cpu(self) -> float:
        """CPU seconds used so far by the app connection's server process (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.app.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _timed(self, n: int, work: Callable[[], None]) -> Rates:
        cpu, started = self._backend_cpu(), time.perf_counter()
        work()
        wall, cpu = time.perf_counter() - started, self._backend_cpu() - cpu
        return Rates(n / wall, n / cpu if cpu > 0 else float("nan"))

    def single_inserts(self, n: int) -> Rates:
        def work() -> None:
            for _ in range(n):
                self.seq += 1
                self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
                row = self.app.execute(INSERT, (f"S-{self.seq}", self.customer)).fetchone()
                self.app.commit()
                self.ids.append(row[0])  # type: ignore[index]

        return self._timed(n, work)

    def single_updates(self, n: int) -> Rates:
        targets = [self.ids[(i * 7919) % len(self.ids)] for i in range(n)]

        def work() -> None:
            for row_id in targets:
                self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
                self.app.execute(UPDATE, (row_id,))
                self.app.commit()

        return self._timed(n, work)

    def bulk(self, rows: int) -> Rates:
        self.seq += 1
        self.admin.execute("CHECKPOINT")

        def work() -> None:
            self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
            self.app.execute(BULK, (f"B{self.seq}-", self.customer, rows))
            self.app.commit()

        rate = self._timed(rows, work)
        self.admin.execute("BEGIN")
        self.admin.execute("SET LOCAL session_replication_role = replica")  # past the append-only guard
        self.admin.execute("DELETE FROM invoices WHERE number LIKE %s", (f"B{self.seq}-%",))
        self.admin.execute("DELETE FROM audit_batch WHERE table_name = 'invoices'")
        self.admin.execute("COMMIT")
        self.admin.execute("VACUUM ANALYZE invoices, audit_batch")
        return rate

    def breakdown(self, rows: int = 30_000) -> dict[str, float]:
        """Where the bulk overhead goes, in microseconds per row: writing each row's record
        as text (what a bulk statement's capture stores), and, for comparison, serialising
        it to json (what the per-row capture does, and the sealer does later)."""
        a = self.admin
        a.execute("BEGIN")
        a.execute("SELECT set_config('app.tenant_id', %s, true)", (self.tenant,))
        a.execute("CREATE TEMP TABLE sample (LIKE invoices INCLUDING DEFAULTS) ON COMMIT DROP")
        a.execute(BULK.replace("INSERT INTO invoices", "INSERT INTO sample"), ("X-", self.customer, rows))

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
        self.triggers(True)
        self.app.execute(STAMP, (self.tenant, "user:bench", uuid.uuid4().hex))
        self.app.execute(BULK, ("SEAL-", self.customer, bulk_rows))
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


class Rates(NamedTuple):
    wall: float  # statements or rows per second of elapsed time: the throughput
    cpu: float  # per second of the server process's CPU time (unmoved by other processes' load)


def _pooled(rates: list[float]) -> float:
    """The rate of several equal-sized batches taken together (harmonic mean)."""
    return len(rates) / sum(1 / r for r in rates)


def _ratio(on: list[float], off: list[float]) -> tuple[float, float, float, list[float]]:
    """Median rates of each mode, and the median of the ratios of batches run back to back
    (a pair shares the machine's load of its moment, so drifting load cancels out)."""
    pairs = sorted(a / b for a, b in zip(on, off, strict=True))
    return statistics.median(on), statistics.median(off), statistics.median(pairs), pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200, help="single-row statements per batch (default 200)")
    parser.add_argument("--repeat", type=int, default=25, help="interleaved batches per mode (default 25)")
    parser.add_argument("--bulk", type=int, default=100_000, help="rows of the bulk insert (default 100000)")
    parser.add_argument("--bulk-repeat", type=int, default=5, help="bulk runs per mode (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory afterwards")
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
              f"{args.repeat} batches of {args.rows} single-row statements and {args.bulk_repeat} x {args.bulk} "
              "bulk rows per mode, interleaved")
        # Warm-up: plans prepared, caches filled, both modes.
        for on in (True, False):
            bench.triggers(on)
            bench.single_inserts(300)
            bench.single_updates(300)

        # Short batches, alternating modes: a change in the machine's load (other processes,
        # checkpoints) hits both modes alike, and the median of many batches shrugs off spikes.
        runs: dict[str, dict[bool, list[Rates]]] = {k: {True: [], False: []} for k in ("insert", "update", "bulk")}
        for rep in range(args.repeat):
            for on in ((True, False) if rep % 2 == 0 else (False, True)):
                bench.triggers(on)
                runs["insert"][on].append(bench.single_inserts(args.rows))
                runs["update"][on].append(bench.single_updates(args.rows))
        for rep in range(args.bulk_repeat):
            for on in ((True, False) if rep % 2 == 0 else (False, True)):
                bench.triggers(on)
                runs["bulk"][on].append(bench.bulk(args.bulk))
        bench.triggers(True)

        ratios, cpu_ratios = {}, {}
        for kind, unit in (("insert", "tx/s"), ("update", "tx/s"), ("bulk", "rows/s")):
            enabled, disabled = runs[kind][True], runs[kind][False]
            on_rate, off_rate, ratio, pairs = _ratio([r.wall for r in enabled], [r.wall for r in disabled])
            # CPU ticks are coarse (10 ms): the CPU figure uses all batches of a mode together.
            cpu_ratios[kind] = _pooled([r.cpu for r in enabled]) / _pooled([r.cpu for r in disabled])
            ratios[kind] = ratio
            print(f"{kind:7} with triggers {on_rate:10.0f} {unit:6} without {off_rate:10.0f} {unit:6} "
                  f"ratio {ratio:.3f} (median of {len(pairs)} back-to-back pairs, {pairs[0]:.2f} .. {pairs[-1]:.2f});"
                  f" per server CPU second {cpu_ratios[kind]:.3f}")
        per_row = (1e6 / statistics.median(r.wall for r in runs["bulk"][True])
                   - 1e6 / statistics.median(r.wall for r in runs["bulk"][False]))
        parts = bench.breakdown()
        print(f"bulk overhead {per_row:.1f} us/row; a bulk statement's capture writes each row's record as text "
              f"({parts['text']:.1f} us, measured apart; to_json would cost {parts['json']:.1f} us) into one batch "
              "row; the rest is the transition table and storing the batch")
        sealed, seal_rate = bench.seal_rate()
        print(f"sealing (job, off the write path): {sealed} pending rows expanded and chained"
              f" at {seal_rate:.0f} rows/s")
        print(f"the same per CPU second of the server process (what other processes' load cannot move): "
              f"single_ratio={min(cpu_ratios['insert'], cpu_ratios['update']):.3f} "
              f"bulk_ratio={cpu_ratios['bulk']:.3f}")
        single = min(ratios["insert"], ratios["update"])
        print(f"audit_overhead single_ratio={single:.3f} bulk_ratio={ratios['bulk']:.3f}")
        return 0
    finally:
        stop_servers(list(get_topology().servers.values()))
        if not args.keep:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
