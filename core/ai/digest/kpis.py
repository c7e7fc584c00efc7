"""Yesterday's KPIs, computed in SQL, each against its trailing 7- and 28-day daily average.

The day is a date in the tenant's time zone (invoice, payment and expense dates are local
dates already; task timestamps are cut at local midnight). Every metric is computed for the
day itself and for each of the 28 days before it, so the averages are plain daily means
(days without activity count as zero):

- revenue: tax base (subtotal - discount) of invoices issued that day (sent, paid, overdue);
- cash_in: payments received that day;
- spending: expenses of that day;
- new_receivables / new_invoices: total (with tax) and count of invoices issued that day;
- overdue_receivables: at the end of the day, what was still unpaid (total minus the
  payments dated up to that day) on issued invoices due on or before that day;
- pending_tasks: tasks created before the end of the day and not done by then;
- overdue_tasks: those of them due on or before that day.

Draft and void invoices are left out, for past days too: an invoice voided since is not
counted as having been overdue before.

Anomaly: a metric is flagged when its 28-day average is above zero and the day's value
differs from that average by at least `ANOMALY_PCT` percent, up or down. Without history
(average zero) nothing is flagged: there is no baseline to deviate from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

SHORT_DAYS = 7
LONG_DAYS = 28
ANOMALY_PCT = 50
TOP = 3

MONEY_METRICS = ("revenue", "cash_in", "spending", "new_receivables", "overdue_receivables")
COUNT_METRICS = ("new_invoices", "pending_tasks", "overdue_tasks")
METRICS = ("revenue", "cash_in", "spending", "new_receivables", "new_invoices", "overdue_receivables",
           "pending_tasks", "overdue_tasks")

_ISSUED = "('sent', 'paid', 'overdue')"

_LOCAL_MADE = "(t.created_at AT TIME ZONE b.tz)::date"
_LOCAL_DONE = "(coalesce(t.completed_at, t.updated_at) AT TIME ZONE b.tz)::date"

# Set-based: one pass over each table. Flows are grouped by their date; stocks are running
# totals over the window, each row counted from the day it starts (or stops) to matter, rows
# from before the window counted on its first day.
_DAILY = f"""
WITH b AS (
  SELECT CAST(:day AS date) AS d, CAST(:day AS date) - {LONG_DAYS} AS first, CAST(:tz AS text) AS tz
),
days AS (
  SELECT g::date AS day FROM b, generate_series(b.first, b.d, interval '1 day') AS g
),
issued AS (
  SELECT i.issue_date AS day, sum(i.subtotal - i.discount_amount) AS revenue, sum(i.total) AS new_receivables,
         count(*) AS new_invoices
  FROM invoices i, b WHERE i.status IN {_ISSUED} AND i.issue_date BETWEEN b.first AND b.d GROUP BY 1
),
cash AS (
  SELECT p.paid_on AS day, sum(p.amount) AS cash_in
  FROM invoice_payments p, b WHERE p.paid_on BETWEEN b.first AND b.d GROUP BY 1
),
spend AS (
  SELECT e.spent_on AS day, sum(e.amount) AS spending
  FROM expenses e, b WHERE e.spent_on BETWEEN b.first AND b.d GROUP BY 1
),
-- Overdue receivables: an issued invoice's total counts from its due date, each payment on it
-- is taken off from the later of the due date and the payment date (payments never exceed
-- the total, and the due date is never before the issue date).
fell_due AS (
  SELECT greatest(i.due_date, b.first) AS day, sum(i.total) AS amount
  FROM invoices i, b WHERE i.status IN {_ISSUED} AND i.due_date <= b.d GROUP BY 1
),
paid_due AS (
  SELECT greatest(i.due_date, p.paid_on, b.first) AS day, sum(p.amount) AS amount
  FROM invoice_payments p JOIN invoices i ON i.id = p.invoice_id, b
  WHERE i.status IN {_ISSUED} AND greatest(i.due_date, p.paid_on) <= b.d GROUP BY 1
),
-- Tasks: pending from the local day they were made until the local day they were done;
-- overdue from their due date on while pending (greatest() skips NULLs: hence the explicit
-- due_date IS NOT NULL).
made AS (
  SELECT greatest({_LOCAL_MADE}, b.first) AS day, count(*) AS n
  FROM tasks t, b WHERE {_LOCAL_MADE} <= b.d GROUP BY 1
),
done AS (
  SELECT greatest({_LOCAL_MADE}, {_LOCAL_DONE}, b.first) AS day, count(*) AS n
  FROM tasks t, b WHERE t.status = 'done' AND greatest({_LOCAL_MADE}, {_LOCAL_DONE}) <= b.d GROUP BY 1
),
made_due AS (
  SELECT greatest({_LOCAL_MADE}, t.due_date, b.first) AS day, count(*) AS n
  FROM tasks t, b WHERE t.due_date IS NOT NULL AND greatest({_LOCAL_MADE}, t.due_date) <= b.d GROUP BY 1
),
done_due AS (
  SELECT greatest({_LOCAL_MADE}, {_LOCAL_DONE}, t.due_date, b.first) AS day, count(*) AS n
  FROM tasks t, b WHERE t.status = 'done' AND t.due_date IS NOT NULL
    AND greatest({_LOCAL_MADE}, {_LOCAL_DONE}, t.due_date) <= b.d
  GROUP BY 1
),
daily AS (
  SELECT days.day,
    coalesce(issued.revenue, 0) AS revenue,
    coalesce(cash.cash_in, 0) AS cash_in,
    coalesce(spend.spending, 0) AS spending,
    coalesce(issued.new_receivables, 0) AS new_receivables,
    coalesce(issued.new_invoices, 0) AS new_invoices,
    sum(coalesce(fell_due.amount, 0) - coalesce(paid_due.amount, 0)) OVER w AS overdue_receivables,
    sum(coalesce(made.n, 0) - coalesce(done.n, 0)) OVER w AS pending_tasks,
    sum(coalesce(made_due.n, 0) - coalesce(done_due.n, 0)) OVER w AS overdue_tasks
  FROM days
    LEFT JOIN issued USING (day) LEFT JOIN cash USING (day) LEFT JOIN spend USING (day)
    LEFT JOIN fell_due USING (day) LEFT JOIN paid_due USING (day)
    LEFT JOIN made USING (day) LEFT JOIN done USING (day) LEFT JOIN made_due USING (day)
    LEFT JOIN done_due USING (day)
  WINDOW w AS (ORDER BY days.day)
)
SELECT
{",".join(f'''
  max({m}) FILTER (WHERE day = CAST(:day AS date)) AS {m},
  round(avg({m}) FILTER (WHERE day >= CAST(:day AS date) - {SHORT_DAYS} AND day < CAST(:day AS date)), 2)
    AS {m}_avg_7d,
  round(avg({m}) FILTER (WHERE day < CAST(:day AS date)), 2) AS {m}_avg_28d''' for m in METRICS)}
FROM daily
"""
DAILY = text(_DAILY)


def _top(column: str) -> Any:
    return text(f"""
    SELECT {column} AS name,
      coalesce(sum(amount) FILTER (WHERE spent_on = CAST(:day AS date)), 0) AS amount,
      round(coalesce(sum(amount) FILTER (WHERE spent_on >= CAST(:day AS date) - {SHORT_DAYS}
                                         AND spent_on < CAST(:day AS date)), 0) / {SHORT_DAYS}, 2) AS avg_7d,
      round(coalesce(sum(amount) FILTER (WHERE spent_on < CAST(:day AS date)), 0) / {LONG_DAYS}, 2) AS avg_28d,
      round(100 * coalesce(sum(amount) FILTER (WHERE spent_on = CAST(:day AS date)), 0)
            / nullif((SELECT sum(e.amount) FROM expenses e WHERE e.spent_on = CAST(:day AS date)), 0), 1)
        AS share_pct
    FROM expenses
    WHERE spent_on BETWEEN CAST(:day AS date) - {LONG_DAYS} AND CAST(:day AS date)
    GROUP BY {column}
    HAVING coalesce(sum(amount) FILTER (WHERE spent_on = CAST(:day AS date)), 0) > 0
    ORDER BY amount DESC, name
    LIMIT :limit
    """)


TOP_CATEGORIES = _top("category")
TOP_VENDORS = _top("vendor")
STATEMENTS = {"daily": DAILY, "top_categories": TOP_CATEGORIES, "top_vendors": TOP_VENDORS}


@dataclass(frozen=True)
class Metric:
    name: str
    value: Decimal
    avg_7d: Decimal
    avg_28d: Decimal

    @staticmethod
    def _change(value: Decimal, base: Decimal) -> Decimal | None:
        if not base:
            return None
        return ((value - base) * 100 / base).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def change_7d_pct(self) -> Decimal | None:
        return self._change(self.value, self.avg_7d)

    @property
    def change_28d_pct(self) -> Decimal | None:
        return self._change(self.value, self.avg_28d)

    @property
    def anomaly(self) -> bool:
        change = self.change_28d_pct
        return self.avg_28d > 0 and change is not None and abs(change) >= ANOMALY_PCT

    @property
    def direction(self) -> str:
        return "up" if self.value > self.avg_28d else ("down" if self.value < self.avg_28d else "flat")


@dataclass(frozen=True)
class Spend:
    name: str
    amount: Decimal
    avg_7d: Decimal
    avg_28d: Decimal
    share_pct: Decimal


@dataclass(frozen=True)
class Kpis:
    day: dt.date
    timezone: str
    currency: str
    metrics: dict[str, Metric]
    top_categories: list[Spend]
    top_vendors: list[Spend]

    @property
    def anomalies(self) -> list[str]:
        return [name for name, m in self.metrics.items() if m.anomaly]

    def as_json(self) -> dict[str, Any]:
        """The snapshot stored with the digest (and the source of every prompt)."""
        return {
            "day": self.day.isoformat(),
            "timezone": self.timezone,
            "currency": self.currency,
            "windows": {"short_days": SHORT_DAYS, "long_days": LONG_DAYS},
            "anomaly_threshold_pct": ANOMALY_PCT,
            "metrics": {
                name: {"value": num(m.value), "avg_7d": num(m.avg_7d), "avg_28d": num(m.avg_28d),
                       "change_7d_pct": num(m.change_7d_pct), "change_28d_pct": num(m.change_28d_pct),
                       "anomaly": m.anomaly, "direction": m.direction}
                for name, m in self.metrics.items()
            },
            "anomalies": self.anomalies,
            "top_categories": [_spend_json(s) for s in self.top_categories],
            "top_vendors": [_spend_json(s) for s in self.top_vendors],
        }


def num(value: Decimal | None) -> int | float | None:
    """A JSON number: whole values as integers, the rest with their decimals."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _spend_json(s: Spend) -> dict[str, Any]:
    return {"name": s.name, "amount": num(s.amount), "avg_7d": num(s.avg_7d), "avg_28d": num(s.avg_28d),
            "share_pct": num(s.share_pct)}


def _dec(value: object) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def compute(s: Session, day: dt.date, timezone: str, currency: str = "IDR", limit: int = TOP) -> Kpis:
    """Run the statements in the caller's tenant session (RLS scopes them to the tenant)."""
    params = {"day": day, "tz": timezone, "limit": limit}
    row = s.execute(DAILY, params).one()._mapping
    metrics = {m: Metric(m, _dec(row[m]), _dec(row[f"{m}_avg_7d"]), _dec(row[f"{m}_avg_28d"])) for m in METRICS}

    def spends(statement: Any) -> list[Spend]:
        return [Spend(str(r.name), _dec(r.amount), _dec(r.avg_7d), _dec(r.avg_28d), _dec(r.share_pct))
                for r in s.execute(statement, params)]

    return Kpis(day, timezone, currency, metrics, spends(TOP_CATEGORIES), spends(TOP_VENDORS))
