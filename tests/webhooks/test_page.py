"""The webhooks page through AppTest: create an endpoint (secret shown once), send a test
event to a real receiver, see it in the delivery log; other roles are refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.context import TenantContext
from core.identity.service import add_membership, create_user
from core.tenancy.registry import get_tenant
from core.webhooks.ssrf import Guard
from tests.webhooks.conftest import Receiver
from ui.session import SignedIn


def _page(slug: str, role: str) -> AppTest:
    user = create_user(f"{role}-{uuid.uuid4().hex[:8]}@example.test", f"{role.title()} Hooks", "rahasia-123", "en")
    add_membership(user.id, get_tenant(slug).id, role)
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "webhooks.py"), default_timeout=60)
    at.session_state["user"] = SignedIn(user.id, user.email, user.full_name)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def test_admin_creates_tests_and_reads_the_log(as_role: Callable[..., TenantContext], wh_slug: str,
                                               receiver: Receiver, allow_loopback: Guard,
                                               clean_endpoints: Callable[[TenantContext], None]) -> None:
    clean_endpoints(as_role("admin", wh_slug))
    at = _page(wh_slug, "admin")
    assert [i.value for i in at.info] == ["No endpoints yet."]
    next(t for t in at.text_input if t.label.startswith("Receiver URL")).input(receiver.url)
    _button(at, "Create the endpoint").click()
    at.run()
    assert not at.exception, at.exception
    (secret,) = [c.value for c in at.code]
    assert secret.startswith("whsec_") and "not be shown again" in at.warning[0].value
    receiver.secrets = [secret]

    _button(at, "Send a test event").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.code  # the secret was shown once
    assert [s.value for s in at.success if s.value.startswith("Delivered")], [e.value for e in at.error]
    (got,) = receiver.requests
    assert got.verified and got.type == "webhook.test"
    at.run()
    log = at.dataframe[-1].value
    assert list(log["Trigger"]) == ["test"] and list(log["HTTP status"]) == [204]
    assert list(log["webhook-id"]) == [got.webhook_id]


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_other_roles_are_refused(wh_slug: str, role: str) -> None:
    at = _page(wh_slug, role)
    assert at.error and "webhook.manage" in at.error[0].value
    assert not at.button
