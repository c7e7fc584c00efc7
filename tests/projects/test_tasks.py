"""Kanban tasks: fractional ordering (one row per move), WIP limits, visibility."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.context import TenantContext
from core.errors import Conflict, NotFound, ValidationFailed
from core.projects import service as projects
from core.projects import tasks
from core.projects.models import Project
from db.session import tenant_session


def _titles(col: list[tasks.TaskView]) -> list[str]:
    return [t.title for t in col]


def test_moves_rewrite_one_row_and_keep_order(as_role: Callable[..., TenantContext], tier: str) -> None:
    admin = as_role("admin", f"a-{tier}")
    p = projects.create_project(admin, "Board")
    a, b, c = (tasks.create_task(admin, p.id, t) for t in ("A", "B", "C"))
    assert _titles(tasks.board(admin, p.id)["todo"]) == ["A", "B", "C"]
    tasks.move_task(admin, c.id, "todo", before=a.id)  # to the top
    assert _titles(tasks.board(admin, p.id)["todo"]) == ["C", "A", "B"]
    before = {t.id: t.position for t in tasks.board(admin, p.id)["todo"]}
    tasks.move_task(admin, b.id, "todo", after=c.id, before=a.id)
    after = {t.id: t.position for t in tasks.board(admin, p.id)["todo"]}
    assert _titles(tasks.board(admin, p.id)["todo"]) == ["C", "B", "A"]
    assert {k for k in before if before[k] != after[k]} == {b.id}  # only the moved card changed
    moved = tasks.move_task(admin, a.id, "done")
    assert moved.task.status == "done"
    board = tasks.board(admin, p.id)
    assert _titles(board["done"]) == ["A"] and _titles(board["todo"]) == ["C", "B"]
    for _ in range(30):  # many moves between the same neighbours keep a strict order
        tasks.move_task(admin, b.id, "todo", after=c.id)
    assert _titles(tasks.board(admin, p.id)["todo"]) == ["C", "B"]


def test_wip_limit_warns_or_blocks(as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin")
    p = projects.create_project(admin, "WIP")
    t1, t2 = tasks.create_task(admin, p.id, "one"), tasks.create_task(admin, p.id, "two")
    with tenant_session(admin) as s:
        project = s.scalars(select(Project).where(Project.id == p.id)).one()
        project.wip_limits = {"in_progress": 1}
    assert tasks.move_task(admin, t1.id, "in_progress").wip_warning is None
    assert "limit of 1" in (tasks.move_task(admin, t2.id, "in_progress").wip_warning or "")
    with tenant_session(admin) as s:
        s.scalars(select(Project).where(Project.id == p.id)).one().wip_mode = "block"
    t3 = tasks.create_task(admin, p.id, "three")
    with pytest.raises(Conflict):
        tasks.move_task(admin, t3.id, "in_progress")
    assert tasks.board(admin, p.id)["todo"][0].id == t3.id


def test_tasks_follow_project_visibility(as_role: Callable[..., TenantContext], tier: str) -> None:
    admin = as_role("admin", f"a-{tier}")
    outsider = as_role("staff", f"a-{tier}", user_id=uuid.uuid4())
    other_tenant = as_role("admin", f"b-{tier}")
    p = projects.create_project(admin, "Private")
    t = tasks.create_task(admin, p.id, "secret task")
    for ctx in (outsider, other_tenant):
        with pytest.raises(NotFound):
            tasks.board(ctx, p.id)
        with pytest.raises(NotFound):
            tasks.move_task(ctx, t.id, "done")
        with pytest.raises(NotFound):
            tasks.create_task(ctx, p.id, "intruder")
    assert tasks.board(admin, p.id)["todo"][0].status == "todo"


def test_bad_moves(as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin")
    p, q = projects.create_project(admin, "P1"), projects.create_project(admin, "P2")
    a = tasks.create_task(admin, p.id, "a")
    other = tasks.create_task(admin, q.id, "other")
    with pytest.raises(ValidationFailed):
        tasks.move_task(admin, a.id, "archived")
    with pytest.raises(ValidationFailed):
        tasks.move_task(admin, a.id, "todo", after=other.id)  # a card of another project
    with pytest.raises(ValidationFailed):
        tasks.create_task(admin, p.id, "")
