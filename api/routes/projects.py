"""/api/v1/projects: projects visible to the key (members, or project.read_all)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from api.errors import ERROR_RESPONSES
from core.projects import service, tasks

router = APIRouter(prefix="/api/v1/projects", tags=["projects"], responses=ERROR_RESPONSES)


class ProjectOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    status: str
    member_ids: list[uuid.UUID]


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500)


def _out(v: service.ProjectView) -> ProjectOut:
    return ProjectOut(id=v.id, name=v.name, description=v.description, status=v.status, member_ids=list(v.member_ids))


@router.get("", response_model=list[ProjectOut], summary="List projects")
async def list_projects(ctx: Context) -> list[ProjectOut]:
    return [_out(v) for v in await run_in_threadpool(service.list_projects, ctx)]


@router.get("/{project_id}", response_model=ProjectOut, summary="Get a project")
async def get_project(ctx: Context, project_id: uuid.UUID) -> ProjectOut:
    return _out(await run_in_threadpool(service.get_project, ctx, project_id))


@router.post("", response_model=ProjectOut, status_code=201, summary="Create a project")
async def create_project(ctx: Context, payload: ProjectIn) -> ProjectOut:
    view = await run_in_threadpool(service.create_project, ctx, payload.name, payload.description, payload.member_ids)
    return _out(view)


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    status: Literal["todo", "in_progress", "done"] = "todo"
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    assignee_user_id: uuid.UUID | None = None
    due_date: dt.date | None = None


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["todo", "in_progress", "done"]
    after: uuid.UUID | None = Field(default=None, description="the card it goes after")
    before: uuid.UUID | None = Field(default=None, description="the card it goes before")


class TaskOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    description: str | None
    status: str
    priority: str
    assignee_user_id: uuid.UUID | None
    due_date: dt.date | None
    position: str
    wip_warning: str | None = None


@router.get("/{project_id}/tasks", response_model=list[TaskOut], summary="The project's tasks, board order")
async def list_tasks(ctx: Context, project_id: uuid.UUID) -> list[TaskOut]:
    board = await run_in_threadpool(tasks.board, ctx, project_id)
    return [TaskOut.model_validate(t.__dict__) for column in board.values() for t in column]


@router.post("/{project_id}/tasks", response_model=TaskOut, status_code=201, summary="Create a task")
async def create_task(ctx: Context, project_id: uuid.UUID, payload: TaskIn) -> TaskOut:
    view = await run_in_threadpool(lambda: tasks.create_task(ctx, project_id, **payload.model_dump()))
    return TaskOut.model_validate(view.__dict__)


@router.post("/tasks/{task_id}/move", response_model=TaskOut, summary="Move a task to a column and place")
async def move_task(ctx: Context, task_id: uuid.UUID, payload: MoveIn) -> TaskOut:
    result = await run_in_threadpool(tasks.move_task, ctx, task_id, payload.status, after=payload.after,
                                     before=payload.before)
    return TaskOut.model_validate({**result.task.__dict__, "wip_warning": result.wip_warning})
