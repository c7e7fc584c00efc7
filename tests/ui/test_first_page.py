"""After a plain sign-in the UI shows the company's name, tier and region."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.identity.service import add_membership, create_user, get_user_by_email

PASSWORD = "rahasia-123"


@pytest.fixture(scope="module")
def users(tenants: dict[str, object]) -> dict[str, str]:
    made = {}
    for slug in ("a-shared", "a-schema", "a-dedicated"):
        email = f"owner@{slug}.example"
        user = get_user_by_email(email) or create_user(email, f"Owner {slug}", PASSWORD, "en")
        add_membership(user.id, tenants[slug].id, "admin")  # type: ignore[attr-defined]
        made[slug] = email
    return made


def _login(email: str, password: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    at.run()
    return at


@pytest.mark.parametrize("slug,tier_label", [("a-shared", "Shared"), ("a-schema", "Own schema"),
                                             ("a-dedicated", "Dedicated database")])
def test_sign_in_shows_company_tier_and_region(users: dict[str, str], slug: str, tier_label: str) -> None:
    at = _login(users[slug], PASSWORD)
    assert not at.exception
    assert at.title[0].value.startswith("Company A")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tier"] == tier_label
    assert metrics["Data region"] == "Global"


def test_wrong_password_is_refused(users: dict[str, str]) -> None:
    at = _login(users["a-shared"], "wrong-password")
    assert not at.exception
    assert [e.value for e in at.error] == ["Wrong email or password."] or \
        [e.value for e in at.error] == ["Email atau kata sandi salah."]
    assert not at.metric


def _as(slug: str, role: str) -> AppTest:
    email = f"{role}-page@{slug}.example"
    from core.tenancy.registry import get_tenant

    user = get_user_by_email(email) or create_user(email, f"{role} {slug}", PASSWORD, "en")
    add_membership(user.id, get_tenant(slug).id, role)
    return _login(email, PASSWORD)


def test_staff_never_sees_salaries_on_the_employees_page(tenants: dict[str, object]) -> None:
    from decimal import Decimal

    from core.context import Actor
    from core.employees.service import EmployeeInput, create_employee
    from core.rbac.permissions import SYSTEM_ROLES
    from core.tenancy.registry import context_for, get_tenant

    admin = context_for(get_tenant("b-shared"), Actor("user", "setup"), role="admin",
                        permissions=SYSTEM_ROLES["admin"])
    create_employee(admin, EmployeeInput("Direktur Utama", salary=Decimal("987654321")))
    for role, sees in (("staff", False), ("admin", True)):
        at = _as("b-shared", role)
        at.switch_page("pages/employees.py")
        at.run()
        assert not at.exception
        page = " ".join(str(df.value.to_dict()) for df in at.dataframe)
        assert ("987.654.321" in page) is sees, role
        assert "Direktur Utama" in page


def test_api_keys_page_for_admins_only(tenants: dict[str, object]) -> None:
    admin = _as("b-schema", "admin")
    admin.switch_page("pages/api_keys.py")
    admin.run()
    assert not admin.exception and admin.title[0].value == "API keys"
    next(t for t in admin.text_input if t.label == "Name").input("ERP sync")
    next(b for b in admin.button if b.label == "Create key").click()
    admin.run()
    assert not admin.exception
    secret = admin.code[0].value
    assert secret.startswith("bos_live_")
    from core.apikeys.service import authenticate

    assert authenticate(secret).slug == "b-schema"  # the key shown once really works, for this company
    admin.run()
    assert not admin.code, "the secret is shown once only"
    staff = _as("b-schema", "staff")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        staff.switch_page("pages/api_keys.py")  # not in a Staff member's navigation: the deep link is refused
