"""Operational intelligence (Admin): AI calls, tokens, cost and margin per user, feature and
company over a chosen period; alerts below a margin threshold; budgets and the AI switch."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.ai import breaker, ops, policy
from core.ai.gateway import default_gateway
from core.config import get_settings
from ui.actions import act
from ui.ai import engine_name
from ui.ai_ops import features_table, money, money_short, pct, trend, users_table
from ui.guard import page_guard
from ui.session import tr
from ui.widgets import today

ctx = page_guard("ai.admin")
st.title(tr("ai_ops.title"))
st.caption(tr("ai_ops.caption"))

# --- the engine, the breaker and the switch -----------------------------------------------------
gateway = default_gateway()
provider = gateway.chat_provider
status_col, switch_col = st.columns([3, 2])
with status_col:
    st.markdown(tr("ai_ops.engine", engine=engine_name(provider.label)))
    if provider.remote:
        view = breaker.state(provider.name)
        if view.state == "closed":
            st.success(tr("ai_ops.breaker.closed"), icon=":material/check_circle:")
        else:
            st.error(tr("ai_ops.breaker.open", minutes=max(1, round(view.retry_after(gateway.clock()) / 60))),
                     icon=":material/cloud_off:")
with switch_col:
    switch = policy.switch_of(ctx.tenant_id)
    if switch.disabled_by == "operator":
        st.error(tr("ai_ops.switch.operator", reason=switch.reason or "—"), icon=":material/block:")
    else:
        wanted = st.toggle(tr("ai_ops.switch"), value=switch.enabled, key="ai_switch")
        if wanted != switch.enabled:
            act(lambda: policy.set_enabled(ctx, wanted), done=tr("ai_ops.switch.saved"), rerun="app")

# --- the period ------------------------------------------------------------------------------------
now_day = today(ctx)
left, right = st.columns([3, 1])
chosen = left.date_input(tr("ai_ops.period"), value=(now_day.replace(day=1), now_day), max_value=now_day,
                         format="DD/MM/YYYY", key="ai_period")
threshold = right.number_input(tr("ai_ops.threshold"), value=float(get_settings().ai_margin_alert_pct),
                               min_value=-1000.0, max_value=100.0, step=5.0, key="ai_threshold")
if not isinstance(chosen, tuple) or len(chosen) != 2:
    st.info(tr("ai_ops.pick_end"))
    st.stop()
first, last = chosen
report = act(lambda: ops.report(ctx, first, last, threshold))
if report is None:
    st.stop()

# --- headline figures ----------------------------------------------------------------------------
t = report.totals
cells = st.columns(6)
cells[0].metric(tr("ai_ops.col.calls"), f"{t.calls:,}".replace(",", "."))
cells[1].metric(tr("ai_ops.col.tokens"), f"{t.tokens:,}".replace(",", "."))
cells[2].metric(tr("ai_ops.col.cost"), money(t.cost_micros))
cells[3].metric(tr("ai_ops.col.revenue"), money_short(report.margin.revenue_micros),
                help=tr("ai_ops.revenue_help", plan=report.plan or "—") + " " + money(report.margin.revenue_micros))
cells[4].metric(tr("ai_ops.col.margin"), money_short(report.margin.margin_micros),
                help=money(report.margin.margin_micros))
cells[5].metric(tr("ai_ops.col.margin_pct"), pct(report.margin.margin_pct))
st.caption(tr("ai_ops.more", failed=t.failed, refused=t.refused, fallback=t.fallback,
              masked=sum(t.masked.values())))

# --- alerts ----------------------------------------------------------------------------------------
st.subheader(tr("ai_ops.alerts"))
if not report.alerts:
    st.success(tr("ai_ops.no_alerts", threshold=pct(threshold)), icon=":material/verified:")
for alert in report.alerts:
    kind = tr("ai_ops.kind.company") if alert.kind == "tenant" else tr("ai_ops.kind.user")
    st.warning(tr("ai_ops.alert", kind=kind, who=alert.label, margin=pct(alert.margin.margin_pct),
                  cost=money(alert.margin.cost_micros), revenue=money(alert.margin.revenue_micros)),
               icon=":material/trending_down:")
for prov, model, calls in report.unpriced_models:
    st.error(tr("ai_ops.unpriced", provider=prov, model=model, calls=calls), icon=":material/sell:")

# --- trend and the heaviest users and features -------------------------------------------------
st.subheader(tr("ai_ops.trend"))
st.plotly_chart(trend(report.days), use_container_width=True, config={"displayModeBar": False})
users_tab, features_tab = st.tabs([tr("ai_ops.heaviest_users"), tr("ai_ops.heaviest_features")])
with users_tab:
    if report.users:
        st.dataframe(users_table(report.users), hide_index=True, use_container_width=True)
    else:
        st.info(tr("ai_ops.nothing"))
with features_tab:
    if report.features:
        st.dataframe(features_table(report.features), hide_index=True, use_container_width=True)
    else:
        st.info(tr("ai_ops.nothing"))

# --- budgets -------------------------------------------------------------------------------------------
st.subheader(tr("ai_ops.budgets"))
current = {b.scope: b for b in policy.budgets(ctx.tenant_id)}
for use in policy.usage_of(ctx, dt.datetime.now(dt.UTC)):
    if use.budget.scope == "tenant":
        st.progress(min(1.0, use.used_pct / 100), text=tr("ai_ops.budget_used", pct=pct(use.used_pct)))
with st.form("ai_budgets"):
    a, b, c = st.columns(3)
    tenant_cap = a.number_input(tr("ai_ops.budget.tenant"), min_value=0, step=10_000,
                                value=(current["tenant"].limit_micros or 0) // 1_000_000 if "tenant" in current else 0)
    user_cap = b.number_input(tr("ai_ops.budget.user"), min_value=0, step=10_000,
                              value=(current["user"].limit_micros or 0) // 1_000_000 if "user" in current else 0)
    warn = c.number_input(tr("ai_ops.budget.warn"), min_value=1, max_value=100,
                          value=current["tenant"].warn_pct if "tenant" in current else policy.DEFAULT_WARN_PCT)
    st.caption(tr("ai_ops.budget.help"))
    if st.form_submit_button(tr("ai_ops.budget.save"), type="primary"):
        def save() -> None:
            for scope, cap in (("tenant", tenant_cap), ("user", user_cap)):
                policy.set_budget(ctx, scope=scope, limit_micros=int(cap) * 1_000_000 if cap else None,
                                  warn_pct=int(warn))

        act(save, done=tr("ai_ops.budget.saved"), rerun="app")
