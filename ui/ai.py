"""Graceful degradation on pages: show AI widgets only while AI is available, else the
manual path ("AI is unavailable, fill it in yourself").

    status = ai_section(ctx)          # shows the engine, or the manual-path notice
    if status is not None:
        ... the AI widget, calling core.ai.chat(...) ...
    ... the manual form, always there ...

The breaker state lives in the database, so every page, the API and the scheduler agree.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core import ai
from core.ai.gateway import AIStatus
from core.ai.types import OFFLINE_LABEL, ChatResult
from core.context import TenantContext
from core.errors import DomainError
from ui.i18n import idr
from ui.session import tr


def ai_status(ctx: TenantContext) -> AIStatus:
    return ai.status(ctx)


def ai_widgets_visible(ctx: TenantContext) -> bool:
    """True when AI widgets should show: permission, switch on, budget left, breaker closed."""
    return ai_status(ctx).available


def engine_name(label: str) -> str:
    return tr("ai.engine.offline") if label == OFFLINE_LABEL else label


def reason_text(status: AIStatus) -> str:
    minutes = max(1, round(status.retry_after / 60)) if status.retry_after else 0
    return tr(f"ai.reason.{status.reason}", minutes=minutes) if status.reason else ""


def manual_path(status: AIStatus | None = None, where: Any = None) -> None:
    """The notice shown instead of AI widgets."""
    text = tr("ai.manual_path")
    if status is not None and status.reason:
        text += " " + reason_text(status)
    (where or st).info(text, icon=":material/edit_note:")


def ai_section(ctx: TenantContext, where: Any = None) -> AIStatus | None:
    """The engine caption (and budget warning) when AI is available, else the manual path."""
    status = ai_status(ctx)
    place = where or st
    if not status.available:
        manual_path(status, place)
        return None
    place.caption(tr("ai.engine", engine=engine_name(status.engine_label)))
    if status.budget_warning:
        place.warning(tr("ai.budget.warning"), icon=":material/savings:")
    return status


def answer_meta(result: ChatResult, where: Any = None) -> None:
    """Under an AI answer: which engine answered, and a note when it was the offline fallback."""
    place = where or st
    place.caption(tr("ai.engine", engine=engine_name(result.engine_label)))
    if result.degraded:
        place.info(tr("ai.degraded"), icon=":material/cloud_off:")
    if result.budget_warning:
        place.warning(tr("ai.budget.warning"), icon=":material/savings:")


def show_ai_error(exc: DomainError, where: Any = None) -> None:
    """An AI refusal in plain words, with the manual path."""
    place = where or st
    code = getattr(exc, "code", "")
    if code == "ai_budget_exhausted":
        details = exc.details or {}
        limit = details.get("limit_micros")
        amount = idr(int(limit) // 1_000_000) if limit is not None else f"{details.get('limit_tokens', 0):,} token"
        key = "ai.budget.exhausted_tenant" if details.get("scope") == "tenant" else "ai.budget.exhausted_user"
        place.error(tr(key, limit=amount, date=details.get("resets_on", "")), icon=":material/block:")
    elif code in ("ai_unavailable", "ai_disabled", "ai_masking_failed"):
        place.error(tr(f"err.{code}"), icon=":material/cloud_off:")
    else:
        place.error(exc.message)
    manual_path(where=place)
