"""Benchmark: the invoice pre-check and what blocking SOP rules cost the write path.

One tenant whose busiest customer has many invoices (the credit and duplicate rules query
them). Times, interleaved in the same run:

- `create_draft` with no SOP rules (the reference) against `create_draft` with blocking
  rules of every kind (PPN, discounts, due dates, credit limit, duplicates);
- a full pre-check of a draft (offline engine: the deterministic rules) against reading
  one invoice with its lines (`get_invoice`), the cheapest call of the invoice service.

    precheck write_ratio=<plain / with rules> check_ratio=<get_invoice / precheck> precheck_ms=<median>

Goal: precheck_ms under 100 ms for a customer with 25,000 invoices (8,000 of them open).
write_ratio is the guard's price on a save when every rule blocks (the customer's open
balance, summed from an index, dominates); with no blocking rule a save pays one EXISTS.

    .venv/bin/python bench/precheck.py [--invoices N] [--repeat R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cluster import private_cluster
from _timing import timed

SEED = """
SET session_replication_role = replica;
INSERT INTO invoices (tenant_id, number, customer_id, issue_date, due_date, status, subtotal, tax_rate,
                      tax_amount, total, amount_paid)
SELECT %(t)s, 'INV/B/' || g, CASE WHEN g %% 2 = 0 THEN %(busy)s ELSE %(other)s END, d, d + 30,
       (ARRAY['sent', 'paid', 'paid', 'overdue', 'draft', 'void'])[1 + g %% 6], a, 11, round(a * 0.11),
       a + round(a * 0.11), 0
FROM generate_series(1, %(invoices)s) g
CROSS JOIN LATERAL (SELECT (%(today)s::date - (g %% 730))::date AS d,
                           (100000 + (g::bigint * 7919) %% 9000000)::numeric AS a) x;
SET session_replication_role = origin;
VACUUM ANALYZE invoices;
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()

    with private_cluster(fast=True):
        import psycopg

        from core.ai.precheck import service as sop
        from core.context import Actor
        from core.customers.service import CustomerIn, create_customer
        from core.invoices import service as invoices
        from core.invoices.calc import LineIn
        from core.rbac.permissions import SYSTEM_ROLES
        from core.tenancy.placement import admin_url
        from core.tenancy.provisioning import NewTenant, create_tenant
        from core.tenancy.registry import context_for
        from db.bootstrap import libpq_url
        from db.topology import get_topology

        today = dt.date(2026, 11, 20)
        tenant = create_tenant(NewTenant(name="Busy Co", slug="busy-co", region="global", tier="shared"))
        ctx = context_for(tenant, Actor("user", "bench"), role="admin", permissions=SYSTEM_ROLES["admin"])
        busy = create_customer(ctx, CustomerIn("PT Sibuk", npwp="012345678901000",
                                               credit_limit=Decimal(10) ** 14))
        other = create_customer(ctx, CustomerIn("PT Lain", npwp="012345678901000"))
        with psycopg.connect(libpq_url(admin_url(tenant, get_topology())), autocommit=True) as conn:
            for statement in SEED.split(";\n"):
                if statement.strip():
                    conn.execute(statement, {"t": tenant.id, "busy": busy.id, "other": other.id,
                                             "invoices": args.invoices, "today": today})

        def draft(i: int) -> invoices.DraftIn:
            return invoices.DraftIn(busy.id, today - dt.timedelta(days=i % 300),
                                    [LineIn("Jasa", Decimal(1), Decimal(1_234_567 + 10 * i), Decimal(5))], notes="PO")

        def rules(on: bool) -> None:
            for item in [*sop.get_rules(ctx).rules, *sop.get_rules(ctx).rates]:
                sop.delete_item(ctx, item.id)
            if on:
                sop.set_ppn_rate(ctx, "11", dt.date(2022, 4, 1), blocking=True)
                sop.set_rule(ctx, "max_line_discount", value=10, blocking=True)
                sop.set_rule(ctx, "max_invoice_discount", value=15, blocking=True)
                sop.set_rule(ctx, "due_after_issue", blocking=True)
                sop.set_rule(ctx, "due_within_days", value=60, blocking=True)
                sop.set_rule(ctx, "required_field", target="notes", blocking=True)
                sop.set_rule(ctx, "credit_limit", blocking=True)
                sop.set_rule(ctx, "duplicate", value=7, blocking=True)

        sample = invoices.create_draft(ctx, draft(0)).id
        plain_ms, ruled_ms, get_ms, check_ms = [], [], [], []
        for i in range(1, args.repeat + 1):  # interleaved, so drift hits both sides alike
            rules(False)
            plain_ms.append(timed(lambda i=i: invoices.create_draft(ctx, draft(i))))
            rules(True)
            ruled_ms.append(timed(lambda i=i: invoices.create_draft(ctx, draft(i + 100_000))))
            get_ms.append(timed(lambda: invoices.get_invoice(ctx, sample)))
            check_ms.append(timed(lambda i=i: sop.precheck(ctx, draft(i + 200_000))))

        plain, ruled = statistics.median(plain_ms), statistics.median(ruled_ms)
        get, check = statistics.median(get_ms), statistics.median(check_ms)
        print(f"{args.invoices:,} invoices; create_draft {plain:.1f} ms plain, {ruled:.1f} ms with blocking rules; "
              f"get_invoice {get:.1f} ms; precheck {check:.1f} ms (medians of {args.repeat})")
        print(f"precheck write_ratio={plain / ruled:.2f} check_ratio={get / check:.2f} precheck_ms={check:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
