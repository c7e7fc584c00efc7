"""The audit page (AppTest): an Admin sees events, filters, the before/after view and the
export; Staff has no audit page in the navigation and a deep link is refused."""

from __future__ import annotations

import uuid

import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.context import Actor
from core.customers.models import Customer
from core.identity.service import add_membership, create_user
from core.tenancy.registry import context
from db.session import tenant_session
from ui.i18n import t

PASSWORD = "rahasia-audit-123"
LANG = "id"


def _member(tenants: dict[str, object], role: str) -> tuple[str, str]:
    email = f"audit-{role}-{uuid.uuid4().hex[:8]}@example.com"
    user = create_user(email, f"Audit {role}", PASSWORD, LANG)
    add_membership(user.id, tenants["a-shared"].id, role)  # type: ignore[attr-defined]
    return email, str(user.id)


def _login(email: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="login_email").set_value(email)
    at.text_input(key="login_password").set_value(PASSWORD)
    [submit] = [b for b in at.button if b.label == t("login.submit", LANG)]
    submit.click()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def admin(tenants: dict[str, object]) -> str:
    email, user_id = _member(tenants, "admin")
    with tenant_session(context("a-shared", Actor("user", user_id))) as s:
        s.add(Customer(name="Seen on the audit page"))
    return email


def test_admin_sees_events_diff_and_export(admin: str) -> None:
    at = _login(admin)
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("audit.title", LANG)
    events = at.dataframe[0].value
    assert "Seen on the audit page" not in events.to_string()  # values live in the diff, not the list
    assert (events[t("audit.col.table", LANG)] == "customers").any()
    people = at.selectbox(key="audit_person")
    assert "Audit admin" in " ".join(people.options)
    # Only the admin's own events, then the before/after view of the first one.
    people.select_index(next(i for i, o in enumerate(people.options) if o.startswith("Audit admin")))
    at.run()
    assert set(at.dataframe[0].value[t("audit.col.action", LANG)]) == {t("audit.action.insert", LANG)}
    diff = at.dataframe[1].value
    after = dict(zip(diff[t("audit.diff.field", LANG)], diff[t("audit.diff.after", LANG)], strict=True))
    assert after["name"] == "Seen on the audit page"
    assert [b for b in at.get("download_button") if b.proto.label == t("audit.export", LANG)]


def test_staff_has_no_audit_page_and_a_deep_link_is_refused(tenants: dict[str, object]) -> None:
    email, _ = _member(tenants, "staff")
    at = _login(email)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/audit.py")  # not in the staff member's navigation
    # The page run directly, as the same signed-in member: it guards itself.
    page = AppTest.from_file(str(PROJECT_ROOT / "pages" / "audit.py"), default_timeout=60)
    page.session_state["user"] = at.session_state["user"]
    page.session_state["lang"] = LANG
    page.run()
    assert not page.exception, page.exception
    [refusal] = [e.value for e in page.error]
    assert "audit.read" in refusal
    assert not page.title and not page.dataframe and not page.get("download_button")


def test_the_page_says_when_bulk_changes_are_still_being_recorded(admin: str) -> None:
    from core.audit.chain import seal
    from tests.audit.support import app_connection

    ctx = context("a-shared")
    with app_connection(ctx, actor="user:importer") as conn:
        conn.execute("INSERT INTO customers (name) SELECT 'Bulk page ' || g FROM generate_series(1, 1200) g")
        conn.commit()
    at = _login(admin)
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    assert t("audit.pending_bulk", LANG, count="1.200") in [i.value for i in at.info]
    seal(ctx)
    at.run()
    assert not [i for i in at.info if i.value == t("audit.pending_bulk", LANG, count="1.200")]
