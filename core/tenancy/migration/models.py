"""Tables of migration (registered in db.models): the ledger of tier and region moves."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import ControlBase

ACTIVE_MOVE_STATUSES = ("running", "aborting")


class TenantMove(ControlBase):
    """One move of a tenant's rows from a source placement to a target placement.

    `step` is the step being run (or next to run); each step is idempotent, so a worker
    that takes over a move whose previous worker died runs `step` again.
    """

    __tablename__ = "tenant_moves"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'aborting', 'succeeded', 'failed', 'rolled_back')", name="status"),
        Index("uq_tenant_moves_one_active", "tenant_id", unique=True,
              postgresql_where=text("status IN ('running', 'aborting')")),
        Index("ix_tenant_moves_kept", "keep_until", postgresql_where=text("purged_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True,
                                          server_default=text("gen_random_uuid()"))
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False,
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # upgrade, downgrade, region, rollback
    requested_by: Mapped[str] = mapped_column(String(200), nullable=False)
    source: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    target: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    rollback_of: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    step: Mapped[str] = mapped_column(String(20), nullable=False, server_default="precheck")
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="running")
    reason: Mapped[str | None] = mapped_column(Text)
    target_created: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    tables_done: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    tables_total: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    rows_copied: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    rows_total: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    chain_mark: Mapped[int | None] = mapped_column(BigInteger)  # audit chain_seq the bulk copy reached
    switch_mark: Mapped[int | None] = mapped_column(BigInteger)  # audit chain_seq at the switch
    checksums: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    worker: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    copy_started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    unlocked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    keep_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    purged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
