"""The pre-check verdict panel, shown next to the invoice form after "Pre-check"."""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd
import streamlit as st

from core.ai.precheck.service import Verdict, precheck
from core.context import TenantContext
from core.invoices.service import DraftIn
from ui.actions import act
from ui.session import lang, tr


def _note(note: str | None) -> str:
    key = f"precheck.note.{note or 'unavailable'}"
    text = tr(key)
    return text if text != key else tr("precheck.note.unavailable")


def panel(verdict: Verdict) -> None:
    with st.container(border=True, key="precheck_panel"):
        st.markdown(f"**{tr('precheck.title')}**")
        blocking = sum(v.blocking for v in verdict.violations)
        if verdict.valid:
            st.success(tr("precheck.valid"), icon=":material/verified:")
        else:
            summary = tr("precheck.invalid", n=len(verdict.violations), b=blocking,
                         a=len(verdict.violations) - blocking)
            (st.error if blocking else st.warning)(summary, icon=":material/rule:")
            st.dataframe(pd.DataFrame([{
                tr("precheck.col.rule"): tr(f"precheck.rule.{v.rule}"),
                tr("precheck.col.field"): v.field,
                tr("precheck.col.expected"): v.expected,
                tr("precheck.col.actual"): v.actual,
                tr("precheck.col.severity"): tr(f"precheck.severity.{v.severity}"),
            } for v in verdict.violations]), hide_index=True, width="stretch")
            if blocking:
                st.caption(tr("precheck.blocking_note"))
        status = verdict.clauses
        if status.note == "no_clauses":
            st.caption(tr("precheck.clauses_none"))
        elif status.checked:
            st.caption(tr("precheck.clauses_checked", engine=status.engine or ""))
        else:
            st.info(tr("precheck.clauses_unchecked", why=_note(status.note)), icon=":material/info:")


def run(ctx: TenantContext, data: DraftIn, invoice_id: uuid.UUID | None, where: Any) -> Verdict | None:
    """Pre-check the form's invoice and show the verdict in `where` (beside the form). Shown for
    this run only: any change to the form reruns the page and a stale verdict is never left up."""
    verdict = act(lambda: precheck(ctx, data, invoice_id=invoice_id, lang=lang()))
    if verdict is not None:
        with where:
            panel(verdict)
    return verdict
