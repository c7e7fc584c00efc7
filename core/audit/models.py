"""The data-plane audit log: one row per changed row, written by database triggers
(directly, or through an `audit_batch` row for a bulk statement).

Defined by migration t0003 (which also creates the triggers, the hash function and the
sealer; t0011 made the values json and the action a domain); the model mirrors it so the
metadata knows every tenant table. Never written through the ORM: rows come from the
capture triggers, chain columns from `audit_seal`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, LargeBinary, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSON, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import CURRENT_TENANT_SQL, TenantBase


class AuditLog(TenantBase):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("uq_audit_log_tenant_id_chain_seq", "tenant_id", "chain_seq", unique=True,
              postgresql_where=text("chain_seq IS NOT NULL")),
        Index("ix_audit_log_pending", "tenant_id", "id", postgresql_where=text("chain_seq IS NULL")),
        Index("ix_audit_log_occurred_at", "occurred_at", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False,
                                                 server_default=text(CURRENT_TENANT_SQL))
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                     server_default=text("statement_timestamp()"))
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(6), nullable=False)  # domain audit_action
    table_name: Mapped[str] = mapped_column(Text, nullable=False)
    row_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(Text)
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
    hash: Mapped[bytes | None] = mapped_column(LargeBinary)


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
