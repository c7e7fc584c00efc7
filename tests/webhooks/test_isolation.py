"""Tenant B never sees tenant A's endpoints, outbox or deliveries, in every tier."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from core.context import TenantContext
from core.customers.service import CustomerIn, create_customer
from core.errors import NotFound
from core.tenancy.registry import get_tenant
from core.webhooks import delivery, endpoints
from core.webhooks.delivery import dispatch_tenant
from core.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from core.webhooks.ssrf import Guard
from db.session import tenant_session
from scheduler.per_tenant import job_context
from tests.webhooks.conftest import Receiver


def test_b_never_sees_a(as_role: Callable[..., TenantContext], tier: str, receiver: Receiver,
                        allow_loopback: Guard, clean_endpoints: Callable[[TenantContext], None]) -> None:
    a, b = as_role("admin", f"a-{tier}"), as_role("admin", f"b-{tier}")
    clean_endpoints(a)
    clean_endpoints(b)
    made = endpoints.create_endpoint(a, receiver.url, ["customer.created"])
    receiver.secrets = [made.secret]
    create_customer(a, CustomerIn(name=f"PT Rahasia {tier}"))
    dispatch_tenant(job_context(get_tenant(f"a-{tier}"), "webhook-dispatch"), guard=allow_loopback)
    assert len(receiver.requests) == 1 and receiver.requests[0].verified
    (row,) = delivery.list_deliveries(a, made.endpoint.id)
    assert len(delivery.list_attempts(a, made.endpoint.id)) == 1

    # B's services: A's endpoint does not exist for B.
    assert endpoints.list_endpoints(b) == []
    for call in (
        lambda: endpoints.get_endpoint(b, made.endpoint.id),
        lambda: endpoints.update_endpoint(b, made.endpoint.id, event_types=["invoice.paid"]),
        lambda: endpoints.set_enabled(b, made.endpoint.id, False),
        lambda: endpoints.rotate_secret(b, made.endpoint.id),
        lambda: endpoints.delete_endpoint(b, made.endpoint.id),
        lambda: delivery.list_deliveries(b, made.endpoint.id),
        lambda: delivery.list_attempts(b, made.endpoint.id),
        lambda: delivery.send_test_event(b, made.endpoint.id, guard=allow_loopback),
        lambda: delivery.replay(b, row.id, guard=allow_loopback),
    ):
        with pytest.raises(NotFound):
            call()
    assert row.event_id not in {i for i, _, _ in delivery.outbox_events(b, limit=1000)}

    # B's database session, even asking for A's tenant_id: nothing (RLS, schema, database).
    with tenant_session(b) as s:
        for model in (WebhookEvent, WebhookDelivery, WebhookAttempt):
            assert s.scalar(select(func.count()).select_from(model).where(model.tenant_id == a.tenant_id)) == 0
        assert s.get(WebhookDelivery, row.id) is None
        assert s.get(WebhookEvent, row.event_id) is None

    # And A's endpoint is untouched by B's attempts.
    still = endpoints.get_endpoint(a, made.endpoint.id)
    assert still.enabled and still.event_types == ("customer.created",) and still.previous_secret_expires_at is None
    assert len(receiver.requests) == 1
