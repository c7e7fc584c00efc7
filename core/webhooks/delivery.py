"""The dispatcher: routes outbox events to endpoints and delivers them, with retries.

One tenant at a time (the scheduler loops over tenants, `dispatch_tenant` does one):

1. Route: each undispatched outbox event becomes one delivery per endpoint that is
   enabled, subscribed to the event type, and was enabled before the event happened.
2. Claim: due deliveries are leased (their next attempt moved `LEASE` ahead) in a short
   transaction, so nothing is held open during HTTP calls and a crashed dispatcher's
   work is picked up again when the lease runs out.
3. Send: signed per Standard Webhooks, through the SSRF-guarded transport, 15 s total
   limit, redirects not followed (a 3xx is a failure), only 2xx counts as delivered.
4. Record: one delivery-log row per attempt; the next attempt follows `SCHEDULE`
   (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), then the delivery fails.
5. Endpoint health: a 410 disables the endpoint; failing without a single success for
   `DISABLE_AFTER` (5 days) disables it and emails the tenant's Admins.

Delivery is at least once: the webhook-id is derived from the event id, so a retry or a
replay of the same event carries the same webhook-id and receivers can deduplicate. The
clock is injectable (`now`) for scheduling; signatures always use the real time, since
receivers check the timestamp against their own clock.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.context import TenantContext
from core.errors import Conflict, NotFound
from core.rbac.guard import require, require_write
from core.webhooks import endpoints as endpoint_service
from core.webhooks import signing
from core.webhooks.events import TEST_EVENT
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from core.webhooks.notices import notify_disabled
from core.webhooks.outbox import emit
from core.webhooks.ssrf import TOTAL_TIMEOUT_SECONDS, BlockedDestination, Guard
from db.session import control_session, tenant_session

log = logging.getLogger(__name__)

SCHEDULE: tuple[dt.timedelta, ...] = (
    dt.timedelta(0), dt.timedelta(seconds=5), dt.timedelta(minutes=5), dt.timedelta(minutes=30),
    dt.timedelta(hours=2), dt.timedelta(hours=5), dt.timedelta(hours=10), dt.timedelta(hours=10),
)
DISABLE_AFTER = dt.timedelta(days=5)
LEASE = dt.timedelta(minutes=2)
BATCH = 16
MAX_BATCHES = 20
ROUTE_BATCH = 500
TIME_BUDGET_SECONDS = 30.0
WORKERS = 8
SNIPPET_CHARS = 500
SNIPPET_READ_BYTES = 4096
RETENTION = dt.timedelta(days=30)
USER_AGENT = "BusinessOS-Webhooks/1.0"


def message_id(event_id: uuid.UUID) -> str:
    """The webhook-id of an event: the same for every attempt and replay."""
    return f"msg_{event_id.hex}"


def event_body(event_type: str, occurred_at: dt.datetime, data: dict[str, Any]) -> bytes:
    stamp = occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, ensure_ascii=False,
                      separators=(",", ":")).encode()


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    status_code: int | None
    snippet: str | None
    latency_ms: int | None
    error: str | None


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    occurred_at: dt.datetime
    data: dict[str, Any]
    retry_index: int


@dataclass
class DispatchReport:
    routed: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    disabled: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class DeliveryView:
    id: uuid.UUID
    event_id: uuid.UUID
    webhook_id: str
    event_type: str
    endpoint_id: uuid.UUID
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class AttemptView:
    id: uuid.UUID
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    webhook_id: str
    event_type: str
    attempt: int
    trigger: str
    attempted_at: dt.datetime
    succeeded: bool
    status_code: int | None
    response_snippet: str | None
    latency_ms: int | None
    error: str | None
    next_attempt_at: dt.datetime | None


# --- HTTP ---------------------------------------------------------------------------------


def new_client(guard: Guard | None = None) -> httpx.Client:
    """The dispatcher's HTTP client: guarded transport, no redirects, no proxies from the environment."""
    return httpx.Client(transport=(guard or Guard.from_settings()).transport(), follow_redirects=False,
                        trust_env=False, timeout=httpx.Timeout(TOTAL_TIMEOUT_SECONDS),
                        headers={"user-agent": USER_AGENT})


def _clean(text: str, limit: int) -> str:
    return text.replace("\x00", "")[:limit]


def _snippet(response: httpx.Response) -> str | None:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= SNIPPET_READ_BYTES:
            break
    raw = b"".join(chunks)[:SNIPPET_READ_BYTES]
    return _clean(raw.decode("utf-8", "replace"), SNIPPET_CHARS) or None


def send(client: httpx.Client, guard: Guard, url: str, secrets: Sequence[str], msg_id: str,
         body: bytes) -> AttemptResult:
    """One signed POST; never raises for network trouble (it is the attempt's result)."""
    headers = signing.headers(secrets, msg_id, int(time.time()), body)
    headers["content-type"] = "application/json"
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        guard.parse(url)
        with client.stream("POST", url, content=body, headers=headers) as response:
            snippet = _snippet(response)
            code = response.status_code
            location = response.headers.get("location")
    except BlockedDestination as exc:
        return AttemptResult(False, None, None, None, _clean(f"refused by the SSRF guard: {exc.message}", 1000))
    except httpx.TimeoutException:
        return AttemptResult(False, None, None, elapsed(), f"timed out (limit {TOTAL_TIMEOUT_SECONDS:.0f} s)")
    except httpx.HTTPError as exc:
        return AttemptResult(False, None, None, elapsed(), _clean(f"{type(exc).__name__}: {exc}", 1000))
    if 200 <= code < 300:
        return AttemptResult(True, code, snippet, elapsed(), None)
    if 300 <= code < 400:
        error = f"HTTP {code}: redirects are not followed" + (f" (to {location})" if location else "")
    else:
        error = f"HTTP {code}"
    return AttemptResult(False, code, snippet, elapsed(), _clean(error, 1000))


# --- the steps ------------------------------------------------------------------------------


def _route(s: Session, endpoints: dict[uuid.UUID, WebhookEndpoint], moment: dt.datetime) -> int:
    events = s.scalars(select(WebhookEvent).where(WebhookEvent.dispatched_at.is_(None))
                       .order_by(WebhookEvent.created_at).limit(ROUTE_BATCH).with_for_update(skip_locked=True)).all()
    routed = 0
    for ev in events:
        if ev.endpoint_id is not None:
            targets = [ev.endpoint_id] if ev.endpoint_id in endpoints else []
        else:
            targets = [e.id for e in endpoints.values()
                       if e.enabled and ev.event_type in e.event_types and ev.created_at >= e.enabled_at]
        if targets:
            s.execute(insert(WebhookDelivery).values(
                [{"tenant_id": ev.tenant_id, "event_id": ev.id, "endpoint_id": t, "status": "pending",
                  "next_attempt_at": moment} for t in targets]
            ).on_conflict_do_nothing())
        ev.dispatched_at, ev.delivery_count = moment, len(targets)
        routed += len(targets)
    return routed


def _claim(ctx: TenantContext, endpoint_ids: Iterable[uuid.UUID], moment: dt.datetime, limit: int,
           only: uuid.UUID | None = None) -> list[_Job]:
    ids = list(endpoint_ids)
    if not ids:
        return []
    q = (select(WebhookDelivery, WebhookEvent)
         .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
         .where(WebhookDelivery.status == "pending", WebhookDelivery.endpoint_id.in_(ids)))
    # A replay or test names its delivery (whatever its schedule); the dispatcher takes what is due.
    q = q.where(WebhookDelivery.id == only) if only is not None else q.where(WebhookDelivery.next_attempt_at <= moment)
    q = q.order_by(WebhookDelivery.next_attempt_at).limit(limit).with_for_update(of=WebhookDelivery,
                                                                                  skip_locked=True)
    jobs: list[_Job] = []
    with tenant_session(ctx) as s:
        for d, ev in s.execute(q):
            d.next_attempt_at = moment + LEASE
            jobs.append(_Job(d.id, d.endpoint_id, ev.id, ev.event_type, ev.created_at, ev.payload, d.retry_index))
    return jobs


def _send_all(jobs: list[_Job], endpoints: dict[uuid.UUID, WebhookEndpoint], guard: Guard,
              client: httpx.Client, moment: dt.datetime) -> list[AttemptResult]:
    secrets = {e_id: endpoint_service.signing_secrets(e, moment) for e_id, e in endpoints.items()
               if any(j.endpoint_id == e_id for j in jobs)}

    def one(job: _Job) -> AttemptResult:
        body = event_body(job.event_type, job.occurred_at, job.data)
        return send(client, guard, endpoints[job.endpoint_id].url, secrets[job.endpoint_id],
                    message_id(job.event_id), body)

    if len(jobs) == 1:
        return [one(jobs[0])]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(jobs)), thread_name_prefix="webhook") as pool:
        return list(pool.map(one, jobs))


def _record(ctx: TenantContext, jobs: list[_Job], results: list[AttemptResult], moment: dt.datetime,
            trigger: str) -> None:
    with tenant_session(ctx) as s:
        for job, res in zip(jobs, results, strict=True):
            d = s.get(WebhookDelivery, job.delivery_id, with_for_update=True)
            if d is None:
                continue
            d.attempts += 1
            d.last_attempt_at, d.last_status_code = moment, res.status_code
            if res.succeeded:
                d.status, d.delivered_at, d.next_attempt_at = "delivered", moment, None
            elif job.retry_index + 1 < len(SCHEDULE):
                d.retry_index = job.retry_index + 1
                d.next_attempt_at = moment + SCHEDULE[d.retry_index]
            else:
                d.status, d.next_attempt_at = "failed", None
            s.add(WebhookAttempt(
                tenant_id=ctx.tenant_id, delivery_id=d.id, endpoint_id=job.endpoint_id, event_id=job.event_id,
                attempt=d.attempts, trigger=trigger, attempted_at=moment, succeeded=res.succeeded,
                status_code=res.status_code, response_snippet=res.snippet, latency_ms=res.latency_ms,
                error=res.error, next_attempt_at=d.next_attempt_at,
            ))


def _health(ctx: TenantContext, jobs: list[_Job], results: list[AttemptResult], moment: dt.datetime) -> list[uuid.UUID]:
    """Endpoint state after a batch: success heals, 410 or 5 days of failure disables."""
    outcome: dict[uuid.UUID, list[AttemptResult]] = {}
    for job, res in zip(jobs, results, strict=True):
        outcome.setdefault(job.endpoint_id, []).append(res)
    disabled: list[tuple[WebhookEndpoint, str]] = []
    with control_session() as s:
        rows = s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.id.in_(list(outcome)),
                                                       WebhookEndpoint.tenant_id == ctx.tenant_id)
                         .with_for_update()).all()
        for e in rows:
            tried = outcome[e.id]
            if any(r.succeeded for r in tried):
                e.failing_since = None
                continue
            if e.failing_since is None:
                e.failing_since = moment
            reason = None
            if any(r.status_code == 410 for r in tried):
                reason = "the receiver answered 410 Gone"
            elif moment - e.failing_since >= DISABLE_AFTER:
                reason = f"every delivery failed for {DISABLE_AFTER.days} days"
            if reason and e.enabled:
                e.enabled, e.disabled_at, e.disabled_reason = False, moment, reason
                disabled.append((e, reason))
        outbox_ids = [i for e, reason in disabled for i in notify_disabled(s, ctx, e, reason, moment)]
    if outbox_ids:
        from core.notify.outbox import send_now

        send_now(outbox_ids)
    for e, reason in disabled:
        log.warning("webhook endpoint %s of %s disabled: %s", e.id, ctx.slug, reason)
    return [e.id for e, _ in disabled]


def _run(ctx: TenantContext, jobs: list[_Job], endpoints: dict[uuid.UUID, WebhookEndpoint], guard: Guard,
         client: httpx.Client, moment: dt.datetime, trigger: str, report: DispatchReport) -> list[AttemptResult]:
    results = _send_all(jobs, endpoints, guard, client, moment)
    _record(ctx, jobs, results, moment, trigger)
    report.attempted += len(results)
    report.delivered += sum(r.succeeded for r in results)
    report.failed += sum(not r.succeeded for r in results)
    for endpoint_id in _health(ctx, jobs, results, moment):
        endpoints[endpoint_id].enabled = False
        report.disabled.append(endpoint_id)
    return results


def dispatch_tenant(ctx: TenantContext, *, now: dt.datetime | None = None, guard: Guard | None = None,
                    client: httpx.Client | None = None) -> DispatchReport:
    """Route this tenant's new events and deliver what is due (the scheduler calls this)."""
    moment = utcnow(now)
    report = DispatchReport()
    endpoints = {e.id: e for e in endpoint_service.endpoints_of(ctx.tenant_id)}
    if not endpoints:
        return report
    with tenant_session(ctx) as s:
        report.routed = _route(s, endpoints, moment)
    guard = guard or Guard.from_settings()
    own_client = client is None
    http = client or new_client(guard)
    started = time.monotonic()
    try:
        for _ in range(MAX_BATCHES):
            enabled = [e_id for e_id, e in endpoints.items() if e.enabled]
            jobs = _claim(ctx, enabled, moment, BATCH)
            if not jobs:
                break
            _run(ctx, jobs, endpoints, guard, http, moment, "schedule", report)
            if len(jobs) < BATCH or time.monotonic() - started > TIME_BUDGET_SECONDS:
                break
    finally:
        if own_client:
            http.close()
    return report


# --- replay and test -------------------------------------------------------------------------


def _attempt_now(ctx: TenantContext, endpoint: WebhookEndpoint, delivery_id: uuid.UUID, moment: dt.datetime,
                 guard: Guard | None, trigger: str) -> AttemptResult:
    guard = guard or Guard.from_settings()
    jobs = _claim(ctx, [endpoint.id], moment, 1, only=delivery_id)
    if not jobs:
        raise Conflict("this delivery is being sent right now; look again in a moment")
    with new_client(guard) as http:
        return _run(ctx, jobs, {endpoint.id: endpoint}, guard, http, moment, trigger, DispatchReport())[0]


def replay(ctx: TenantContext, delivery_id: uuid.UUID, *, now: dt.datetime | None = None,
           guard: Guard | None = None, send_now: bool = True) -> AttemptResult | None:
    """Deliver a past event to its endpoint again (same webhook-id), with a fresh retry schedule."""
    require_write(ctx, "webhook.manage")
    moment = utcnow(now)
    with tenant_session(ctx) as s:
        d = s.get(WebhookDelivery, delivery_id, with_for_update=True)
        if d is None:
            raise NotFound("no such delivery")
        endpoint = endpoint_service.endpoint_row(ctx, d.endpoint_id)
        d.status, d.retry_index, d.next_attempt_at = "pending", 0, moment
    if not send_now:
        return None
    return _attempt_now(ctx, endpoint, delivery_id, moment, guard, "replay")


def send_test_event(ctx: TenantContext, endpoint_id: uuid.UUID, *, now: dt.datetime | None = None,
                    guard: Guard | None = None) -> AttemptResult:
    """Send a `webhook.test` event to one endpoint now; it is logged like any delivery."""
    require_write(ctx, "webhook.manage")
    moment = utcnow(now)
    endpoint = endpoint_service.endpoint_row(ctx, endpoint_id)
    with tenant_session(ctx) as s:
        event_id = emit(s, ctx, TEST_EVENT, {
            "message": "A test event from Business OS: this endpoint receives and verifies webhooks.",
            "company": ctx.name, "endpoint_id": str(endpoint.id),
        }, endpoint_id=endpoint.id)
        s.flush()
        s.execute(update(WebhookEvent).where(WebhookEvent.id == event_id)
                  .values(dispatched_at=moment, delivery_count=1))
        delivery = WebhookDelivery(tenant_id=ctx.tenant_id, event_id=event_id, endpoint_id=endpoint.id,
                                   status="pending", next_attempt_at=moment)
        s.add(delivery)
        s.flush()
        delivery_id = delivery.id
    return _attempt_now(ctx, endpoint, delivery_id, moment, guard, "test")


# --- the delivery log --------------------------------------------------------------------------


def list_deliveries(ctx: TenantContext, endpoint_id: uuid.UUID, limit: int = 50) -> list[DeliveryView]:
    require(ctx, "webhook.manage")
    endpoint_service.get_endpoint(ctx, endpoint_id)
    q = (select(WebhookDelivery, WebhookEvent.event_type)
         .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
         .where(WebhookDelivery.endpoint_id == endpoint_id)
         .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(min(max(limit, 1), 500)))
    with tenant_session(ctx) as s:
        return [DeliveryView(d.id, d.event_id, message_id(d.event_id), event_type, d.endpoint_id, d.status,
                             d.attempts, d.next_attempt_at, d.last_status_code, d.created_at)
                for d, event_type in s.execute(q)]


def list_attempts(ctx: TenantContext, endpoint_id: uuid.UUID, limit: int = 100,
                  delivery_id: uuid.UUID | None = None) -> list[AttemptView]:
    require(ctx, "webhook.manage")
    endpoint_service.get_endpoint(ctx, endpoint_id)
    q = (select(WebhookAttempt, WebhookEvent.event_type)
         .join(WebhookEvent, WebhookEvent.id == WebhookAttempt.event_id)
         .where(WebhookAttempt.endpoint_id == endpoint_id))
    if delivery_id is not None:
        q = q.where(WebhookAttempt.delivery_id == delivery_id)
    q = q.order_by(WebhookAttempt.attempted_at.desc(), WebhookAttempt.attempt.desc()).limit(min(max(limit, 1), 1000))
    with tenant_session(ctx) as s:
        return [AttemptView(a.id, a.delivery_id, a.event_id, message_id(a.event_id), event_type, a.attempt,
                            a.trigger, a.attempted_at, a.succeeded, a.status_code, a.response_snippet,
                            a.latency_ms, a.error, a.next_attempt_at)
                for a, event_type in s.execute(q)]


def outbox_events(ctx: TenantContext, limit: int = 100) -> list[tuple[uuid.UUID, str, dt.datetime | None]]:
    """The tenant's latest outbox events: id, type, when dispatched."""
    require(ctx, "webhook.manage")
    with tenant_session(ctx) as s:
        rows = s.execute(select(WebhookEvent.id, WebhookEvent.event_type, WebhookEvent.dispatched_at)
                         .order_by(WebhookEvent.created_at.desc()).limit(min(max(limit, 1), 1000)))
        return [(i, t, d) for i, t, d in rows]


# --- retention -------------------------------------------------------------------------------


def purge(ctx: TenantContext, *, now: dt.datetime | None = None, keep: dt.timedelta = RETENTION) -> int:
    """Drop events (with their deliveries and log) older than `keep`; cancel deliveries of
    deleted endpoints. Returns the number of events removed."""
    known = [e.id for e in endpoint_service.endpoints_of(ctx.tenant_id)]
    with tenant_session(ctx) as s:
        orphaned = update(WebhookDelivery).where(WebhookDelivery.status == "pending")
        if known:
            orphaned = orphaned.where(WebhookDelivery.endpoint_id.not_in(known))
        s.execute(orphaned.values(status="cancelled", next_attempt_at=None))
        gone = s.execute(delete(WebhookEvent).where(WebhookEvent.created_at < utcnow(now) - keep)
                         .returning(WebhookEvent.id)).all()
        return len(gone)
