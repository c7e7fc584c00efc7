"""Employees (salary is field-level protected), projects and project members.

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0002"
down_revision: str | Sequence[str] | None = "t0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def tenant_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    ]


def upgrade() -> None:
    op.create_table(
        "employees",
        *tenant_columns(),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("position", sa.String(120)),
        sa.Column("department", sa.String(120)),
        sa.Column("salary", sa.Numeric(18, 2)),
        sa.Column("joined_on", sa.Date),
        sa.Column("user_id", UUID(as_uuid=True)),
        sa.UniqueConstraint("tenant_id", "id", name="uq_employees_tenant_id_id"),
        sa.CheckConstraint("salary IS NULL OR salary >= 0", name="ck_employees_salary_not_negative"),
    )
    op.create_table(
        "projects",
        *tenant_columns(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(20), nullable=False, server_default="active"),
        sa.Column("owner_user_id", UUID(as_uuid=True)),
        sa.UniqueConstraint("tenant_id", "id", name="uq_projects_tenant_id_id"),
    )
    op.create_table(
        "project_members",
        *tenant_columns(),
        sa.Column("project_id", UUID(as_uuid=True), nullable=False),
        sa.Column("user_id", UUID(as_uuid=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "id", name="uq_project_members_tenant_id_id"),
        sa.UniqueConstraint("project_id", "user_id", name="uq_project_members_project_id_user_id"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "project_id"], ["projects.tenant_id", "projects.id"], ondelete="CASCADE",
            name="fk_project_members_tenant_id_project_id_projects",
        ),
    )
    for table in ("employees", "projects", "project_members"):
        op.create_index(f"ix_{table}_tenant_id", table, ["tenant_id"])
        enable_tenant_rls(table)
    op.create_index("ix_project_members_project_id", "project_members", ["project_id"])
    op.create_index("ix_project_members_user_id", "project_members", ["user_id"])


def downgrade() -> None:
    for table in ("project_members", "projects", "employees"):
        op.drop_table(table)
