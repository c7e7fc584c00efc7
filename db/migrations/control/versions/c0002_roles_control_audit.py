"""Custom roles per tenant; the control-plane audit log (append-only, hash-chained).

Revision ID: c0002
Revises: c0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision: str = "c0002"
down_revision: str | Sequence[str] | None = "c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "roles",
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("tenant_id", UUID(as_uuid=True), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("description", sa.String(300)),
        sa.Column("permissions", ARRAY(sa.String(60)), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.UniqueConstraint("tenant_id", "key", name="uq_roles_tenant_id_key"),
        sa.CheckConstraint("key ~ '^[a-z][a-z0-9_]{1,39}$'", name="ck_roles_key"),
    )
    op.create_table(
        "control_audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        # The chain: one per tenant (its id as text) and one for the platform ('platform').
        sa.Column("chain_key", sa.String(40), nullable=False),
        sa.Column("chain_seq", sa.BigInteger, nullable=False),
        sa.Column("tenant_id", UUID(as_uuid=True)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200)),
        sa.Column("details", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("ip", sa.String(64)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("prev_hash", sa.LargeBinary),
        sa.Column("hash", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("chain_key", "chain_seq", name="uq_control_audit_log_chain_key_chain_seq"),
    )
    op.create_index("ix_control_audit_log_tenant_id_occurred_at", "control_audit_log", ["tenant_id", "occurred_at"])
    op.execute(
        """
        CREATE FUNCTION control_audit_hash(prev bytea, seq bigint, tenant uuid, occurred timestamptz,
                                           actor text, action text, target text, details jsonb, ip text,
                                           request_id text) RETURNS bytea
        LANGUAGE sql IMMUTABLE AS $$
          SELECT sha256(coalesce(prev, '\\x'::bytea) || convert_to(concat_ws('|', seq::text,
                 coalesce(tenant::text, ''), to_char(occurred AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
                 actor, action, coalesce(target, ''), details::text, coalesce(ip, ''),
                 coalesce(request_id, '')), 'UTF8'))
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION control_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER control_audit_append_only BEFORE UPDATE OR DELETE ON control_audit_log "
        "FOR EACH ROW EXECUTE FUNCTION control_audit_refuse_change()"
    )
    op.execute(
        "CREATE TRIGGER control_audit_no_truncate BEFORE TRUNCATE ON control_audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION control_audit_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("control_audit_log")
    op.execute("DROP FUNCTION IF EXISTS control_audit_refuse_change()")
    op.execute("DROP FUNCTION IF EXISTS control_audit_hash(bytea, bigint, uuid, timestamptz, text, text, text, jsonb,"
               " text, text)")
    op.drop_table("roles")
