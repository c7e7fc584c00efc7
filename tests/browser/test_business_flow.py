"""The business flow in a real browser: Streamlit server + Debian Chromium (Playwright).

Signs in, creates a customer and an invoice, issues it, marks it paid, sees the dashboard
figure change, downloads the PDF, and drags a task to Done on the kanban board; the move
is checked in the database (and in the audit log when that table exists). Screenshots of
every page go to test-artifacts/business/.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import text

from core.config import PROJECT_ROOT
from core.projects import service as projects
from core.projects import tasks
from core.spending.service import ExpenseIn, record_expense
from db.embedded import free_port
from db.session import tenant_session
from tests.browser.support import WAIT, healthy, wait_until
from tests.ui.business_seed import PASSWORD, PNG, Company, company, context
from ui.i18n import t

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "business"
LANG = "id"
expect.set_options(timeout=20_000)


def tr(key: str, **values: Any) -> str:
    return t(key, LANG, **values)


@pytest.fixture(scope="module")
def seeded(tenants: dict[str, object]) -> tuple[Company, Any]:
    """A company with an Admin (Indonesian UI), some spending and a project with three tasks."""
    c = company("ui-browser", "Kopi Peramban", roles=("admin",), language=LANG)
    admin = context(c.slug, "admin", c.user_ids["admin"])
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    for days, category, vendor, amount in ((0, "Sewa kantor", "PT Graha Properti", 12_500_000),
                                           (1, "Pemasaran", "Meta Ads", 3_750_000),
                                           (2, "Perjalanan dinas", "Garuda Indonesia", 6_200_000),
                                           (4, "Internet & telepon", "Telkomsel", 1_100_000)):
        record_expense(admin, ExpenseIn(today - dt.timedelta(days=days), category, vendor, D(amount)),
                       receipt=("struk.png", PNG) if days == 1 else None)
    project = projects.create_project(admin, "Peluncuran kopi susu", "Produk baru kuartal depan")
    for title, status, priority in (("Desain label kemasan", "todo", "high"), ("Pesan gedung acara", "todo", "medium"),
                                    ("Siaran pers", "in_progress", "urgent"), ("Pilih pemasok susu", "done", "low")):
        tasks.create_task(admin, project.id, title, status=status, priority=priority,
                          assignee_user_id=c.user_ids["admin"], due_date=today + dt.timedelta(days=5))
    return c, project


@pytest.fixture(scope="module")
def site(topology: object) -> Iterator[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = (ARTIFACTS / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: proc.poll() is not None or healthy(f"{base}/_stcore/health"), "the UI server")
        assert proc.poll() is None, (ARTIFACTS / "streamlit.log").read_text()
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()




IDLE = """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"],'
    + '[data-testid="stStatusWidgetRunningManIcon"],[data-stale="true"]')"""


def settle(page: Page) -> None:
    """Wait until Streamlit has finished the current run (no running icon, no stale elements)."""
    page.wait_for_timeout(400)
    page.wait_for_function(IDLE, timeout=WAIT)
    page.wait_for_timeout(300)


def shot(page: Page, name: str) -> None:
    settle(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def go(page: Page, nav_key: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=tr(nav_key)).first.click()
    settle(page)


def metric(page: Page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).first.click()
    page.get_by_role("option", name=option).first.click()
    settle(page)


def type_cell(page: Page, grid: Any, row: int, x_fraction: float, value: str) -> None:
    """Type into a data editor cell: the grid is a canvas, so double-click where the cell is."""
    box = grid.bounding_box()
    assert box is not None
    header, height = 35, 35
    page.mouse.dblclick(box["x"] + box["width"] * x_fraction, box["y"] + header + height * row + height / 2)
    page.wait_for_timeout(300)
    page.keyboard.press("Control+A")
    page.keyboard.type(value, delay=20)
    page.keyboard.press("Enter")
    settle(page)


def sign_in(page: Page, email: str) -> None:
    """The login form; submitted again if a cold server's first run swallowed the click."""
    form = page.locator('[data-testid="stForm"]')
    for _attempt in range(3):
        form.wait_for()
        settle(page)
        form.get_by_label(tr("login.email"), exact=True).fill(email)
        form.get_by_label(tr("login.password"), exact=True).fill(PASSWORD)
        form.get_by_role("button", name=tr("login.submit")).click()
        try:
            page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            continue
    expect(page.locator('[data-testid="stSidebarNav"]')).to_be_visible()
    settle(page)


def test_business_flow(site: str, browser: Browser, seeded: tuple[Company, Any]) -> None:
    c, project = seeded
    page = browser.new_page(viewport={"width": 1440, "height": 1400}, locale="id-ID",
                            timezone_id="Asia/Jakarta", accept_downloads=True)
    page.set_default_timeout(WAIT)
    page.goto(site)
    sign_in(page, c.emails["admin"])

    # Dashboard before: spending and tasks, no revenue yet.
    go(page, "nav.dashboard")
    expect(page.get_by_text(tr("dashboard.revenue_today"))).to_be_visible()
    before = metric(page, tr("dashboard.revenue_today"))
    assert before == "Rp 0"
    shot(page, "01-dashboard-before")

    # A customer through the add form (the page opens it when there are none yet).
    go(page, "nav.customers")
    shot(page, "02-customers-empty")
    page.get_by_label(tr("customers.name") + " *", exact=True).fill("PT Sinar Abadi")
    page.get_by_label(tr("customers.email"), exact=True).fill("ap@sinar.example")
    page.get_by_label(tr("customers.npwp"), exact=True).fill("01.234.567.8-901.000")
    page.get_by_role("button", name=tr("customers.add_submit")).click()
    settle(page)
    expect(page.get_by_text(tr("customers.count", n=1))).to_be_visible()
    shot(page, "03-customers")

    # An invoice: customer, one line in the line editor, save and issue.
    go(page, "nav.invoices")
    shot(page, "04-invoices-empty")
    page.get_by_role("button", name=tr("invoices.new")).click()
    settle(page)
    expect(page.get_by_role("heading", name=tr("invoices.new_title"))).to_be_visible()
    choose(page, tr("invoices.customer"), "PT Sinar Abadi")
    grid = page.locator('[data-testid="stDataFrame"]').first
    type_cell(page, grid, 0, 0.2, "Konsultasi bisnis (per jam)")
    type_cell(page, grid, 0, 0.72, "2500000")
    expect(page.get_by_text("Rp 2.775.000")).to_be_visible()  # 2.500.000 + PPN 11%
    shot(page, "05-invoice-new")
    page.get_by_role("button", name=tr("invoices.save_issue")).click()
    settle(page)
    number = f"INV/{dt.datetime.now(ZoneInfo('Asia/Jakarta')):%Y/%m}/0001"
    expect(page.get_by_role("heading", name=tr("invoices.detail_title", number=number))).to_be_visible()
    shot(page, "06-invoice-sent")
    with page.expect_download() as download:
        page.get_by_role("button", name=tr("invoices.pdf")).click()
    pdf_path = ARTIFACTS / "invoice.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    page.get_by_role("button", name=tr("invoices.mark_paid")).click()
    settle(page)
    expect(page.locator('[data-testid="stMain"]').get_by_text(tr("invoices.mark_paid"))).to_have_count(0)
    expect(page.locator('[data-testid="stMain"]').get_by_text(tr("invoice.status.paid")).first).to_be_visible()
    shot(page, "07-invoice-paid")
    page.get_by_role("button", name=tr("invoices.back_list")).click()
    settle(page)
    shot(page, "08-invoices")

    # The dashboard shows the new revenue and cash.
    go(page, "nav.dashboard")
    after = metric(page, tr("dashboard.revenue_today"))
    assert after != before and after.startswith("Rp 2,5")
    shot(page, "09-dashboard-after")

    go(page, "nav.spending")
    expect(page.get_by_text(tr("spending.chart_title"))).to_be_visible()
    shot(page, "10-spending")

    # Kanban: drag "Desain label kemasan" from To do to Done.
    go(page, "nav.projects")
    frame = page.frame_locator('iframe[title*="sortable"]').first
    card = frame.locator(".sortable-item", has_text="Desain label kemasan")
    expect(card).to_be_visible()
    shot(page, "11-projects-before")
    done = frame.locator(".sortable-container", has_text=tr("task.status.done")).locator(".sortable-item").last
    src, dst = card.bounding_box(), done.bounding_box()
    assert src is not None and dst is not None
    page.mouse.move(src["x"] + src["width"] / 2, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(src["x"] + src["width"] / 2 + 10, src["y"] + src["height"] / 2 + 5, steps=5)
    page.mouse.move(dst["x"] + dst["width"] / 2, dst["y"] + dst["height"] + 12, steps=25)
    page.mouse.up()
    admin = context(c.slug, "admin", c.user_ids["admin"])
    moved = wait_until(lambda: next((x for x in tasks.board(admin, project.id)["done"]
                                      if x.title == "Desain label kemasan"), None), "the move in the database")
    assert [x.title for x in tasks.board(admin, project.id)["todo"]] == ["Pesan gedung acara"]
    settle(page)
    expect(page.frame_locator('iframe[title*="sortable"]').first.locator(
        ".sortable-container", has_text=tr("task.status.done")).locator(".sortable-item", has_text="Desain label"),
    ).to_be_visible()
    shot(page, "12-projects-after-drag")

    with tenant_session(admin) as s:
        if s.scalar(text("SELECT to_regclass('audit_log')")) is not None:
            rows = s.scalar(text("SELECT count(*) FROM (SELECT table_name, action, row_id FROM audit_log UNION ALL"
                                 " SELECT table_name, action, row_id FROM audit_pending) a"
                                 " WHERE table_name = 'tasks' AND action = 'UPDATE' AND row_id = :id"),
                            {"id": moved.id})
            assert rows and rows >= 1, "the move is not in the audit log"
    page.close()
