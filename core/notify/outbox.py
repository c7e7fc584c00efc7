"""The email outbox: enqueue inside the change's transaction, deliver after commit.

`enqueue` writes the message into the caller's control session, so a rolled-back change
sends nothing. After commit the service calls `send_now` for a snappy experience; the
scheduler's `deliver_due` picks up whatever is still pending (SMTP down, process gone),
with exponential back-off. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so replicas
never send the same message twice at the same time.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.crypto import decrypt, encrypt
from core.notify import mailer
from core.notify.emails import Email
from core.notify.models import OutboxEmail
from db.session import control_session

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 20


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def enqueue(s: Session, *, to: str, kind: str, language: str, email: Email, tenant_id: uuid.UUID | None = None,
            now: dt.datetime | None = None) -> int:
    moment = utcnow(now)
    row = OutboxEmail(tenant_id=tenant_id, kind=kind, to_address=to, language=language, subject=email.subject[:300],
                      body_text_encrypted=encrypt(email.text), body_html_encrypted=encrypt(email.html),
                      status="pending", attempts=0, created_at=moment, next_attempt_at=moment)
    s.add(row)
    s.flush()
    return row.id


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** (attempts - 1), 240))


def deliver(ids: Sequence[int] | None = None, *, now: dt.datetime | None = None, limit: int = BATCH) -> Delivery:
    """Send pending messages: the given ids (whatever their schedule), or those due now."""
    moment = utcnow(now)
    sent = retrying = failed = 0
    with control_session() as s:
        query = select(OutboxEmail).where(OutboxEmail.status == "pending")
        if ids is not None:
            if not ids:
                return Delivery()
            query = query.where(OutboxEmail.id.in_(list(ids)))
        else:
            query = query.where(OutboxEmail.next_attempt_at <= moment)
        rows = s.scalars(query.order_by(OutboxEmail.id).limit(limit).with_for_update(skip_locked=True)).all()
        for row in rows:
            try:
                assert row.body_text_encrypted is not None and row.body_html_encrypted is not None
                email = Email(row.subject, decrypt(row.body_text_encrypted), decrypt(row.body_html_encrypted))
                mailer.send(row.to_address, email, row.language)
            except Exception as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = "failed"
                    row.body_text_encrypted = row.body_html_encrypted = None
                    failed += 1
                else:
                    row.next_attempt_at = moment + _backoff(row.attempts)
                    retrying += 1
                log.warning("email %s to %s not sent (attempt %s): %s", row.id, row.to_address, row.attempts,
                            row.last_error)
            else:
                row.attempts += 1
                row.status = "sent"
                row.sent_at = moment
                row.last_error = None
                # The body may hold a one-time link: once handed over, it is not kept.
                row.body_text_encrypted = row.body_html_encrypted = None
                sent += 1
    return Delivery(sent, retrying, failed)


def send_now(ids: Sequence[int]) -> Delivery:
    """Right after the commit that queued `ids`: try once, never fail the caller."""
    try:
        return deliver(ids)
    except Exception:  # the scheduler retries whatever is left pending
        log.exception("immediate email delivery failed; the scheduler will retry")
        return Delivery()


def deliver_due(now: dt.datetime | None = None) -> Delivery:
    total = Delivery()
    while True:
        batch = deliver(now=now)
        total = Delivery(total.sent + batch.sent, total.retrying + batch.retrying, total.failed + batch.failed)
        if batch.sent + batch.retrying + batch.failed < BATCH:
            return total


def outbox_status(ids: Sequence[int]) -> dict[int, str]:
    with control_session() as s:
        rows = s.execute(select(OutboxEmail.id, OutboxEmail.status).where(OutboxEmail.id.in_(list(ids)))).all()
    return {row.id: row.status for row in rows}
