"""The data-plane audit log: one row per changed row, written by database triggers into
`audit_pending` (directly, or through an `audit_batch` row for a bulk statement), and
moved into `audit_log` by `audit_seal`, which chains it.

Defined by migrations t0003 (the log, the triggers, the hash function and the sealer),
t0010 (batches), t0011 (json values, the action a domain) and t0012 (pending rows apart);
the models mirror them so the metadata knows every tenant table. Never written through
the ORM.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSON, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import CURRENT_TENANT_SQL, TenantBase


class AuditRow:
    """What an audit row says, sealed or not."""

    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                     server_default=text("statement_timestamp()"))
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(6), nullable=False)  # domain audit_action
    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    row_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(Text)


class AuditLog(AuditRow, TenantBase):
    """Sealed audit rows, each with its place in the tenant's hash chain."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("uq_audit_log_tenant_id_chain_seq", "tenant_id", "chain_seq", unique=True),
        Index("ix_audit_log_occurred_at", "occurred_at", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False,
                                                 server_default=text(CURRENT_TENANT_SQL))
    chain_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class AuditPending(AuditRow, TenantBase):
    """Audit rows not sealed yet (seconds, normally); their ids come from the log's sequence
    and stay the same when `audit_seal` moves them into `audit_log`."""

    __tablename__ = "audit_pending"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                    server_default=text("nextval('audit_log_id_seq'::regclass)"))


class AuditBatch(TenantBase):
    """A bulk statement's changed rows, captured in one row (migration t0010).

    `audit_seal` expands it into `audit_log` rows and deletes it; the columns and types are
    the row type's at capture, the settings those the rows' text was written with."""

    __tablename__ = "audit_batch"
    __table_args__ = (
        Index("ix_audit_batch_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                     server_default=text("statement_timestamp()"))
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(6), nullable=False)  # domain audit_action
    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    request_id: Mapped[str | None] = mapped_column(Text)
    columns: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    types: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    settings: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    old_rows: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    new_rows: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
