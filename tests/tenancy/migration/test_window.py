"""The read-only window: while the company is `migrating`, the services answer 423 with a
clear message, the API answers 423, and the database guard refuses writes that come with
a context built before the window (so no path slips through). A writer running through
the whole move loses nothing: each write is on the target or was refused."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import app
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key
from core.context import Actor, TenantContext
from core.customers.service import CustomerIn, create_customer
from core.errors import Locked
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.migration import engine
from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.service import MoveRequest, request_move
from core.tenancy.registry import context_for, get_tenant
from db.session import tenant_connection, tenant_session


def admin_ctx(slug: str) -> TenantContext:
    return context_for(get_tenant(slug), Actor("user", str(uuid.uuid5(uuid.NAMESPACE_DNS, slug)), "admin"),
                       role="admin", permissions=SYSTEM_ROLES["admin"])


def customer_names(slug: str) -> set[str]:
    with tenant_session(admin_ctx(slug)) as s:
        return set(s.execute(text("SELECT name FROM customers")).scalars())


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


# shared <-> schema in one region: source and target are schemas of the same database.
@pytest.mark.parametrize(("source_tier", "target"), [("shared", "schema"), ("schema", "shared"),
                                                     ("dedicated", "shared")])
def test_every_write_path_is_refused_in_the_window(fresh, client, source_tier, target) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh(source_tier)
    stale = admin_ctx(tenant.slug)  # built before the move, status active, old placement
    key = create_key(stale, "mover", "admin", sorted(SCOPES)).secret
    seen: dict[str, object] = {}

    def in_window(move: TenantMove) -> None:
        if move.step != "catchup" or seen:
            return
        with pytest.raises(Locked, match="being moved") as by_service:
            create_customer(admin_ctx(tenant.slug), CustomerIn(name="during window"))
        seen["service"] = by_service.value.status
        with pytest.raises(Locked, match="being moved"):
            create_customer(stale, CustomerIn(name="stale during window"))
        with pytest.raises(Locked), tenant_connection(stale) as conn:
            conn.execute(text("UPDATE customers SET notes = 'sneaky'"))
        r = client.post("/api/v1/customers", json={"name": "api during window"},
                        headers={"Authorization": f"Bearer {key}"})
        seen["api"] = (r.status_code, r.text)

    create_customer(stale, CustomerIn(name="before"))
    move = request_move(MoveRequest(tenant.slug, target), actor="user:test")
    done = engine.run_move(move.id, progress=in_window)

    assert done.status == "succeeded", done.reason
    assert seen["service"] == 423
    status, body = seen["api"]  # type: ignore[misc]
    assert status == 423 and "being moved" in body
    # After the switch: new contexts write to the target; the stale one still cannot
    # write to the kept source copy.
    create_customer(admin_ctx(tenant.slug), CustomerIn(name="after"))
    with pytest.raises(Locked):
        create_customer(stale, CustomerIn(name="stale after"))
    assert customer_names(tenant.slug) == {"before", "after"}
    r = client.post("/api/v1/customers", json={"name": "api after"}, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201, r.text


def test_concurrent_writer_loses_nothing(fresh) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    ok: list[str] = []
    refused: list[str] = []
    other: list[BaseException] = []
    stop = threading.Event()
    counter = iter(range(1_000_000))

    def write() -> None:
        name = f"w{next(counter)}"
        try:
            create_customer(admin_ctx(tenant.slug), CustomerIn(name=name))
            ok.append(name)
        except Locked:
            refused.append(name)
        except BaseException as exc:
            other.append(exc)

    def loop() -> None:
        while not stop.is_set():
            write()

    def at_every_step(move: TenantMove) -> None:
        write()  # one write at each recorded step: during the copy and inside the window

    writer = threading.Thread(target=loop, daemon=True)
    writer.start()
    try:
        move = request_move(MoveRequest(tenant.slug, "dedicated", "id"), actor="user:test")
        done = engine.run_move(move.id, progress=at_every_step)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not other, other[:3]
    assert done.status == "succeeded", done.reason
    assert refused, "the window refused nothing"
    assert ok, "no write got through"
    on_target = customer_names(tenant.slug)
    assert set(ok) <= on_target
    assert not (set(refused) & on_target)
