"""Invoice SOP rules (settings): PPN rates with effective dates, discount limits, the due-date
window, required fields, credit limits per customer, the duplicate window and free-text
clauses, each advisory or blocking. The service checks every value."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from core.ai.precheck import service as sop
from core.ai.precheck.rules import REQUIRED_FIELDS
from core.customers.service import list_customers, update_customer
from core.errors import ValidationFailed
from ui.actions import act, show_toasts
from ui.guard import page_guard
from ui.session import tr
from ui.widgets import money, today

ctx = page_guard("settings.manage")
show_toasts()
st.title(tr("sop.title"), anchor=False)
st.caption(tr("sop.caption"))
LIMIT_KINDS = ("max_line_discount", "max_invoice_discount", "due_after_issue", "due_within_days", "duplicate")
rules = sop.get_rules(ctx)


def severity(blocking: bool) -> str:
    return tr("precheck.severity.blocking" if blocking else "precheck.severity.advisory")


def table(rows: list[dict[str, object]]) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption(tr("sop.none"))


def number(text: str) -> Decimal | None:
    """The typed value, or None for an empty box; the service refuses what is out of range."""
    try:
        return Decimal(text.strip().replace(",", ".")) if text.strip() else None
    except InvalidOperation:
        raise ValidationFailed(tr("sop.bad_number"), details={"value": tr("sop.bad_number")}) from None


def saved() -> str:
    return tr("common.saved")


st.subheader(tr("sop.ppn"))
table([{tr("sop.ppn_from"): r.effective_from.isoformat(), tr("sop.ppn_rate"): f"{r.rate:f}",
        tr("sop.col.severity"): severity(r.blocking)} for r in rules.rates])
with st.form("sop_ppn", clear_on_submit=True):
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    rate = c1.text_input(tr("sop.ppn_rate"), value="11", key="sop_ppn_rate")
    since = c2.date_input(tr("sop.ppn_from"), value=today(ctx), key="sop_ppn_from")
    blocking = c3.checkbox(tr("sop.blocking"), key="sop_ppn_blocking")
    if st.form_submit_button(tr("sop.add"), type="primary"):
        act(lambda: sop.set_ppn_rate(ctx, number(rate), since, blocking=blocking), done=saved(), rerun="app")

st.subheader(tr("sop.limits"))
table([{tr("sop.kind"): tr(f"precheck.rule.{r.kind}"), tr("sop.col.value"): f"{r.value:f}" if r.value is not None
        else "", tr("sop.col.severity"): severity(r.blocking)} for r in rules.rules if r.kind in LIMIT_KINDS])
with st.form("sop_limit", clear_on_submit=True):
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    kind_labels = {k: tr(f"precheck.rule.{k}") for k in LIMIT_KINDS}  # labels fixed at run time
    kind = c1.selectbox(tr("sop.kind"), LIMIT_KINDS, key="sop_limit_kind", format_func=kind_labels.__getitem__)
    value = c2.text_input(tr("sop.value"), key="sop_limit_value", help=tr("sop.value_help"))
    blocking = c3.checkbox(tr("sop.blocking"), key="sop_limit_blocking")
    if st.form_submit_button(tr("sop.add"), type="primary"):
        act(lambda: sop.set_rule(ctx, kind, value=number(value), blocking=blocking), done=saved(), rerun="app")

st.subheader(tr("sop.required"))
table([{tr("sop.field"): tr(f"sop.field.{r.target}"), tr("sop.col.severity"): severity(r.blocking)}
       for r in rules.of("required_field")])
with st.form("sop_required", clear_on_submit=True):
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    field_labels = {f: tr(f"sop.field.{f}") for f in REQUIRED_FIELDS}
    target = c1.selectbox(tr("sop.field"), REQUIRED_FIELDS, key="sop_required_field",
                          format_func=field_labels.__getitem__)
    blocking = c2.checkbox(tr("sop.blocking"), key="sop_required_blocking")
    if st.form_submit_button(tr("sop.add"), type="primary"):
        act(lambda: sop.set_rule(ctx, "required_field", target=target, blocking=blocking), done=saved(),
            rerun="app")

st.subheader(tr("sop.credit"))
credit = rules.of("credit_limit")
with st.form("sop_credit"):
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    on = c1.checkbox(tr("sop.credit_on"), value=bool(credit), key="sop_credit_on")
    blocking = c2.checkbox(tr("sop.blocking"), value=bool(credit and credit[0].blocking), key="sop_credit_blocking")
    if st.form_submit_button(tr("common.save")):
        act(lambda: sop.set_rule(ctx, "credit_limit", blocking=blocking) if on else
            (sop.delete_item(ctx, credit[0].id) if credit else None), done=saved(), rerun="app")
customers = list_customers(ctx)
table([{tr("sop.credit_customer"): c.name, tr("sop.credit_limit"): money(c.credit_limit) if c.credit_limit
        is not None else "—"} for c in customers])
if customers:
    with st.form("sop_credit_limit", clear_on_submit=True):
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        who = c1.selectbox(tr("sop.credit_customer"), customers, format_func=lambda c: c.name, key="sop_credit_who")
        limit = c2.text_input(tr("sop.credit_limit"), key="sop_credit_value")
        if st.form_submit_button(tr("common.save")) and who is not None:
            act(lambda: update_customer(ctx, who.id, {"credit_limit": number(limit)}), done=saved(), rerun="app")

st.subheader(tr("sop.clauses"))
table([{tr("sop.clause"): c.text, tr("sop.col.severity"): severity(c.blocking)} for c in rules.clauses])
with st.form("sop_clause", clear_on_submit=True):
    text = st.text_area(tr("sop.clause"), key="sop_clause_text", placeholder=tr("sop.clause_hint"), max_chars=1000)
    blocking = st.checkbox(tr("sop.blocking"), key="sop_clause_blocking")
    if st.form_submit_button(tr("sop.add"), type="primary"):
        act(lambda: sop.add_clause(ctx, text, blocking=blocking), done=saved(), rerun="app")

everything = ([(f"{tr('precheck.rule.ppn_rate')} {r.rate:f}% · {r.effective_from.isoformat()}", "rate", r.id,
                r.blocking) for r in rules.rates]
              + [(tr(f"precheck.rule.{r.kind}") + (f" · {tr(f'sop.field.{r.target}')}" if r.target else "")
                  + (f" · {r.value:f}" if r.value is not None else ""), "rule", r.id, r.blocking) for r in rules.rules]
              + [(f"{tr('precheck.rule.sop_clause')} · {c.text[:60]}", "clause", c.id, c.blocking)
                 for c in rules.clauses])
if everything:
    st.divider()
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="bottom")
    labels = {e[2]: f"{e[0]} ({severity(e[3])})" for e in everything}
    pick = c1.selectbox(tr("sop.pick"), everything, key="sop_pick", format_func=lambda e: labels[e[2]])
    if pick is not None and c2.button(tr("sop.toggle"), key="sop_toggle"):
        act(lambda: sop.set_blocking(ctx, pick[2], not pick[3]), done=saved(), rerun="app")
    if pick is not None and c3.button(tr("common.delete"), key="sop_delete"):
        act(lambda: sop.delete_item(ctx, pick[2]), done=saved(), rerun="app")
