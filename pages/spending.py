"""Spending: record an expense with its receipt, the list with filters, a chart by category."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import streamlit as st

from core.invoices.calc import CURRENCIES
from core.rbac.guard import can
from core.spending.service import ExpenseIn, categories_in_use, delete_expense, list_expenses, receipt, record_expense
from ui import charts
from ui.actions import act, show_toasts
from ui.csv_import import import_expander
from ui.guard import page_guard
from ui.session import lang, tr
from ui.widgets import confirm, csv_download, day, empty_state, money, table_date_format, today

ctx = page_guard("expense.read")
show_toasts()
now = today(ctx)
fmt = "DD/MM/YYYY" if lang() == "id" else "YYYY/MM/DD"
st.title(tr("spending.title"), anchor=False)
categories = categories_in_use(ctx)
anything = bool(list_expenses(ctx, limit=1))

if can(ctx, "expense.write"):
    with st.expander(tr("spending.add"), expanded=not anything, icon=":material/add:"), \
            st.form("spend_add", clear_on_submit=True, border=False):
        a, b, c = st.columns([2, 3, 3])
        spent_on = a.date_input(tr("spending.date"), value=now, format=fmt, key="spend_date")
        category = b.selectbox(tr("spending.category"), categories, index=None, accept_new_options=True,
                               placeholder=tr("spending.category_hint"), key="spend_category")
        vendor = c.text_input(tr("spending.vendor"), key="spend_vendor")
        d, e, f = st.columns([2, 1, 5])
        amount = d.number_input(tr("spending.amount"), min_value=0.0, value=None, step=10_000.0, key="spend_amount")
        currency = e.selectbox(tr("spending.currency"), CURRENCIES, index=CURRENCIES.index(ctx.currency)
                               if ctx.currency in CURRENCIES else 0, key="spend_currency")
        description = f.text_input(tr("spending.description"), key="spend_description")
        upload = st.file_uploader(tr("spending.receipt"), type=["pdf", "png", "jpg", "jpeg"], key="spend_receipt",
                                  help=tr("spending.receipt_help"))
        if st.form_submit_button(tr("spending.save"), type="primary", icon=":material/save:"):
            data = ExpenseIn(spent_on, category or "", vendor, Decimal(str(amount)) if amount is not None
                             else Decimal(0), currency, description)
            act(lambda: record_expense(ctx, data, (upload.name, upload.getvalue()) if upload else None),
                done=tr("spending.saved"), rerun="app")

if not anything:
    empty_state(":material/payments:", tr("spending.empty_title"), tr("spending.empty_body"))
    st.stop()

f1, f2, _ = st.columns([3, 3, 2])
period = f1.date_input(tr("spending.period"), value=(now - dt.timedelta(days=89), now), format=fmt,
                       key="spend_period")
dates: list[dt.date] = list(period) if isinstance(period, tuple) else [period] if period else []
shown: dict[str | None, str] = {None: tr("spending.all_categories"), **{c: c for c in categories}}
only = f2.selectbox(tr("spending.category"), list(shown), key="spend_filter", format_func=shown.__getitem__)
items = list_expenses(ctx, dates[0] if dates else None, dates[-1] if dates else None, only)
if not items:
    st.info(tr("spending.no_match"), icon=":material/search_off:")
    st.stop()

in_idr = [e for e in items if e.currency == "IDR"]
totals = pd.DataFrame([(e.category, e.amount) for e in in_idr], columns=["category", "amount"])
by_category = totals.groupby("category")["amount"].sum().sort_values(ascending=False) if in_idr else pd.Series()
m = st.columns(3)
m[0].metric(tr("spending.total"), money(sum((e.amount for e in in_idr), Decimal(0))), border=True)
m[1].metric(tr("spending.entries"), f"{len(items):,}".replace(",", "."), border=True)
m[2].metric(tr("spending.top_category"), str(by_category.index[0]) if len(by_category) else "—", border=True)

left, right = st.columns([3, 2], gap="medium")
with left:
    st.dataframe(pd.DataFrame([{
        tr("spending.date"): e.spent_on, tr("spending.category"): e.category, tr("spending.vendor"): e.vendor,
        tr("spending.amount"): money(e.amount, e.currency), tr("spending.description"): e.description or "",
        tr("spending.receipt_short"): e.attachment_id is not None,
    } for e in items]), hide_index=True, width="stretch",
        column_config={tr("spending.date"): st.column_config.DateColumn(format=table_date_format()),
                       tr("spending.amount"): st.column_config.TextColumn(alignment="right"),
                       tr("spending.receipt_short"): st.column_config.CheckboxColumn(width="small")})
with right, st.container(border=True):
    st.markdown(f"**{tr('spending.chart_title')}**")
    if len(by_category):
        st.plotly_chart(charts.by_category(list(by_category.items())[:10]),
                        config={"displayModeBar": False}, key="spend_chart")
    else:
        st.caption(tr("spending.chart_empty"))

labels = {e.id: f"{day(e.spent_on)} · {e.vendor} · {money(e.amount, e.currency)}" for e in items}
with_receipt = [e.id for e in items if e.attachment_id]
r1, r2 = st.columns(2, gap="medium")
with r1, st.container(border=True):
    st.markdown(f"**{tr('spending.receipts')}**")
    if with_receipt:
        pick = st.selectbox(tr("spending.receipt_pick"), with_receipt, format_func=labels.__getitem__,
                            key="spend_receipt_pick")
        name, kind, data = receipt(ctx, pick)
        st.download_button(tr("spending.receipt_download"), data, file_name=name, mime=kind,
                           icon=":material/attach_file:", on_click="ignore", key="spend_receipt_dl")
    else:
        st.caption(tr("spending.no_receipts"))
if can(ctx, "expense.delete"):
    with r2, st.container(border=True):
        st.markdown(f"**{tr('spending.delete_title')}**")
        victim = st.selectbox(tr("spending.delete_pick"), [e.id for e in items], format_func=labels.__getitem__,
                              index=None, placeholder=tr("spending.delete_placeholder"), key="spend_delete_pick")
        if victim is not None and confirm(tr("spending.delete"), "spend_delete", tr("spending.delete_confirm"),
                                          tr("spending.delete_yes"), icon=":material/delete:"):
            act(lambda: delete_expense(ctx, victim), done=tr("spending.deleted"), rerun="app")

csv_download(ctx, ["date", "category", "vendor", "amount", "currency", "description"],
             lambda: [[e.spent_on.isoformat(), e.category, e.vendor, e.amount, e.currency, e.description]
                      for e in items], "spending.csv", key="spend_csv")

import_expander(ctx, "spending")
