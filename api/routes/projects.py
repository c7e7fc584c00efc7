"""/api/v1/projects: projects visible to the key (members, or project.read_all)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from core.projects import service

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])


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
