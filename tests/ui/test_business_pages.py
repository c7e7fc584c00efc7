"""The business pages through AppTest: every page renders for every role and for an empty
company, no raw string keys show, and actions a role lacks are not offered."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from tests.ui.business_seed import PASSWORD, Company, company, fill
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
    """Saving a draft whose line has no price: the service refuses it, the page says which line."""
    at = _login(filled.emails["staff"])
    _open(at, "pages/invoices.py", invoices_view="new", invoices_open=None)
    at.selectbox(key="invoice_form_customer").select_index(0)
    at.run()
    at.button(key="invoice_form_save").click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Line 1: enter the unit price (a number)."]
    assert "Save & issue" not in _labels(at)  # staff cannot send invoices


def test_pdf_download_and_payment_as_manager(filled: Company) -> None:
    at = _login(filled.emails["manager"])
    _open(at, "pages/invoices.py", invoices_view="detail", invoices_open=filled.sent_invoice)
    assert any("Sent" in t for t in _texts(at))
    buttons = [b for b in at.button if b.label == "Mark paid"]
    buttons[0].click()
    at.run()
    assert not at.exception
    assert any(":green-badge[✅ Paid]" in t for t in _texts(at))
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
