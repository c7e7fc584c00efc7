"""The business pages through AppTest: every page renders for every role and for an empty
company, no raw string keys show, and actions a role lacks are not offered."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.customers.service import CustomerIn, create_customer, list_customers
from core.invoices import service as invoices
from core.invoices.calc import LineIn
from core.projects import service as projects
from core.projects import tasks
from core.projects.models import Project
from db.session import tenant_session
from tests.ui.business_seed import PASSWORD, Company, company, context, fill
from ui.kanban import Move, find_move

PAGES = ("pages/dashboard.py", "pages/invoices.py", "pages/customers.py", "pages/spending.py", "pages/projects.py")
RAW_KEY = re.compile(r"^(nav|common|err|dashboard|invoices?|customers|spending|projects|kanban|task)\.[a-z_.]+$")


@pytest.fixture(scope="module")
def filled(tenants: dict[str, object]) -> Company:
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    return fill(company("ui-biz", "Kopi Uji Coba"), today)


@pytest.fixture(scope="module")
def empty(tenants: dict[str, object]) -> Company:
    return company("ui-empty", "Kosong Baru", roles=("admin",), language="id")


def _login(email: str, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    at.session_state["lang"] = at.session_state["lang_picker"] = lang  # as if picked in the sidebar
    return at


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def _texts(at: AppTest) -> list[str]:
    """Every label, title and text on the page (including popover and expander labels)."""
    out = []
    for node in _walk(at._tree):
        for attr in ("label", "value", "body"):
            value = getattr(node, attr, None) if attr != "value" or node.type in (
                "title", "markdown", "caption", "header", "subheader", "alert", "error", "info", "warning",
                "success") else None
            if isinstance(value, str):
                out.append(value)
        proto = getattr(node, "proto", None)
        for holder in (proto, getattr(proto, "popover", None), getattr(proto, "expandable", None)):
            label = getattr(holder, "label", None)
            if isinstance(label, str) and label:
                out.append(label)
    return out


def _open(at: AppTest, page: str, **state: Any) -> AppTest:
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, f"{page}: {at.exception}"
    texts = _texts(at)
    raw = [t for t in texts if RAW_KEY.match(t.strip())]
    assert not raw, f"{page} shows raw string keys: {raw}"
    assert not [t for t in texts if "Traceback" in t], page
    return at


@pytest.mark.parametrize("role", ["admin", "manager", "staff"])
def test_every_page_renders_for_each_role(filled: Company, role: str) -> None:
    at = _login(filled.emails[role])
    for page in PAGES:
        _open(at, page)
        assert at.title, page
        if page == "pages/dashboard.py":
            figures = {m.label: m.value for m in at.metric}
            assert figures["Open tasks"] == "3" and figures["Overdue receivables"].startswith("Rp 2")
    # The invoice list shows the seeded invoices; the kanban shows the tasks.
    _open(at, "pages/invoices.py")
    assert any("PT Sinar Abadi" in str(df.value.to_dict()) for df in at.dataframe)


def test_empty_company_shows_empty_states(empty: Company) -> None:
    at = _login(empty.emails["admin"], "id")
    expected = {
        "pages/dashboard.py": "Belum ada angka untuk ditampilkan",
        "pages/invoices.py": "Belum ada faktur",
        "pages/customers.py": "Belum ada pelanggan",
        "pages/spending.py": "Belum ada pengeluaran",
        "pages/projects.py": "Belum ada proyek",
    }
    for page, title in expected.items():
        _open(at, page)
        assert any(title in t for t in _texts(at)), f"{page}: no empty state"
    # A new invoice without customers says to add a customer first.
    _open(at, "pages/invoices.py", invoices_view="new", invoices_open=None)
    assert any("Tambahkan pelanggan terlebih dahulu" in t for t in _texts(at))


def _labels(at: AppTest) -> set[str]:
    return {t.replace("**", "").strip() for t in _texts(at)}


@pytest.mark.parametrize("role,allowed", [("admin", True), ("manager", True), ("staff", False)])
def test_invoice_actions_follow_the_role(filled: Company, role: str, allowed: bool) -> None:
    at = _login(filled.emails[role])
    _open(at, "pages/invoices.py", invoices_view="detail", invoices_open=filled.sent_invoice)
    labels = _labels(at)
    assert "Download PDF" in labels
    for action in ("Void", "Mark paid", "Record payment"):
        assert (action in labels) is allowed, (role, action)
    _open(at, "pages/invoices.py", invoices_view="detail", invoices_open=filled.draft_invoice)
    labels = _labels(at)
    assert "Edit" in labels  # every system role may edit drafts
    assert ("Issue" in labels) is allowed
    assert ("Delete draft" in labels) is allowed
    _open(at, "pages/customers.py")
    assert ("Delete a customer" in _labels(at)) is allowed
    _open(at, "pages/spending.py")
    assert ("Delete an expense" in _labels(at)) is allowed
    _open(at, "pages/projects.py")
    assert ("Manage members" in _labels(at)) is allowed


def test_draft_errors_are_shown_plainly(filled: Company) -> None:
    """Bad lines are refused by the service (not the page), and the page says which line and why."""
    at = _login(filled.emails["staff"])
    _open(at, "pages/invoices.py", invoices_view="new", invoices_open=None)
    assert "Save & issue" not in _labels(at)  # staff cannot send invoices
    at.selectbox(key="invoice_form_customer").select_index(0)
    at.run()
    at.button(key="invoice_form_save").click()  # the one empty line is ignored: no lines at all
    at.run()
    assert [e.value for e in at.error] == ["An invoice needs at least one line."]
    # The line editor's rows as if typed in: a negative quantity and a discount over 100%.
    at.session_state["invoice_form_seed"] = pd.DataFrame([
        {"description": "Konsultasi", "quantity": -2.0, "unit_price": 100_000.0, "discount_pct": 0.0},
        {"description": "<script>alert(1)</script>", "quantity": 1.0, "unit_price": 5_000.0, "discount_pct": 150.0},
        {"description": "Tanpa harga", "quantity": 1.0, "unit_price": None, "discount_pct": 0.0},
    ])
    at.run()
    assert any("The totals appear once" in t for t in _texts(at))  # no preview for bad lines
    at.button(key="invoice_form_save").click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Line 3: enter the unit price (a number)."]
    at.session_state["invoice_form_seed"] = at.session_state["invoice_form_seed"].iloc[:2]
    at.run()
    at.button(key="invoice_form_save").click()
    at.run()
    assert [e.value for e in at.error] == ["- Line 1: the quantity must be more than zero.\n"
                                          "- Line 2: the discount must be between 0% and 100%."]


def test_mark_paid_as_manager(filled: Company) -> None:
    admin = context(filled.slug, "admin", filled.user_ids["admin"])
    customer = list_customers(admin)[0]
    sent = invoices.create_and_issue(admin, invoices.DraftIn(customer.id, dt.date.today(),
                                                             [LineIn("Pelatihan", D(1), D(4_000_000))]))
    at = _login(filled.emails["manager"])
    _open(at, "pages/invoices.py", invoices_view="detail", invoices_open=sent.id)
    assert any(":blue-badge[" in t and "Sent" in t for t in _texts(at))
    buttons = [b for b in at.button if b.label == "Mark paid"]
    buttons[0].click()
    at.run()
    assert not at.exception
    assert any(":green-badge[" in t and "Paid" in t for t in _texts(at))
    assert invoices.get_invoice(admin, sent.id).status == "paid"
    assert "Mark paid" not in _labels(at)


@pytest.mark.parametrize("before,after,expected", [
    ({"todo": ["a", "b"], "in_progress": [], "done": []},
     {"todo": ["b"], "in_progress": [], "done": ["a"]}, Move("a", "done", None, None)),
    ({"todo": ["a", "b"], "in_progress": [], "done": ["c", "d"]},
     {"todo": ["a"], "in_progress": [], "done": ["c", "b", "d"]}, Move("b", "done", "c", "d")),
    ({"todo": ["a", "b", "c"], "in_progress": [], "done": []},
     {"todo": ["b", "c", "a"], "in_progress": [], "done": []}, Move("a", "todo", "c", None)),
    ({"todo": ["a", "b", "c"], "in_progress": [], "done": []},
     {"todo": ["c", "a", "b"], "in_progress": [], "done": []}, Move("c", "todo", None, "a")),
    ({"todo": ["a"], "in_progress": [], "done": []}, {"todo": ["a"], "in_progress": [], "done": []}, None),
])
def test_a_drop_becomes_one_move(before: dict[str, list[str]], after: dict[str, list[str]],
                                 expected: Move | None) -> None:
    assert find_move(before, after) == expected


def test_invoice_list_pages_and_filters(tenants: dict[str, object]) -> None:
    """Keyset pages of 25: Next and Previous walk them; a filter starts again at page 1."""
    c = company("ui-pages", "Banyak Faktur", roles=("admin",))
    admin = context(c.slug, "admin", c.user_ids["admin"])
    customer = create_customer(admin, CustomerIn("PT Halaman"))
    for i in range(27):
        invoices.create_draft(admin, invoices.DraftIn(customer.id, dt.date(2026, 11, 1) + dt.timedelta(days=i % 20),
                                                      [LineIn(f"Baris {i}", D(1), D(1000 + i))]))
    at = _login(c.emails["admin"])
    _open(at, "pages/invoices.py")
    assert len(at.dataframe[0].value) == 25 and "Page 1" in _labels(at)
    next(b for b in at.button if b.label == "Next").click()
    at.run()
    assert len(at.dataframe[0].value) == 2 and "Page 2" in _labels(at)
    assert next(b for b in at.button if b.label == "Next").disabled
    at.text_input(key="inv_search").input("nothing like this")
    at.run()
    assert "Page 1" in _labels(at) and not at.dataframe
    assert "No invoices match these filters." in _labels(at)


def test_moving_a_card_without_dragging_warns_over_the_wip_limit(tenants: dict[str, object]) -> None:
    """The status select per card moves the task through the service; a WIP limit warns."""
    c = company("ui-kanban", "Papan Kanban", roles=("admin", "staff"))
    admin = context(c.slug, "admin", c.user_ids["admin"])
    project = projects.create_project(admin, "Papan", members=list(c.user_ids.values()))
    busy = tasks.create_task(admin, project.id, "Sudah berjalan", status="in_progress")
    card = tasks.create_task(admin, project.id, "Kartu baru")
    with tenant_session(admin) as s:
        s.get(Project, project.id).wip_limits = {"in_progress": 1}  # type: ignore[union-attr]
    at = _login(c.emails["staff"])
    _open(at, "pages/projects.py")
    at.selectbox(key=f"task_status_{card.id}_todo").set_value("in_progress")
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["The In progress column is over its work-in-progress limit of 1."]
    board = tasks.board(admin, project.id)
    assert [t.id for t in board["in_progress"]] == [busy.id, card.id] and not board["todo"]
