"""The data-location page through AppTest: an Admin starts "Upgrade to Enterprise", the
scheduler's job runs the move, and the page shows the new plan and the history; the
banner shows while the company is migrating; a Manager cannot open the page."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.config import PROJECT_ROOT
from core.errors import Forbidden
from core.tenancy.migration.service import active_move, start_move
from core.tenancy.models import Tenant
from core.tenancy.registry import get_tenant
from db.session import control_session
from scheduler.migration_jobs import tenant_moves_job
from tests.ui.business_seed import PASSWORD, company, context

PAGE = "pages/company_home.py"


def _login(email: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="login_email").input(email)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    at.session_state["lang"] = at.session_state["lang_picker"] = "en"
    return at


def _open(at: AppTest) -> AppTest:
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def test_admin_upgrades_to_enterprise_from_the_page(tenants) -> None:  # type: ignore[no-untyped-def]
    firm = company(f"mv-ui-{uuid.uuid4().hex[:8]}", "Pindah Jaya", roles=("admin", "manager"))
    at = _open(_login(firm.emails["admin"]))
    assert [m.value for m in at.metric] == ["Shared", "Global"]
    upgrade = next(b for b in at.button if b.label == "Upgrade to Enterprise")
    upgrade.click()
    at.run()
    assert not at.exception, at.exception
    assert active_move(firm.tenant_id) is not None
    at = _open(at)  # the scheduler has not picked it up yet: progress shown, no second move offered
    assert any(h.value == "A move is running" for h in at.subheader)
    bars = at.get("progress")
    assert len(bars) == 1 and bars[0].proto.text.startswith("Step 1/8: precheck")
    offered = [b for b in at.button if b.label in ("Upgrade to Enterprise", "Move to region Indonesia (Jakarta)")]
    assert len(offered) == 2 and all(b.disabled for b in offered)

    assert tenant_moves_job()["ran"] >= 1
    assert get_tenant(firm.slug).tier == "dedicated"
    at = _open(at)
    assert [m.value for m in at.metric] == ["Enterprise (own database)", "Global"]
    history = at.dataframe[0].value
    assert list(history["Status"]) == ["succeeded"] and list(history["Kind"]) == ["upgrade"]
    assert not any(b.label == "Upgrade to Enterprise" for b in at.button)

    with control_session() as s:
        s.execute(update(Tenant).where(Tenant.id == firm.tenant_id).values(status="migrating"))
    try:
        home = _login(firm.emails["admin"])  # the entry script draws the banner above every page
        assert any("being moved" in w.value for w in home.warning)
    finally:
        with control_session() as s:
            s.execute(update(Tenant).where(Tenant.id == firm.tenant_id).values(status="active"))


def test_manager_cannot_open_the_page(tenants) -> None:  # type: ignore[no-untyped-def]
    firm = company(f"mv-ui-{uuid.uuid4().hex[:8]}", "Pindah Jaya", roles=("admin", "manager"))
    at = _login(firm.emails["manager"])
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)  # not in the Manager's navigation
    with pytest.raises(Forbidden):
        start_move(context(firm.slug, "manager", firm.user_ids["manager"]), "dedicated")
    assert active_move(firm.tenant_id) is None
