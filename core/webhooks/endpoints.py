"""Webhook endpoints of a tenant: create (secret shown once), list, change, enable or
disable, rotate the secret with an overlap, delete. Admins only (`webhook.manage`).

Endpoints live in the control plane (routing configuration); every query is filtered by
the context's tenant, so one tenant can neither see nor touch another's endpoints.
Changes are recorded in the control-plane audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.audit.control import record_event
from core.clock import utcnow
from core.context import TenantContext
from core.crypto import decrypt, encrypt
from core.errors import NotFound, ValidationFailed
from core.rbac.guard import require, require_write
from core.webhooks.events import EVENT_TYPES
from core.webhooks.models import WebhookDelivery, WebhookEndpoint
from core.webhooks.signing import generate_secret
from core.webhooks.ssrf import BlockedDestination, Guard
from db.session import control_session, tenant_session

MAX_ENDPOINTS = 20
DEFAULT_ROTATION_OVERLAP = dt.timedelta(hours=24)
MAX_ROTATION_OVERLAP = dt.timedelta(days=7)


@dataclass(frozen=True)
class EndpointView:
    id: uuid.UUID
    url: str
    description: str | None
    event_types: tuple[str, ...]
    enabled: bool
    disabled_reason: str | None
    disabled_at: dt.datetime | None
    failing_since: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: EndpointView
    secret: str  # shown once


def _view(e: WebhookEndpoint, now: dt.datetime | None = None) -> EndpointView:
    rotating = e.previous_secret_expires_at
    if rotating is not None and rotating <= utcnow(now):
        rotating = None
    return EndpointView(e.id, e.url, e.description, tuple(e.event_types), e.enabled, e.disabled_reason,
                        e.disabled_at, e.failing_since, rotating, e.created_at)


def signing_secrets(e: WebhookEndpoint, now: dt.datetime | None = None) -> list[str]:
    """The secrets a request is signed with: the current one, and during a rotation the previous."""
    found = [decrypt(e.secret_encrypted)]
    if e.previous_secret_encrypted and e.previous_secret_expires_at and e.previous_secret_expires_at > utcnow(now):
        found.append(decrypt(e.previous_secret_encrypted))
    return found


def _check_url(url: str, guard: Guard | None) -> str:
    url = (url or "").strip()
    try:
        (guard or Guard.from_settings()).validate(url)
    except BlockedDestination as exc:
        raise ValidationFailed(f"this webhook URL cannot be used: {exc.message}", details={"url": exc.message}) from exc
    return url


def _check_types(event_types: Sequence[str]) -> list[str]:
    chosen = sorted({t.strip() for t in event_types if t and t.strip()})
    unknown = [t for t in chosen if t not in EVENT_TYPES]
    if unknown:
        raise ValidationFailed(f"unknown event types: {', '.join(unknown)}", details={"event_types": unknown})
    if not chosen:
        raise ValidationFailed("choose at least one event type", details={"event_types": "empty"})
    return chosen


def _check_description(description: str | None) -> str | None:
    text = (description or "").strip() or None
    if text is not None and len(text) > 200:
        raise ValidationFailed("the description is limited to 200 characters", details={"description": "too long"})
    return text


def _load(s: Session, ctx: TenantContext, endpoint_id: uuid.UUID, *, lock: bool = False) -> WebhookEndpoint:
    q = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.tenant_id == ctx.tenant_id)
    endpoint = s.scalars(q.with_for_update() if lock else q).one_or_none()
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


def _audit(s: Session, ctx: TenantContext, action: str, endpoint: WebhookEndpoint, **details: object) -> None:
    record_event(action, actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=str(endpoint.id),
                 details={"url": endpoint.url, **details}, request_id=ctx.request_id, session=s)


# --- commands -------------------------------------------------------------------------


def create_endpoint(ctx: TenantContext, url: str, event_types: Sequence[str], description: str | None = None, *,
                    guard: Guard | None = None) -> EndpointWithSecret:
    require_write(ctx, "webhook.manage")
    clean_url, types, text = _check_url(url, guard), _check_types(event_types), _check_description(description)
    secret = generate_secret()
    with control_session() as s:
        count = s.scalar(select(func.count()).select_from(WebhookEndpoint)
                         .where(WebhookEndpoint.tenant_id == ctx.tenant_id)) or 0
        if count >= MAX_ENDPOINTS:
            raise ValidationFailed(f"a company can have at most {MAX_ENDPOINTS} webhook endpoints",
                                   details={"endpoints": count})
        endpoint = WebhookEndpoint(tenant_id=ctx.tenant_id, url=clean_url, description=text, event_types=types,
                                   secret_encrypted=encrypt(secret), enabled=True, enabled_at=func.now(),
                                   created_by=str(ctx.actor)[:200])
        s.add(endpoint)
        s.flush()
        s.refresh(endpoint)
        _audit(s, ctx, "webhook.endpoint.create", endpoint, event_types=types)
        return EndpointWithSecret(_view(endpoint), secret)


def update_endpoint(ctx: TenantContext, endpoint_id: uuid.UUID, *, url: str | None = None,
                    event_types: Sequence[str] | None = None, description: str | None = None,
                    guard: Guard | None = None) -> EndpointView:
    require_write(ctx, "webhook.manage")
    clean_url = _check_url(url, guard) if url is not None else None
    types = _check_types(event_types) if event_types is not None else None
    with control_session() as s:
        endpoint = _load(s, ctx, endpoint_id, lock=True)
        changed: dict[str, object] = {}
        if clean_url is not None and clean_url != endpoint.url:
            changed["old_url"] = endpoint.url
            endpoint.url = clean_url
        if types is not None and types != list(endpoint.event_types):
            changed["event_types"] = types
            endpoint.event_types = types
        if description is not None:
            endpoint.description = _check_description(description)
        s.flush()
        _audit(s, ctx, "webhook.endpoint.update", endpoint, **changed)
        return _view(endpoint)


def set_enabled(ctx: TenantContext, endpoint_id: uuid.UUID, enabled: bool, *,
                reason: str | None = None) -> EndpointView:
    """Enable (events from now on are delivered, held retries resume) or disable an endpoint."""
    require_write(ctx, "webhook.manage")
    with control_session() as s:
        endpoint = _load(s, ctx, endpoint_id, lock=True)
        if enabled and not endpoint.enabled:
            endpoint.enabled, endpoint.enabled_at = True, func.now()
            endpoint.disabled_reason = endpoint.disabled_at = endpoint.failing_since = None
        elif not enabled and endpoint.enabled:
            endpoint.enabled, endpoint.disabled_at = False, func.now()
            endpoint.disabled_reason = ((reason or "").strip() or f"disabled by {ctx.actor.label or ctx.actor}")[:300]
        s.flush()
        s.refresh(endpoint)
        _audit(s, ctx, "webhook.endpoint.enable" if enabled else "webhook.endpoint.disable", endpoint)
        return _view(endpoint)


def rotate_secret(ctx: TenantContext, endpoint_id: uuid.UUID, overlap: dt.timedelta = DEFAULT_ROTATION_OVERLAP, *,
                  now: dt.datetime | None = None) -> EndpointWithSecret:
    """A new secret (shown once); the old one keeps signing too until `overlap` has passed."""
    require_write(ctx, "webhook.manage")
    if not dt.timedelta(0) <= overlap <= MAX_ROTATION_OVERLAP:
        raise ValidationFailed("the overlap must be between 0 and 7 days", details={"overlap": str(overlap)})
    secret = generate_secret()
    with control_session() as s:
        endpoint = _load(s, ctx, endpoint_id, lock=True)
        if overlap:
            endpoint.previous_secret_encrypted = endpoint.secret_encrypted
            endpoint.previous_secret_expires_at = utcnow(now) + overlap
        else:
            endpoint.previous_secret_encrypted = endpoint.previous_secret_expires_at = None
        endpoint.secret_encrypted = encrypt(secret)
        s.flush()
        _audit(s, ctx, "webhook.endpoint.rotate_secret", endpoint, overlap_seconds=int(overlap.total_seconds()))
        return EndpointWithSecret(_view(endpoint, now), secret)


def delete_endpoint(ctx: TenantContext, endpoint_id: uuid.UUID) -> None:
    """Delete the endpoint; its pending deliveries are cancelled, its log is kept."""
    require_write(ctx, "webhook.manage")
    with control_session() as s:
        endpoint = _load(s, ctx, endpoint_id, lock=True)
        _audit(s, ctx, "webhook.endpoint.delete", endpoint)
        s.delete(endpoint)
    with tenant_session(ctx) as ts:
        ts.execute(update(WebhookDelivery)
                   .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending")
                   .values(status="cancelled", next_attempt_at=None))


# --- queries ----------------------------------------------------------------------------


def list_endpoints(ctx: TenantContext) -> list[EndpointView]:
    require(ctx, "webhook.manage")
    with control_session() as s:
        rows = s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == ctx.tenant_id)
                         .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))
        return [_view(e) for e in rows]


def get_endpoint(ctx: TenantContext, endpoint_id: uuid.UUID) -> EndpointView:
    require(ctx, "webhook.manage")
    with control_session() as s:
        return _view(_load(s, ctx, endpoint_id))


def endpoint_row(ctx: TenantContext, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """The stored endpoint of this tenant (for the dispatcher); no permission check."""
    with control_session() as s:
        return _load(s, ctx, endpoint_id)


def endpoints_of(tenant_id: uuid.UUID) -> list[WebhookEndpoint]:
    with control_session() as s:
        return list(s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id)))


def tenants_with_enabled_endpoints() -> set[uuid.UUID]:
    with control_session() as s:
        return set(s.scalars(select(WebhookEndpoint.tenant_id).where(WebhookEndpoint.enabled).distinct()))
