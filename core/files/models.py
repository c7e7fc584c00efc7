"""Stored files (attachments) kept in the tenant's own database, so a tier move carries them."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from db.base import TenantBase, TenantScoped


class StoredFile(TenantScoped, TenantBase):
    __tablename__ = "files"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
    )

    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
