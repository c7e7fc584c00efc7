"""`emit`: an event into the webhook outbox, inside the caller's transaction.

The row is part of the change's transaction (the caller's `tenant_session`), so a change
that rolls back leaves no event behind and nothing is sent; a committed change always
has its event. The dispatcher (scheduler) routes and delivers it after commit.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.context import TenantContext
from core.webhooks.events import EVENT_TYPES, TEST_EVENT
from core.webhooks.models import WebhookEvent

MAX_PAYLOAD_BYTES = 256 * 1024


def _default(value: object) -> object:
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be put in a webhook payload")


def _jsonable(payload: Mapping[str, Any]) -> dict[str, Any]:
    text = json.dumps(dict(payload), default=_default, ensure_ascii=False)
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"a webhook payload is limited to {MAX_PAYLOAD_BYTES} bytes")
    data: dict[str, Any] = json.loads(text)
    return data


def _event(ctx: TenantContext, event_type: str, payload: Mapping[str, Any],
           endpoint_id: uuid.UUID | None) -> WebhookEvent:
    if event_type not in EVENT_TYPES and event_type != TEST_EVENT:
        raise ValueError(f"unknown webhook event type '{event_type}'")
    return WebhookEvent(id=uuid.uuid4(), tenant_id=ctx.tenant_id, event_type=event_type,
                        payload=_jsonable(payload), endpoint_id=endpoint_id)


def emit(session: Session, ctx: TenantContext, event_type: str, payload: Mapping[str, Any], *,
         endpoint_id: uuid.UUID | None = None) -> uuid.UUID:
    """Queue one event in the caller's transaction; returns its id (the webhook-id's core)."""
    event = _event(ctx, event_type, payload, endpoint_id)
    session.add(event)
    return event.id


def emit_many(session: Session, ctx: TenantContext, event_type: str,
              payloads: Iterable[Mapping[str, Any]]) -> list[uuid.UUID]:
    events = [_event(ctx, event_type, p, None) for p in payloads]
    session.add_all(events)
    return [e.id for e in events]
