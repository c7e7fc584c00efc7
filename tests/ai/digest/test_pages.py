"""The digest page and the dashboard card through AppTest: an Admin runs the digest now and
subscribes; the card shows it; Staff reads it but gets no "run now"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.ai.digest import service
from core.config import PROJECT_ROOT
from tests.ui.business_seed import PASSWORD, Company, company, context


@pytest.fixture(scope="module")
def firm(tenants: dict[str, object]) -> Company:
    return company("dg-ui", "Kopi Rangkum")


def _login(email: str, lang: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    at.session_state["lang"] = at.session_state["lang_picker"] = lang
    return at


def _open(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, f"{page}: {at.exception}"
    return at


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def _texts(at: AppTest) -> str:
    out = []
    for node in _walk(at._tree):
        for attr in ("value", "body", "label"):
            if attr == "value" and node.type not in ("markdown", "caption", "title", "subheader", "alert", "error",
                                                     "info", "warning", "success", "toast"):
                continue
            value = getattr(node, attr, None)
            if isinstance(value, str):
                out.append(value)
    return "\n".join(out).replace("\\", "")  # markdown escapes of user text


def test_admin_runs_now_subscribes_and_the_card_shows_it(firm: Company) -> None:
    admin = context(firm.slug, "admin", firm.user_ids["admin"])
    at = _open(_login(firm.emails["admin"], "en"), "pages/digest.py")
    assert "CEO Digest" in _texts(at) and "No digest yet" in _texts(at)
    at.button(key="digest_run").click()
    at.run()
    assert not at.exception, at.exception
    made = service.history(admin)
    assert [(d.day, d.status, d.trigger) for d in made] == [(service.yesterday(admin), "ready", "manual")]
    assert made[0].engine == "template"  # a company with no figures yet: a plain sentence, no model call
    texts = _texts(at)
    assert made[0].texts("en")[0] in texts, texts
    assert not re.search(r"\b(digest|nav)\.[a-z_.]+\b", texts), texts  # no raw string keys
    assert any("28-day average" in df.value.columns for df in at.dataframe)

    at.toggle(key="digest_subscribed").set_value(True)
    at.run()
    assert not at.exception, at.exception
    assert service.subscription(admin) == service.Subscription(True, "id")  # the company's language by default

    # Running again changes nothing.
    at.button(key="digest_run").click()
    at.run()
    assert [(d.id, d.attempts) for d in service.history(admin)] == [(made[0].id, 1)]

    dash = _open(at, "pages/dashboard.py")
    texts = _texts(dash)
    assert "CEO Digest ·" in texts and made[0].texts("en")[0] in texts


def test_staff_reads_the_digest_in_indonesian_without_run_now(firm: Company) -> None:
    staff = context(firm.slug, "staff", firm.user_ids["staff"])
    service.run_now(context(firm.slug, "admin", firm.user_ids["admin"]))  # made once (or already there)
    at = _open(_login(firm.emails["staff"], "id"), "pages/digest.py")
    assert not [b for b in at.button if b.key == "digest_run"]
    texts = _texts(at)
    assert "Rangkuman Eksekutif" in texts
    latest = service.latest(staff)
    assert latest is not None and latest.texts("id")[0] in texts
    dash = _open(at, "pages/dashboard.py")
    assert "Rangkuman Eksekutif" in _texts(dash)
