"""Graceful degradation with the stand-in sleeping past the timeout: answers fall back to
the offline engine, the shared breaker opens after the set number of failures, AI API
endpoints answer 503 with Retry-After, pages show the manual path, CRUD pages and API
routes keep working, and half-open probes close the breaker once the stand-in recovers.
The clock is moved, not slept on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from api.main import app
from core.ai import breaker
from core.ai.models import AiUsage
from core.ai.types import AIUnavailable
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key
from core.config import PROJECT_ROOT
from core.context import TenantContext
from core.customers import service as customers
from core.identity.service import add_membership, create_user
from core.tenancy.registry import get_tenant
from db.session import control_session
from tests.ai.conftest import Clock, GatewayFactory
from tests.ai.standin import StandIn, process_gateway_at
from ui.session import SignedIn

pytestmark = pytest.mark.usefixtures("clean_ai")

PROMPT = "Ringkas: Ibu Sari (NIK 3171015708450001, HP 0812-3456-7890) minta faktur INV/2026/11/0001 dikirim ulang."


@pytest.fixture
def configured(standin: StandIn) -> Iterator[None]:
    """The process-wide settings (used by the API and the pages) point at the stand-in."""
    with process_gateway_at(standin):
        yield


def _h(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _signed_in(at: AppTest, slug: str, role: str) -> AppTest:
    user = create_user(f"{role}-{uuid.uuid4().hex[:8]}@example.test", f"{role.title()} AI", "rahasia-123", "en")
    add_membership(user.id, get_tenant(slug).id, role)
    at.session_state["user"] = SignedIn(user.id, user.email, user.full_name)
    at.session_state["lang"] = "en"
    return at


def _ai_widget_page() -> None:
    import streamlit as st

    from ui.ai import ai_section
    from ui.guard import page_guard

    ctx = page_guard()
    if ai_section(ctx) is not None:
        st.button("Draft the reply with AI")
    st.text_area("Reply (manual)")


def _outcomes(feature: str) -> list[tuple[str, bool]]:
    with control_session() as s:
        return [(o, f) for o, f in s.execute(select(AiUsage.outcome, AiUsage.fallback)
                                             .where(AiUsage.feature == feature).order_by(AiUsage.id))]


def test_outage_fallback_breaker_manual_path_and_recovery(
        configured: None, standin: StandIn, clock: Clock, gateway_for: GatewayFactory,
        as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini")
    staff, admin = as_role("staff"), as_role("admin")
    key = create_key(admin, "ai-outage", "admin", sorted(SCOPES)).secret
    standin.delay = 30.0  # far past the 2 s timeout

    # 1-2: the provider times out; the feature still gets an answer, from the offline engine.
    for failures in (1, 2):
        result = gateway.chat(staff, "test.outage", PROMPT)
        assert result.degraded and result.degraded_reason == "timeout" and result.offline
        assert "3171015708450001" in result.text and "0812-3456-7890" in result.text  # restored
        view = breaker.state("gemini")
        assert (view.state, view.failures) == ("closed", failures)

    with TestClient(app) as client:
        # 3: an AI API endpoint does not degrade silently: 503 with Retry-After; the breaker opens.
        r = client.post("/api/v1/ai/summarize", json={"text": PROMPT}, headers=_h(key))
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) > 0 and r.json()["error"]["code"] == "ai_unavailable"
        assert breaker.state("gemini").state == "open"
        assert len(standin.requests) == 3

        # While open: no call reaches the provider; answers come from the offline engine.
        result = gateway.chat(staff, "test.outage", PROMPT)
        assert result.degraded and result.degraded_reason == "breaker_open"
        assert len(standin.requests) == 3
        status = gateway.status(staff)
        assert not status.available and status.reason == "breaker_open" and status.retry_after > 0

        r = client.post("/api/v1/ai/summarize", json={"text": PROMPT}, headers=_h(key))
        assert r.status_code == 503 and 0 < int(r.headers["Retry-After"]) <= 300
        assert r.json()["error"]["details"]["reason"] == "breaker_open"
        assert client.get("/api/v1/ai/status", headers=_h(key)).json()["reason"] == "breaker_open"

        # Everything else is untouched: CRUD through services and API routes.
        made = customers.create_customer(admin, customers.CustomerIn(name="Toko Selama Gangguan"))
        assert made.id in {c.id for c in customers.list_customers(admin)}
        r = client.post("/api/v1/customers", json={"name": "Lewat API"}, headers=_h(key))
        assert r.status_code == 201, r.text
        listed = client.get("/api/v1/customers", headers=_h(key))
        assert listed.status_code == 200 and {"Toko Selama Gangguan", "Lewat API"} <= {c["name"] for c in listed.json()}
        assert len(standin.requests) == 3

    # Pages: a CRUD page renders as usual; an AI widget gives way to the manual path.
    crud = _signed_in(AppTest.from_file(str(PROJECT_ROOT / "pages" / "customers.py"), default_timeout=60),
                      "a-shared", "admin")
    crud.run()
    assert not crud.exception and not crud.error
    widget = _signed_in(AppTest.from_function(_ai_widget_page, default_timeout=60), "a-shared", "staff")
    widget.run()
    assert not widget.exception
    assert any("AI is unavailable, fill it in yourself." in i.value for i in widget.info)
    assert [b.label for b in widget.button] == [] and widget.text_area[0].label == "Reply (manual)"

    # Recovery: after the cool-down one probe goes through; its success closes the breaker.
    standin.delay = 0.0
    retry_at = breaker.state("gemini").retry_at
    assert retry_at is not None
    clock.now = retry_at  # the API opened it on the real clock; move ours to the end of the cool-down
    assert gateway.status(staff).available
    result = gateway.chat(staff, "test.outage", PROMPT)
    assert not result.degraded and result.provider == "gemini" and "3171015708450001" in result.text
    assert breaker.state("gemini").state == "closed"
    with TestClient(app) as client:
        assert client.get("/api/v1/ai/status", headers=_h(key)).json()["available"] is True
        r = client.post("/api/v1/ai/summarize", json={"text": PROMPT}, headers=_h(key))
        assert r.status_code == 200 and "0812-3456-7890" in r.json()["summary"]
        assert r.json()["masked"] == {"NIK": 1, "PHONE": 1}
    widget.run()
    assert [b.label for b in widget.button] == ["Draft the reply with AI"]

    assert _outcomes("test.outage") == [
        ("timeout", False), ("ok", True), ("timeout", False), ("ok", True), ("breaker_open", False), ("ok", True),
        ("ok", False)]
    assert _outcomes("api.summarize") == [("timeout", False), ("breaker_open", False), ("ok", False)]
    assert all(v not in standin.bodies() for v in ("3171015708450001", "0812-3456-7890"))


def test_half_open_lets_one_probe_through_and_a_failed_probe_reopens(clock: Clock) -> None:
    provider = f"test-{uuid.uuid4().hex[:6]}"
    for _ in range(2):
        breaker.failed(provider, clock(), "timeout", threshold=2, cooldown=60)
    assert breaker.state(provider).state == "open"
    assert not breaker.acquire(provider, clock(), probe_timeout=10).allowed
    clock.advance(61)
    first = breaker.acquire(provider, clock(), probe_timeout=10)
    assert first.allowed and first.probe
    second = breaker.acquire(provider, clock(), probe_timeout=10)  # another process, same moment
    assert not second.allowed and second.retry_after > 0
    breaker.failed(provider, clock(), "timeout", threshold=2, cooldown=60)  # the probe failed
    view = breaker.state(provider)
    assert view.state == "open" and view.retry_after(clock()) == 60
    clock.advance(61)
    assert breaker.acquire(provider, clock(), probe_timeout=10).probe
    clock.advance(11)  # the probe's process died: another caller may probe
    assert breaker.acquire(provider, clock(), probe_timeout=10).probe
    breaker.succeeded(provider)
    assert breaker.state(provider).state == "closed"
    assert breaker.acquire(provider, clock(), probe_timeout=10) == breaker.Decision(True)


def test_provider_errors_count_like_timeouts(standin: StandIn, gateway_for: GatewayFactory,
                                             as_role: Callable[..., TenantContext]) -> None:
    standin.fail_status = 500
    gateway = gateway_for("openai", ai_breaker_failures=2)
    staff = as_role("staff")
    first = gateway.chat(staff, "test.errors", PROMPT)
    assert first.degraded and first.degraded_reason == "error" and "0812-3456-7890" in first.text
    with pytest.raises(AIUnavailable) as refused:
        gateway.chat(staff, "test.errors", PROMPT, fallback=False)
    assert refused.value.reason == "error" and refused.value.retry_after and refused.value.retry_after > 0
    assert breaker.state("openai").state == "open" and len(standin.requests) == 2
    assert all("3171015708450001" not in s.body.decode() for s in standin.requests)
