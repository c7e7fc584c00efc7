"""Invoices: the list with filters and pages; new, edit and detail views are in ui/invoice_*.py."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pandas as pd
import streamlit as st

from core.customers.service import list_customers
from core.invoices.models import STATUSES
from core.invoices.service import Filters, count_by_status, list_invoices
from core.rbac.guard import can
from ui import invoice_detail, invoice_form, invoice_nav
from ui.actions import show_toasts
from ui.csv_import import import_expander
from ui.guard import page_guard
from ui.session import lang, tr
from ui.widgets import csv_download, empty_state, invoice_status, money, table_date_format

PAGE_SIZE = 25

ctx = page_guard("invoice.read")
show_toasts()
view, open_id = invoice_nav.current()
if view in ("new", "edit"):
    invoice_form.render(ctx, open_id if view == "edit" else None)
    st.stop()
if view == "detail" and open_id is not None:
    invoice_detail.render(ctx, open_id)
    st.stop()

head, action = st.columns([4, 1], vertical_alignment="bottom")
head.title(tr("invoices.title"), anchor=False)
if can(ctx, "invoice.create") and action.button(tr("invoices.new"), icon=":material/add:", type="primary",
                                               width="stretch"):
    invoice_nav.go("new")

counts = count_by_status(ctx)
if not counts:
    empty_state(":material/receipt_long:", tr("invoices.empty_title"), tr("invoices.empty_body"))
    st.stop()

# ---- filters --------------------------------------------------------------------------
status_labels = {s: f"{invoice_status(s)} · {counts.get(s, 0)}" for s in STATUSES}
status = st.pills(tr("invoices.status"), list(STATUSES), key="inv_status", format_func=status_labels.__getitem__)
customers: dict[uuid.UUID | None, str] = {None: tr("invoices.all_customers")}
customers.update({c.id: c.name for c in list_customers(ctx)} if can(ctx, "customer.read") else {})
f1, f2, f3 = st.columns([2, 2, 3])
customer = f1.selectbox(tr("invoices.customer"), list(customers), key="inv_customer",
                        format_func=customers.__getitem__)
period = f2.date_input(tr("invoices.period"), value=(), key="inv_period",
                       format="DD/MM/YYYY" if lang() == "id" else "YYYY/MM/DD")
search = f3.text_input(tr("invoices.search"), key="inv_search", placeholder=tr("invoices.search_hint"))
dates: list[dt.date] = list(period) if isinstance(period, tuple) else [period] if period else []
filters = Filters(status=status, customer_id=customer, date_from=dates[0] if dates else None,
                  date_to=dates[-1] if dates else None, search=search.strip() or None)

# ---- keyset pages: a stack of cursors, reset when the filters change ------------------
if st.session_state.get("inv_filters") != filters:
    st.session_state["inv_filters"], st.session_state["inv_cursors"] = filters, [None]
cursors: list[str | None] = st.session_state["inv_cursors"]
page = list_invoices(ctx, filters, limit=PAGE_SIZE, cursor=cursors[-1])

if not page.items:
    st.info(tr("invoices.no_match"), icon=":material/search_off:")
else:
    table = pd.DataFrame([{
        tr("invoices.number"): inv.number or tr("invoices.draft_number"),
        tr("invoices.customer"): inv.customer_name,
        tr("invoices.issue_date"): inv.issue_date,
        tr("invoices.due_date"): inv.due_date,
        tr("invoices.status"): invoice_status(inv.status),
        tr("invoices.total"): money(inv.total, inv.currency),
        tr("invoices.balance"): money(inv.balance, inv.currency) if inv.status in ("sent", "overdue") else "—",
    } for inv in page.items])
    fmt = table_date_format()
    picked = st.dataframe(
        table, hide_index=True, on_select="rerun", selection_mode="single-row",
        key=f"inv_table_{len(cursors)}_{st.session_state.get('inv_table_nonce', 0)}",
        column_config={tr("invoices.issue_date"): st.column_config.DateColumn(format=fmt),
                       tr("invoices.due_date"): st.column_config.DateColumn(format=fmt),
                       tr("invoices.total"): st.column_config.TextColumn(alignment="right"),
                       tr("invoices.balance"): st.column_config.TextColumn(alignment="right")},
    )
    rows = picked.selection.rows if picked else []  # type: ignore[union-attr]
    st.caption(tr("invoices.pick_hint"))
    if rows:
        st.session_state["inv_table_nonce"] = st.session_state.get("inv_table_nonce", 0) + 1
        invoice_nav.go("detail", page.items[rows[0]].id)

pager, export = st.columns([3, 1], vertical_alignment="center")
with pager, st.container(horizontal=True, vertical_alignment="center"):
    if st.button(tr("common.previous"), icon=":material/chevron_left:", disabled=len(cursors) == 1):
        cursors.pop()
        st.rerun()
    if st.button(tr("common.next"), icon=":material/chevron_right:", icon_position="right",
                 disabled=page.next_cursor is None):
        cursors.append(page.next_cursor)
        st.rerun()
    st.caption(tr("common.page", n=len(cursors)), width="content")


def every_row() -> Iterator[list[object]]:
    """All invoices matching the filters, page by page (not only the page on screen)."""
    cursor: str | None = None
    while True:
        chunk = list_invoices(ctx, filters, limit=200, cursor=cursor)
        for i in chunk.items:
            yield [i.number or "", i.customer_name, i.issue_date.isoformat(), i.due_date.isoformat(), i.status,
                   i.currency, i.subtotal, i.discount_amount, i.tax_amount, i.total, i.amount_paid, i.balance]
        if chunk.next_cursor is None:
            return
        cursor = chunk.next_cursor


with export, st.container(horizontal_alignment="right"):
    csv_download(ctx, ["number", "customer", "issue_date", "due_date", "status", "currency", "subtotal", "discount",
                       "tax", "total", "paid", "balance"], every_row, "invoices.csv", key="inv_csv")

import_expander(ctx, "invoices")
