"""Storing attachments: size limit and content sniffed from the bytes, not the name."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.files.models import StoredFile

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/zip"),
)


def sniff(data: bytes) -> str | None:
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    return None


def store(s: Session, filename: str, data: bytes, allowed: frozenset[str]) -> uuid.UUID:
    if not data:
        raise ValidationFailed("the file is empty", details={"file": "empty"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
                               details={"file": "too large"})
    kind = sniff(data)
    if kind is None or kind not in allowed:
        raise ValidationFailed("this kind of file is not accepted; use PDF, PNG or JPEG", details={"file": "type"})
    name = filename.replace("/", "_").replace("\\", "_").strip()[:255] or "file"
    stored = StoredFile(filename=name, content_type=kind, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                        data=data)
    s.add(stored)
    s.flush()
    return stored.id


def load(s: Session, file_id: uuid.UUID) -> StoredFile | None:
    return s.get(StoredFile, file_id)
