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
    PageSpec("pages/home.py", "nav.home", "🏠", None),
    PageSpec("pages/dashboard.py", "nav.dashboard", "📊", "dashboard.read"),
    PageSpec("pages/invoices.py", "nav.invoices", "🧾", "invoice.read"),
    PageSpec("pages/customers.py", "nav.customers", "🏢", "customer.read"),
    PageSpec("pages/spending.py", "nav.spending", "💸", "expense.read"),
    PageSpec("pages/projects.py", "nav.projects", "🗂️", None),
    PageSpec("pages/employees.py", "nav.employees", "👥", "employee.read"),
    PageSpec("pages/roles.py", "nav.roles", "🛡️", "role.manage", "settings"),
    PageSpec("pages/members.py", "nav.members", "🤝", "member.read", "settings"),
    PageSpec("pages/webhooks.py", "nav.webhooks", "🔔", "webhook.manage", "settings"),
    PageSpec("pages/audit.py", "nav.audit", "📜", "audit.read", "settings"),
    PageSpec("pages/ai_ops.py", "nav.ai_ops", "🤖", "ai.admin", "settings"),
)


def visible(ctx: TenantContext) -> list[PageSpec]:
    return [p for p in PAGES if p.permission is None or p.permission in ctx.permissions]


def pages_for(ctx: TenantContext) -> list[st.Page]:
    return [
        st.Page(p.path, title=tr(p.title_key), icon=p.icon, default=(i == 0))
        for i, p in enumerate(visible(ctx))
    ]
