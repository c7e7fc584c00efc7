"""The same permission rules through the API: 403 naming the permission, salaries hidden,
scopes narrowing a key, tenant from the key alone, bad keys refused."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import app
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key, revoke_key
from core.context import TenantContext
from core.employees.service import EmployeeInput, create_employee

ALL_SCOPES = sorted(SCOPES)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _key(admin: TenantContext, role: str, scopes: list[str] | None = None, **kw: object) -> str:
    return create_key(admin, f"{role} key", role, scopes or ALL_SCOPES, **kw).secret  # type: ignore[arg-type]


def _h(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_staff_key_gets_403_naming_the_permission(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin")
    staff = _key(admin, "staff")
    r = client.post("/api/v1/employees", json={"full_name": "Intern"}, headers=_h(staff))
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["code"] == "permission_denied"
    assert err["details"]["permission"] == "employee.write"
    assert "employee.write" in err["message"]
    manager = _key(admin, "manager")
    r = client.post("/api/v1/employees", json={"full_name": "Lead", "salary": "1000"}, headers=_h(manager))
    assert r.status_code == 403 and r.json()["error"]["details"]["permission"] == "employee.salary.write"
    assert client.post("/api/v1/employees", json={"full_name": "Lead"}, headers=_h(manager)).status_code == 201


def test_staff_never_receives_salary_through_api(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin")
    eid = create_employee(admin, EmployeeInput("Siti Rahma", salary=__import__("decimal").Decimal("12345678"))).id
    staff, boss = _key(admin, "staff"), _key(admin, "admin")
    listed = client.get("/api/v1/employees", headers=_h(staff))
    assert listed.status_code == 200
    assert all(e["salary"] is None for e in listed.json())
    assert "12345678" not in listed.text
    one = client.get(f"/api/v1/employees/{eid}", headers=_h(staff))
    assert one.json()["salary"] is None and "12345678" not in one.text
    assert client.get(f"/api/v1/employees/{eid}", headers=_h(boss)).json()["salary"] in ("12345678.00", 12345678.0)


def test_scopes_narrow_a_key(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin")
    read_only = _key(admin, "admin", ["employees:read"])
    assert client.get("/api/v1/employees", headers=_h(read_only)).status_code == 200
    r = client.post("/api/v1/employees", json={"full_name": "X"}, headers=_h(read_only))
    assert r.status_code == 403
    assert r.json()["error"]["details"] == {"permission": "employee.write", "scope": "employees:write"}
    assert client.get("/api/v1/projects", headers=_h(read_only)).status_code == 200  # sees only its own (none)


def test_tenant_comes_from_the_key(client: TestClient, as_role: Callable[..., TenantContext], tier: str) -> None:
    a_admin, b_admin = as_role("admin", f"a-{tier}"), as_role("admin", f"b-{tier}")
    eid = create_employee(a_admin, EmployeeInput("Only in A")).id
    b_key = _key(b_admin, "admin")
    for method, url, body in (("GET", f"/api/v1/employees/{eid}", None),
                              ("PATCH", f"/api/v1/employees/{eid}", {"position": "pwned"}),
                              ("DELETE", f"/api/v1/employees/{eid}", None)):
        r = client.request(method, url, json=body, headers=_h(b_key))
        assert r.status_code == 404, (method, r.text)
    assert all(e["id"] != str(eid) for e in client.get("/api/v1/employees", headers=_h(b_key)).json())


def test_bad_keys(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin")
    assert client.get("/api/v1/employees").status_code == 401
    assert client.get("/api/v1/employees", headers=_h("bos_live_forged")).status_code == 401
    assert client.get("/api/v1/employees", headers=_h("x" * 5000)).status_code == 401
    created = create_key(admin, "soon revoked", "admin", ALL_SCOPES)
    assert client.get("/api/v1/employees", headers=_h(created.secret)).status_code == 200
    revoke_key(admin, created.view.id)
    r = client.get("/api/v1/employees", headers=_h(created.secret))
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
    expiring = create_key(admin, "short", "admin", ALL_SCOPES,
                          expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    from sqlalchemy import update

    from core.apikeys.models import ApiKey
    from db.session import control_session

    with control_session() as s:  # move the expiry into the past instead of sleeping
        s.execute(update(ApiKey).where(ApiKey.id == expiring.view.id)
                  .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    r = client.get("/api/v1/employees", headers=_h(expiring.secret))
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]


def test_validation_errors_name_the_field(client: TestClient, as_role: Callable[..., TenantContext]) -> None:
    key = _key(as_role("admin"), "admin")
    r = client.post("/api/v1/employees", json={"full_name": "X", "salary": "lots"}, headers=_h(key))
    assert r.status_code == 422 and "salary" in r.json()["error"]["details"]["fields"]
    r = client.post("/api/v1/employees", json={"full_name": "X", "hacker": 1}, headers=_h(key))
    assert r.status_code == 422 and "hacker" in r.json()["error"]["details"]["fields"]
    r = client.get(f"/api/v1/employees/{uuid.uuid4()}", headers=_h(key))
    assert r.status_code == 404
