"""Delivery end to end: real services emit, the dispatcher delivers to a real receiver on
loopback, and the receiver verifies every request with the `standardwebhooks` library.

Time is moved by passing `now` to the dispatcher, never by sleeping; signatures always
carry the real time (the receiver checks it against its own clock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from core.context import TenantContext
from core.customers.models import Customer
from core.customers.service import CustomerIn, create_customer
from core.errors import ValidationFailed
from core.invoices import service as inv
from core.invoices.calc import LineIn
from core.projects import service as projects
from core.projects import tasks
from core.rbac.guard import PermissionDenied
from core.tenancy.registry import get_tenant
from core.webhooks import delivery, endpoints
from core.webhooks.delivery import SCHEDULE, DispatchReport, dispatch_tenant, message_id
from core.webhooks.events import EVENT_TYPES
from core.webhooks.models import WebhookDelivery, WebhookEvent
from core.webhooks.outbox import emit
from core.webhooks.ssrf import Guard
from db.session import control_session, tenant_session
from scheduler.per_tenant import job_context
from scheduler.webhook_jobs import webhook_dispatch_job
from tests.webhooks.conftest import Received, Receiver, closed_port

Role = Callable[..., TenantContext]
PUBLIC_URL = "https://93.184.216.34/hooks"  # a public address literal: validated, never contacted


def dispatch(slug: str, guard: Guard, now: dt.datetime | None = None) -> DispatchReport:
    """What the scheduler does for one tenant, with the clock where the test puts it."""
    return dispatch_tenant(job_context(get_tenant(slug), "webhook-dispatch"), now=now, guard=guard)


def new_customers(ctx: TenantContext, n: int) -> list[uuid.UUID]:
    return [create_customer(ctx, CustomerIn(name=f"PT Pelanggan {uuid.uuid4().hex[:6]}")).id for _ in range(n)]


def deliveries_of(ctx: TenantContext, endpoint_id: uuid.UUID) -> list[delivery.DeliveryView]:
    return delivery.list_deliveries(ctx, endpoint_id, limit=500)


@pytest.fixture
def admin(as_role: Role, wh_slug: str, clean_endpoints: Callable[[TenantContext], None]) -> TenantContext:
    ctx = as_role("admin", wh_slug)
    clean_endpoints(ctx)
    return ctx


def test_every_event_type_arrives_signed_and_verified(admin: TenantContext, receiver: Receiver,
                                                      allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, receiver.url, list(EVENT_TYPES), "ERP")
    assert made.secret.startswith("whsec_")
    receiver.secrets = [made.secret]

    customer = create_customer(admin, CustomerIn(name="PT Hub Nusantara", email="ap@hub.co.id"))
    day = dt.date(2026, 11, 2)
    draft = inv.DraftIn(customer_id=customer.id, issue_date=day, due_date=day + dt.timedelta(days=3),
                        lines=[LineIn("Konsultasi", D(1), D(1_000_000))])
    first = inv.create_draft(admin, draft)
    inv.issue(admin, first.id)
    second = inv.create_and_issue(admin, draft)
    assert set(inv.mark_overdue(admin, dt.date(2026, 11, 20))) == {first.id, second.id}
    inv.record_payment(admin, first.id, D(100_000), day)  # partly paid: no event
    inv.mark_paid(admin, first.id, day)
    project = projects.create_project(admin, "Rollout")
    task = tasks.create_task(admin, project.id, "Connect the ERP")
    tasks.move_task(admin, task.id, "in_progress")
    tasks.move_task(admin, task.id, "in_progress")  # no change of status: no event

    report = dispatch("wh-main", allow_loopback)
    assert report.delivered == report.attempted == len(receiver.requests) == 9
    assert Counter(r.type for r in receiver.requests) == {
        "customer.created": 1, "invoice.created": 2, "invoice.sent": 2, "invoice.overdue": 2, "invoice.paid": 1,
        "task.status_changed": 1,
    }
    assert all(r.verified for r in receiver.requests), [r.verify_error for r in receiver.requests]
    assert len({r.webhook_id for r in receiver.requests}) == 9
    for r in receiver.requests:
        assert r.path == "/hooks"
        assert r.headers["content-type"] == "application/json"
        assert r.headers["webhook-signature"].startswith("v1,") and " " not in r.headers["webhook-signature"]
        assert r.headers["webhook-id"].startswith("msg_")
    by_type = {r.type: r.payload["data"] for r in receiver.requests}
    assert by_type["invoice.paid"]["id"] == str(first.id) and by_type["invoice.paid"]["status"] == "paid"
    assert by_type["invoice.paid"]["balance"] == "0.00" and by_type["invoice.paid"]["total"] == "1110000.00"
    assert by_type["customer.created"]["name"] == "PT Hub Nusantara"
    assert by_type["task.status_changed"] == {**by_type["task.status_changed"], "id": str(task.id),
                                              "status": "in_progress", "previous_status": "todo"}
    overdue = {r.payload["data"]["id"] for r in receiver.requests if r.type == "invoice.overdue"}
    assert overdue == {str(first.id), str(second.id)}
    # Delivered once: the next run has nothing to do.
    assert dispatch("wh-main", allow_loopback).attempted == 0


def test_only_subscribed_types_and_events_after_creation(admin: TenantContext, receiver: Receiver,
                                                         allow_loopback: Guard) -> None:
    new_customers(admin, 1)  # before the endpoint exists: never sent to it
    made = endpoints.create_endpoint(admin, receiver.url, ["invoice.paid"])
    receiver.secrets = [made.secret]
    new_customers(admin, 2)  # not subscribed
    assert dispatch("wh-main", allow_loopback).attempted == 0
    assert receiver.requests == []


def test_receiver_down_then_back_loses_nothing(admin: TenantContext, allow_loopback: Guard) -> None:
    down = Receiver(closed_port())
    made = endpoints.create_endpoint(admin, down.url, ["customer.created"])
    down.secrets = [made.secret]
    created = new_customers(admin, 5)
    t0 = dt.datetime.now(dt.UTC)

    first = dispatch("wh-main", allow_loopback, t0)
    assert (first.attempted, first.delivered) == (5, 0)
    assert dispatch("wh-main", allow_loopback, t0 + dt.timedelta(seconds=4)).attempted == 0  # not due yet
    assert dispatch("wh-main", allow_loopback, t0 + dt.timedelta(seconds=5)).failed == 5
    # Back up, but answering 500 to the first copy of each message: the retry is a duplicate.
    seen: Counter[str] = Counter()

    def flaky(got: Received) -> tuple[int, dict[str, str], bytes]:
        seen[got.webhook_id] += 1
        return (500, {}, b"busy") if seen[got.webhook_id] == 1 else (200, {}, b"ok")

    down.reply = flaky
    down.start()
    try:
        t2 = t0 + SCHEDULE[1] + SCHEDULE[2]
        assert dispatch("wh-main", allow_loopback, t2).failed == 5
        assert dispatch("wh-main", allow_loopback, t2 + SCHEDULE[3] - dt.timedelta(seconds=1)).attempted == 0
        last = dispatch("wh-main", allow_loopback, t2 + SCHEDULE[3])
        assert (last.attempted, last.delivered) == (5, 5)
    finally:
        down.stop()

    assert all(r.verified for r in down.requests)
    rows = deliveries_of(admin, made.endpoint.id)
    assert {d.status for d in rows} == {"delivered"} and {d.attempts for d in rows} == {4}
    expected_ids = {message_id(d.event_id) for d in rows}
    received = Counter(r.webhook_id for r in down.requests)
    assert set(received) == expected_ids and set(received.values()) == {2}  # every event, each twice
    for webhook_id in expected_ids:
        copies = [r for r in down.requests if r.webhook_id == webhook_id]
        assert copies[0].body == copies[1].body  # a duplicate is the same message
    assert {r.payload["data"]["id"] for r in down.requests} == {str(c) for c in created}  # none lost
    # The log has every attempt with the schedule between them.
    log = delivery.list_attempts(admin, made.endpoint.id, limit=100)
    assert len(log) == 20
    one = sorted((a for a in log if a.delivery_id == rows[0].id), key=lambda a: a.attempt)
    assert [a.attempt for a in one] == [1, 2, 3, 4]
    assert [a.status_code for a in one] == [None, None, 500, 200]
    assert "ConnectError" in (one[0].error or "") and one[2].response_snippet == "busy"
    assert [a.next_attempt_at - a.attempted_at for a in one[:3] if a.next_attempt_at] == list(SCHEDULE[1:4])
    assert one[3].next_attempt_at is None and one[3].succeeded and one[3].latency_ms is not None


def test_retries_follow_the_schedule_then_fail(admin: TenantContext, allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, Receiver(closed_port()).url, ["customer.created"])
    new_customers(admin, 1)
    moment = dt.datetime.now(dt.UTC)
    for delay in SCHEDULE:
        moment += delay
        assert dispatch("wh-main", allow_loopback, moment).attempted == 1
    assert dispatch("wh-main", allow_loopback, moment + dt.timedelta(days=1)).attempted == 0
    (row,) = deliveries_of(admin, made.endpoint.id)
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", len(SCHEDULE), None)
    assert endpoints.get_endpoint(admin, made.endpoint.id).enabled  # ~28 h of failure, not 5 days


def test_rolled_back_change_sends_nothing(admin: TenantContext, receiver: Receiver,
                                          allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, receiver.url, ["customer.created", "invoice.paid"])
    receiver.secrets = [made.secret]
    with tenant_session(admin) as s:
        before = s.scalar(select(func.count()).select_from(WebhookEvent))
    with pytest.raises(RuntimeError), tenant_session(admin) as s:
        s.add(Customer(name="PT Batal"))
        s.flush()
        emit(s, admin, "customer.created", {"name": "PT Batal"})
        s.flush()
        raise RuntimeError("the change fails after the event was written")
    with pytest.raises(ValidationFailed):  # a refused service call writes nothing either
        create_customer(admin, CustomerIn(name="PT Salah", email="not-an-email"))
    with tenant_session(admin) as s:
        assert s.scalar(select(func.count()).select_from(WebhookEvent)) == before
        assert s.scalar(select(func.count()).select_from(Customer).where(Customer.name == "PT Batal")) == 0
    assert dispatch("wh-main", allow_loopback).attempted == 0
    assert receiver.requests == []


def test_410_disables_the_endpoint_and_reenabling_resumes(admin: TenantContext, receiver: Receiver,
                                                           allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, receiver.url, ["customer.created"])
    receiver.secrets = [made.secret]
    receiver.reply = lambda _r: (410, {}, b"this hook is gone")
    new_customers(admin, 1)
    t0 = dt.datetime.now(dt.UTC)
    assert dispatch("wh-main", allow_loopback, t0).failed == 1
    state = endpoints.get_endpoint(admin, made.endpoint.id)
    assert not state.enabled and "410" in (state.disabled_reason or "")
    new_customers(admin, 1)  # while disabled: not routed to it
    assert dispatch("wh-main", allow_loopback, t0 + dt.timedelta(minutes=1)).attempted == 0
    assert len(receiver.requests) == 1

    receiver.reply = lambda _r: (200, {}, b"welcome back")
    endpoints.set_enabled(admin, made.endpoint.id, True)
    resumed = dispatch("wh-main", allow_loopback, t0 + dt.timedelta(minutes=1))
    assert (resumed.attempted, resumed.delivered) == (1, 1)
    assert receiver.requests[0].webhook_id == receiver.requests[1].webhook_id  # the held event, same id
    assert endpoints.get_endpoint(admin, made.endpoint.id).failing_since is None


def test_five_days_of_failure_disable_and_email_the_admins(admin: TenantContext, allow_loopback: Guard,
                                                           wh_slug: str, tmp_path: object) -> None:
    from core.identity.service import add_membership, create_user
    from tests.mailcatcher import smtp_catcher

    owner = create_user(f"owner-{uuid.uuid4().hex[:8]}@example.test", "Owner Webhook", "rahasia-123", "en")
    add_membership(owner.id, get_tenant(wh_slug).id, "admin")
    made = endpoints.create_endpoint(admin, Receiver(closed_port()).url, ["customer.created"])
    new_customers(admin, 1)
    t0 = dt.datetime.now(dt.UTC)
    with smtp_catcher(tmp_path) as catcher:  # type: ignore[arg-type]
        assert dispatch("wh-main", allow_loopback, t0).failed == 1
        assert endpoints.get_endpoint(admin, made.endpoint.id).failing_since == t0
        almost = t0 + dt.timedelta(days=5) - dt.timedelta(seconds=1)
        new_customers(admin, 1)
        dispatch("wh-main", allow_loopback, almost)
        assert endpoints.get_endpoint(admin, made.endpoint.id).enabled
        new_customers(admin, 1)
        report = dispatch("wh-main", allow_loopback, t0 + dt.timedelta(days=5))
        assert report.disabled == [made.endpoint.id]
        state = endpoints.get_endpoint(admin, made.endpoint.id)
        assert not state.enabled and "5 days" in (state.disabled_reason or "")
        mails = catcher.store.to(owner.email)
        assert len(mails) == 1
        assert "disabled" in mails[0].subject and made.endpoint.url in mails[0].text()


def test_secret_rotation_sends_both_signatures_until_the_overlap_ends(admin: TenantContext, receiver: Receiver,
                                                                      allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, receiver.url, ["customer.created"])
    rotated = endpoints.rotate_secret(admin, made.endpoint.id, dt.timedelta(hours=1))
    assert rotated.secret != made.secret and rotated.endpoint.previous_secret_expires_at is not None
    receiver.secrets = [made.secret, rotated.secret]
    new_customers(admin, 1)
    now = dt.datetime.now(dt.UTC)
    dispatch("wh-main", allow_loopback, now)
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert receiver.verify_with(made.secret, during) and receiver.verify_with(rotated.secret, during)

    new_customers(admin, 1)
    dispatch("wh-main", allow_loopback, now + dt.timedelta(hours=2))
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert receiver.verify_with(rotated.secret, after) and not receiver.verify_with(made.secret, after)


def test_test_event_and_replay_keep_the_webhook_id(admin: TenantContext, receiver: Receiver,
                                                   allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, receiver.url, ["invoice.paid"])
    receiver.secrets = [made.secret]
    receiver.reply = lambda _r: (200, {"content-type": "text/plain"}, b"received, thanks")
    result = delivery.send_test_event(admin, made.endpoint.id, guard=allow_loopback)
    assert result.succeeded and result.status_code == 200 and result.snippet == "received, thanks"
    (test,) = receiver.requests
    assert test.verified and test.type == "webhook.test"

    (row,) = deliveries_of(admin, made.endpoint.id)
    replayed = delivery.replay(admin, row.id, guard=allow_loopback)
    assert replayed is not None and replayed.succeeded
    assert [r.webhook_id for r in receiver.requests] == [test.webhook_id, test.webhook_id]
    assert receiver.requests[1].body == test.body and receiver.requests[1].verified
    log = sorted(delivery.list_attempts(admin, made.endpoint.id), key=lambda a: a.attempt)
    assert [(a.attempt, a.trigger, a.status_code) for a in log] == [(1, "test", 200), (2, "replay", 200)]
    assert all(a.webhook_id == test.webhook_id and a.latency_ms is not None for a in log)


def test_staff_cannot_manage_webhooks(as_role: Role, wh_slug: str) -> None:
    staff = as_role("staff", wh_slug)
    with pytest.raises(PermissionDenied, match=r"webhook\.manage"):
        endpoints.create_endpoint(staff, PUBLIC_URL, ["invoice.paid"])
    with pytest.raises(PermissionDenied):
        endpoints.list_endpoints(staff)


def test_bad_input_is_refused_with_a_clear_message(admin: TenantContext) -> None:
    with pytest.raises(ValidationFailed, match=r"unknown event types: invoice\.exploded"):
        endpoints.create_endpoint(admin, PUBLIC_URL, ["invoice.exploded"])
    with pytest.raises(ValidationFailed, match="at least one event type"):
        endpoints.create_endpoint(admin, PUBLIC_URL, [])
    with pytest.raises(ValidationFailed, match=r"cannot be used: .*loopback"):
        endpoints.create_endpoint(admin, "http://127.0.0.1:9/hooks", ["invoice.paid"])
    assert endpoints.list_endpoints(admin) == []


def test_secrets_are_encrypted_at_rest(admin: TenantContext) -> None:
    from core.webhooks.models import WebhookEndpoint

    made = endpoints.create_endpoint(admin, PUBLIC_URL, ["invoice.paid"])
    with control_session() as s:
        stored = s.get(WebhookEndpoint, made.endpoint.id)
        assert stored is not None and made.secret not in stored.secret_encrypted
        assert made.secret[6:] not in stored.secret_encrypted


def test_the_scheduler_job_delivers(admin: TenantContext, receiver: Receiver, allow_loopback: Guard) -> None:
    made = endpoints.create_endpoint(admin, receiver.url, ["customer.created"])
    receiver.secrets = [made.secret]
    new_customers(admin, 2)
    outcome = webhook_dispatch_job(guard=allow_loopback)
    assert outcome is not None and "wh-main" in outcome.done and not outcome.failed
    assert len(receiver.requests) == 2 and all(r.verified for r in receiver.requests)
    with tenant_session(admin) as s:
        pending = s.scalar(select(func.count()).select_from(WebhookDelivery)
                           .where(WebhookDelivery.endpoint_id == made.endpoint.id,
                                  WebhookDelivery.status != "delivered"))
        assert pending == 0
