"""Projects with project-level access: a project is visible to its members and to roles
with `project.read_all`; anyone else gets "not found" (its existence is not revealed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, select, true
from sqlalchemy.orm import Session

from core.context import TenantContext
from core.errors import NotFound, ValidationFailed
from core.projects.models import Project, ProjectMember
from core.rbac.guard import PermissionDenied, can, require_write
from db.session import tenant_session


@dataclass(frozen=True)
class ProjectView:
    id: uuid.UUID
    name: str
    description: str | None
    status: str
    member_ids: tuple[uuid.UUID, ...]


def _user_id(ctx: TenantContext) -> uuid.UUID | None:
    try:
        return uuid.UUID(ctx.actor.id) if ctx.actor.kind == "user" else None
    except ValueError:
        return None


def _visible(ctx: TenantContext) -> ColumnElement[bool]:
    """A filter on Project: every project with project.read_all, else only one's own."""
    if can(ctx, "project.read_all"):
        return true()
    uid = _user_id(ctx)
    return exists().where(ProjectMember.project_id == Project.id, ProjectMember.user_id == uid)


def _members(s: Session, project_id: uuid.UUID) -> tuple[uuid.UUID, ...]:
    return tuple(s.scalars(select(ProjectMember.user_id).where(ProjectMember.project_id == project_id)))


def load_visible(s: Session, ctx: TenantContext, project_id: uuid.UUID) -> Project:
    project = s.scalars(select(Project).where(Project.id == project_id, _visible(ctx))).one_or_none()
    if project is None:
        raise NotFound("no such project")
    return project


def list_projects(ctx: TenantContext) -> list[ProjectView]:
    with tenant_session(ctx) as s:
        rows = s.scalars(select(Project).where(_visible(ctx)).order_by(Project.name)).all()
        return [ProjectView(p.id, p.name, p.description, p.status, _members(s, p.id)) for p in rows]


def get_project(ctx: TenantContext, project_id: uuid.UUID) -> ProjectView:
    with tenant_session(ctx) as s:
        p = load_visible(s, ctx, project_id)
        return ProjectView(p.id, p.name, p.description, p.status, _members(s, p.id))


def create_project(ctx: TenantContext, name: str, description: str | None = None,
                   members: list[uuid.UUID] | None = None) -> ProjectView:
    require_write(ctx, "project.create")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("a project name of 1 to 200 characters is required", details={"name": "invalid"})
    creator = _user_id(ctx)
    with tenant_session(ctx) as s:
        p = Project(name=name, description=(description or "").strip() or None, owner_user_id=creator)
        s.add(p)
        s.flush()
        for uid in {*(members or []), *([creator] if creator else [])}:
            s.add(ProjectMember(project_id=p.id, user_id=uid))
        s.flush()
        return ProjectView(p.id, p.name, p.description, p.status, _members(s, p.id))


def set_members(ctx: TenantContext, project_id: uuid.UUID, members: list[uuid.UUID]) -> ProjectView:
    """Replace a project's members: with project.manage, or as the project's owner."""
    with tenant_session(ctx) as s:
        p = load_visible(s, ctx, project_id)
        if not can(ctx, "project.manage") and p.owner_user_id != _user_id(ctx):
            raise PermissionDenied("project.manage")
        require_write(ctx, "project.create" if p.owner_user_id == _user_id(ctx) else "project.manage")
        current = set(_members(s, p.id))
        wanted = set(members)
        for uid in current - wanted:
            s.execute(delete(ProjectMember).where(ProjectMember.project_id == p.id, ProjectMember.user_id == uid))
        for uid in wanted - current:
            s.add(ProjectMember(project_id=p.id, user_id=uid))
        s.flush()
        return ProjectView(p.id, p.name, p.description, p.status, _members(s, p.id))


def wip_settings(ctx: TenantContext, project_id: uuid.UUID) -> tuple[dict[str, int], str]:
    with tenant_session(ctx) as s:
        p = load_visible(s, ctx, project_id)
        return {k: int(v) for k, v in (p.wip_limits or {}).items()}, p.wip_mode


def set_wip_limits(ctx: TenantContext, project_id: uuid.UUID, limits: dict[str, int], mode: str) -> None:
    """Optional work-in-progress limit per column; "warn" shows a warning, "block" refuses the move."""
    from core.projects.models import TASK_STATUSES

    require_write(ctx, "project.manage")
    problems = {}
    if mode not in ("warn", "block"):
        problems["mode"] = "the mode is 'warn' or 'block'"
    bad = [k for k, v in limits.items() if k not in TASK_STATUSES or not isinstance(v, int) or not 0 <= v <= 1000]
    if bad:
        problems["limits"] = f"a limit is a column ({', '.join(TASK_STATUSES)}) with 0 to 1000 tasks; 0 means none"
    if problems:
        raise ValidationFailed("; ".join(problems.values()), details=problems)
    with tenant_session(ctx) as s:
        p = load_visible(s, ctx, project_id)
        p.wip_limits = {k: v for k, v in limits.items() if v > 0}
        p.wip_mode = mode
