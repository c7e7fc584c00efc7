"""Benchmark: the CEO digest's KPI SQL on a large tenant.

The dashboard's data set (bench/dashboard.py: invoices, payments, expenses, tasks over two
years) in one tenant. Times the digest's KPI statements (yesterday plus 28 days of history,
through `tenant_session` with RLS) against the dashboard's own statements on the same data
as the reference, and one whole digest run (KPIs, insights from the offline engine in two
languages, storing) for the record.

    digest kpi_ratio=<dashboard time / digest KPI time> kpi_ms=<median> run_ms=<median>

Goal: kpi_ratio >= 0.5 (the digest's 29-day KPIs cost at most twice the dashboard's
month-to-date figures), a whole run under 2,000 ms.

    .venv/bin/python bench/digest.py [--transactions N] [--invoices N] [--repeat R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cluster import private_cluster
from _timing import timed
from dashboard import SEED


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    with private_cluster(fast=True):
        import psycopg

        from core.ai.digest import kpis, service
        from core.ai.gateway import Gateway
        from core.config import get_settings
        from core.dashboard.service import load
        from core.tenancy.placement import admin_url
        from core.tenancy.provisioning import NewTenant, create_tenant
        from db.bootstrap import libpq_url
        from db.session import tenant_session
        from db.topology import get_topology
        from scheduler.per_tenant import job_context

        today = dt.date(2026, 11, 20)
        tenant = create_tenant(NewTenant(name="Big Co", slug="big-co", region="global", tier="shared"))
        ctx = job_context(tenant, "bench")
        expenses = max(0, args.transactions - args.invoices * 2 // 5)
        with psycopg.connect(libpq_url(admin_url(tenant, get_topology())), autocommit=True) as conn:
            params = {"t": tenant.id, "invoices": args.invoices, "expenses": expenses, "today": today}
            for statement in SEED.split(";\n"):
                if statement.strip():
                    conn.execute(statement, params)
        print(f"seeded {args.invoices:,} invoices and {args.transactions:,} transactions", flush=True)

        day = today - dt.timedelta(days=1)

        def digest_kpis() -> None:
            with tenant_session(ctx) as s:
                kpis.compute(s, day, ctx.timezone)

        def dashboard() -> None:
            load(ctx, today)

        gateway = Gateway(get_settings().model_copy(update={"ai_provider": "offline"}))
        days = iter(range(2, 2 + args.repeat + 1))

        def whole_run() -> None:
            result = service.run_digest(ctx, today - dt.timedelta(days=next(days)),
                                        dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC), gateway=gateway)
            assert result.ran and result.digest.status == "ready"

        for fn in (digest_kpis, dashboard, whole_run):  # warm caches and pools
            fn()
        kpi_ms, dash_ms, run_ms = [], [], []
        for _ in range(args.repeat):
            kpi_ms.append(timed(digest_kpis))
            dash_ms.append(timed(dashboard))
            run_ms.append(timed(whole_run))
        gateway.close()

        k, d, r = (statistics.median(x) for x in (kpi_ms, dash_ms, run_ms))
        print(f"digest KPIs median {k:.1f} ms, dashboard median {d:.1f} ms, whole run median {r:.0f} ms")
        print(f"digest kpi_ratio={d / k:.2f} kpi_ms={k:.0f} run_ms={r:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
