"""The real thing: Streamlit server + Debian Chromium (Playwright) + a loopback SMTP catcher.

Signs up a company in region Indonesia, signs in (and survives a reload through the
session cookie), invites a Staff member, opens the emailed link in another browser, sets
a password, signs in as that member and checks that admin-only pages are absent.
Screenshots of every step go to test-artifacts/browser/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from core.config import PROJECT_ROOT
from core.notify.catcher import Catcher, StoredMail
from core.rbac.permissions import SYSTEM_ROLES
from db.embedded import free_port
from tests.browser.support import WAIT, healthy, wait_until
from tests.mailcatcher import smtp_catcher
from ui.i18n import t
from ui.nav import PAGES

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"
LANG = "id"


def tr(key: str, **values: Any) -> str:
    return t(key, LANG, **values)


@pytest.fixture(scope="module")
def site(topology: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Catcher]]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with smtp_catcher(tmp_path_factory.mktemp("browser-mail"), base) as catcher:
        log = (ARTIFACTS / "streamlit.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless",
             "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: proc.poll() is not None or healthy(f"{base}/_stcore/health"), "the UI server")
            assert proc.poll() is None, (ARTIFACTS / "streamlit.log").read_text()
            yield base, catcher
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()




# Elements whose code is still loading show a skeleton; tables are then painted on a canvas.
_TABLES_PAINTED = """() => [...document.querySelectorAll('[data-testid=stSkeleton]')]
        .every(e => e.getBoundingClientRect().height === 0)
    && [...document.querySelectorAll('[data-testid=stDataFrame]')].every(t => {
    const c = t.querySelector('canvas');
    if (!c || !c.width || !c.height) return false;
    const d = c.getContext('2d').getImageData(0, 0, c.width, Math.min(c.height, 40)).data;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
})"""


_IDLE = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"


def shot(page: Page, name: str) -> None:
    page.wait_for_function(_IDLE, timeout=WAIT)  # the script run is over
    page.wait_for_function(_TABLES_PAINTED, timeout=WAIT)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))  # the viewport: Streamlit scrolls inside it


def open_page(page: Page, title: str) -> None:
    """Click a sidebar link once the current script run is over (a click during a run, as
    after a reload, may be overtaken by that run and leave the page where it was)."""
    page.wait_for_function(_IDLE, timeout=WAIT)
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).click()


def field(page: Page, label: str) -> Any:
    return page.get_by_label(label, exact=True)


def sign_in(page: Page, email: str, password: str) -> None:
    form = page.locator('[data-testid="stForm"]')
    form.get_by_label(tr("login.email"), exact=True).fill(email)
    form.get_by_label(tr("login.password"), exact=True).fill(password)
    form.get_by_role("button", name=tr("login.submit")).click()


def nav_titles(page: Page, role: str) -> set[str]:
    """The sidebar's page titles, read once the whole navigation of `role` is drawn."""
    allowed = SYSTEM_ROLES[role]
    expected = sum(1 for p in PAGES if p.permission is None or p.permission in allowed)
    links = page.locator('[data-testid="stSidebarNav"] a')
    expect(links).to_have_count(expected, timeout=WAIT)
    return {text.strip().splitlines()[-1].strip() for text in links.all_inner_texts()}  # without the icon


def admin_only_titles() -> set[str]:
    staff = SYSTEM_ROLES["staff"]
    return {tr(p.title_key) for p in PAGES if p.permission is not None and p.permission not in staff}


def test_sign_up_invite_and_sign_in_as_staff(site: tuple[str, Catcher], browser: Browser) -> None:
    base, mail = site
    suffix = os.urandom(3).hex()
    company = f"PT Jendela Nusantara {suffix}"
    admin_email, admin_password = f"admin-{suffix}@jendela.example", "jendela-admin-1"
    staff_email, staff_password = f"staf-{suffix}@jendela.example", "jendela-staf-1"

    # 1. Sign up a company in region Indonesia.
    admin = browser.new_context(viewport={"width": 1360, "height": 900}, locale="id-ID").new_page()
    # The first script run of a fresh server still follows multipage v1 (a pages/ folder exists)
    # until app.py's st.navigation has run once: open the start page first.
    admin.goto(base)
    expect(admin.get_by_role("button", name=tr("login.submit"))).to_be_visible(timeout=WAIT)
    admin.goto(f"{base}/sign-up")
    field(admin, tr("signup.company")).fill(company)
    admin.locator('[data-testid="stRadio"]').filter(has_text=tr("signup.region")).get_by_text(
        tr("region.id"), exact=True).click()
    field(admin, tr("signup.full_name")).fill("Ayu Admin")
    field(admin, tr("signup.email")).fill(admin_email)
    field(admin, tr("signup.password")).fill(admin_password)
    field(admin, tr("signup.password_confirm")).fill(admin_password)
    shot(admin, "01-signup-form")
    admin.get_by_role("button", name=tr("signup.submit")).click()
    expect(admin.get_by_text(tr("signup.done", company=company, region=tr("region.id")))).to_be_visible(timeout=WAIT)
    shot(admin, "02-signed-up")

    # 2. Sign in; a reload keeps the session (the signed cookie, checked against the database).
    sign_in(admin, admin_email, admin_password)
    expect(admin.get_by_role("heading", name=company).first).to_be_visible(timeout=WAIT)
    expect(admin.get_by_text(tr("region.id"), exact=True).first).to_be_visible()
    shot(admin, "03-admin-home")
    assert admin_only_titles() <= nav_titles(admin, "admin")
    admin.reload()
    expect(admin.get_by_role("heading", name=company).first).to_be_visible(timeout=WAIT)

    # 3. Invite a Staff member.
    open_page(admin, tr("nav.members"))
    expect(admin.get_by_role("heading", name=tr("members.title")).first).to_be_visible(timeout=WAIT)
    invite = admin.locator('[data-testid="stForm"]')
    invite.get_by_label(tr("members.invite_email"), exact=True).fill(staff_email)
    role_box = invite.locator('[data-testid="stSelectbox"]').filter(has_text=tr("members.invite_role"))
    shot(admin, "04-invite-form")
    expect(role_box.locator("input")).to_have_value(tr("role.staff"))  # the preselected role
    invite.get_by_role("button", name=tr("members.invite_submit")).click()
    expect(admin.get_by_text(staff_email, exact=False).first).to_be_visible(timeout=WAIT)
    expect(admin.locator('[data-testid="stAlertContentSuccess"]')).to_be_visible(timeout=WAIT)
    shot(admin, "05-invitation-sent")

    # 4. The invitation email, received by the SMTP catcher.
    message: StoredMail = wait_until(lambda: next(iter(mail.store.to(staff_email)), None), "the invitation email")
    assert company in message.subject
    [link] = [link for link in message.links() if "/accept-invitation?token=" in link]
    assert link.startswith(base)
    Path(ARTIFACTS / "06-invitation-email.txt").write_text(f"Subject: {message.subject}\n\n{message.text()}")

    # 5. Open the link in another browser, set a password.
    member = browser.new_context(viewport={"width": 1360, "height": 900}, locale="id-ID").new_page()
    member.goto(link)
    expect(member.get_by_role("heading", name=tr("accept.title")).first).to_be_visible(timeout=WAIT)
    expect(member.get_by_text(company).first).to_be_visible()
    field(member, tr("signup.full_name")).fill("Sekar Staf")
    field(member, tr("signup.password")).fill(staff_password)
    field(member, tr("signup.password_confirm")).fill(staff_password)
    shot(member, "07-accept-invitation")
    member.get_by_role("button", name=tr("accept.submit_new")).click()
    expect(member.get_by_text(tr("accept.done", company=company))).to_be_visible(timeout=WAIT)
    shot(member, "08-invitation-accepted")

    # 6. Sign in as the member: Staff, and no admin-only pages.
    sign_in(member, staff_email, staff_password)
    expect(member.get_by_role("heading", name=company).first).to_be_visible(timeout=WAIT)
    expect(member.get_by_text(tr("role.staff"), exact=True).first).to_be_visible()
    titles = nav_titles(member, "staff")
    assert admin_only_titles(), "expected at least one admin-only page in the navigation"
    assert not admin_only_titles() & titles, titles
    shot(member, "09-staff-home")
    open_page(member, tr("nav.members"))
    expect(member.get_by_role("heading", name=tr("members.title")).first).to_be_visible(timeout=WAIT)
    expect(member.get_by_text(tr("members.caption", count=2, company=company))).to_be_visible(timeout=WAIT)
    assert member.get_by_role("button", name=tr("members.invite_submit")).count() == 0
    shot(member, "10-staff-members")
