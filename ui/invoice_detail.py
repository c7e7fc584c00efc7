"""One invoice: its figures and lines, and the actions its status and the member's role allow."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pandas as pd
import streamlit as st

from core.context import TenantContext
from core.customers.service import get_customer
from core.errors import DomainError
from core.invoices import pdf
from core.invoices.service import InvoiceView, delete_draft, get_invoice, issue, mark_paid, record_payment, void
from core.rbac.guard import can
from ui import invoice_nav
from ui.actions import act, show_error, toast_later
from ui.session import lang, tr
from ui.widgets import confirm, day, figure_rows, invoice_badge, money, plain, today


def _pdf(ctx: TenantContext, inv: InvoiceView) -> bytes:
    party = None
    if can(ctx, "customer.read"):
        try:
            c = get_customer(ctx, inv.customer_id)
            party = pdf.Party(c.name, c.address, c.npwp, c.email)
        except DomainError:
            party = None
    return pdf.render(inv, ctx.name, party, lang=lang())


def _summary(inv: InvoiceView) -> None:
    m = st.columns(3)
    m[0].metric(tr("invoices.total"), money(inv.total, inv.currency), border=True)
    m[1].metric(tr("invoices.paid"), money(inv.amount_paid, inv.currency), border=True)
    m[2].metric(tr("invoices.balance"), money(inv.balance if inv.status != "void" else Decimal(0), inv.currency),
                border=True)
    table = pd.DataFrame([{"#": ln.position, tr("invoices.line_description"): ln.description,
                           tr("invoices.line_quantity"): f"{ln.quantity.normalize():f}",
                           tr("invoices.line_price"): money(ln.unit_price, inv.currency),
                           tr("invoices.line_discount"): f"{ln.discount_pct.normalize():f}%",
                           tr("invoices.line_total"): money(ln.line_total, inv.currency)} for ln in inv.lines])
    align = st.column_config.TextColumn(alignment="right")
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        tr("invoices.line_quantity"): align, tr("invoices.line_price"): align, tr("invoices.line_discount"): align,
        tr("invoices.line_total"): align})
    _, right = st.columns([3, 2])
    with right, st.container(border=True):
        rows = [(tr("invoices.subtotal"), money(inv.subtotal, inv.currency), False)]
        if inv.discount_amount:
            rows.append((tr("invoices.discount"), money(-inv.discount_amount, inv.currency), False))
        rows += [(tr("invoices.tax", rate=f"{inv.tax_rate.normalize():f}"), money(inv.tax_amount, inv.currency), False),
                 (tr("invoices.total"), money(inv.total, inv.currency), True)]
        figure_rows(rows)
    if inv.notes:
        st.caption(tr("invoices.notes"))
        st.text(inv.notes)


def _payment_form(ctx: TenantContext, inv: InvoiceView) -> None:
    with st.popover(tr("invoices.record_payment"), icon=":material/payments:", key="inv_pay_pop", width="stretch"), \
            st.form("inv_payment", border=False):
        amount = st.number_input(tr("invoices.payment_amount"), value=float(inv.balance), min_value=0.0,
                                 step=1000.0 if inv.currency == "IDR" else 1.0, key="inv_pay_amount")
        paid_on = st.date_input(tr("invoices.payment_date"), value=today(ctx), key="inv_pay_date",
                                format="DD/MM/YYYY" if lang() == "id" else "YYYY/MM/DD")
        methods = {m: tr(f"invoices.method.{m}") for m in ("transfer", "cash", "card", "qris", "other")}
        method = st.selectbox(tr("invoices.payment_method"), list(methods), format_func=methods.__getitem__,
                              key="inv_pay_method")
        reference = st.text_input(tr("invoices.payment_reference"), key="inv_pay_ref")
        if st.form_submit_button(tr("invoices.payment_save"), type="primary"):
            act(lambda: record_payment(ctx, inv.id, Decimal(str(amount)), paid_on, method, reference),
                done=tr("invoices.payment_saved"), rerun="app")


def _delete(ctx: TenantContext, invoice_id: uuid.UUID) -> bool:
    delete_draft(ctx, invoice_id)
    return True


def _actions(ctx: TenantContext, inv: InvoiceView) -> None:
    bar = st.columns(5)
    slot = iter(bar)
    if inv.status == "draft":
        if can(ctx, "invoice.update") and next(slot).button(tr("invoices.edit"), icon=":material/edit:",
                                                            width="stretch"):
            invoice_nav.go("edit", inv.id)
        if can(ctx, "invoice.send") and next(slot).button(tr("invoices.issue"), icon=":material/send:", type="primary",
                                                          width="stretch"):
            sent = act(lambda: issue(ctx, inv.id))
            if sent is not None:
                toast_later(tr("invoices.issued", number=sent.number))
                st.rerun()
        if can(ctx, "invoice.delete"):
            with next(slot):
                if confirm(tr("invoices.delete"), "inv_delete", tr("invoices.delete_confirm"),
                           tr("invoices.delete_yes"), icon=":material/delete:") and \
                        act(lambda: _delete(ctx, inv.id), done=tr("invoices.deleted")):
                    invoice_nav.go("list")
    if inv.status in ("sent", "overdue"):
        if can(ctx, "invoice.pay"):
            if next(slot).button(tr("invoices.mark_paid"), icon=":material/check_circle:", type="primary",
                                 width="stretch"):
                act(lambda: mark_paid(ctx, inv.id, today(ctx)), done=tr("invoices.marked_paid"), rerun="app")
            with next(slot):
                _payment_form(ctx, inv)
        if can(ctx, "invoice.void") and not inv.amount_paid:
            with next(slot), st.popover(tr("invoices.void"), icon=":material/block:", key="inv_void_pop",
                                        width="stretch"):
                st.markdown(tr("invoices.void_confirm"))
                reason = st.text_input(tr("invoices.void_reason"), key="inv_void_reason")
                if st.button(tr("invoices.void_yes"), type="primary", key="inv_void_yes"):
                    act(lambda: void(ctx, inv.id, reason), done=tr("invoices.voided"), rerun="app")
    with next(slot):
        st.download_button(tr("invoices.pdf"), lambda: _pdf(ctx, inv), file_name=pdf.file_name(inv),
                           mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore",
                           width="stretch", key="inv_pdf")


def render(ctx: TenantContext, invoice_id: uuid.UUID) -> None:
    if st.button(tr("invoices.back_list"), icon=":material/arrow_back:", type="tertiary"):
        invoice_nav.go("list")
    try:
        inv = get_invoice(ctx, invoice_id)
    except DomainError as exc:
        show_error(exc)
        return
    st.title(tr("invoices.detail_title", number=inv.number) if inv.number else tr("invoices.draft_title"), anchor=False)
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        invoice_badge(inv.status)
        st.markdown(f"**{tr('invoices.customer')}:** {plain(inv.customer_name)} · **{tr('invoices.issue_date')}:** "
                    f"{day(inv.issue_date)} · **{tr('invoices.due_date')}:** {day(inv.due_date)} · "
                    f"**{tr('invoices.currency')}:** {inv.currency}", width="content")
    _actions(ctx, inv)
    _summary(inv)
