"""Audit log: who changed what, when, from what to what; filters, a before/after view, CSV export."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.audit.service import (
    AuditEvent,
    AuditFilter,
    actions,
    actors,
    diff,
    export_csv,
    list_events,
    pending_bulk_changes,
    tables,
)
from core.rbac.guard import can
from ui.guard import page_guard
from ui.session import lang, tr

PAGE_SIZE = 50
ctx = page_guard("audit.read")
zone = ZoneInfo(ctx.timezone)
today = dt.datetime.now(zone).date()

st.title(tr("audit.title"))
st.caption(tr("audit.caption"))
if pending := pending_bulk_changes(ctx):
    st.info(tr("audit.pending_bulk", count=f"{pending:,}".replace(",", "." if lang() == "id" else ",")))

people = actors(ctx)
c1, c2, c3, c4 = st.columns(4)
person = c1.selectbox(tr("audit.person"), ["", *people], key="audit_person",
                      format_func=lambda a: people.get(a, a) if a else tr("audit.everyone"))
table = c2.selectbox(tr("audit.table"), ["", *tables(ctx)], key="audit_table",
                     format_func=lambda t: t or tr("audit.all_tables"))
action = c3.selectbox(tr("audit.action"), ["", *actions(ctx)], key="audit_action",
                      format_func=lambda a: tr(f"audit.action.{a.lower()}") if a in ("INSERT", "UPDATE", "DELETE")
                      else (a or tr("audit.all_actions")))
picked = c4.date_input(tr("audit.dates"), value=(today - dt.timedelta(days=30), today), key="audit_dates",
                       max_value=today, format="DD/MM/YYYY")
dates = picked if isinstance(picked, tuple) else (picked,)
start = dates[0] if dates else None
end = dates[1] if len(dates) > 1 else start
flt = AuditFilter(actor=person or None, table=table or None, action=action or None, start=start, end=end)

# Back to the first page whenever the filters change.
if st.session_state.get("audit_filter") != flt:
    st.session_state["audit_filter"] = flt
    st.session_state["audit_page"] = 0
page_no = int(st.session_state.get("audit_page", 0))
result = list_events(ctx, flt, page=page_no, page_size=PAGE_SIZE)


def when(event: AuditEvent) -> str:
    return event.occurred_at.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S")


def what(event: AuditEvent) -> str:
    if event.source == "control":
        return event.action
    return tr(f"audit.action.{event.action.lower()}")


def changed(event: AuditEvent) -> str:
    return ", ".join(c.field for c in diff(event) if c.changed) if event.action == "UPDATE" else ""


if not result.events:
    st.info(tr("audit.empty"))
else:
    rows = [{
        tr("audit.col.time"): when(e), tr("audit.col.person"): people.get(e.actor, e.actor),
        tr("audit.col.action"): what(e), tr("audit.col.table"): e.table or tr("audit.control_plane"),
        tr("audit.col.target"): e.target or "", tr("audit.col.changed"): changed(e),
        tr("audit.col.request"): e.request_id or "",
    } for e in result.events]
    st.dataframe(pd.DataFrame(rows), hide_index=True, use_container_width=True)

prev_col, label_col, next_col = st.columns([1, 2, 1])
if prev_col.button(tr("audit.previous"), disabled=page_no == 0, key="audit_prev"):
    st.session_state["audit_page"] = page_no - 1
    st.rerun()
label_col.caption(tr("audit.page", page=page_no + 1))
if next_col.button(tr("audit.next"), disabled=not result.has_more, key="audit_next"):
    st.session_state["audit_page"] = page_no + 1
    st.rerun()

if result.events:
    st.subheader(tr("audit.diff.title"))
    by_key = {e.key: e for e in result.events}
    chosen = st.selectbox(
        tr("audit.diff.event"), list(by_key), key="audit_event",
        format_func=lambda k: f"{when(by_key[k])} · {what(by_key[k])} · {by_key[k].table or by_key[k].target or ''}",
    )
    event = by_key[chosen]
    st.caption(tr("audit.diff.who", person=people.get(event.actor, event.actor), request=event.request_id or "-"))
    changes = diff(event)
    if changes:
        st.dataframe(pd.DataFrame([{
            tr("audit.diff.field"): c.field,
            tr("audit.diff.before"): "" if c.before is None else str(c.before),
            tr("audit.diff.after"): "" if c.after is None else str(c.after),
            tr("audit.diff.changed"): "●" if c.changed and event.action == "UPDATE" else "",
        } for c in changes]), hide_index=True, use_container_width=True)
    else:
        st.caption(tr("audit.diff.none"))

if can(ctx, "audit.export"):
    st.download_button(tr("audit.export"), lambda: export_csv(ctx, flt), file_name=f"audit-{ctx.slug}-{today}.csv",
                       mime="text/csv", key="audit_export")
