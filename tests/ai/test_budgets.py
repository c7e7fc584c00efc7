"""Budgets and the AI switch: a warning at 80%, a hard cap that blocks the next call with a
clear message (and sends nothing), per-user caps, and the operator's switch per company."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.ai import policy
from core.ai.models import AiUsage
from core.ai.types import AIDisabled, BudgetExceeded
from core.context import Actor, TenantContext
from core.errors import Forbidden
from core.rbac.guard import PermissionDenied
from db.session import control_session
from tests.ai.conftest import Clock, GatewayFactory
from tests.ai.standin import StandIn

pytestmark = pytest.mark.usefixtures("clean_ai")

TEXT = "Tolong ringkas catatan rapat penjualan minggu ini untuk tim."


def warnings_text() -> str:
    return "80% of this company's monthly AI budget is used."


def test_token_cap_warns_at_80_percent_then_blocks_the_next_call(
        gateway_for: GatewayFactory, standin: StandIn, as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini")
    staff, admin = as_role("staff"), as_role("admin")
    first = gateway.chat(staff, "test.budget", TEXT)
    per_call = first.input_tokens + first.output_tokens
    # Room for five calls: once four are spent (80%) answers come with a warning; after five, refusal.
    policy.set_budget(admin, scope="tenant", limit_tokens=per_call * 5)
    warnings = [gateway.chat(staff, "test.budget", TEXT).budget_warning for _ in range(3)]
    assert warnings == [None, None, None]
    assert gateway.status(staff).budget_warning == "80% of this company's monthly AI budget is used."
    assert gateway.chat(staff, "test.budget", TEXT).budget_warning == warnings_text()

    sent = len(standin.requests)
    with pytest.raises(BudgetExceeded) as refused:
        gateway.chat(staff, "test.budget", TEXT)
    assert refused.value.status == 429 and refused.value.scope == "tenant"
    assert "monthly AI budget for this company" in refused.value.message and "is used up" in refused.value.message
    assert refused.value.details["resets_on"] and refused.value.retry_after > 0
    assert len(standin.requests) == sent  # nothing reached the model
    status = gateway.status(staff)
    assert not status.available and status.reason == "budget_exhausted"
    with control_session() as s:
        outcomes = list(s.scalars(select(AiUsage.outcome).where(AiUsage.feature == "test.budget")
                                  .order_by(AiUsage.id)))
    assert outcomes == ["ok"] * 5 + ["budget_blocked"]

    # Raising the cap lets calls through again.
    policy.set_budget(admin, scope="tenant", limit_tokens=per_call * 100)
    assert gateway.chat(staff, "test.budget", TEXT).budget_warning is None


def test_cost_cap_per_user(gateway_for: GatewayFactory, as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini")
    admin = as_role("admin")
    alice = as_role("staff", user_id=uuid.uuid4())
    bob = as_role("staff", user_id=uuid.uuid4())
    cost = gateway.chat(alice, "test.usercap", TEXT).cost_micros
    assert cost is not None and cost > 0
    policy.set_budget(admin, scope="user", limit_micros=cost * 2)  # the default for each user
    gateway.chat(alice, "test.usercap", TEXT)
    with pytest.raises(BudgetExceeded) as refused:
        gateway.chat(alice, "test.usercap", TEXT)
    assert refused.value.scope == "user" and "for you" in refused.value.message
    assert gateway.chat(bob, "test.usercap", TEXT).text  # others are not affected
    # An override for one user beats the default.
    policy.set_budget(admin, scope="user", user_id=uuid.UUID(alice.actor.id), limit_micros=cost * 10)
    assert gateway.chat(alice, "test.usercap", TEXT).text


def test_budgets_reset_with_the_month(gateway_for: GatewayFactory, clock: Clock,
                                      as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("offline")
    staff = as_role("staff")
    policy.set_budget(as_role("admin"), scope="tenant", limit_tokens=1)
    gateway.chat(staff, "test.month", TEXT)
    with pytest.raises(BudgetExceeded) as refused:
        gateway.chat(staff, "test.month", TEXT)
    _, next_month = policy.month_bounds(clock(), staff.timezone)
    assert refused.value.details["resets_on"] == next_month.date().isoformat()
    clock.now = next_month
    assert gateway.chat(staff, "test.month", TEXT).text


def test_only_admins_set_budgets_and_bad_values_are_refused(as_role: Callable[..., TenantContext]) -> None:
    with pytest.raises(PermissionDenied):
        policy.set_budget(as_role("manager"), scope="tenant", limit_tokens=10)
    with pytest.raises(Exception, match="invalid budget"):
        policy.set_budget(as_role("admin"), scope="tenant", limit_micros=-1)
    assert policy.budgets(as_role("admin").tenant_id) == []


def test_operator_switch_overrides_the_company(gateway_for: GatewayFactory, standin: StandIn,
                                               as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini")
    staff, admin = as_role("staff"), as_role("admin")
    policy.operator_set_enabled(staff.tenant_id, False, "unpaid AI overage")
    with pytest.raises(AIDisabled) as off:
        gateway.chat(staff, "test.switch", TEXT)
    assert off.value.status == 503 and "operator" in off.value.message
    assert standin.requests == []
    assert gateway.status(staff).reason == "disabled"
    with pytest.raises(Forbidden):
        policy.set_enabled(admin, True)
    policy.operator_set_enabled(staff.tenant_id, True)
    assert gateway.chat(staff, "test.switch", TEXT).text
    # The company's own admin may switch it off and on again.
    policy.set_enabled(admin, False, "trial over")
    with pytest.raises(AIDisabled):
        gateway.chat(staff, "test.switch", TEXT)
    policy.set_enabled(admin, True)
    assert gateway.status(staff).available


def test_ai_needs_its_permission(gateway_for: GatewayFactory, as_role: Callable[..., TenantContext]) -> None:
    no_ai = as_role("staff")
    no_ai = no_ai.acting_as(Actor("user", str(uuid.uuid4())), permissions=no_ai.permissions - {"ai.use"})
    gateway = gateway_for("offline")
    with pytest.raises(PermissionDenied):
        gateway.chat(no_ai, "test.perm", TEXT)
    assert gateway.status(no_ai).reason == "no_permission"
