"""Benchmark: the dashboard on a large tenant.

One tenant with 1,000,000 transactions (expenses and payments) and 100,000 invoices.
Times the dashboard's queries through the service layer (`core.dashboard.service.load`,
which runs inside `tenant_session` with RLS) against the very same SQL statements run raw
through psycopg with the same tenant setting, and the whole page rendered by AppTest.

    dashboard service_ratio=<raw time / service time> page_ms=<median>

Goal: service_ratio >= 0.8 (1.0: the layer costs nothing), page under 1,500 ms median.

    .venv/bin/python bench/dashboard.py [--transactions N] [--invoices N] [--repeat R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cluster import ROOT, private_cluster
from _timing import timed

# Bulk seed as the owner with triggers off (session_replication_role = replica): no audit rows.
SEED = """
SET session_replication_role = replica;
INSERT INTO customers (id, tenant_id, name)
SELECT gen_random_uuid(), %(t)s, 'Customer ' || g FROM generate_series(1, 500) g;
INSERT INTO invoices (tenant_id, number, customer_id, issue_date, due_date, status, subtotal, tax_rate,
                      tax_amount, total, amount_paid)
SELECT %(t)s, 'INV/B/' || g, c.ids[1 + g %% 500], d, d + 30,
       (ARRAY['sent', 'paid', 'paid', 'overdue', 'draft'])[1 + g %% 5],
       a, 11, round(a * 0.11), a + round(a * 0.11), CASE WHEN g %% 5 IN (1, 2) THEN a + round(a * 0.11) ELSE 0 END
FROM generate_series(1, %(invoices)s) g
CROSS JOIN (SELECT array_agg(id) AS ids FROM customers WHERE tenant_id = %(t)s) c
CROSS JOIN LATERAL (SELECT (%(today)s::date - (g %% 730))::date AS d,
                           (100000 + (g::bigint * 7919) %% 9000000)::numeric AS a) x;
INSERT INTO invoice_payments (tenant_id, invoice_id, paid_on, amount)
SELECT %(t)s, id, issue_date + 7, total FROM invoices WHERE tenant_id = %(t)s AND status = 'paid';
INSERT INTO expenses (tenant_id, spent_on, category, vendor, amount)
SELECT %(t)s, (%(today)s::date - (g %% 730))::date,
       (ARRAY['Sewa kantor', 'Gaji', 'Perjalanan', 'Internet', 'Pemasaran', 'ATK', 'Listrik'])[1 + g %% 7],
       'Vendor ' || (g %% 300), 1000 + (g::bigint * 104729) %% 5000000
FROM generate_series(1, %(expenses)s) g;
INSERT INTO projects (id, tenant_id, name) VALUES (gen_random_uuid(), %(t)s, 'Bench');
INSERT INTO tasks (tenant_id, project_id, title, status, position, due_date)
SELECT %(t)s, p.id, 'Task ' || g, (ARRAY['todo', 'in_progress', 'done'])[1 + g %% 3], lpad(g::text, 8, '0'),
       %(today)s::date - 30 + (g %% 60)
FROM generate_series(1, 3000) g, (SELECT id FROM projects WHERE tenant_id = %(t)s LIMIT 1) p;
SET session_replication_role = origin;
ANALYZE;
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    with private_cluster(fast=True):
        import psycopg

        from core.context import Actor
        from core.dashboard.queries import CASH_IN, HEADLINE, TOP_SPENDING
        from core.dashboard.service import load, periods
        from core.identity.service import add_membership, create_user
        from core.rbac.permissions import SYSTEM_ROLES
        from core.tenancy.placement import admin_url
        from core.tenancy.provisioning import NewTenant, create_tenant
        from core.tenancy.registry import context_for
        from db.bootstrap import libpq_url
        from db.topology import get_topology

        today = dt.date(2026, 11, 20)
        tenant = create_tenant(NewTenant(name="Big Co", slug="big-co", region="global", tier="shared"))
        user = create_user("boss@big.example", "Boss", "bench-password-1", "en")
        add_membership(user.id, tenant.id, "admin")
        ctx = context_for(tenant, Actor("user", str(user.id)), role="admin", permissions=SYSTEM_ROLES["admin"])

        invoices = args.invoices
        expenses = max(0, args.transactions - invoices * 2 // 5)  # paid invoices bring payments too
        started = time.perf_counter()
        with psycopg.connect(libpq_url(admin_url(tenant, get_topology())), autocommit=True) as conn:
            seed_params = {"t": tenant.id, "invoices": invoices, "expenses": expenses, "today": today}
            for statement in SEED.split(";\n"):
                if statement.strip() and not statement.strip().startswith("--"):
                    conn.execute(statement, seed_params)
        print(f"seeded {invoices:,} invoices and {args.transactions:,} transactions in "
              f"{time.perf_counter() - started:.0f} s", flush=True)

        params = periods(today)
        statements = [(HEADLINE, params), (CASH_IN, params), (TOP_SPENDING, params)]
        compiled = []
        with psycopg.connect(libpq_url(ctx.database_url)) as conn:
            for stmt, p in statements:
                sql = str(stmt.compile(compile_kwargs={}))
                names = sorted(p, key=len, reverse=True)
                for name in names:
                    sql = sql.replace(f":{name}", f"%({name})s")
                compiled.append(sql)

            def raw() -> None:
                with conn.transaction():
                    conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(ctx.tenant_id),))
                    for sql in compiled:
                        conn.execute(sql, params).fetchall()

            def service() -> None:
                load(ctx, today)

            for fn in (raw, service):  # warm caches and pools
                fn()
            raw_ms, service_ms = [], []
            for _ in range(args.repeat):
                raw_ms.append(timed(raw))
                service_ms.append(timed(service))

        from streamlit.testing.v1 import AppTest

        from ui.session import sign_in

        page_ms = []
        for _ in range(max(3, args.repeat // 3)):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
            at.session_state["lang"] = "en"
            at.run()
            at.text_input(key="login_email").input("boss@big.example")
            at.text_input(key="login_password").input("bench-password-1")
            at.button[0].click()
            at.run()
            at.switch_page("pages/dashboard.py")
            page_ms.append(timed(at.run))
            assert not at.exception, at.exception
            assert len(at.metric) >= 6, "the dashboard's figures were not rendered"
        del sign_in

        raw_med, svc_med, page_med = (statistics.median(x) for x in (raw_ms, service_ms, page_ms))
        print(f"raw SQL median {raw_med:.1f} ms, service median {svc_med:.1f} ms, page median {page_med:.0f} ms")
        print(f"dashboard service_ratio={raw_med / svc_med:.2f} page_ms={page_med:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
