"""The navigation: only the pages the member's permissions open.

Each page also guards itself (`ui.guard.page_guard`), so a deep link is refused too.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.context import TenantContext
from ui.session import tr


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    permission: str | None  # None: every member
    section: str = "main"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "nav.home", ":material/home:", None),
    PageSpec("pages/dashboard.py", "nav.dashboard", ":material/monitoring:", "dashboard.read"),
    PageSpec("pages/digest.py", "nav.digest", ":material/summarize:", "dashboard.read"),
    PageSpec("pages/invoices.py", "nav.invoices", ":material/receipt_long:", "invoice.read"),
    PageSpec("pages/customers.py", "nav.customers", ":material/apartment:", "customer.read"),
    PageSpec("pages/spending.py", "nav.spending", ":material/payments:", "expense.read"),
    PageSpec("pages/projects.py", "nav.projects", ":material/view_kanban:", None),
    PageSpec("pages/documents.py", "nav.documents", ":material/folder_open:", "document.read"),
    PageSpec("pages/ask.py", "nav.ask", ":material/forum:", "document.read"),
    PageSpec("pages/employees.py", "nav.employees", ":material/badge:", "employee.read"),
    PageSpec("pages/roles.py", "nav.roles", ":material/admin_panel_settings:", "role.manage", "settings"),
    PageSpec("pages/members.py", "nav.members", ":material/group:", "member.read", "settings"),
    PageSpec("pages/api_keys.py", "nav.apikeys", ":material/key:", "apikey.manage", "settings"),
    PageSpec("pages/webhooks.py", "nav.webhooks", ":material/webhook:", "webhook.manage", "settings"),
    PageSpec("pages/audit.py", "nav.audit", ":material/history:", "audit.read", "settings"),
    PageSpec("pages/ai_ops.py", "nav.ai_ops", ":material/insights:", "ai.admin", "settings"),
    PageSpec("pages/company_home.py", "nav.company_home", ":material/dns:", "tenant.move", "settings"),
    PageSpec("pages/sop_rules.py", "nav.sop_rules", ":material/fact_check:", "settings.manage", "settings"),
)


def visible(ctx: TenantContext) -> list[PageSpec]:
    return [p for p in PAGES if p.permission is None or p.permission in ctx.permissions]


def pages_for(ctx: TenantContext) -> list[st.Page]:
    return [
        st.Page(p.path, title=tr(p.title_key), icon=p.icon, default=(i == 0))
        for i, p in enumerate(visible(ctx))
    ]


def sections_for(ctx: TenantContext, extra: list[st.Page] | None = None) -> dict[str, list[st.Page]]:
    """The same pages grouped for st.navigation: the main group first (no header), then
    "Settings"; `extra` pages (hidden link targets) join the main group."""
    sections: dict[str, list[st.Page]] = {"": []}
    for spec, page in zip(visible(ctx), pages_for(ctx), strict=True):
        label = "" if spec.section == "main" else tr(f"nav.section.{spec.section}")
        sections.setdefault(label, []).append(page)
    sections[""].extend(extra or [])
    return sections
