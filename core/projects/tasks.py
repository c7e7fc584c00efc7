"""Tasks on a project's kanban board.

Order within a column is a fractional index (a short string that sorts between its
neighbours), so moving a card rewrites only that card's row. Visibility follows the
project: tasks of a project one cannot see are "not found".
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from fractional_indexing import generate_key_between
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.context import TenantContext
from core.errors import Conflict, NotFound, ValidationFailed
from core.projects.models import PRIORITIES, TASK_STATUSES, Project, Task
from core.projects.service import load_visible as load_project
from core.rbac.guard import require_write
from core.webhooks.events import task_data
from core.webhooks.outbox import emit
from db.session import tenant_session


@dataclass(frozen=True)
class TaskView:
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    description: str | None
    status: str
    priority: str
    assignee_user_id: uuid.UUID | None
    due_date: dt.date | None
    position: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class MoveResult:
    task: TaskView
    wip_warning: str | None = None


def _view(t: Task) -> TaskView:
    return TaskView(t.id, t.project_id, t.title, t.description, t.status, t.priority, t.assignee_user_id, t.due_date,
                    t.position, t.updated_at)


def _check(title: str, status: str, priority: str) -> None:
    problems = {}
    if not title.strip() or len(title) > 300:
        problems["title"] = "a title of 1 to 300 characters is required"
    if status not in TASK_STATUSES:
        problems["status"] = f"unknown status '{status}'"
    if priority not in PRIORITIES:
        problems["priority"] = f"unknown priority '{priority}'"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)


def _last_position(s: Session, project_id: uuid.UUID, status: str) -> str | None:
    return s.scalar(select(func.max(Task.position)).where(Task.project_id == project_id, Task.status == status))


def board(ctx: TenantContext, project_id: uuid.UUID) -> dict[str, list[TaskView]]:
    with tenant_session(ctx) as s:
        load_project(s, ctx, project_id)
        rows = s.scalars(select(Task).where(Task.project_id == project_id).order_by(Task.status, Task.position))
        columns: dict[str, list[TaskView]] = {status: [] for status in TASK_STATUSES}
        for t in rows:
            columns[t.status].append(_view(t))
        return columns


def create_task(ctx: TenantContext, project_id: uuid.UUID, title: str, *, description: str | None = None,
                status: str = "todo", priority: str = "medium", assignee_user_id: uuid.UUID | None = None,
                due_date: dt.date | None = None) -> TaskView:
    require_write(ctx, "task.write")
    _check(title, status, priority)
    with tenant_session(ctx) as s:
        load_project(s, ctx, project_id)
        t = Task(project_id=project_id, title=title.strip(), description=(description or "").strip() or None,
                 status=status, priority=priority, assignee_user_id=assignee_user_id, due_date=due_date,
                 position=generate_key_between(_last_position(s, project_id, status), None),
                 completed_at=dt.datetime.now(dt.UTC) if status == "done" else None)
        s.add(t)
        s.flush()
        return _view(t)


def _wip(s: Session, project: Project, status: str, moving: uuid.UUID) -> str | None:
    limit = (project.wip_limits or {}).get(status)
    if not limit:
        return None
    count = s.scalar(select(func.count()).select_from(Task).where(
        Task.project_id == project.id, Task.status == status, Task.id != moving)) or 0
    if count + 1 <= int(limit):
        return None
    message = f"the '{status}' column has a limit of {limit} tasks"
    if project.wip_mode == "block":
        raise Conflict(message, details={"wip_limit": int(limit), "status": status})
    return message


def move_task(ctx: TenantContext, task_id: uuid.UUID, status: str, *, after: uuid.UUID | None = None,
              before: uuid.UUID | None = None) -> MoveResult:
    """Put a task into `status`, between the tasks `after` and `before` (or at the end)."""
    require_write(ctx, "task.write")
    if status not in TASK_STATUSES:
        raise ValidationFailed(f"unknown status '{status}'", details={"status": "unknown"})
    with tenant_session(ctx) as s:
        t = s.get(Task, task_id, with_for_update=True)
        if t is None:
            raise NotFound("no such task")
        project = load_project(s, ctx, t.project_id)
        warning = _wip(s, project, status, t.id) if status != t.status else None

        def neighbour(ident: uuid.UUID | None) -> str | None:
            if ident is None:
                return None
            other = s.get(Task, ident)
            if other is None or other.project_id != t.project_id or other.status != status or other.id == t.id:
                raise ValidationFailed("the neighbouring card is not in that column", details={"neighbour": "bad"})
            return other.position

        lo, hi = neighbour(after), neighbour(before)
        if lo is None and hi is None:
            if status == t.status:
                return MoveResult(_view(t), None)  # already in that column; nothing to do
            lo = _last_position(s, t.project_id, status)
        if lo is not None and hi is not None and lo >= hi:
            raise ValidationFailed("the neighbouring cards are in the wrong order", details={"neighbour": "order"})
        t.position = generate_key_between(lo, hi)
        previous = t.status
        if status != t.status:
            t.completed_at = dt.datetime.now(dt.UTC) if status == "done" else None
            t.status = status
        s.flush()
        if status != previous:
            emit(s, ctx, "task.status_changed", task_data(_view(t), previous))
        return MoveResult(_view(t), warning)


def update_task(ctx: TenantContext, task_id: uuid.UUID, *, title: str | None = None,
                description: str | None = None, priority: str | None = None,
                assignee_user_id: uuid.UUID | None = None, due_date: dt.date | None = None) -> TaskView:
    require_write(ctx, "task.write")
    with tenant_session(ctx) as s:
        t = s.get(Task, task_id, with_for_update=True)
        if t is None:
            raise NotFound("no such task")
        load_project(s, ctx, t.project_id)
        _check(title if title is not None else t.title, t.status, priority or t.priority)
        if title is not None:
            t.title = title.strip()
        if description is not None:
            t.description = description.strip() or None
        if priority is not None:
            t.priority = priority
        if assignee_user_id is not None:
            t.assignee_user_id = assignee_user_id
        if due_date is not None:
            t.due_date = due_date
        s.flush()
        return _view(t)


def delete_task(ctx: TenantContext, task_id: uuid.UUID) -> None:
    require_write(ctx, "task.write")
    with tenant_session(ctx) as s:
        t = s.get(Task, task_id)
        if t is None:
            raise NotFound("no such task")
        load_project(s, ctx, t.project_id)
        s.delete(t)
