"""Operational intelligence: per user, feature and company over a period, with margin
against the plan's price and alerts below a threshold; company B never sees A's usage;
the page through AppTest (Admin only)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from core.ai import ops, policy
from core.billing.plans import MICROS, plan_of, prorated_micros
from core.config import PROJECT_ROOT
from core.context import Actor, TenantContext
from core.identity.service import add_membership, create_user
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.registry import context_for, get_tenant
from tests.ai.conftest import Clock, GatewayFactory
from ui.session import SignedIn

pytestmark = pytest.mark.usefixtures("clean_ai")

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
TEXT = "Ringkas notulen rapat: target penjualan naik, HP sales 0812-3456-7890, kirim ke tim."


@dataclass
class Member:
    ctx: TenantContext
    email: str
    name: str


def member(slug: str, role: str, name: str) -> Member:
    email = f"{name.lower().replace(' ', '.')}-{uuid.uuid4().hex[:6]}@example.test"
    user = create_user(email, name, "rahasia-123", "en")
    add_membership(user.id, get_tenant(slug).id, role)
    ctx = context_for(get_tenant(slug), Actor("user", str(user.id), email), role=role,
                      permissions=SYSTEM_ROLES[role])
    return Member(ctx, email, name)


def test_plan_revenue_is_prorated_by_day() -> None:
    assert prorated_micros(499_000, *OCTOBER) == 499_000 * MICROS
    assert prorated_micros(300_000, dt.date(2026, 11, 1), dt.date(2026, 11, 10)) == 100_000 * MICROS
    assert prorated_micros(310_000, dt.date(2026, 10, 31), dt.date(2026, 11, 1)) == 10_000 * MICROS + 310_000 * \
        MICROS // 30
    assert prorated_micros(1, dt.date(2026, 11, 2), dt.date(2026, 11, 1)) == 0


def test_report_per_user_feature_and_company(gateway_for: GatewayFactory, clock: Clock) -> None:
    clock.now = dt.datetime(2026, 10, 15, 3, 0, tzinfo=dt.UTC)
    gateway = gateway_for("gemini")
    admin = member("a-shared", "admin", "Ayu Admin")
    heavy = member("a-shared", "staff", "Hadi Heavy")
    light = member("a-shared", "staff", "Lina Light")
    results = [gateway.chat(heavy.ctx, "digest", TEXT) for _ in range(3)]
    results += [gateway.chat(light.ctx, "rag", TEXT)]
    clock.advance(86400)
    results += [gateway.chat(heavy.ctx, "rag", TEXT)]
    key_ctx = heavy.ctx.acting_as(Actor("api_key", str(uuid.uuid4()), "ERP key"))
    results += [gateway.chat(key_ctx, "api.summarize", TEXT)]
    unpriced = gateway_for("gemini", gemini_model="gemini-unlisted").chat(light.ctx, "rag", TEXT)

    report = ops.report(admin.ctx, *OCTOBER, threshold_pct=50)
    plan = plan_of(admin.ctx.tenant_id)
    assert plan is not None and report.plan == plan.name
    cost = sum(r.cost_micros or 0 for r in results)
    assert report.totals.calls == len(results) + 1 and report.totals.unpriced_calls == 1
    assert report.totals.tokens == sum(r.input_tokens + r.output_tokens for r in [*results, unpriced])
    assert report.totals.cost_micros == cost > 0
    assert report.totals.masked == {"PHONE": len(results) + 1}
    assert report.margin.revenue_micros == plan.monthly_price * MICROS
    assert report.margin.margin_micros == plan.monthly_price * MICROS - cost
    assert report.margin.margin_pct is not None and 99 < report.margin.margin_pct <= 100

    heaviest = report.users[0]
    assert heaviest.label == f"Hadi Heavy <{heavy.email}>" and heaviest.calls == 4
    assert heaviest.margin is not None
    assert heaviest.margin.revenue_micros == report.margin.revenue_micros // report.members
    assert report.members >= 3
    key_row = next(u for u in report.users if u.actor_kind == "api_key")
    assert key_row.label == "ERP key" and key_row.margin is None and key_row.calls == 1
    light_row = next(u for u in report.users if u.label.startswith("Lina"))
    assert light_row.unpriced_calls == 1 and light_row.calls == 2
    assert [f.feature for f in report.features][:1] == ["digest"]
    assert {f.feature: f.calls for f in report.features} == {"digest": 3, "rag": 3, "api.summarize": 1}
    by_day = {d.day: d.calls for d in report.days}
    assert len(report.days) == 31 and by_day[dt.date(2026, 10, 15)] == 4 and by_day[dt.date(2026, 10, 16)] == 3
    assert report.unpriced_models == [("gemini", "gemini-unlisted", 1)]
    assert report.alerts == []  # AI costs a sliver of the plan's price

    # A threshold above every margin lists the company and every user with cost.
    strict = ops.report(admin.ctx, *OCTOBER, threshold_pct=100)
    assert {(a.kind, a.label.split(" <")[0]) for a in strict.alerts} == {
        ("tenant", admin.ctx.name), ("user", "Hadi Heavy"), ("user", "Lina Light")}


def test_a_user_whose_cost_exceeds_their_share_is_flagged(gateway_for: GatewayFactory, clock: Clock) -> None:
    from core.ai import metering

    clock.now = dt.datetime(2026, 10, 15, 3, 0, tzinfo=dt.UTC)
    admin = member("a-schema", "admin", "Adi Admin")
    heavy = member("a-schema", "staff", "Budi Boros")
    gateway = gateway_for("gemini", gemini_model="gemini-priced-test")
    per_token = 100_000 * MICROS  # Rp 100.000 a token: a model nobody should use
    metering.set_price("gemini", "gemini-priced-test", per_token * 1_000_000, per_token * 1_000_000,
                       effective_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), by="test")
    result = gateway.chat(heavy.ctx, "digest", TEXT)
    assert result.cost_micros == (result.input_tokens + result.output_tokens) * per_token
    report = ops.report(admin.ctx, *OCTOBER, threshold_pct=0)
    flagged = [a for a in report.alerts if a.kind == "user"]
    assert [a.label.split(" <")[0] for a in flagged] == ["Budi Boros"]
    assert flagged[0].margin.margin_pct is not None and flagged[0].margin.margin_pct < 0
    margins = {m.slug: m for m in ops.tenant_margins(*OCTOBER, threshold_pct=99.99)}
    assert margins["a-schema"].cost_micros == report.totals.cost_micros and margins["a-schema"].alert
    assert margins["b-schema"].cost_micros == 0 and not margins["b-schema"].alert


def test_company_b_never_sees_a_usage(tier: str, gateway_for: GatewayFactory, clock: Clock,
                                      as_role: Callable[..., TenantContext]) -> None:
    clock.now = dt.datetime(2026, 10, 20, 3, 0, tzinfo=dt.UTC)
    a_staff, a_admin = as_role("staff", f"a-{tier}"), as_role("admin", f"a-{tier}")
    b_admin, b_staff = as_role("admin", f"b-{tier}"), as_role("staff", f"b-{tier}")
    gateway = gateway_for("gemini")
    for _ in range(2):
        gateway.chat(a_staff, "secret-feature", TEXT)
    mine = ops.report(a_admin, *OCTOBER, threshold_pct=0)
    theirs = ops.report(b_admin, *OCTOBER, threshold_pct=0)
    assert mine.totals.calls == 2 and mine.features[0].feature == "secret-feature"
    assert theirs.totals == ops.Totals() and theirs.users == [] and theirs.features == []
    assert all(d.calls == 0 for d in theirs.days) and theirs.unpriced_models == []
    assert policy.spent(b_admin.tenant_id, dt.datetime(2026, 10, 1, tzinfo=dt.UTC)) == (0, 0)
    # B's budgets and status are its own.
    policy.set_budget(a_admin, scope="tenant", limit_tokens=1)
    assert not gateway.status(a_staff).available and gateway.status(b_staff).available
    assert policy.budgets(b_admin.tenant_id) == []


def _page(slug: str, role: str) -> AppTest:
    person = member(slug, role, f"{role.title()} Ops")
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / "ai_ops.py"), default_timeout=60)
    user_id = uuid.UUID(person.ctx.actor.id)
    at.session_state["user"] = SignedIn(user_id, person.email, person.name)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_shows_usage_margin_and_saves_budgets(gateway_for: GatewayFactory, clock: Clock,
                                                   as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini")
    for _ in range(2):
        gateway.chat(as_role("staff", "a-dedicated"), "digest", TEXT)
    at = _page("a-dedicated", "admin")
    assert at.title[0].value == "AI usage and margin"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Calls"] == "2" and metrics["Revenue"].startswith("Rp ") and metrics["Margin %"].endswith("%")
    assert any("No margin below" in s.value for s in at.success)
    assert len(at.dataframe) == 2 and "digest" in list(at.dataframe[1].value["Feature"])
    assert at.get("plotly_chart")
    at.number_input[1].set_value(50_000)  # company cap, Rp
    at.number_input[2].set_value(10_000)  # per user
    next(b for b in at.button if b.label == "Save the budgets").click()
    at.run()
    assert not at.exception and not at.error
    budgets = {b.scope: b for b in policy.budgets(get_tenant("a-dedicated").id)}
    assert budgets["tenant"].limit_micros == 50_000 * MICROS and budgets["user"].limit_micros == 10_000 * MICROS
    at.toggle[0].set_value(False)
    at.run()
    assert not policy.switch_of(get_tenant("a-dedicated").id).enabled


@pytest.mark.parametrize("role", ["manager", "staff"])
def test_page_is_for_admins_only(role: str) -> None:
    at = _page("a-dedicated", role)
    assert at.error and "ai.admin" in at.error[0].value
    assert not at.metric
