"""The CEO digest: rules of a run, reading past digests, and subscribing to the e-mail.

A run for a tenant and day is idempotent: the `digests` row (unique per tenant and day) is
claimed under a row lock, a ready digest is never made again (a second run that day
changes nothing and sends nothing), a run in progress elsewhere is refused, and a failed
one is recorded with its error and the time of the next attempt (back-off doubling from
`RETRY_BASE`, at most `MAX_ATTEMPTS` scheduled attempts; an Admin's "run now" may always
try again).

The schedule: at `DIGEST_HOUR` (05:00) in the tenant's time zone the digest of the local
yesterday becomes due; the scheduler job calls `scheduled` every few minutes, which runs
whatever is due, or due for a retry, and does nothing otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.ai.digest import delivery, insights, kpis, repository
from core.ai.digest.models import Digest
from core.clock import utcnow
from core.context import TenantContext
from core.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from core.rbac.guard import require, require_write
from db.session import tenant_session

if TYPE_CHECKING:
    from core.ai.gateway import Gateway

log = logging.getLogger(__name__)

DIGEST_HOUR = 5
RETRY_BASE = dt.timedelta(minutes=15)
RETRY_MAX = dt.timedelta(hours=4)
MAX_ATTEMPTS = 5
STALE_RUN = dt.timedelta(minutes=30)
HISTORY_LIMIT = 90
LANGS = insights.LANGS


class DigestFailed(Unavailable):
    code = "digest_failed"


@dataclass(frozen=True)
class DigestView:
    id: uuid.UUID
    day: dt.date
    status: str
    trigger: str
    run_by: str | None
    attempts: int
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str | None
    kpis: dict[str, Any]
    insights: dict[str, Any]
    engine: str | None
    model: str | None
    degraded: bool
    emailed_at: dt.datetime | None
    emails_queued: int

    def texts(self, lang: str) -> list[str]:
        return delivery.insight_texts(self.insights, lang)

    @property
    def anomalies(self) -> list[str]:
        return list(self.kpis.get("anomalies", []))


@dataclass(frozen=True)
class RunResult:
    digest: DigestView
    ran: bool  # False: it was made before, nothing changed
    emails: int  # messages queued by this call


def _view(row: Digest) -> DigestView:
    return DigestView(row.id, row.day, row.status, row.trigger, row.run_by, row.attempts, row.started_at,
                      row.completed_at, row.next_attempt_at, row.last_error, dict(row.kpis or {}),
                      dict(row.insights or {}), row.engine, row.model, row.degraded, row.emailed_at,
                      row.emails_queued)


# --- time ------------------------------------------------------------------------------------------


def local_now(ctx: TenantContext, now: dt.datetime | None = None) -> dt.datetime:
    return utcnow(now).astimezone(ZoneInfo(ctx.timezone))


def yesterday(ctx: TenantContext, now: dt.datetime | None = None) -> dt.date:
    """The local yesterday: the day a digest made now reports on."""
    return local_now(ctx, now).date() - dt.timedelta(days=1)


def due_day(ctx: TenantContext, now: dt.datetime | None = None) -> dt.date | None:
    """The day whose digest is due at `now`, or None before 05:00 local time."""
    local = local_now(ctx, now)
    return local.date() - dt.timedelta(days=1) if local.hour >= DIGEST_HOUR else None


def _backoff(attempts: int) -> dt.timedelta:
    delay: dt.timedelta = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, RETRY_MAX)


# --- a run ---------------------------------------------------------------------------------------


def run_digest(ctx: TenantContext, day: dt.date, now: dt.datetime | None = None, *, trigger: str = "schedule",
               gateway: Gateway | None = None) -> RunResult:
    """Make the digest of `day` (a local date before today) unless it exists; queue its e-mails."""
    require_write(ctx, "digest.run")
    if trigger not in ("schedule", "manual"):
        raise ValidationFailed(f"unknown trigger '{trigger}'", details={"trigger": "schedule or manual"})
    moment = utcnow(now)
    if day >= local_now(ctx, moment).date():
        raise ValidationFailed("a digest reports on a day that is over", details={"day": "not before today"})
    attempts = 0
    with tenant_session(ctx) as s:
        row = repository.claim(s, day)
        if row.status == "ready":
            done = _view(row)
        else:
            if row.status == "running" and row.attempts and row.started_at and moment - row.started_at < STALE_RUN:
                raise Conflict("the digest of this day is being made right now")
            row.status, row.trigger, row.run_by = "running", trigger, str(ctx.actor)
            row.attempts += 1
            row.started_at, row.next_attempt_at, row.last_error = moment, None, None
            attempts = row.attempts
            done = None
    if done is not None:
        emails = _send(ctx, day, moment)  # only when an earlier run stopped before queueing them
        return RunResult(_reload(ctx, day) if emails else done, False, emails)
    try:
        with tenant_session(ctx) as s:
            figures = kpis.compute(s, day, ctx.timezone, ctx.currency).as_json()
        written = {lang: insights.write(ctx, figures, lang, gateway) for lang in LANGS}
    except Exception as exc:
        _failed(ctx, day, moment, attempts, exc)
        raise DigestFailed(f"the digest of {day.isoformat()} could not be made; it will be retried") from exc
    first = written[LANGS[0]]
    with tenant_session(ctx) as s:
        row = repository.claim(s, day)
        row.status, row.completed_at = "ready", moment
        row.kpis = figures
        row.insights = {lang: w.items for lang, w in written.items()}
        row.engine, row.model = first.engine, first.model
        row.degraded = any(w.degraded for w in written.values())
        row.last_error = next((w.note for w in written.values() if w.note), None)
    rejected = sum(w.rejected for w in written.values())
    if rejected:
        log.info("digest %s %s: %s model insight(s) quoted numbers not in the input and were replaced",
                 ctx.slug, day, rejected)
    emails = _send(ctx, day, moment)
    return RunResult(_reload(ctx, day), True, emails)


def _reload(ctx: TenantContext, day: dt.date) -> DigestView:
    with tenant_session(ctx) as s:
        row = repository.by_day(s, day)
        assert row is not None
        return _view(row)


def _failed(ctx: TenantContext, day: dt.date, moment: dt.datetime, attempts: int, exc: Exception) -> None:
    log.warning("digest %s %s failed (attempt %s): %s", ctx.slug, day, attempts, exc)
    with tenant_session(ctx) as s:
        row = repository.claim(s, day)
        row.status = "failed"
        row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        # After the last scheduled attempt only an Admin's "run now" tries again.
        row.next_attempt_at = moment + _backoff(attempts) if attempts < MAX_ATTEMPTS else None


def _send(ctx: TenantContext, day: dt.date, moment: dt.datetime) -> int:
    """Queue the e-mails of a ready digest once; the row lock keeps two runs from racing."""
    with tenant_session(ctx) as s:
        row = repository.by_day(s, day, lock=True)
        if row is None or row.status != "ready" or row.emailed_at is not None:
            return 0
        people = delivery.addressees(ctx, repository.recipients(s))
        ids = delivery.queue(ctx, day, row.kpis, row.insights, people, moment)
        row.emailed_at, row.emails_queued = moment, row.emails_queued + len(ids)
    return len(ids)


def scheduled(ctx: TenantContext, now: dt.datetime | None = None, gateway: Gateway | None = None) -> str:
    """What the scheduler does for one tenant now: waiting | ran | emailed | done | running |
    retry_later | given_up."""
    moment = utcnow(now)
    day = due_day(ctx, moment)
    if day is None:
        return "waiting"
    with tenant_session(ctx) as s:
        row = repository.by_day(s, day)
        state = None if row is None else (row.status, row.attempts, row.next_attempt_at, row.started_at,
                                           row.emailed_at)
    if state is not None:
        status, attempts, next_at, started, emailed = state
        if status == "ready":
            return "done" if emailed is not None or not _send(ctx, day, moment) else "emailed"
        if status == "failed" and attempts >= MAX_ATTEMPTS:
            return "given_up"
        if status == "failed" and next_at is not None and next_at > moment:
            return "retry_later"
        if status == "running" and started is not None and moment - started < STALE_RUN:
            return "running"
    run_digest(ctx, day, moment, gateway=gateway)
    return "ran"


def run_now(ctx: TenantContext, now: dt.datetime | None = None, gateway: Gateway | None = None) -> RunResult:
    """An Admin's "run now": yesterday's digest, whatever the hour; a ready one stays as it is."""
    require_write(ctx, "digest.run")
    return run_digest(ctx, yesterday(ctx, now), now, trigger="manual", gateway=gateway)


# --- reading ----------------------------------------------------------------------------------------


def latest(ctx: TenantContext) -> DigestView | None:
    """The newest ready digest (the dashboard card)."""
    require(ctx, "dashboard.read")
    with tenant_session(ctx) as s:
        row = repository.latest_ready(s)
        return _view(row) if row else None


def history(ctx: TenantContext, limit: int = HISTORY_LIMIT) -> list[DigestView]:
    require(ctx, "dashboard.read")
    if not 1 <= limit <= 366:
        raise ValidationFailed("limit must be between 1 and 366", details={"limit": "1..366"})
    with tenant_session(ctx) as s:
        return [_view(r) for r in repository.history(s, limit)]


def get(ctx: TenantContext, digest_id: uuid.UUID | None = None, *, day: dt.date | None = None) -> DigestView:
    require(ctx, "dashboard.read")
    with tenant_session(ctx) as s:
        row = repository.by_id(s, digest_id) if digest_id is not None else (
            repository.by_day(s, day) if day is not None else None)
        if row is None:
            raise NotFound("no such digest")
        return _view(row)


# --- subscribing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    opted_in: bool
    language: str


def _member(ctx: TenantContext) -> uuid.UUID:
    if ctx.actor.kind != "user":
        raise Forbidden("only a signed-in member can subscribe to the digest")
    try:
        return uuid.UUID(ctx.actor.id)
    except ValueError:
        raise Forbidden("only a signed-in member can subscribe to the digest") from None


def subscription(ctx: TenantContext) -> Subscription:
    """The current member's choice (not subscribed, in the company's language, by default)."""
    require(ctx, "dashboard.read")
    user_id = _member(ctx)
    with tenant_session(ctx) as s:
        row = repository.subscription(s, user_id)
        if row is None:
            return Subscription(False, ctx.locale if ctx.locale in LANGS else "id")
        return Subscription(row.opted_in, row.language)


def subscribe(ctx: TenantContext, opted_in: bool, language: str) -> Subscription:
    """Opt the current member in or out of the digest e-mail, in `language` (id or en)."""
    require_write(ctx, "dashboard.read")
    if language not in LANGS:
        raise ValidationFailed("the language must be id or en", details={"language": "id or en"})
    if not isinstance(opted_in, bool):
        raise ValidationFailed("opted_in must be true or false", details={"opted_in": "a boolean"})
    user_id = _member(ctx)
    with tenant_session(ctx) as s:
        repository.save_subscription(s, user_id, opted_in, language)
    return Subscription(opted_in, language)

