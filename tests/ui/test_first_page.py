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
