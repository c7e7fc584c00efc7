"""The business API: cursor pages, idempotency, rate limits, size limits, bad input, and a
cross-tenant sweep over every route in the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import app
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key
from core.context import TenantContext

ALL = sorted(SCOPES)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _h(secret: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}", **extra}


def _invoice_body(customer_id: str, price: str = "100000") -> dict[str, Any]:
    return {"customer_id": customer_id, "issue_date": "2026-11-02",
            "lines": [{"description": "Jasa", "quantity": "1", "unit_price": price}]}


@pytest.fixture
def key(as_role: Callable[..., TenantContext], tier: str) -> str:
    return create_key(as_role("admin", f"a-{tier}"), "test", "admin", ALL).secret


def test_invoice_flow_and_cursor(client: TestClient, key: str) -> None:
    c = client.post("/api/v1/customers", json={"name": "API Customer"}, headers=_h(key))
    assert c.status_code == 201, c.text
    cid = c.json()["id"]
    ids = []
    for _ in range(5):
        r = client.post("/api/v1/invoices", json=_invoice_body(cid), headers=_h(key))
        assert r.status_code == 201, r.text
        assert r.json()["total"] == "111000.00" and r.json()["status"] == "draft"
        ids.append(r.json()["id"])
    sent = client.post(f"/api/v1/invoices/{ids[0]}/send", headers=_h(key)).json()
    assert sent["number"].startswith("INV/2026/11/")
    paid = client.post(f"/api/v1/invoices/{ids[0]}/payments", json={"paid_on": "2026-11-03"}, headers=_h(key))
    assert paid.json()["status"] == "paid"
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/invoices", params={"customer_id": cid, "limit": 2, **({"cursor": cursor}
                                                                                            if cursor else {})},
                          headers=_h(key)).json()
        seen += [i["id"] for i in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    only_paid = client.get("/api/v1/invoices", params={"status": "paid", "customer_id": cid}, headers=_h(key))
    assert [i["id"] for i in only_paid.json()["data"]] == [ids[0]]


def test_list_rows_are_written_as_the_single_invoice_is(client: TestClient, key: str) -> None:
    """The list is written by orjson, a single invoice by pydantic: the same text for the same
    values (key order, Decimal scale, UTC 'Z', null)."""
    cid = client.post("/api/v1/customers", json={"name": "JSON Customer"}, headers=_h(key)).json()["id"]
    created = [client.post("/api/v1/invoices", json=_invoice_body(cid, price), headers=_h(key)).json()
               for price in ("100000", "2500.5", "0.01")]
    assert client.post(f"/api/v1/invoices/{created[0]['id']}/send", headers=_h(key)).status_code == 200
    paid = client.post(f"/api/v1/invoices/{created[0]['id']}/payments",
                       json={"paid_on": "2026-11-03", "amount": "1000"}, headers=_h(key))
    assert paid.status_code == 200, paid.text
    page = client.get("/api/v1/invoices", params={"customer_id": cid}, headers=_h(key))
    listed = re.findall(r'\{"id":.*?"lines":\[\]\}', page.text)
    assert len(listed) == 3
    for text in listed:
        one = client.get(f"/api/v1/invoices/{json.loads(text)['id']}", headers=_h(key)).text
        assert text == re.sub(r',"lines":\[.*\]\}$', ',"lines":[]}', one)
    rows = page.json()["data"]
    assert {i["subtotal"] for i in rows} == {"100000.00", "2501.00", "0.00"}  # rupiah: whole amounts
    assert {i["amount_paid"] for i in rows} == {"1000.00", "0.00"}
    assert sum(i["number"] is None for i in rows) == 2


def test_idempotency_key(client: TestClient, key: str) -> None:
    headers = _h(key, **{"Idempotency-Key": f"create-{uuid.uuid4()}"})
    first = client.post("/api/v1/customers", json={"name": "Once Only"}, headers=headers)
    again = client.post("/api/v1/customers", json={"name": "Once Only"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers.get("Idempotent-Replayed") == "true"
    names = [c["name"] for c in client.get("/api/v1/customers", params={"search": "Once Only"},
                                           headers=_h(key)).json()]
    assert names == ["Once Only"]
    other = client.post("/api/v1/customers", json={"name": "Different"}, headers=headers)
    assert other.status_code == 422 and "different request" in other.json()["error"]["message"]


def test_rate_limit(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    from sqlalchemy import update

    from core.apikeys.models import ApiKey
    from db.session import control_session

    created = create_key(as_role("admin"), "tiny", "admin", ALL)
    with control_session() as s:
        s.execute(update(ApiKey).where(ApiKey.id == created.view.id).values(rate_limit_per_minute=3))
    codes = [client.get("/api/v1/customers", headers=_h(created.secret)).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] or 429 in codes  # a minute boundary may reset the window once
    limited = [r for r in (client.get("/api/v1/customers", headers=_h(created.secret)) for _ in range(4))
               if r.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json()["error"]["code"] == "rate_limited"


def test_bad_input(client: TestClient, key: str) -> None:
    r = client.post("/api/v1/customers", content=b"{not json", headers=_h(key, **{"content-type": "application/json"}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    huge = json.dumps({"name": "x" * (2 * 1024 * 1024)})
    r = client.post("/api/v1/customers", content=huge, headers=_h(key, **{"content-type": "application/json"}))
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    r = client.post("/api/v1/customers", json={"name": "x" * 201}, headers=_h(key))
    assert r.status_code == 422 and "name" in r.json()["error"]["details"]["fields"]
    r = client.post("/api/v1/customers", json={"name": 42, "payment_terms_days": "soon"}, headers=_h(key))
    assert r.status_code == 422 and "payment_terms_days" in r.json()["error"]["details"]["fields"]
    r = client.post("/api/v1/invoices", json={"customer_id": str(uuid.uuid4()), "issue_date": "2026-11-02",
                                              "lines": [{"description": "x", "quantity": "-1", "unit_price": "1"}]},
                    headers=_h(key))
    assert r.status_code == 422 and "lines.0.quantity" in r.json()["error"]["details"]["fields"]
    r = client.get("/api/v1/invoices", params={"cursor": "garbage"}, headers=_h(key))
    assert r.status_code == 422
    r = client.get("/api/v1/invoices/not-a-uuid", headers=_h(key))
    assert r.status_code == 422


PARAM_IDS = ("invoice_id", "customer_id", "expense_id", "project_id", "employee_id", "task_id", "endpoint_id",
             "delivery_id")


def _webhook_ids(client: TestClient, ctx: TenantContext, key: str) -> dict[str, str]:
    """An endpoint of the tenant (via the API) and one failed delivery to it (set up directly)."""
    from core.webhooks.models import WebhookDelivery
    from core.webhooks.outbox import emit
    from db.session import tenant_session

    r = client.post("/api/v1/webhooks/endpoints", headers=_h(key),
                    json={"url": "https://93.184.216.34/hooks", "event_types": ["invoice.paid"]})
    endpoint_id = uuid.UUID(r.json()["endpoint"]["id"])
    with tenant_session(ctx) as s:
        event_id = emit(s, ctx, "invoice.paid", {"id": "x"}, endpoint_id=endpoint_id)
        s.flush()
        delivery = WebhookDelivery(tenant_id=ctx.tenant_id, event_id=event_id, endpoint_id=endpoint_id,
                                   status="failed")
        s.add(delivery)
        s.flush()
        return {"endpoint_id": str(endpoint_id), "delivery_id": str(delivery.id)}


def test_every_route_refuses_other_tenants_ids(client: TestClient, as_role: Callable[..., TenantContext],
                                               tier: str) -> None:
    """B's key on A's ids: 404 and nothing changed, for every route with an id in its path."""
    a_admin = as_role("admin", f"a-{tier}")
    a_key = create_key(a_admin, "a", "admin", ALL).secret
    b_key = create_key(as_role("admin", f"b-{tier}"), "b", "admin", ALL).secret
    cid = client.post("/api/v1/customers", json={"name": "A private"}, headers=_h(a_key)).json()["id"]
    ids = {
        "customer_id": cid,
        "invoice_id": client.post("/api/v1/invoices", json=_invoice_body(cid), headers=_h(a_key)).json()["id"],
        "expense_id": client.post("/api/v1/spending", json={"spent_on": "2026-11-01", "category": "X",
                                                            "vendor": "V", "amount": "5"},
                                  headers=_h(a_key)).json()["id"],
        "project_id": client.post("/api/v1/projects", json={"name": "A project"}, headers=_h(a_key)).json()["id"],
        "employee_id": client.post("/api/v1/employees", json={"full_name": "A person"},
                                   headers=_h(a_key)).json()["id"],
    }
    ids["task_id"] = client.post(f"/api/v1/projects/{ids['project_id']}/tasks", json={"title": "A task"},
                                 headers=_h(a_key)).json()["id"]
    ids |= _webhook_ids(client, a_admin, a_key)
    bodies = {
        "/api/v1/invoices/{invoice_id}": _invoice_body(cid),
        "/api/v1/invoices/{invoice_id}/payments": {"paid_on": "2026-11-05"},
        "/api/v1/invoices/{invoice_id}/void": {"reason": "x"},
        "/api/v1/customers/{customer_id}": {"name": "pwned"},
        "/api/v1/employees/{employee_id}": {"position": "pwned"},
        "/api/v1/projects/{project_id}/tasks": {"title": "intruder"},
        "/api/v1/projects/tasks/{task_id}/move": {"status": "done"},
        "/api/v1/webhooks/endpoints/{endpoint_id}": {"url": "https://93.184.216.35/pwned"},
    }
    checked = 0
    for path, methods in client.get("/api/openapi.json").json()["paths"].items():
        params = re.findall(r"{(\w+)}", path)
        if not params:
            continue
        assert set(params) <= set(PARAM_IDS), f"{path}: add its id kind to this test"
        url = path.format(**ids)
        for method in methods:
            r = client.request(method.upper(), url, json=bodies.get(path), headers=_h(b_key))
            assert r.status_code == 404, (method, path, r.status_code, r.text)
            checked += 1
    assert checked >= 15
    # Nothing changed for A.
    assert client.get(f"/api/v1/customers/{cid}", headers=_h(a_key)).json()["name"] == "A private"
    assert client.get(f"/api/v1/invoices/{ids['invoice_id']}", headers=_h(a_key)).json()["status"] == "draft"
    assert client.get(f"/api/v1/projects/{ids['project_id']}/tasks",
                      headers=_h(a_key)).json()[0]["status"] == "todo"
    endpoint = client.get(f"/api/v1/webhooks/endpoints/{ids['endpoint_id']}", headers=_h(a_key)).json()
    assert endpoint["url"] == "https://93.184.216.34/hooks" and endpoint["enabled"] is True
    # And B's lists never show A's rows.
    for url in ("/api/v1/customers", "/api/v1/spending", "/api/v1/projects", "/api/v1/employees",
                "/api/v1/webhooks/endpoints"):
        assert all(row["id"] not in ids.values() for row in client.get(url, headers=_h(b_key)).json())
    assert all(i["id"] != ids["invoice_id"] for i in client.get("/api/v1/invoices", headers=_h(b_key)).json()["data"])
    # Writing with A's ids in a body is refused as well.
    r = client.post("/api/v1/invoices", json=_invoice_body(cid), headers=_h(b_key))
    assert r.status_code == 422 and "customer" in r.text
    assert dt.date.today()
    assert client.delete(f"/api/v1/webhooks/endpoints/{ids['endpoint_id']}", headers=_h(a_key)).status_code == 204
