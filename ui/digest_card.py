"""The CEO digest on screen: the dashboard card and the full view of one digest."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.ai.digest.delivery import day_label, figure_rows
from core.ai.digest.insights import NAMES, figure, money, number
from core.ai.digest.service import DigestView
from ui.session import lang, tr
from ui.widgets import plain


def _engine(d: DigestView) -> str:
    if d.engine == "template":
        return tr("digest.engine.template")
    if d.engine == "offline":
        return tr("ai.engine.offline")
    return f"{d.engine} · {d.model}"


def insights(d: DigestView) -> None:
    items: list[dict[str, object]] = d.insights.get(lang()) or next((v for v in d.insights.values() if v), [])
    marked = False
    for i, item in enumerate(items, 1):
        template = item.get("source") == "template"
        marked |= template
        st.markdown(f"{i}. {'◆ ' if template else ''}{plain(str(item.get('text', '')))}")
    notes = [tr("digest.engine", engine=_engine(d))]
    if marked:
        notes.append(tr("digest.template_note"))
    st.caption(" ".join(notes))


def anomalies(d: DigestView) -> None:
    if d.anomalies:
        names = ", ".join(NAMES[lang()].get(n, n) for n in d.anomalies)
        st.warning(tr("digest.anomalies", names=names), icon=":material/warning:")


def card(d: DigestView | None) -> None:
    """The latest digest at the top of the dashboard, or a short note before the first one."""
    with st.container(border=True):
        if d is None:
            st.markdown(f"**{tr('digest.title')}**")
            st.caption(tr("digest.card_empty"))
            return
        st.markdown(f"**{tr('digest.card_title', date=day_label(d.day, lang()))}**")
        insights(d)
        anomalies(d)
        st.page_link("pages/digest.py", label=tr("digest.open"), icon=":material/summarize:")


def full(d: DigestView) -> None:
    """One digest in full: insights, every KPI against its averages, the top spending."""
    insights(d)
    anomalies(d)
    code = lang()
    rows = figure_rows(d.kpis, code)
    metrics = d.kpis.get("metrics", {})
    table = pd.DataFrame([{
        tr("digest.col.metric"): r.label, tr("digest.col.value"): r.value,
        tr("digest.col.avg7"): figure(r.metric, metrics[r.metric]["avg_7d"], code),
        tr("digest.col.avg28"): r.average, tr("digest.col.change"): r.change,
        tr("digest.col.flag"): "⚠" if r.anomaly else "",
    } for r in rows])
    st.dataframe(table, hide_index=True, width="stretch")
    left, right = st.columns(2)
    for where, key, title in ((left, "top_categories", "digest.top_categories"),
                              (right, "top_vendors", "digest.top_vendors")):
        items = d.kpis.get(key) or []
        with where:
            st.markdown(f"**{tr(title)}**")
            if not items:
                st.caption("—")
                continue
            st.dataframe(pd.DataFrame([{
                tr("digest.col.name"): i["name"], tr("digest.col.amount"): money(i["amount"], code),
                tr("digest.col.avg28"): money(i.get("avg_28d"), code),
                tr("digest.col.share"): f"{number(i.get('share_pct'), code)}%",
            } for i in items]), hide_index=True, width="stretch")
