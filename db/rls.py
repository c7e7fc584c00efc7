"""Row-level security for tenant tables, used by the tenant migration tree."""

from __future__ import annotations

from alembic import op

from db.base import CURRENT_TENANT_SQL

POLICY = "tenant_isolation"


def enable_tenant_rls(table: str) -> None:
    """ENABLE + FORCE row-level security with a policy on `app.tenant_id`."""
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY {POLICY} ON "{table}" '
        f"USING (tenant_id = {CURRENT_TENANT_SQL}) WITH CHECK (tenant_id = {CURRENT_TENANT_SQL})"
    )
