"""The CSV import expander: upload, preview with row-level errors, then import all or nothing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.context import TenantContext
from core.csv_import import COLUMNS, MAX_ERRORS_SHOWN, PERMISSION, commit, parse
from core.errors import DomainError
from core.rbac.guard import can
from ui.session import tr

PREVIEW_ROWS = 20


def import_expander(ctx: TenantContext, kind: str) -> None:
    if not can(ctx, PERMISSION[kind]) or not ctx.writable:
        return
    required, optional = COLUMNS[kind]
    with st.expander(tr("csv.import_title"), icon=":material/upload_file:"):
        st.caption(tr("csv.import_help", required=", ".join(sorted(required)), optional=", ".join(sorted(optional))))
        upload = st.file_uploader(tr("csv.choose_file"), type=["csv", "txt"], key=f"csv_import_{kind}")
        if upload is None:
            return
        try:
            preview = parse(kind, upload.getvalue())
        except DomainError as exc:
            st.error(exc.message, icon=":material/error:")
            return
        if preview.encoding != "utf-8":
            st.info(tr("csv.encoding_note", encoding=preview.encoding), icon=":material/info:")
        st.write(tr("csv.preview", rows=len(preview.rows), errors=len(preview.errors)))
        shown = [{k: v for k, v in row.items() if k != "line"} for row in preview.rows[:PREVIEW_ROWS]]
        if shown:
            st.dataframe(pd.DataFrame(shown), hide_index=True, width="stretch")
        if preview.errors:
            st.error(tr("csv.fix_first", n=len(preview.errors)), icon=":material/error:")
            st.dataframe(pd.DataFrame([{tr("csv.row"): e.row, tr("csv.column"): e.column, tr("csv.problem"): e.message}
                                       for e in preview.errors[:MAX_ERRORS_SHOWN]]), hide_index=True, width="stretch")
            return
        if st.button(tr("csv.import_button", rows=len(preview.rows)), type="primary", key=f"csv_commit_{kind}"):
            with st.spinner(tr("csv.importing")):
                try:
                    count = commit(ctx, preview)
                except DomainError as exc:
                    st.error(exc.message, icon=":material/error:")
                    return
            st.success(tr("csv.imported", n=count), icon=":material/check_circle:")
