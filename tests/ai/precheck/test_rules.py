"""SOP rules as data: editing them (bad input refused, nothing changed), permissions,
tenant isolation in every tier, checking a saved invoice by id, and blocking rules
refusing to save or send an invoice."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.main import app
from core.ai.precheck import service as sop
from core.ai.precheck.enforce import PrecheckBlocked
from core.apikeys.service import create_key
from core.context import TenantContext
from core.errors import DomainError, NotFound, ValidationFailed
from core.invoices import service as invoices
from core.invoices.models import Invoice
from core.rbac.guard import PermissionDenied
from db.session import tenant_session
from tests.ai.precheck.conftest import customer, draft

pytestmark = pytest.mark.usefixtures("clean_rules")
Role = Callable[..., TenantContext]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _count(ctx: TenantContext) -> int:
    with tenant_session(ctx) as s:
        return int(s.scalar(select(func.count()).select_from(Invoice)) or 0)


@pytest.mark.parametrize("call,field", [
    (lambda ctx: sop.set_rule(ctx, "max_line_discount", value="abc"), "value"),
    (lambda ctx: sop.set_rule(ctx, "max_line_discount", value="150"), "value"),
    (lambda ctx: sop.set_rule(ctx, "max_invoice_discount", value="-1"), "value"),
    (lambda ctx: sop.set_rule(ctx, "max_invoice_discount", value="NaN"), "value"),
    (lambda ctx: sop.set_rule(ctx, "max_line_discount", value="10.005"), "value"),
    (lambda ctx: sop.set_rule(ctx, "due_within_days", value="2.5"), "value"),
    (lambda ctx: sop.set_rule(ctx, "duplicate", value="400"), "value"),
    (lambda ctx: sop.set_rule(ctx, "duplicate", value=None), "value"),
    (lambda ctx: sop.set_rule(ctx, "required_field", target="customer.password"), "target"),
    (lambda ctx: sop.set_rule(ctx, "drop table invoices", value=1), "kind"),
    (lambda ctx: sop.set_ppn_rate(ctx, "101", dt.date(2026, 1, 1)), "rate"),
    (lambda ctx: sop.set_ppn_rate(ctx, "eleven", dt.date(2026, 1, 1)), "rate"),
    (lambda ctx: sop.set_ppn_rate(ctx, "11", dt.date(1800, 1, 1)), "effective_from"),
    (lambda ctx: sop.add_clause(ctx, "   "), "text"),
    (lambda ctx: sop.add_clause(ctx, "x" * 1001), "text"),
    (lambda ctx: sop.add_clause(ctx, "bad \x00 byte"), "text"),
])
def test_bad_rules_are_refused_and_change_nothing(as_role: Role, call: Callable[[TenantContext], object],
                                                  field: str) -> None:
    ctx = as_role("admin", "a-shared")
    with pytest.raises(ValidationFailed) as err:
        call(ctx)
    assert field in err.value.details
    assert sop.get_rules(ctx).empty


def test_rules_are_edited_in_place(as_role: Role) -> None:
    ctx = as_role("admin", "a-shared")
    sop.set_rule(ctx, "max_line_discount", value="10")
    rules = sop.set_rule(ctx, "max_line_discount", value="12.5", blocking=True)
    assert [(r.kind, r.value, r.blocking) for r in rules.rules] == [("max_line_discount", Decimal("12.50"), True)]
    sop.set_ppn_rate(ctx, "11", dt.date(2022, 4, 1))
    rates = sop.set_ppn_rate(ctx, "12", dt.date(2022, 4, 1), blocking=True).rates
    assert [(r.rate, r.blocking) for r in rates] == [(Decimal("12.00"), True)]
    first = sop.add_clause(ctx, "  Every invoice names its PO.  ").clauses[0]
    assert first.text == "Every invoice names its PO." and not first.blocking
    sop.add_clause(ctx, "Second clause.")
    sop.set_blocking(ctx, first.id, True)
    assert [(c.text, c.blocking) for c in sop.get_rules(ctx).clauses] == [
        ("Every invoice names its PO.", True), ("Second clause.", False)]
    sop.delete_item(ctx, first.id)
    sop.delete_item(ctx, rates[0].id)
    after = sop.get_rules(ctx)
    assert [c.text for c in after.clauses] == ["Second clause."] and not after.rates
    with pytest.raises(NotFound):
        sop.delete_item(ctx, uuid.uuid4())


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_only_settings_managers_edit_rules(as_role: Role, role: str) -> None:
    ctx = as_role(role, "a-shared")
    with pytest.raises(PermissionDenied):
        sop.set_rule(ctx, "due_after_issue")
    with pytest.raises(PermissionDenied):
        sop.get_rules(ctx)
    # Every role that reads invoices may run the pre-check.
    cid = customer(as_role("admin", "a-shared"), "PT Peran")
    assert sop.precheck(ctx, draft(cid)).valid


def test_rules_of_one_company_never_apply_to_another(as_role: Role, tier: str, client: TestClient) -> None:
    a, b = as_role("admin", f"a-{tier}"), as_role("admin", f"b-{tier}")
    a_cid, b_cid = customer(a, "PT A Pelanggan"), customer(b, "PT B Pelanggan")
    a_inv = invoices.create_draft(a, draft(a_cid))
    sop.set_rule(a, "max_line_discount", value="5", blocking=True)
    sop.set_ppn_rate(a, "12", dt.date(2025, 1, 1), blocking=True)
    sop.add_clause(a, "A's own clause.")
    risky = draft(b_cid, lines=[(1_000_000, 20)])
    assert sop.precheck(a, draft(a_cid, lines=[(1_000_000, 20)])).blocking
    verdict = sop.precheck(b, risky)
    assert verdict.valid and verdict.violations == () and verdict.clauses.note == "no_clauses"
    assert sop.get_rules(b).empty
    invoices.create_draft(b, risky)  # A's blocking rules do not refuse B's invoice
    # B cannot reach A's rules or A's invoice by id, through the service or the API.
    a_rule = sop.get_rules(a).rules[0]
    with pytest.raises(NotFound):
        sop.delete_item(b, a_rule.id)
    with pytest.raises(NotFound):
        sop.set_blocking(b, a_rule.id, False)
    with pytest.raises(NotFound):
        sop.precheck_invoice(b, a_inv.id)
    with pytest.raises(NotFound):
        sop.precheck(b, draft(b_cid), invoice_id=a_inv.id)
    with pytest.raises(ValidationFailed):  # A's customer is unknown to B
        sop.precheck(b, draft(a_cid))
    b_key = create_key(b, "b", "admin", ["invoices:read"]).secret
    r = client.post("/api/v1/invoices/precheck", json={"invoice_id": str(a_inv.id)},
                    headers={"Authorization": f"Bearer {b_key}"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert sop.get_rules(a).rules[0].blocking  # unchanged


def test_a_saved_invoice_is_checked_by_id(as_role: Role, client: TestClient) -> None:
    ctx = as_role("admin", "a-shared")
    cid = customer(ctx, "PT Simpan")
    saved = invoices.create_draft(ctx, draft(cid, notes=None, lines=[(1_000_000, 25)]))
    sop.set_rule(ctx, "duplicate", value=3)
    sop.set_rule(ctx, "max_line_discount", value=10)
    sop.set_rule(ctx, "required_field", target="notes")
    verdict = sop.precheck_invoice(ctx, saved.id)
    # Not its own duplicate; the stored line discount and missing notes are found.
    assert {(v.rule, v.field) for v in verdict.violations} == {("max_line_discount", "lines[0].discount_pct"),
                                                              ("required_field", "notes")}
    twin = invoices.create_draft(ctx, draft(cid, "2026-03-04", notes=None, lines=[(1_000_000, 25)]))
    assert "duplicate" in {v.rule for v in sop.precheck_invoice(ctx, saved.id).violations}
    # Editing the twin is checked against the others, not against itself.
    edit = sop.precheck(ctx, draft(cid, "2026-03-04", lines=[(1_000_000, 25)]), invoice_id=twin.id)
    assert {v.rule for v in edit.violations} == {"max_line_discount", "duplicate"}
    key = create_key(ctx, "k", "admin", ["invoices:read"]).secret
    h = {"Authorization": f"Bearer {key}"}
    r = client.post("/api/v1/invoices/precheck", json={"invoice_id": str(saved.id)}, headers=h)
    assert r.status_code == 200 and r.json()["valid"] is False
    assert r.json()["clauses"] == {"checked": True, "note": "no_clauses", "engine": None}
    # Bad bodies get the usual 422 shape.
    for body in ({"invoice_id": str(saved.id), "customer_id": str(cid)}, {"customer_id": str(cid)},
                 {"invoice_id": "not-a-uuid"}, {"customer_id": str(cid), "issue_date": "2026-03-02",
                                                "lines": [{"description": "x", "quantity": "1", "unit_price": "-5"}]},
                 {"customer_id": str(cid), "issue_date": "2026-03-02", "tax_rate": "150",
                  "lines": [{"description": "x", "quantity": "1", "unit_price": "5"}]}):
        bad = client.post("/api/v1/invoices/precheck", json=body, headers=h)
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error", (body, bad.text)
    assert client.post("/api/v1/invoices/precheck", json={"invoice_id": str(uuid.uuid4())},
                       headers=h).status_code == 404
    no_scope = create_key(ctx, "k2", "admin", ["customers:read"]).secret
    denied = client.post("/api/v1/invoices/precheck", json={"invoice_id": str(saved.id)},
                         headers={"Authorization": f"Bearer {no_scope}"})
    assert denied.status_code == 403 and "invoice.read" in denied.text


def test_blocking_rules_refuse_to_save_or_send(as_role: Role, client: TestClient) -> None:
    ctx = as_role("admin", "a-shared")
    cid = customer(ctx, "PT Blokir", credit_limit=Decimal(5_000_000))
    before = _count(ctx)
    sop.set_rule(ctx, "max_line_discount", value=10, blocking=True)
    sop.set_rule(ctx, "required_field", target="notes")  # advisory: never refuses
    with pytest.raises(PrecheckBlocked) as err:
        invoices.create_draft(ctx, draft(cid, notes=None, lines=[(1_000_000, 0), (1_000_000, 30)]))
    assert err.value.status == 422 and "max_line_discount" in err.value.message
    assert list(err.value.details) == ["precheck.max_line_discount.lines[1].discount_pct"]
    assert _count(ctx) == before
    ok = invoices.create_draft(ctx, draft(cid, notes=None, lines=[(1_000_000, 10)]))
    with pytest.raises(PrecheckBlocked):
        invoices.update_draft(ctx, ok.id, draft(cid, lines=[(1_000_000, 11)]))
    assert invoices.get_invoice(ctx, ok.id).lines[0].discount_pct == Decimal(10)
    # A rule made blocking after the draft was saved stops it from being sent.
    sop.set_rule(ctx, "credit_limit", blocking=True)
    big = invoices.create_draft(ctx, draft(cid, lines=[(4_000_000, 0)]))  # 4,440,000: within the limit
    second = invoices.create_draft(ctx, draft(cid, "2026-03-05", lines=[(1_000_000, 0)]))  # drafts owe nothing
    invoices.issue(ctx, big.id)
    with pytest.raises(PrecheckBlocked):  # now 4,440,000 is owed: + 1,110,000 > 5,000,000
        invoices.issue(ctx, second.id)
    with pytest.raises(PrecheckBlocked):
        invoices.create_draft(ctx, draft(cid, "2026-03-06", lines=[(1_000_000, 0)]))
    after = invoices.get_invoice(ctx, second.id)
    assert after.status == "draft" and after.number is None
    # Through the API: the same 422 naming the rule, nothing created.
    key = create_key(ctx, "w", "admin", ["invoices:read", "invoices:write"]).secret
    h = {"Authorization": f"Bearer {key}"}
    count = _count(ctx)
    r = client.post("/api/v1/invoices", headers=h, json={
        "customer_id": str(cid), "issue_date": "2026-03-02", "notes": "x",
        "lines": [{"description": "Jasa", "quantity": "1", "unit_price": "100", "discount_pct": "50"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "precheck_blocked"
    assert "max_line_discount" in r.json()["error"]["message"] and _count(ctx) == count
    sent = client.post(f"/api/v1/invoices/{second.id}/send", headers=h)
    assert sent.status_code == 422 and "credit_limit" in sent.json()["error"]["message"]
    # Advisory again: the same invoice goes through.
    sop.set_rule(ctx, "credit_limit", blocking=False)
    assert invoices.issue(ctx, second.id).status == "sent"


def test_a_draft_with_no_rules_costs_nothing_extra(as_role: Role) -> None:
    """No rules: the invoice service behaves exactly as before (and bad drafts are still its 422)."""
    ctx = as_role("admin", "a-shared")
    cid = customer(ctx, "PT Biasa")
    made = invoices.create_draft(ctx, draft(cid, lines=[(1_000_000, 100)]))
    assert made.total == Decimal("0.00")
    with pytest.raises(DomainError) as err:
        sop.precheck(ctx, draft(cid, lines=[(1_000_000, 150)]))
    assert err.value.status == 422
