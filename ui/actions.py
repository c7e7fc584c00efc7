"""The one action wrapper of the business pages: run a service call, show what happened.

`act(call)` runs `call()`; a DomainError becomes a plain `st.error` (one line per problem,
in the user's language where the problem is known) and the call returns None; success
queues a toast, which survives the `st.rerun` that usually follows (`show_toasts` at the
top of every page and fragment shows it). Services open and commit their own transaction
(`tenant_session`): leaving the block commits, an exception rolls back, so a failed
action has changed nothing.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.errors import DomainError
from ui.session import tr

T = TypeVar("T")
_TOASTS = "_business_toasts"

# (detail field pattern, words in the detail or message) -> string key; {n} is the line number.
_KNOWN: tuple[tuple[str, str, str], ...] = (
    (r"lines\.(\d+)\.description", "limited", "err.biz.line_description_long"),
    (r"lines\.(\d+)\.description", "", "err.biz.line_description"),
    (r"lines\.(\d+)\.quantity", "", "err.biz.line_quantity"),
    (r"line (\d+) quantity", "", "err.biz.line_quantity_number"),
    (r"lines\.(\d+)\.unit_price", "too large", "err.biz.line_too_large"),
    (r"lines\.(\d+)\.unit_price", "", "err.biz.line_price"),
    (r"line (\d+) unit price", "", "err.biz.line_price_number"),
    (r"lines\.(\d+)\.discount_pct", "", "err.biz.line_discount"),
    (r"line (\d+) discount", "", "err.biz.line_discount"),
    (r"lines", "at most", "err.biz.too_many_lines"),
    (r"lines", "", "err.biz.no_lines"),
    (r"due_date", "", "err.biz.due_date"),
    (r"discount_pct|discount_amount|discount|invoice discount", "", "err.biz.invoice_discount"),
    (r"customer_id", "", "err.biz.customer"),
    (r"payment_terms_days", "", "err.biz.terms"),
    (r"currency", "", "err.biz.currency"),
    (r"email", "", "err.biz.email"),
    (r"npwp", "", "err.biz.npwp"),
    (r"credit_limit", "", "err.biz.credit_limit"),
    (r"amount", "over balance", "err.biz.over_balance"),
    (r"amount", "", "err.biz.amount"),
    (r"paid_on", "", "err.biz.paid_on"),
    (r"reason", "", "err.biz.reason"),
    (r"category", "", "err.biz.category"),
    (r"vendor", "", "err.biz.vendor"),
    (r"file", "empty", "err.biz.file_empty"),
    (r"file", "large", "err.biz.file_large"),
    (r"file", "", "err.biz.file_type"),
    (r"title", "", "err.biz.title"),
    (r"name", "", "err.biz.name"),
    (r"wip_limit", "", "err.biz.wip"),
    (r"neighbour", "", "err.biz.neighbour"),
)


def _known(field: str, text: str) -> str | None:
    for pattern, words, key in _KNOWN:
        match = re.fullmatch(pattern, field)
        if match and (not words or words in text):
            return tr(key, n=match.group(1)) if match.groups() else tr(key)
    return None


def explain(exc: DomainError) -> list[str]:
    """One plain sentence per problem; the service's own words when the problem is not known here."""
    code = getattr(exc, "code", "")
    details = exc.details or {}
    if code == "permission_denied":
        return [tr("err.permission", permission=details.get("permission", ""))]
    if code == "not_found":
        return [tr("err.not_found")]
    if code == "locked":
        return [tr("err.biz.locked", reason=exc.message)]
    lines: list[str] = []
    for field, value in details.items():
        text = f"{value} {exc.message}"
        known = _known(str(field), text)
        lines.append(known or (str(value) if " " in str(value) else exc.message))
    if "wip_limit" in details:
        lines = [tr("err.biz.wip", limit=details["wip_limit"], column=tr(f"task.status.{details.get('status')}"))]
    return list(dict.fromkeys(lines)) or [exc.message]


def show_error(exc: DomainError, where: Any = None) -> None:
    lines = explain(exc)
    text = lines[0] if len(lines) == 1 else "\n".join(f"- {line}" for line in lines)
    (where or st).error(text, icon=":material/error:")


def toast_later(message: str, icon: str = ":material/check_circle:") -> None:
    st.session_state.setdefault(_TOASTS, []).append((message, icon))


def show_toasts() -> None:
    for message, icon in st.session_state.pop(_TOASTS, []):
        st.toast(message, icon=icon)


def act(call: Callable[[], T], *, done: str | None = None, rerun: str | None = None, where: Any = None) -> T | None:
    """Run a service call. On success: toast `done`, then rerun ("app" or "fragment") if asked."""
    try:
        result = call()
    except DomainError as exc:
        show_error(exc, where)
        return None
    if done:
        toast_later(done)
    if rerun:
        rerun_now(rerun)
    return result


def rerun_now(scope: str = "app") -> None:
    if scope == "fragment":
        with contextlib.suppress(StreamlitAPIException):  # in a full run: rerun everything
            st.rerun(scope="fragment")
    st.rerun()
