"""Yesterday's KPIs in SQL, against figures worked out by hand from the seeded day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import text

from core.ai.digest import kpis
from core.context import TenantContext
from db.session import tenant_session
from tests.ai.digest.seed import business_day, company

DAY = dt.date(2031, 3, 9)


@pytest.fixture(scope="module")
def seeded(tenants: dict[str, object]) -> TenantContext:
    ctx = company("dg-kpi")
    with tenant_session(ctx) as s:
        already = s.execute(text("SELECT count(*) FROM expenses")).scalar()
    if not already:
        business_day(ctx, DAY)
    return ctx


def test_kpis_match_hand_computed_values(seeded: TenantContext) -> None:
    with tenant_session(seeded) as s:
        k = kpis.compute(s, DAY, seeded.timezone)
    m = k.metrics
    # (value, 7-day average, 28-day average); see seed.business_day for the rows.
    expected = {
        # I1 900,000 on the day; before: I2 2,000,000 (d-3) + I6 300,000 (d-1) = 2,300,000 / 7 and / 28.
        "revenue": (D(900_000), D("328571.43"), D("82142.86")),
        # I2 paid in full on the day; before: 55,000 on d-5.
        "cash_in": (D(2_220_000), D("7857.14"), D("1964.29")),
        # 5,000,000 + 1,500,000 + 500,000 + 250,000; before: 700,000 (d-2), 140,000 (d-20); d-29 is outside.
        "spending": (D(7_250_000), D(100_000), D(30_000)),
        # I1 total 999,000; before: I2 2,220,000 + I6 333,000.
        "new_receivables": (D(999_000), D("364714.29"), D("91178.57")),
        "new_invoices": (D(1), D("0.29"), D("0.07")),
        # I3 555,000 - 55,000 + I6 333,000 (due on the day); before: I3 at 555,000 on d-10..d-6 and
        # 500,000 on d-5..d-1: 7 days = 2 x 555,000 + 5 x 500,000; 28 days = 5 x 555,000 + 5 x 500,000.
        "overdue_receivables": (D(833_000), D("515714.29"), D("188392.86")),
        # T1, T2, T6 (T3 and T5 done during the day, T4 made after local midnight); before: 1,1,2,2,3,4,4
        # over the last 7 days, plus T1 alone on d-10..d-8.
        "pending_tasks": (D(3), D("2.43"), D("0.71")),
        # T1 (due d-1) and T6 (due d); before: T3 overdue d-4..d-1 and T1 on d-1: 5 task-days.
        "overdue_tasks": (D(2), D("0.71"), D("0.18")),
    }
    got = {name: (m[name].value, m[name].avg_7d, m[name].avg_28d) for name in expected}
    assert got == expected
    assert m["revenue"].change_28d_pct == D("995.7") and m["revenue"].change_7d_pct == D("173.9")
    assert m["spending"].change_28d_pct == D("24066.7")
    # Flagged: at least 50 % away from a 28-day average above zero.
    assert set(k.anomalies) == {"revenue", "cash_in", "spending", "new_receivables", "new_invoices",
                                "overdue_receivables", "pending_tasks", "overdue_tasks"}
    cats = [(c.name, c.amount, c.avg_7d, c.avg_28d, c.share_pct) for c in k.top_categories]
    assert cats == [("Sewa kantor", D(5_000_000), D(0), D(0), D("69.0")),
                    ("Pemasaran", D(2_000_000), D(100_000), D(25_000), D("27.6")),
                    ("Transport", D(250_000), D(0), D(5_000), D("3.4"))]
    assert [(v.name, v.amount) for v in k.top_vendors] == [
        ("PT Graha Properti", D(5_000_000)), ("Meta Ads", D(1_500_000)), ("Google Ads", D(500_000))]


def test_the_day_before_and_a_quiet_day(seeded: TenantContext) -> None:
    with tenant_session(seeded) as s:
        before = kpis.compute(s, DAY - dt.timedelta(days=1), seeded.timezone)
        quiet = kpis.compute(s, DAY + dt.timedelta(days=60), seeded.timezone)
    assert before.metrics["revenue"].value == D(300_000)
    assert before.metrics["pending_tasks"].value == 4 and before.metrics["overdue_tasks"].value == 2
    assert before.metrics["overdue_receivables"].value == D(500_000)
    assert quiet.metrics["revenue"].value == 0 and quiet.metrics["revenue"].avg_28d == 0
    assert not quiet.metrics["revenue"].anomaly and quiet.top_categories == []
    # Unpaid invoices stay overdue: I1 999,000 (due d+30), I3 500,000 and I6 333,000.
    assert quiet.metrics["overdue_receivables"].value == D(1_832_000)


def test_the_day_is_cut_at_local_midnight(seeded: TenantContext) -> None:
    """The same rows read in another time zone: T6 (23:59 Jakarta = 16:59 UTC) still falls on
    the day, T4 (01:00 Jakarta the day after = 18:00 UTC the day before) too in London."""
    with tenant_session(seeded) as s:
        london = kpis.compute(s, DAY, "Europe/London")
    assert london.metrics["pending_tasks"].value == 4  # T1, T2, T4, T6
