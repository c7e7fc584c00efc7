"""Pieces of the operational intelligence page: money in micro-units, tables, the trend."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.ai.ops import ActorRow, DayRow, FeatureRow, Margin
from ui.i18n import idr
from ui.session import lang, tr

COST = "#f97316"
CALLS = "#2563eb"


def money_short(micros: int | None) -> str:
    """Headline figures: Rp 2,5 jt from a million rupiah up, else as `money`."""
    if micros is not None and abs(micros) >= 1_000_000 * 1_000_000:
        from decimal import Decimal

        from ui.i18n import idr_short

        return idr_short(Decimal(micros) / 1_000_000, lang())
    return money(micros)


def money(micros: int | None) -> str:
    """Rupiah from micro-units; two decimals below Rp 100 (AI calls are often fractions of a rupiah)."""
    if micros is None:
        return "—"
    if abs(micros) >= 100_000_000:
        return idr(round(micros / 1_000_000))
    sign = "-" if micros < 0 else ""
    whole, rest = divmod(abs(micros), 1_000_000)
    cents = (rest + 5_000) // 10_000
    if cents == 100:
        whole, cents = whole + 1, 0
    sep = "," if lang() == "id" else "."
    return f"{sign}Rp {whole}{sep}{cents:02d}"


def pct(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}%"
    return text.replace(".", ",") if lang() == "id" else text


def margin_cells(margin: Margin | None) -> dict[str, str]:
    if margin is None:
        return {tr("ai_ops.col.revenue"): "—", tr("ai_ops.col.margin"): "—", tr("ai_ops.col.margin_pct"): "—"}
    return {tr("ai_ops.col.revenue"): money(margin.revenue_micros),
            tr("ai_ops.col.margin"): money(margin.margin_micros),
            tr("ai_ops.col.margin_pct"): pct(margin.margin_pct)}


def users_table(rows: list[ActorRow]) -> pd.DataFrame:
    kinds = {"user": tr("ai_ops.kind.user"), "api_key": tr("ai_ops.kind.api_key"), "job": tr("ai_ops.kind.job")}
    return pd.DataFrame([{
        tr("ai_ops.col.who"): r.label, tr("ai_ops.col.kind"): kinds.get(r.actor_kind, r.actor_kind),
        tr("ai_ops.col.calls"): r.calls, tr("ai_ops.col.tokens"): r.tokens, tr("ai_ops.col.cost"): money(r.cost_micros),
        **margin_cells(r.margin), tr("ai_ops.col.unpriced"): r.unpriced_calls,
    } for r in rows])


def features_table(rows: list[FeatureRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        tr("ai_ops.col.feature"): r.feature, tr("ai_ops.col.calls"): r.calls, tr("ai_ops.col.tokens"): r.tokens,
        tr("ai_ops.col.cost"): money(r.cost_micros), tr("ai_ops.col.unpriced"): r.unpriced_calls,
    } for r in rows])


def trend(days: list[DayRow]) -> go.Figure:
    """AI cost per day (bars) and answered calls (line, right axis)."""
    x = [d.day for d in days]
    fig = go.Figure()
    fig.add_bar(x=x, y=[d.cost_micros / 1_000_000 for d in days], name=tr("ai_ops.col.cost"), marker_color=COST,
                customdata=[money(d.cost_micros) for d in days], hovertemplate="%{x}<br>%{customdata}<extra></extra>")
    fig.add_scatter(x=x, y=[d.calls for d in days], name=tr("ai_ops.col.calls"), mode="lines+markers",
                    line={"color": CALLS, "width": 2}, yaxis="y2")
    fig.update_layout(
        height=300, margin={"l": 8, "r": 8, "t": 8, "b": 8}, legend={"orientation": "h", "y": -0.2},
        separators=",." if lang() == "id" else ".,", yaxis={"title": "Rp"},
        yaxis2={"overlaying": "y", "side": "right", "title": tr("ai_ops.col.calls"), "rangemode": "tozero"},
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig
