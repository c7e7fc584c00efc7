"""Invoices through the service: numbering, PPN by date, payments, statuses, isolation."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from core.context import TenantContext
from core.customers.service import CustomerIn, create_customer
from core.errors import Conflict, NotFound, ValidationFailed
from core.invoices import service as inv
from core.invoices.calc import LineIn
from core.invoices.tax import set_rate

TODAY = dt.date(2026, 11, 20)


def _draft(customer_id: uuid.UUID, day: dt.date = TODAY, **kw: object) -> inv.DraftIn:
    lines = kw.pop("lines", [LineIn("Konsultasi", D(2), D(1_500_000), D(10))])
    return inv.DraftIn(customer_id=customer_id, issue_date=day, lines=lines, **kw)  # type: ignore[arg-type]


@pytest.fixture
def admin(as_role: Callable[..., TenantContext], tier: str) -> TenantContext:
    return as_role("admin", f"a-{tier}")


@pytest.fixture
def customer(admin: TenantContext) -> uuid.UUID:
    return create_customer(admin, CustomerIn(name="PT Sinar Abadi", email="ap@sinar.co.id")).id


def test_draft_issue_pay_lifecycle(admin: TenantContext, customer: uuid.UUID) -> None:
    draft = inv.create_draft(admin, _draft(customer))
    assert draft.status == "draft" and draft.number is None
    assert (draft.subtotal, draft.tax_amount, draft.total) == (D(2_700_000), D(297_000), D(2_997_000))
    assert draft.due_date == TODAY + dt.timedelta(days=30)
    sent = inv.issue(admin, draft.id)
    assert sent.status == "sent" and sent.number is not None and sent.number.startswith("INV/2026/11/")
    with pytest.raises(Conflict):
        inv.update_draft(admin, draft.id, _draft(customer))
    part = inv.record_payment(admin, draft.id, D(1_000_000), TODAY)
    assert part.status == "sent" and part.balance == D(1_997_000)
    with pytest.raises(ValidationFailed, match="more than the balance"):
        inv.record_payment(admin, draft.id, D(5_000_000), TODAY)
    paid = inv.mark_paid(admin, draft.id, TODAY)
    assert paid.status == "paid" and paid.balance == 0
    with pytest.raises(Conflict):
        inv.void(admin, draft.id, "mistake")


def test_ppn_rate_by_issue_date(admin: TenantContext, customer: uuid.UUID) -> None:
    set_rate(admin, D(12), dt.date(2030, 1, 1))
    old = inv.create_draft(admin, _draft(customer, dt.date(2029, 12, 31)))
    new = inv.create_draft(admin, _draft(customer, dt.date(2030, 1, 1)))
    assert old.tax_rate == D(11) and old.tax_amount == D(297_000)
    assert new.tax_rate == D(12) and new.tax_amount == D(324_000)
    # The rate change did not rewrite the older invoice.
    assert inv.get_invoice(admin, old.id).tax_rate == D(11)


def test_numbering_is_gapless_and_unique_with_8_concurrent_creators(
    as_role: Callable[..., TenantContext], tier: str
) -> None:
    admin = as_role("admin", f"b-{tier}")
    customer = create_customer(admin, CustomerIn(name="Concurrent Co")).id
    day = dt.date(2027, 3, 15)
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                numbers.append(inv.create_and_issue(admin, _draft(customer, day)).number or "")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"INV/2027/03/{i:04d}" for i in range(1, 41)]


def test_rolled_back_issue_gives_the_number_back(admin: TenantContext, customer: uuid.UUID) -> None:
    from core.invoices.numbering import invoice_number
    from db.session import tenant_session

    day = dt.date(2028, 5, 1)
    with pytest.raises(RuntimeError), tenant_session(admin) as s:
        invoice_number(s, day)
        raise RuntimeError("boom")
    first = inv.create_and_issue(admin, _draft(customer, day))
    assert first.number == "INV/2028/05/0001"


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"lines": [LineIn("x", D(-1), D(100))]}, "lines.1.quantity"),
        ({"lines": [LineIn("x", D(1), D(100), D(120))]}, "lines.1.discount_pct"),
        ({"due_date": TODAY - dt.timedelta(days=1)}, "due_date"),
        ({"lines": []}, "lines"),
        ({"currency": "DOGE"}, "currency"),
        ({"discount_pct": D(101)}, "discount_pct"),
    ],
)
def test_bad_input_changes_nothing(admin: TenantContext, customer: uuid.UUID, kw: dict, field: str) -> None:
    before = inv.count_by_status(admin)
    with pytest.raises(ValidationFailed) as err:
        inv.create_draft(admin, _draft(customer, **kw))
    assert field in err.value.details
    assert inv.count_by_status(admin) == before


def test_html_in_names_is_stored_as_text(admin: TenantContext) -> None:
    name = "<script>alert('x')</script> PT Jahat'; DROP TABLE invoices;--"
    c = create_customer(admin, CustomerIn(name=name))
    from core.customers.service import get_customer

    assert get_customer(admin, c.id).name == name


def test_tenant_b_cannot_touch_a(as_role: Callable[..., TenantContext], tier: str) -> None:
    a, b = as_role("admin", f"a-{tier}"), as_role("admin", f"b-{tier}")
    customer = create_customer(a, CustomerIn(name="A's customer")).id
    invoice = inv.create_draft(a, _draft(customer)).id
    for call in (lambda: inv.get_invoice(b, invoice), lambda: inv.issue(b, invoice),
                 lambda: inv.record_payment(b, invoice, D(1), TODAY), lambda: inv.void(b, invoice, "x"),
                 lambda: inv.delete_draft(b, invoice)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(ValidationFailed, match="no such customer"):
        inv.create_draft(b, _draft(customer))  # B cannot invoice A's customer
    assert invoice not in {i.id for i in inv.list_invoices(b).items}
    assert inv.get_invoice(a, invoice).status == "draft"


def test_cursor_pagination_and_filters(as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin", "b-shared")
    customer = create_customer(admin, CustomerIn(name="Paging Co")).id
    made = {inv.create_draft(admin, _draft(customer, dt.date(2026, 1, 10))).id for _ in range(7)}
    seen: list[uuid.UUID] = []
    cursor = None
    while True:
        page = inv.list_invoices(admin, inv.Filters(customer_id=customer), limit=3, cursor=cursor)
        seen += [i.id for i in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 7 and set(seen) == made
    assert not inv.list_invoices(admin, inv.Filters(customer_id=customer, status="paid")).items
    with pytest.raises(ValidationFailed):
        inv.list_invoices(admin, cursor="not-a-cursor")
