"""Webhook endpoints through the public API: the same rules as the settings page."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import app
from core.apikeys.service import create_key
from core.context import TenantContext
from core.webhooks import endpoints
from core.webhooks.ssrf import Guard
from tests.webhooks.conftest import Receiver

PUBLIC_URL = "https://93.184.216.34/hooks"  # a public address literal: validated, never contacted


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def own_tenants(tenants: dict[str, object]) -> tuple[str, str]:
    """Tenants of this module alone (a shared and a schema one): endpoint lists are exact."""
    from core.tenancy.provisioning import NewTenant, create_tenant

    for slug, tier in (("wh-api-shared", "shared"), ("wh-api-schema", "schema")):
        create_tenant(NewTenant(name=f"Webhook API {tier}", slug=slug, region="global", tier=tier))
    return "wh-api-shared", "wh-api-schema"


def _h(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_manage_an_endpoint_end_to_end(client: TestClient, as_role: Callable[..., TenantContext], receiver: Receiver,
                                       allow_loopback: Guard, clean_endpoints: Callable[[TenantContext], None],
                                       own_tenants: tuple[str, str]) -> None:
    admin = as_role("admin", own_tenants[0])
    clean_endpoints(admin)
    key = create_key(admin, "erp", "admin", ["webhooks:manage"]).secret

    r = client.post("/api/v1/webhooks/endpoints", headers=_h(key),
                    json={"url": receiver.url, "event_types": ["invoice.paid"], "description": "ERP"})
    assert r.status_code == 201, r.text
    created = r.json()
    eid, secret = created["endpoint"]["id"], created["secret"]
    assert secret.startswith("whsec_") and created["endpoint"]["enabled"] is True
    assert "secret" not in client.get(f"/api/v1/webhooks/endpoints/{eid}", headers=_h(key)).json()
    assert [e["id"] for e in client.get("/api/v1/webhooks/endpoints", headers=_h(key)).json()] == [eid]

    # A test event reaches the receiver, signed with the secret the API showed once.
    receiver.secrets.append(secret)
    r = client.post(f"/api/v1/webhooks/endpoints/{eid}/test", headers=_h(key))
    assert r.status_code == 200 and r.json()["succeeded"] is True, r.text
    assert receiver.requests[-1].verified and receiver.requests[-1].type == "webhook.test"
    deliveries = client.get(f"/api/v1/webhooks/endpoints/{eid}/deliveries", headers=_h(key)).json()
    assert len(deliveries) == 1 and deliveries[0]["status"] == "delivered"

    # Replay sends the same event again with the same webhook-id.
    r = client.post(f"/api/v1/webhooks/deliveries/{deliveries[0]['id']}/replay", headers=_h(key))
    assert r.status_code == 200 and r.json()["succeeded"] is True
    assert receiver.requests[-1].webhook_id == receiver.requests[-2].webhook_id

    # Rotation: a new secret; during the overlap both sign.
    r = client.post(f"/api/v1/webhooks/endpoints/{eid}/rotate-secret", headers=_h(key), json={"overlap_hours": 1})
    assert r.status_code == 200 and r.json()["secret"] != secret
    assert r.json()["endpoint"]["previous_secret_expires_at"] is not None

    r = client.patch(f"/api/v1/webhooks/endpoints/{eid}", headers=_h(key),
                     json={"event_types": ["invoice.paid", "invoice.sent"], "enabled": False})
    assert r.status_code == 200, r.text
    assert r.json()["event_types"] == ["invoice.paid", "invoice.sent"] and r.json()["enabled"] is False
    assert r.json()["disabled_reason"] == "disabled through the API"

    assert client.delete(f"/api/v1/webhooks/endpoints/{eid}", headers=_h(key)).status_code == 204
    assert client.get(f"/api/v1/webhooks/endpoints/{eid}", headers=_h(key)).status_code == 404
    assert endpoints.list_endpoints(admin) == []


def test_bad_input_changes_nothing(client: TestClient, as_role: Callable[..., TenantContext],
                                   clean_endpoints: Callable[[TenantContext], None],
                                   own_tenants: tuple[str, str]) -> None:
    admin = as_role("admin", own_tenants[1])
    clean_endpoints(admin)
    key = create_key(admin, "erp", "admin", ["webhooks:manage"]).secret
    for body, field in (({"url": "http://127.0.0.1:9/x", "event_types": ["invoice.paid"]}, "url"),
                        ({"url": "http://169.254.169.254/latest", "event_types": ["invoice.paid"]}, "url"),
                        ({"url": PUBLIC_URL, "event_types": ["invoice.exploded"]}, "event_types"),
                        ({"url": PUBLIC_URL, "event_types": []}, "event_types"),
                        ({"url": PUBLIC_URL, "event_types": ["invoice.paid"], "secret": "mine"}, "secret")):
        r = client.post("/api/v1/webhooks/endpoints", headers=_h(key), json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in r.text
    assert endpoints.list_endpoints(admin) == []


def test_scope_and_role_are_required(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin", "a-shared")
    no_scope = create_key(admin, "reader", "admin", ["invoices:read"]).secret
    r = client.get("/api/v1/webhooks/endpoints", headers=_h(no_scope))
    assert r.status_code == 403
    assert r.json()["error"]["details"] == {"permission": "webhook.manage", "scope": "webhooks:manage"}
    manager = create_key(admin, "manager", "manager", ["webhooks:manage"]).secret
    r = client.post("/api/v1/webhooks/endpoints", headers=_h(manager),
                    json={"url": PUBLIC_URL, "event_types": ["invoice.paid"]})
    assert r.status_code == 403 and r.json()["error"]["details"]["permission"] == "webhook.manage"
