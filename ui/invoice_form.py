"""Create or edit a draft invoice: header fields, a line editor and a live totals preview.

The preview uses core.invoices.calc.compute (the same arithmetic the service applies);
saving goes through the service, which validates everything again and names the fields
that are wrong.
"""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from core.context import TenantContext
from core.customers.service import list_customers
from core.errors import DomainError, ValidationFailed
from core.invoices.calc import CURRENCIES, LineIn, Totals, compute
from core.invoices.service import DraftIn, InvoiceView, create_draft, get_invoice, issue, update_draft
from core.invoices.tax import rate_for
from core.rbac.guard import can
from ui import invoice_nav
from ui import precheck as precheck_panel
from ui.actions import act, explain, toast_later
from ui.session import lang, tr
from ui.widgets import empty_state, figure_rows, money, today

P = "invoice_form_"  # every widget key starts with this, so a new form starts clean
COLUMNS = ("description", "quantity", "unit_price", "discount_pct")


def _number(value: Any, missing: str) -> Decimal:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Decimal(missing)
    return Decimal(str(value))


def lines_from(table: pd.DataFrame) -> list[LineIn]:
    """The editor's rows as lines; a row with neither a description nor a price is ignored
    (a new row comes with a default quantity and discount)."""
    lines = []
    for row in table.to_dict("records"):
        text = row.get("description")
        text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
        price = row.get("unit_price")
        if not text.strip() and (price is None or (isinstance(price, float) and math.isnan(price))):
            continue
        lines.append(LineIn(text, _number(row.get("quantity"), "0"), _number(row.get("unit_price"), "NaN"),
                            _number(row.get("discount_pct"), "0")))
    return lines


def _seed(existing: InvoiceView | None) -> pd.DataFrame:
    rows = [{"description": ln.description, "quantity": float(ln.quantity), "unit_price": float(ln.unit_price),
             "discount_pct": float(ln.discount_pct)} for ln in (existing.lines if existing else ())]
    return pd.DataFrame(rows or [{"description": "", "quantity": 1.0, "unit_price": None, "discount_pct": 0.0}],
                        columns=list(COLUMNS))


def _totals_card(totals: Totals | None, currency: str) -> None:
    with st.container(border=True):
        st.markdown(f"**{tr('invoices.preview')}**")
        if totals is None:
            st.caption(tr("invoices.preview_incomplete"))
            return
        rows = [(tr("invoices.subtotal"), money(totals.subtotal, currency), False)]
        if totals.discount_amount:
            rows += [(tr("invoices.discount"), money(-totals.discount_amount, currency), False),
                     (tr("invoices.tax_base"), money(totals.tax_base, currency), False)]
        rate = f"{totals.tax_rate.normalize():f}"
        rows += [(tr("invoices.tax", rate=rate), money(totals.tax_amount, currency), False),
                 (tr("invoices.total"), money(totals.total, currency), True)]
        figure_rows(rows)


def render(ctx: TenantContext, invoice_id: uuid.UUID | None) -> None:
    existing = get_invoice(ctx, invoice_id) if invoice_id else None
    if st.button(tr("invoices.back"), icon=":material/arrow_back:", type="tertiary"):
        invoice_nav.go("detail" if existing else "list", existing.id if existing else None)
    st.title(tr("invoices.edit_title") if existing else tr("invoices.new_title"), anchor=False)
    customers = {c.id: c for c in list_customers(ctx)}
    if not customers:
        empty_state(":material/storefront:", tr("invoices.no_customers_title"), tr("invoices.no_customers_body"))
        st.page_link("pages/customers.py", label=tr("invoices.go_customers"), icon=":material/add:")
        return

    ids = list(customers)
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
    customer = c1.selectbox(tr("invoices.customer"), ids, key=P + "customer", format_func=lambda c: customers[c].name,
                            index=ids.index(existing.customer_id) if existing and existing.customer_id in ids else None,
                            placeholder=tr("invoices.pick_customer"))
    date_format = "DD/MM/YYYY" if lang() == "id" else "YYYY/MM/DD"
    issued = c2.date_input(tr("invoices.issue_date"), value=existing.issue_date if existing else today(ctx),
                           key=P + "issue", format=date_format)
    default_terms = (existing.due_date - existing.issue_date).days if existing else (
        customers[customer].payment_terms_days if customer else 30)
    terms = c3.number_input(tr("invoices.terms"), value=int(default_terms), step=1, key=P + "terms",
                            help=tr("invoices.terms_help"))
    due = c4.date_input(tr("invoices.due_override"), value=None, key=P + "due", format=date_format,
                        help=tr("invoices.due_help"))
    d1, d2, d3, _ = st.columns([3, 2, 2, 2])
    currency = d1.selectbox(tr("invoices.currency"), CURRENCIES, key=P + "currency",
                            index=CURRENCIES.index(existing.currency if existing else ctx.currency)
                            if (existing.currency if existing else ctx.currency) in CURRENCIES else 0)
    mode = d2.segmented_control(tr("invoices.discount_mode"), ["%", currency], key=P + "disc_mode",
                                default=currency if existing and existing.discount_amount else "%", required=True)
    discount = d3.number_input(tr("invoices.invoice_discount"), key=P + "discount", min_value=0.0, step=1.0,
                               value=float(existing.discount_amount) if existing and existing.discount_amount else 0.0)

    st.markdown(f"**{tr('invoices.lines')}**")
    if P + "seed" not in st.session_state:
        st.session_state[P + "seed"] = _seed(existing)
    edited = st.data_editor(
        st.session_state[P + "seed"], key=P + "lines", num_rows="dynamic", hide_index=True, width="stretch",
        placeholder="",
        column_config={
            "description": st.column_config.TextColumn(tr("invoices.line_description"), width="large"),
            "quantity": st.column_config.NumberColumn(tr("invoices.line_quantity"), default=1.0, step=0.001,
                                                      format="%g"),
            "unit_price": st.column_config.NumberColumn(tr("invoices.line_price"), step=1.0, format="localized"),
            "discount_pct": st.column_config.NumberColumn(tr("invoices.line_discount"), default=0.0, step=0.01,
                                                          format="%g %%"),
        },
    )
    lines = lines_from(edited)
    pct = Decimal(str(discount)) if mode == "%" and discount else None
    amount = Decimal(str(discount)) if mode != "%" and discount else None
    try:
        totals: Totals | None = compute(lines, tax_rate=rate_for(ctx, issued), currency=currency,
                                        discount_pct=pct, discount_amount=amount)
    except ValidationFailed:
        totals = None

    left, right = st.columns([3, 2], gap="medium")
    notes = left.text_area(tr("invoices.notes"), value=(existing.notes or "") if existing else "", key=P + "notes",
                           height=150, placeholder=tr("invoices.notes_hint"))
    with right:
        _totals_card(totals, currency)

    b1, b2, b3, _ = st.columns([2, 2, 2, 2])
    save = b1.button(tr("invoices.save_draft"), icon=":material/save:", type="primary", width="stretch",
                     key=P + "save")
    save_issue = can(ctx, "invoice.send") and b2.button(tr("invoices.save_issue"), icon=":material/send:",
                                                        width="stretch", key=P + "save_issue")
    check = b3.button(tr("precheck.button"), icon=":material/fact_check:", width="stretch", key=P + "precheck")
    if not (save or save_issue or check):
        return
    if customer is None:
        st.error(tr("err.biz.customer"), icon=":material/error:")
        return
    data = DraftIn(customer, issued, lines, due_date=due, payment_terms_days=None if due else int(terms),
                   currency=currency, discount_pct=pct, discount_amount=amount, notes=notes)
    if check:
        precheck_panel.run(ctx, data, existing.id if existing else None, right)
        return
    saved = act(lambda: update_draft(ctx, existing.id, data) if existing else create_draft(ctx, data))
    if saved is None:
        return
    if save_issue:
        try:
            sent = issue(ctx, saved.id)
        except DomainError as exc:  # the draft is saved; say why it was not issued on the next screen
            toast_later(" ".join(explain(exc)), icon=":material/error:")
        else:
            toast_later(tr("invoices.issued", number=sent.number))
    else:
        toast_later(tr("invoices.saved"))
    invoice_nav.go("detail", saved.id)
