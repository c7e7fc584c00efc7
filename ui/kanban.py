"""The kanban board: drag and drop with streamlit-sortables, plus a status select per card.

The board runs in an `st.fragment`, so a drop reruns only the board. Each card's text ends
with a short id, which keeps texts unique and maps a dropped card back to its task. The
component's key carries a fingerprint of the board as loaded from the database (and a
counter bumped after a refused move), so whenever the data changes outside a drag the
component is remounted and shows the fresh board instead of its own stale state.
A drop is translated into one `move_task(task, status, after=..., before=...)` call for
the single card that moved.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import streamlit as st
from streamlit_sortables import sort_items

from core.context import TenantContext
from core.errors import DomainError
from core.projects.models import TASK_STATUSES
from core.projects.tasks import TaskView, board, move_task
from core.rbac.guard import can
from ui.actions import explain, rerun_now, show_toasts, toast_later
from ui.session import tr
from ui.widgets import bump, day, day_short, nonce, plain, priority_badge

STYLE = """
.sortable-component { border: 0; padding: 0; background: transparent; gap: 12px; flex-wrap: nowrap !important; }
.sortable-component.vertical .sortable-container { background: #f1f5f9; border: 1px solid #e2e8f0;
  border-radius: 12px; padding: 6px 6px 10px; min-height: 180px; flex: 1 1 0; min-width: 0; }
.sortable-container-header { background: transparent; font-weight: 600; color: #0f172a; padding: 6px 8px 8px; }
.sortable-container-body { background: transparent; min-height: 140px; }
.sortable-item, .sortable-item:hover { background: #ffffff; color: #0f172a; border: 1px solid #e2e8f0;
  border-radius: 8px; padding: 8px 10px; margin: 6px 4px; font-weight: 400; font-size: 0.9rem; line-height: 1.35;
  box-shadow: 0 1px 2px rgba(15, 23, 42, 0.06); cursor: grab; white-space: normal; text-align: left; }
.sortable-item.dragging { box-shadow: 0 8px 20px rgba(15, 23, 42, 0.18); }
"""
NOTICE = "_kanban_notice"


@dataclass(frozen=True)
class Move:
    task_id: str
    status: str
    after: str | None
    before: str | None


def find_move(before: Mapping[str, Sequence[str]], after: Mapping[str, Sequence[str]]) -> Move | None:
    """The one card a drag moved (a card that changed column, else one reordered within its column)."""
    key = status = None
    for column, cards in after.items():
        arrived = [c for c in cards if c not in before.get(column, ())]
        if arrived:
            key, status = arrived[0], column
            break
    if key is None:
        for column, cards in after.items():
            old = list(before.get(column, ()))
            if list(cards) == old:
                continue
            for card in cards:
                if [c for c in cards if c != card] == [c for c in old if c != card]:
                    key, status = card, column
                    break
            break
    if key is None or status is None:
        return None
    cards = list(after[status])
    i = cards.index(key)
    return Move(key, status, cards[i - 1] if i > 0 else None, cards[i + 1] if i + 1 < len(cards) else None)


def card_text(task: TaskView, people: Mapping[uuid.UUID, str], short: str) -> str:
    """The card's text (plain: the component shows text only): title, priority, assignee, due date, id."""
    parts = [task.title, tr(f"task.priority.{task.priority}")]
    if task.assignee_user_id:
        parts.append(people.get(task.assignee_user_id, "?").split(" ")[0])
    if task.due_date:
        parts.append(day_short(task.due_date))
    return " · ".join(parts) + f" · #{short}"


def short_ids(tasks: Sequence[TaskView]) -> dict[uuid.UUID, str]:
    """The shortest id prefix (at least 6 hex digits) that tells every card apart."""
    size = 6
    while True:
        out = {t.id: t.id.hex[:size] for t in tasks}
        if len(set(out.values())) == len(out) or size >= 32:
            return out
        size += 2


def _notice(kind: str, text: str) -> None:
    st.session_state[NOTICE] = (kind, text)


def _wip_text(message: str, status: str) -> str:
    limit = re.search(r"limit of (\d+)", message)
    return tr("kanban.wip_warning", column=tr(f"task.status.{status}"), limit=limit.group(1) if limit else "?")


def _move(ctx: TenantContext, task_id: uuid.UUID, status: str, after: uuid.UUID | None = None,
          before: uuid.UUID | None = None) -> None:
    try:
        result = move_task(ctx, task_id, status, after=after, before=before)
    except DomainError as exc:
        _notice("error", " ".join(explain(exc)))
        bump("kanban")  # the component still shows the refused drop: remount it
    else:
        if result.wip_warning:
            _notice("warning", _wip_text(result.wip_warning, status))
        toast_later(tr("kanban.moved", title=result.task.title, column=tr(f"task.status.{status}")))
    rerun_now("fragment")


@st.fragment
def kanban(ctx: TenantContext, project_id: uuid.UUID, people: Mapping[uuid.UUID, str]) -> None:
    show_toasts()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        (st.error if notice[0] == "error" else st.warning)(notice[1], icon=":material/error:")
    columns = board(ctx, project_id)
    tasks = [t for status in TASK_STATUSES for t in columns[status]]
    if not tasks:
        st.info(tr("kanban.empty"), icon=":material/checklist:")
        return
    shorts = short_ids(tasks)
    texts = {t.id: card_text(t, people, shorts[t.id]) for t in tasks}
    by_text = {text: tid for tid, text in texts.items()}
    before = {s: [str(t.id) for t in columns[s]] for s in TASK_STATUSES}
    movable = can(ctx, "task.write") and ctx.writable

    if movable:
        st.caption(tr("kanban.drag_hint"))
        fingerprint = hashlib.sha1(json.dumps([before, sorted(texts.values())]).encode(), usedforsecurity=False)
        containers = [{"header": f"{tr(f'task.status.{s}')} · {len(columns[s])}",
                       "items": [texts[t.id] for t in columns[s]]} for s in TASK_STATUSES]
        result = sort_items(containers, multi_containers=True, direction="vertical", custom_style=STYLE,
                            key=f"kanban_{project_id.hex[:8]}_{fingerprint.hexdigest()[:12]}_{nonce('kanban')}")
        after = {s: [str(by_text[text]) for text in box.get("items", []) if text in by_text]
                 for s, box in zip(TASK_STATUSES, result or containers, strict=False)}
        move = find_move(before, after)
        if move is not None:
            _move(ctx, uuid.UUID(move.task_id), move.status, uuid.UUID(move.after) if move.after else None,
                  uuid.UUID(move.before) if move.before else None)

    status_labels = {s: tr(f"task.status.{s}") for s in TASK_STATUSES}
    with st.expander(tr("kanban.list_title"), expanded=not movable, icon=":material/checklist:"):
        for status in TASK_STATUSES:
            for t in columns[status]:
                a, b, c = st.columns([6, 2, 2], vertical_alignment="center")
                who = people.get(t.assignee_user_id, "?") if t.assignee_user_id else tr("kanban.unassigned")
                meta = f"{plain(who)} · {tr('kanban.due')}: {day(t.due_date)}"
                a.markdown(f"{priority_badge(t.priority)} {plain(t.title)}  \n:gray[{meta}]")
                b.caption(f"#{shorts[t.id]}")
                picked = c.selectbox(tr("kanban.status"), TASK_STATUSES, index=TASK_STATUSES.index(t.status),
                                     format_func=status_labels.__getitem__, label_visibility="collapsed",
                                     key=f"task_status_{t.id}_{t.status}", disabled=not movable)
                if picked != t.status:
                    _move(ctx, t.id, picked)
