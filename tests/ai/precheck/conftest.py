"""Pre-check tests: helpers to build drafts, and SOP rules removed from the shared test
tenants around every test (a blocking rule left behind would refuse other tests' invoices)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from sqlalchemy import delete

from core.ai.precheck.models import PrecheckClause, PrecheckPpnRate, PrecheckRule
from core.context import TenantContext
from core.customers.service import CustomerIn, create_customer
from core.invoices.calc import LineIn
from core.invoices.service import DraftIn
from db.session import tenant_session
from tests.ai.standin import StandIn, process_gateway_at

SLUGS = ("a-shared", "b-shared", "a-schema", "b-schema", "a-dedicated", "b-dedicated")


def wipe(ctx: TenantContext) -> None:
    with tenant_session(ctx) as s:
        for model in (PrecheckRule, PrecheckPpnRate, PrecheckClause):
            s.execute(delete(model))


@pytest.fixture
def clean_rules(as_role: Callable[..., TenantContext]) -> Iterator[None]:
    for slug in SLUGS:
        wipe(as_role("admin", slug))
    yield
    for slug in SLUGS:
        wipe(as_role("admin", slug))


def draft(customer: uuid.UUID, issue: str = "2026-03-02", lines: list[tuple[int | str, int | str]] | None = None,
          **kw: object) -> DraftIn:
    items = [LineIn(f"Jasa {i + 1}", Decimal(1), Decimal(str(price)), Decimal(str(disc)))
             for i, (price, disc) in enumerate(lines or [(1_000_000, 0)])]
    kw.setdefault("notes", "PO-1001")
    return DraftIn(customer_id=customer, issue_date=dt.date.fromisoformat(issue), lines=items, **kw)  # type: ignore[arg-type]


def customer(ctx: TenantContext, name: str, **kw: object) -> uuid.UUID:
    return create_customer(ctx, CustomerIn(name, **kw)).id  # type: ignore[arg-type]




@pytest.fixture
def model_on(standin: StandIn, clean_ai: None) -> Iterator[StandIn]:
    """The process-wide gateway (what the service, the API and the pages use) points at the stand-in."""
    with process_gateway_at(standin) as at:
        yield at
