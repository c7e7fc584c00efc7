"""Customers: an editable table saved through the service (errors per row), an add form, delete."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from core.customers.service import CustomerIn, create_customer, delete_customer, list_customers
from core.rbac.guard import can
from ui.actions import act, show_toasts
from ui.csv_import import import_expander
from ui.customer_table import COLUMNS, column_config, save_edits, table_of
from ui.guard import page_guard
from ui.session import tr
from ui.widgets import bump, confirm, csv_download, empty_state, nonce

ctx = page_guard("customer.read")
show_toasts()
writable = can(ctx, "customer.write")
st.title(tr("customers.title"), anchor=False)

anything = bool(list_customers(ctx, limit=1))
search = st.text_input(tr("customers.search"), key="cust_search", placeholder=tr("customers.search_hint"),
                       label_visibility="collapsed") if anything else ""
people = list_customers(ctx, search=search.strip() or None) if anything else []
if not people and not search:
    empty_state(":material/storefront:", tr("customers.empty_title"), tr("customers.empty_body"))
elif not people:
    st.info(tr("customers.no_match"), icon=":material/search_off:")
else:
    st.caption(tr("customers.count", n=len(people)) + (" · " + tr("customers.edit_hint") if writable else ""))
    key = f"cust_editor_{nonce('customers')}"
    st.data_editor(table_of(people), key=key, hide_index=True, width="stretch", num_rows="fixed", placeholder="",
                            column_order=COLUMNS, column_config=column_config(), disabled=not writable)
    if writable:
        changes = st.session_state.get(key, {}).get("edited_rows", {})
        c1, c2, _ = st.columns([2, 2, 5])
        if c1.button(tr("customers.save_changes", n=len(changes)), icon=":material/save:", type="primary",
                     disabled=not changes, width="stretch"):
            saved, problems = save_edits(ctx, people, changes)
            if problems:
                st.error(tr("customers.row_errors") + "\n" + "\n".join(f"- {p}" for p in problems),
                         icon=":material/error:")
                if saved:
                    st.success(tr("customers.saved_some", n=saved))
            else:
                st.toast(tr("customers.saved", n=saved), icon=":material/check_circle:")
                bump("customers")
                st.rerun()
        if c2.button(tr("customers.discard"), icon=":material/undo:", disabled=not changes, width="stretch"):
            bump("customers")
            st.rerun()

if writable:
    with st.expander(tr("customers.add"), expanded=not people and not search, icon=":material/add:"), \
            st.form("cust_add", clear_on_submit=False, border=False):
        name = st.text_input(tr("customers.name") + " *", key="cust_new_name")
        a, b, c = st.columns(3)
        email = a.text_input(tr("customers.email"), key="cust_new_email")
        phone = b.text_input(tr("customers.phone"), key="cust_new_phone")
        npwp = c.text_input(tr("customers.npwp"), key="cust_new_npwp", placeholder="01.234.567.8-901.000")
        address = st.text_area(tr("customers.address"), key="cust_new_address", height=80)
        d, e, _ = st.columns(3)
        terms = d.number_input(tr("customers.terms"), value=30, step=1, key="cust_new_terms")
        limit = e.number_input(tr("customers.credit_limit"), value=None, step=1_000_000.0, key="cust_new_limit")
        if st.form_submit_button(tr("customers.add_submit"), type="primary", icon=":material/save:"):
            made = act(lambda: create_customer(ctx, CustomerIn(
                name, email, phone, npwp, address, int(terms),
                None if limit is None else Decimal(str(limit)))),
                done=tr("customers.added", name=name.strip()))
            if made is not None:
                for k in [k for k in st.session_state if str(k).startswith("cust_new_")]:
                    del st.session_state[k]
                st.rerun()

if people and can(ctx, "customer.delete"):
    with st.expander(tr("customers.delete_title"), icon=":material/delete:"):
        ids = [p.id for p in people]
        names = {p.id: p.name for p in people}
        victim = st.selectbox(tr("customers.delete_pick"), ids, format_func=names.__getitem__, index=None,
                              key="cust_delete_pick", placeholder=tr("customers.delete_placeholder"))
        if victim is not None and confirm(tr("customers.delete"), "cust_delete",
                                          tr("customers.delete_confirm", name=names[victim]),
                                          tr("customers.delete_yes"), icon=":material/delete:"):
            act(lambda: delete_customer(ctx, victim), done=tr("customers.deleted", name=names[victim]), rerun="app")

if people:
    csv_download(ctx, ["name", "email", "phone", "npwp", "address", "payment_terms_days", "credit_limit", "notes"],
                 lambda: [[p.name, p.email, p.phone, p.npwp, p.address, p.payment_terms_days, p.credit_limit, p.notes]
                          for p in list_customers(ctx, search=search.strip() or None, limit=5000)],
                 "customers.csv", key="cust_csv")

import_expander(ctx, "customers")
