"""CEO digest: past digests (the chosen one in full), "run now" for Admins, and the member's
own e-mail subscription."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from core.ai.digest import service
from core.ai.digest.delivery import day_label
from ui import digest_card
from ui.actions import act, show_toasts, toast_later
from ui.guard import page_guard
from ui.i18n import LANGUAGES
from ui.session import lang, tr

ctx = page_guard("dashboard.read")
show_toasts()
st.title(tr("digest.title"), anchor=False)
st.caption(tr("digest.caption", tz=ctx.timezone))


def local(moment: dt.datetime | None) -> str:
    return moment.astimezone(ZoneInfo(ctx.timezone)).strftime("%Y-%m-%d %H:%M") if moment else "—"


left, right = st.columns([3, 2], vertical_alignment="bottom")
if "digest.run" in ctx.permissions:
    day = service.yesterday(ctx)
    if left.button(tr("digest.run_now"), icon=":material/play_arrow:", key="digest_run",
                   help=tr("digest.run_help", date=day_label(day, lang()))):
        with st.spinner(tr("digest.run_now")):
            result = act(lambda: service.run_now(ctx))
        if result is not None:
            label = day_label(result.digest.day, lang())
            toast_later(tr("digest.ran" if result.ran else "digest.already", date=label))
            st.rerun()

if ctx.actor.kind == "user":
    mine = service.subscription(ctx)
    with right:
        on = st.toggle(tr("digest.subscribe"), value=mine.opted_in, key="digest_subscribed")
        language = st.selectbox(tr("digest.language"), list(LANGUAGES), index=list(LANGUAGES).index(mine.language),
                                format_func=LANGUAGES.__getitem__, key="digest_language")
    changed = (on, language) != (mine.opted_in, mine.language)
    if changed and act(lambda: service.subscribe(ctx, on, language), done=tr("digest.saved")) is not None:
        st.rerun()

digests = service.history(ctx)
if not digests:
    st.info(tr("digest.none"), icon=":material/schedule:")
    st.stop()

st.subheader(tr("digest.history"), anchor=False)
st.dataframe(pd.DataFrame([{
    tr("digest.col.day"): day_label(d.day, lang()), tr("digest.col.status"): tr(f"digest.status.{d.status}"),
    tr("digest.col.trigger"): tr(f"digest.trigger.{d.trigger}"), tr("digest.col.attempts"): d.attempts,
    tr("digest.col.emails"): d.emails_queued,
} for d in digests]), hide_index=True, width="stretch", height=min(38 + 35 * len(digests), 260))

by_id = {str(d.id): d for d in digests}
labels = {i: f"{day_label(d.day, lang())} · {tr('digest.status.' + d.status)}" for i, d in by_id.items()}
chosen = st.selectbox(tr("digest.pick"), list(by_id), key="digest_pick", format_func=labels.__getitem__)
picked = by_id[chosen]
st.subheader(day_label(picked.day, lang()), anchor=False)
if picked.status == "failed":
    st.error(tr("digest.failed", error=picked.last_error or "—",
                next=local(picked.next_attempt_at) if picked.next_attempt_at else tr("digest.no_retry")))
elif picked.status == "ready":
    digest_card.full(picked)
else:
    st.info(tr("digest.status.running"), icon=":material/hourglass_top:")
