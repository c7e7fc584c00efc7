"""The overdue job marks past-due invoices in every tenant, once, as a job actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

from core.context import TenantContext
from core.customers.service import CustomerIn, create_customer
from core.invoices import service as inv
from core.invoices.calc import LineIn
from scheduler.business_jobs import overdue_invoices_job
from scheduler.main import build


def test_overdue_job(as_role: Callable[..., TenantContext], tier: str) -> None:
    admin = as_role("admin", f"a-{tier}")
    c = create_customer(admin, CustomerIn(name="Late payer")).id
    old = inv.create_and_issue(admin, inv.DraftIn(c, dt.date(2020, 1, 1), [LineIn("x", D(1), D(1000))]))
    fresh = inv.create_and_issue(admin, inv.DraftIn(c, dt.date.today(), [LineIn("y", D(1), D(1000))]))
    outcome = overdue_invoices_job()
    assert outcome is not None and f"a-{tier}" in outcome.done and not outcome.failed
    assert inv.get_invoice(admin, old.id).status == "overdue"
    assert inv.get_invoice(admin, fresh.id).status == "sent"
    overdue_invoices_job()  # idempotent
    assert inv.get_invoice(admin, old.id).status == "overdue"


def test_jobs_are_registered() -> None:
    ids = {job.id for job in build().get_jobs()}
    assert {"overdue-invoices", "api-housekeeping", "audit-seal", "webhook-dispatch", "schema-sync"} <= ids
