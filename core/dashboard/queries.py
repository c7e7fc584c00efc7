"""The dashboard's SQL. Kept as plain statements so the benchmark can run the very same
text raw; every aggregate is computed in the database, scoped by RLS to the tenant."""

from __future__ import annotations

from sqlalchemy import text

# Revenue is the tax base (subtotal - discount) of issued invoices, by issue date.
HEADLINE = text(
    """
    SELECT
      (SELECT coalesce(sum(subtotal - discount_amount), 0) FROM invoices
        WHERE status IN ('sent', 'paid', 'overdue') AND issue_date = :today) AS revenue_today,
      (SELECT coalesce(sum(subtotal - discount_amount), 0) FROM invoices
        WHERE status IN ('sent', 'paid', 'overdue') AND issue_date BETWEEN :month_start AND :today) AS revenue_mtd,
      (SELECT coalesce(sum(subtotal - discount_amount), 0) FROM invoices
        WHERE status IN ('sent', 'paid', 'overdue')
          AND issue_date BETWEEN :prev_month_start AND :prev_same_day) AS revenue_prev_mtd,
      (SELECT coalesce(sum(total - amount_paid), 0) FROM invoices
        WHERE status IN ('sent', 'overdue')) AS receivables,
      (SELECT coalesce(sum(total - amount_paid), 0) FROM invoices
        WHERE status IN ('sent', 'overdue') AND due_date < :today) AS overdue_receivables,
      (SELECT count(*) FROM invoices WHERE status IN ('sent', 'overdue') AND due_date < :today) AS overdue_invoices,
      (SELECT coalesce(sum(amount), 0) FROM expenses WHERE spent_on BETWEEN :month_start AND :today) AS spending_mtd,
      (SELECT count(*) FROM tasks WHERE status <> 'done') AS open_tasks,
      (SELECT count(*) FROM tasks WHERE status <> 'done' AND due_date < :today) AS overdue_tasks
    """
)

CASH_IN = text(
    """
    SELECT d::date AS day, coalesce(sum(p.amount), 0) AS amount
    FROM generate_series(CAST(:since AS date), CAST(:today AS date), interval '1 day') AS d
    LEFT JOIN invoice_payments p ON p.paid_on = d::date
    GROUP BY d ORDER BY d
    """
)

TOP_SPENDING = text(
    """
    SELECT category, sum(amount) AS amount, count(*) AS entries
    FROM expenses WHERE spent_on BETWEEN :month_start AND :today
    GROUP BY category ORDER BY amount DESC LIMIT :limit
    """
)

STATEMENTS = {"headline": HEADLINE, "cash_in": CASH_IN, "top_spending": TOP_SPENDING}
