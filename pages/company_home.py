"""Data location (Admin): the company's tier and region, "Upgrade to Enterprise" and
"Move to region ...", the progress of a running move, and the move history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.placement import Place
from core.tenancy.migration.service import active_move, moves_of, progress_of, start_move
from core.tenancy.registry import get_tenant
from ui.actions import act
from ui.guard import page_guard
from ui.session import tr

ctx = page_guard("tenant.move")
st.title(tr("migration.title"))
st.caption(tr("migration.caption"))

tenant = get_tenant(ctx.tenant_id)
left, right = st.columns(2)
left.metric(tr("migration.tier"), tr(f"migration.tier.{tenant.tier}"))
right.metric(tr("migration.region"), tr(f"migration.region.{tenant.region}"))


def progress_text(move: TenantMove) -> str:
    p = progress_of(move)
    eta = f"{p.eta_seconds:,.0f} s" if p.eta_seconds is not None else "-"
    return tr("migration.progress", n=p.step_number, total=p.steps, step=p.step,
              tables=f"{p.tables_done}/{p.tables_total}", rows=f"{p.rows_copied:,}", rate=f"{p.rate:,.0f}", eta=eta)


@st.fragment(run_every=2)
def running() -> None:
    move = active_move(ctx.tenant_id)
    if move is None:
        if st.session_state.pop("move_was_running", False):
            st.rerun()  # finished: show the new placement and the history
        return
    st.session_state["move_was_running"] = True
    st.subheader(tr("migration.running"))
    st.progress(progress_of(move).fraction, text=progress_text(move))


running()
busy = active_move(ctx.tenant_id) is not None
other_region = "global" if tenant.region == "id" else "id"
up, move_region = st.columns(2)
if tenant.tier != "dedicated" and up.button(tr("migration.upgrade"), type="primary", disabled=busy,
                                            key="move_upgrade"):
    act(lambda: start_move(ctx, "dedicated", tenant.region), done=tr("migration.started"), rerun="app")
label = tr("migration.to_region", region=tr(f"migration.region.{other_region}"))
if move_region.button(label, disabled=busy, key="move_region"):
    act(lambda: start_move(ctx, tenant.tier, other_region), done=tr("migration.started"), rerun="app")

st.subheader(tr("migration.history"))
moves = moves_of(ctx)
if not moves:
    st.caption(tr("migration.none"))
else:
    st.dataframe(pd.DataFrame([{
        tr("migration.col.when"): m.created_at.strftime("%Y-%m-%d %H:%M") if m.created_at else "",
        tr("migration.col.kind"): m.kind,
        tr("migration.col.to"): Place.from_dict(m.target).label(),
        tr("migration.col.status"): m.status,
        tr("migration.col.reason"): m.reason or "",
        tr("migration.col.kept"): (m.keep_until.strftime("%Y-%m-%d") if m.keep_until and not m.purged_at else ""),
    } for m in moves]), hide_index=True, use_container_width=True)
