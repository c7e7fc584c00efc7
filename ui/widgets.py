"""Small shared widgets of the business pages: money, dates, badges, empty states,
confirmations and CSV downloads."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import streamlit as st

from core.context import TenantContext
from core.csv_export import to_csv
from core.invoices.pdf import format_money
from core.rbac.guard import can
from ui.i18n import MONTHS_ID, date_label, idr
from ui.session import lang, tr

INVOICE_BADGES = {"draft": ("gray", ":material/edit_note:"), "sent": ("blue", ":material/send:"),
                  "overdue": ("red", ":material/schedule:"), "paid": ("green", ":material/check_circle:"),
                  "void": ("gray", ":material/block:")}
PRIORITY_COLORS = {"low": "gray", "medium": "blue", "high": "orange", "urgent": "red"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def today(ctx: TenantContext) -> dt.date:
    """Today in the company's time zone (not the server's)."""
    return dt.datetime.now(ZoneInfo(ctx.timezone)).date()


def money(amount: Decimal | int | None, currency: str = "IDR") -> str:
    if currency == "IDR":
        return idr(amount or 0)
    return format_money(Decimal(amount or 0), currency, lang())


def day(value: dt.date | None) -> str:
    return date_label(value, lang()) if value else "—"


def table_date_format() -> str:
    """Date columns of tables: 24/11/2026 in Indonesian (the grid's month names are English)."""
    return "DD/MM/YYYY" if lang() == "id" else "DD MMM YYYY"


def day_short(value: dt.date) -> str:
    """29 Nov / 3 Des: for cards and chart ticks."""
    month = MONTHS_ID[value.month - 1][:3] if lang() == "id" else value.strftime("%b")
    return f"{value.day} {month}"


def plain(text: str | None) -> str:
    """User text made safe for markdown: shown exactly as typed, never as markup or links."""
    return _MARKDOWN.sub(r"\\\1", text or "")


def invoice_status(status: str) -> str:
    """A status as text, for tables and filters."""
    return tr(f"invoice.status.{status}")


def priority_badge(priority: str) -> str:
    """Markdown for a coloured priority badge."""
    return f":{PRIORITY_COLORS.get(priority, 'gray')}-badge[{tr(f'task.priority.{priority}')}]"


def invoice_badge(status: str) -> None:
    color, icon = INVOICE_BADGES.get(status, ("gray", "•"))
    st.badge(tr(f"invoice.status.{status}"), icon=icon, color=color)  # type: ignore[arg-type]


def empty_state(icon: str, title: str, body: str) -> None:
    """A friendly box for a list with nothing in it yet: a big icon, a title and what to do."""
    with st.container(border=True, horizontal_alignment="center", gap="small"):
        st.space("small")
        st.markdown(f"## :gray[{icon}]", text_alignment="center", anchors=False)
        st.markdown(f"**{plain(title)}**", text_alignment="center")
        st.caption(plain(body), text_alignment="center")
        st.space("small")


def plain_html(text: str) -> str:
    import html

    return html.escape(text)


def confirm(label: str, key: str, prompt: str, confirm_label: str, *, icon: str | None = None,
            disabled: bool = False) -> bool:
    """A button that opens a small confirmation; True only when the confirmation is clicked."""
    with st.popover(label, icon=icon, disabled=disabled, key=f"{key}_pop", width="stretch"):
        st.markdown(prompt)
        return st.button(confirm_label, key=f"{key}_yes", type="primary")


def csv_download(ctx: TenantContext, header: Sequence[str], rows: Callable[[], Iterable[Sequence[Any]]],
                 file_name: str, key: str) -> None:
    """A CSV (formula injection neutralised), made only when clicked, for roles that may export."""
    if not can(ctx, "data.export"):
        return
    st.download_button(tr("common.export_csv"), lambda: to_csv(header, rows()).encode("utf-8-sig"),
                       file_name=file_name, mime="text/csv", icon=":material/download:", key=key, on_click="ignore")


def nonce(name: str) -> int:
    """A counter for widget keys: bumping it remounts the widget with fresh data."""
    return int(st.session_state.get(f"_nonce_{name}", 0))


def bump(name: str) -> None:
    st.session_state[f"_nonce_{name}"] = nonce(name) + 1


def figure_rows(rows: Sequence[tuple[str, str, bool]]) -> None:
    """Label on the left, amount on the right; strong rows (the total) in bold after a rule."""
    for label, value, strong in rows:
        if strong:
            st.markdown("<hr style='margin:0.1rem 0'>", unsafe_allow_html=True)
        a, b = st.columns([3, 2], vertical_alignment="center")
        a.markdown(f"**{plain(label)}**" if strong else plain(label))
        b.markdown(f"**{plain(value)}**" if strong else plain(value), text_alignment="right")
