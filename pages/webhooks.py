"""Webhooks: endpoints (create, event types, enable/disable, rotate, delete) and the
delivery log per endpoint, with replay and a test event."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.errors import DomainError
from core.webhooks import delivery, endpoints
from core.webhooks.delivery import AttemptResult
from core.webhooks.events import EVENT_TYPES
from ui.guard import page_guard
from ui.session import tr

ctx = page_guard("webhook.manage")
st.title(tr("webhooks.title"))
st.caption(tr("webhooks.caption"))


def local(moment: dt.datetime | None) -> str:
    return moment.astimezone(ZoneInfo(ctx.timezone)).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def act(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return fn(ctx, *args, **kwargs)
    except DomainError as exc:
        st.error(exc.message)
        return None


def show_result(result: AttemptResult | None) -> None:
    if result is None:
        return
    if result.succeeded:
        st.success(tr("webhooks.sent_ok", code=result.status_code, ms=result.latency_ms))
    else:
        st.error(tr("webhooks.sent_failed", error=result.error or f"HTTP {result.status_code}"))


secret = st.session_state.pop("webhook_secret", None)
if secret:
    st.warning(tr("webhooks.secret_once"))
    st.code(secret, language=None)

with st.expander(tr("webhooks.new"), expanded=False), st.form("webhook_new", clear_on_submit=True):
    url = st.text_input(tr("webhooks.url"), max_chars=2048)
    description = st.text_input(tr("webhooks.description"), max_chars=200)
    types = st.multiselect(tr("webhooks.event_types"), list(EVENT_TYPES), default=list(EVENT_TYPES),
                           format_func=lambda t: f"{t} — {EVENT_TYPES[t]}")
    if st.form_submit_button(tr("webhooks.create"), type="primary"):
        made = act(endpoints.create_endpoint, url, types, description)
        if made is not None:
            st.session_state["webhook_secret"] = made.secret
            st.rerun()

rows = endpoints.list_endpoints(ctx)
if not rows:
    st.info(tr("webhooks.none"))
    st.stop()

chosen = st.selectbox(tr("webhooks.pick"), rows, format_func=lambda e: f"{'🟢' if e.enabled else '⚪'} {e.url}"
                      + (f" — {e.description}" if e.description else ""))
assert chosen is not None
if chosen.enabled:
    st.success(tr("webhooks.enabled"))
else:
    st.error(tr("webhooks.disabled", reason=chosen.disabled_reason or ""))
if chosen.failing_since:
    st.warning(tr("webhooks.failing_since", when=local(chosen.failing_since)))
if chosen.previous_secret_expires_at:
    st.info(tr("webhooks.rotating", when=local(chosen.previous_secret_expires_at)))

with st.form(f"webhook_types_{chosen.id}"):
    new_types = st.multiselect(tr("webhooks.event_types"), list(EVENT_TYPES), default=list(chosen.event_types),
                               format_func=lambda t: f"{t} — {EVENT_TYPES[t]}")
    if st.form_submit_button(tr("common.save")) and act(endpoints.update_endpoint, chosen.id,
                                                         event_types=new_types) is not None:
        st.rerun()

c1, c2, c3 = st.columns(3)
if c1.button(tr("webhooks.disable") if chosen.enabled else tr("webhooks.enable"), key="wh_toggle") and \
        act(endpoints.set_enabled, chosen.id, not chosen.enabled) is not None:
    st.rerun()
if c2.button(tr("webhooks.test"), key="wh_test"):
    show_result(act(delivery.send_test_event, chosen.id))
with c3.popover(tr("webhooks.rotate")):
    hours = st.number_input(tr("webhooks.overlap_hours"), min_value=0, max_value=168, value=24, step=1)
    if st.button(tr("webhooks.rotate"), key="wh_rotate", type="primary"):
        rotated = act(endpoints.rotate_secret, chosen.id, dt.timedelta(hours=int(hours)))
        if rotated is not None:
            st.session_state["webhook_secret"] = rotated.secret
            st.rerun()

st.subheader(tr("webhooks.deliveries"))
deliveries = delivery.list_deliveries(ctx, chosen.id, limit=100)
if deliveries:
    st.dataframe(pd.DataFrame([{
        tr("webhooks.col.when"): local(d.created_at), tr("webhooks.col.event"): d.event_type,
        tr("webhooks.col.webhook_id"): d.webhook_id, tr("webhooks.col.state"): d.status,
        tr("webhooks.col.attempts"): d.attempts, tr("webhooks.col.status_code"): d.last_status_code,
        tr("webhooks.col.next"): local(d.next_attempt_at),
    } for d in deliveries]), use_container_width=True, hide_index=True)
    pick = st.selectbox(tr("webhooks.replay_pick"), deliveries,
                        format_func=lambda d: f"{local(d.created_at)} · {d.event_type} · {d.webhook_id} · {d.status}")
    if pick is not None and st.button(tr("webhooks.replay"), key="wh_replay"):
        show_result(act(delivery.replay, pick.id))

st.subheader(tr("webhooks.log"))
attempts = delivery.list_attempts(ctx, chosen.id, limit=200)
if not attempts:
    st.caption(tr("webhooks.log_empty"))
else:
    st.dataframe(pd.DataFrame([{
        tr("webhooks.col.when"): local(a.attempted_at), tr("webhooks.col.event"): a.event_type,
        tr("webhooks.col.webhook_id"): a.webhook_id, tr("webhooks.col.attempt"): a.attempt,
        tr("webhooks.col.trigger"): a.trigger,
        tr("webhooks.col.result"): tr("webhooks.ok") if a.succeeded else tr("webhooks.failed"),
        tr("webhooks.col.status_code"): a.status_code, tr("webhooks.col.latency"): a.latency_ms,
        tr("webhooks.col.response"): a.response_snippet, tr("webhooks.col.error"): a.error,
        tr("webhooks.col.next"): local(a.next_attempt_at),
    } for a in attempts]), use_container_width=True, hide_index=True)

st.divider()
if st.checkbox(tr("webhooks.delete_confirm"), key="wh_delete_confirm") and \
        st.button(tr("common.delete"), key="wh_delete"):
    try:
        endpoints.delete_endpoint(ctx, chosen.id)
    except DomainError as exc:
        st.error(exc.message)
    else:
        st.rerun()
