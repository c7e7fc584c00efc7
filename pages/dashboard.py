"""Dashboard: how the company is doing, at a glance (all figures computed in SQL)."""

from __future__ import annotations

import streamlit as st

from core.ai.digest import service as digest_service
from core.dashboard.service import load
from ui import charts, digest_card
from ui.actions import show_toasts
from ui.guard import page_guard
from ui.i18n import date_label, idr, idr_short
from ui.session import lang, tr
from ui.widgets import empty_state, today

ctx = page_guard("dashboard.read")
show_toasts()
day = today(ctx)
st.title(tr("dashboard.title"), anchor=False)
st.caption(tr("dashboard.caption", date=date_label(day, lang()), tz=ctx.timezone))
digest_card.card(digest_service.latest(ctx))

d = load(ctx, day)
has_cash = any(amount for _, amount in d.cash_in)
nothing = not (d.revenue_mtd or d.revenue_prev_mtd or d.receivables or d.spending_mtd or d.open_tasks or has_cash
               or d.top_spending)
if nothing:
    empty_state(":material/monitoring:", tr("dashboard.empty_title"), tr("dashboard.empty_body"))
    c1, c2, c3 = st.columns(3)
    c1.page_link("pages/invoices.py", label=tr("dashboard.go_invoices"), icon=":material/receipt_long:",
                 width="stretch")
    c2.page_link("pages/spending.py", label=tr("dashboard.go_spending"), icon=":material/payments:", width="stretch")
    c3.page_link("pages/projects.py", label=tr("dashboard.go_projects"), icon=":material/view_kanban:", width="stretch")
    st.stop()


def short(amount: object) -> str:
    return idr_short(amount, lang())  # type: ignore[arg-type]


change = d.revenue_change_pct
r1 = st.columns(4)
r1[0].metric(tr("dashboard.revenue_today"), short(d.revenue_today), help=idr(d.revenue_today), border=True)
r1[1].metric(tr("dashboard.revenue_mtd"), short(d.revenue_mtd), border=True,
             delta=f"{change:+.1f}%".replace(".", "," if lang() == "id" else ".") if change is not None else None,
             delta_description=tr("dashboard.vs_last_month") if change is not None else None,
             help=tr("dashboard.revenue_help", amount=idr(d.revenue_mtd), previous=idr(d.revenue_prev_mtd)))
r1[2].metric(tr("dashboard.receivables"), short(d.receivables), help=idr(d.receivables), border=True)
r1[3].metric(tr("dashboard.overdue"), short(d.overdue_receivables), border=True,
             delta=tr("dashboard.overdue_one" if d.overdue_invoices == 1 else "dashboard.overdue_count",
                      n=d.overdue_invoices) if d.overdue_invoices else None,
             delta_color="inverse", delta_arrow="off", help=idr(d.overdue_receivables))
r2 = st.columns(4)
r2[0].metric(tr("dashboard.spending_mtd"), short(d.spending_mtd), help=idr(d.spending_mtd), border=True)
r2[1].metric(tr("dashboard.open_tasks"), f"{d.open_tasks:,}".replace(",", "."), border=True)
r2[2].metric(tr("dashboard.overdue_tasks"), f"{d.overdue_tasks:,}".replace(",", "."), border=True,
             delta=tr("dashboard.needs_attention") if d.overdue_tasks else None, delta_color="inverse",
             delta_arrow="off")
r2[3].metric(tr("dashboard.cash_90"), short(sum(a for _, a in d.cash_in)), border=True,
             help=idr(sum(a for _, a in d.cash_in)))

left, right = st.columns([3, 2], gap="medium")
with left, st.container(border=True):
    st.markdown(f"**{tr('dashboard.cash_title')}**")
    st.caption(tr("dashboard.cash_caption"))
    if has_cash:
        st.plotly_chart(charts.cash_in(d.cash_in), config={"displayModeBar": False}, key="cash_chart")
    else:
        st.info(tr("dashboard.cash_empty"), icon=":material/bedtime:")
with right, st.container(border=True):
    st.markdown(f"**{tr('dashboard.spending_title')}**")
    st.caption(tr("dashboard.spending_caption"))
    if d.top_spending:
        st.plotly_chart(charts.by_category([(c, a) for c, a, _ in d.top_spending]), config={"displayModeBar": False},
                        key="spending_chart")
    else:
        st.info(tr("dashboard.spending_empty"), icon=":material/receipt_long:")
