"""Plotly figures of the business pages, in the user's language and rupiah formatting."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from decimal import Decimal

import plotly.graph_objects as go

from ui.i18n import date_label, idr
from ui.session import lang, tr
from ui.widgets import day_short

PRIMARY = "#2563eb"
BARS = "#0ea5e9"
SPEND = "#f97316"


def _layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 8, "r": 8, "t": 8, "b": 8}, showlegend=False,
        separators=",." if lang() == "id" else ".,", hoverlabel={"bgcolor": "white"},
        plot_bgcolor="rgba(0,0,0,0)", paper_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def cash_in(series: Sequence[tuple[dt.date, Decimal]]) -> go.Figure:
    """Daily payments received, with a 7-day running total to show the trend."""
    days = [d for d, _ in series]
    amounts = [float(a) for _, a in series]
    weekly = [sum(amounts[max(0, i - 6): i + 1]) for i in range(len(amounts))]
    fig = go.Figure()
    labels = [date_label(d, lang()) for d in days]
    fig.add_bar(x=days, y=amounts, name=tr("dashboard.cash_daily"), marker_color=BARS,
                customdata=[f"{label}<br>{idr(a)}" for label, (_, a) in zip(labels, series, strict=True)],
                hovertemplate="%{customdata}<extra></extra>")
    fig.add_scatter(x=days, y=weekly, name=tr("dashboard.cash_week"), mode="lines", line={"color": PRIMARY, "width": 2},
                    fill="tozeroy", fillcolor="rgba(37,99,235,0.08)",
                    customdata=[idr(round(w)) for w in weekly],
                    hovertemplate=tr("dashboard.cash_week") + ": %{customdata}<extra></extra>")
    fig.update_yaxes(tickprefix="Rp ", tickformat=",.0f", rangemode="tozero", gridcolor="rgba(148,163,184,0.25)")
    ticks = days[::-14][::-1]  # every two weeks, ending today
    fig.update_xaxes(showgrid=False, tickvals=ticks, ticktext=[day_short(d) for d in ticks])
    _layout(fig, 320)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.08, "x": 0})
    return fig


def by_category(rows: Sequence[tuple[str, Decimal]], height: int | None = None) -> go.Figure:
    """Horizontal bars, biggest on top."""
    ordered = [(html.escape(c), a) for c, a in reversed(rows)]  # plotly reads HTML tags in labels
    fig = go.Figure(go.Bar(
        x=[float(a) for _, a in ordered], y=[c for c, _ in ordered], orientation="h", marker_color=SPEND,
        text=[idr(a) for _, a in ordered], textposition="outside", textangle=0, cliponaxis=False,
        customdata=[idr(a) for _, a in ordered], hovertemplate="%{y}: %{customdata}<extra></extra>",
    ))
    top = max((float(a) for _, a in ordered), default=1.0)
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, range=[0, top * 1.45])
    fig.update_yaxes(automargin=True)
    return _layout(fig, height or 70 + 48 * len(ordered))
