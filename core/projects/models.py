"""Projects and their members (project-level access)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import TenantBase, TenantScoped


class Project(TenantScoped, TenantBase):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("tenant_id", "id"),)

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="active")
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class ProjectMember(TenantScoped, TenantBase):
    __tablename__ = "project_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("project_id", "user_id"),
        ForeignKeyConstraint(["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"], ondelete="CASCADE"),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
