"""Queries of the digest tables (in the caller's tenant session; RLS scopes them)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.ai.digest.models import Digest, DigestRecipient


def claim(s: Session, day: dt.date) -> Digest:
    """The day's row, created if missing, locked until the transaction ends."""
    s.execute(insert(Digest).values(day=day).on_conflict_do_nothing(index_elements=["tenant_id", "day"]))
    return s.scalars(select(Digest).where(Digest.day == day).with_for_update()).one()


def by_day(s: Session, day: dt.date, *, lock: bool = False) -> Digest | None:
    query = select(Digest).where(Digest.day == day)
    if lock:
        query = query.with_for_update()
    return s.scalars(query).one_or_none()


def by_id(s: Session, digest_id: uuid.UUID) -> Digest | None:
    return s.get(Digest, digest_id)


def latest_ready(s: Session) -> Digest | None:
    return s.scalars(select(Digest).where(Digest.status == "ready").order_by(Digest.day.desc()).limit(1)).first()


def history(s: Session, limit: int) -> list[Digest]:
    return list(s.scalars(select(Digest).order_by(Digest.day.desc()).limit(limit)))


def recipients(s: Session) -> list[DigestRecipient]:
    return list(s.scalars(select(DigestRecipient).where(DigestRecipient.opted_in.is_(True))
                          .order_by(DigestRecipient.created_at, DigestRecipient.user_id)))


def subscription(s: Session, user_id: uuid.UUID) -> DigestRecipient | None:
    return s.scalars(select(DigestRecipient).where(DigestRecipient.user_id == user_id)).one_or_none()


def save_subscription(s: Session, user_id: uuid.UUID, opted_in: bool, language: str) -> None:
    statement = insert(DigestRecipient).values(user_id=user_id, opted_in=opted_in, language=language)
    s.execute(statement.on_conflict_do_update(
        index_elements=["tenant_id", "user_id"],
        set_={"opted_in": statement.excluded.opted_in, "language": statement.excluded.language,
              "updated_at": dt.datetime.now(dt.UTC)},
    ))
