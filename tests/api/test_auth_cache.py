"""API keys admitted from this process's short-lived cache: what it may and may not hide."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from api.main import app
from core.apikeys.authcache import auth_cache
from core.apikeys.models import ApiKey
from core.apikeys.ratelimit import FLUSH_EVERY_S, limiter
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key, rotate_key
from core.config import get_settings
from core.context import TenantContext
from db.session import control_session

ALL = sorted(SCOPES)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def ttl(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    def set_ttl(seconds: float) -> None:
        monkeypatch.setattr(get_settings(), "api_key_cache_seconds", seconds)
        auth_cache.forget_all()

    yield set_ttl
    auth_cache.forget_all()


def _get(client: TestClient, secret: str) -> int:
    return client.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"}).status_code


def _revoke_elsewhere(key_id: object) -> None:
    """A revocation made by another process: straight in the control plane, no cache told."""
    with control_session() as s:
        s.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=dt.datetime.now(dt.UTC)))


def test_another_process_revocation_is_seen_within_the_lifetime(
        client: TestClient, as_role: Callable[..., TenantContext], ttl: Callable[[float], None]) -> None:
    ttl(0.3)
    created = create_key(as_role("admin"), "elsewhere", "admin", ALL)
    assert _get(client, created.secret) == 200
    _revoke_elsewhere(created.view.id)
    time.sleep(0.4)
    assert _get(client, created.secret) == 401


def test_within_the_lifetime_the_cached_grant_is_used(
        client: TestClient, as_role: Callable[..., TenantContext], ttl: Callable[[float], None]) -> None:
    ttl(60)
    created = create_key(as_role("admin"), "cached", "admin", ALL)
    assert _get(client, created.secret) == 200
    _revoke_elsewhere(created.view.id)
    assert _get(client, created.secret) == 200  # the documented bound: up to the lifetime
    auth_cache.forget_all()
    assert _get(client, created.secret) == 401


def test_cache_off_reads_every_request(
        client: TestClient, as_role: Callable[..., TenantContext], ttl: Callable[[float], None]) -> None:
    ttl(0)
    created = create_key(as_role("admin"), "uncached", "admin", ALL)
    assert _get(client, created.secret) == 200
    _revoke_elsewhere(created.view.id)
    assert _get(client, created.secret) == 401


def test_rotation_overlap_ends_on_time_even_when_cached(
        client: TestClient, as_role: Callable[..., TenantContext], ttl: Callable[[float], None]) -> None:
    ttl(60)
    admin = as_role("admin")
    old = create_key(admin, "rotating", "admin", ALL)
    new = rotate_key(admin, old.view.id, overlap=dt.timedelta(seconds=0.5))
    assert _get(client, old.secret) == 200 and _get(client, new.secret) == 200  # both cached now
    time.sleep(0.6)
    assert _get(client, old.secret) == 401
    assert _get(client, new.secret) == 200


def test_tenant_status_change_in_this_process_applies_at_once(
        client: TestClient, as_role: Callable[..., TenantContext], ttl: Callable[[float], None]) -> None:
    from core.context import TenantStatus
    from core.tenancy.provisioning import _set_status

    ttl(60)
    admin = as_role("admin", "b-shared")
    created = create_key(admin, "status", "admin", ALL)
    headers = {"Authorization": f"Bearer {created.secret}"}
    assert client.post("/api/v1/customers", json={"name": "Before"}, headers=headers).status_code == 201
    _set_status(admin.tenant_id, TenantStatus.READ_ONLY)
    try:
        assert client.post("/api/v1/customers", json={"name": "During"}, headers=headers).status_code == 423
    finally:
        _set_status(admin.tenant_id, TenantStatus.ACTIVE)
    assert client.post("/api/v1/customers", json={"name": "After"}, headers=headers).status_code == 201


def test_rate_limit_counts_reach_the_control_plane(
        client: TestClient, as_role: Callable[..., TenantContext], ttl: Callable[[float], None]) -> None:
    """Counted on the event loop, written by a background thread: nothing is lost."""
    ttl(60)
    if time.time() % 60 > 55:  # counts are per minute: stay inside one window
        time.sleep(61 - time.time() % 60)
    created = create_key(as_role("admin"), "counted", "admin", ALL)
    for _ in range(5):
        assert _get(client, created.secret) == 200
    time.sleep(FLUSH_EVERY_S + 0.1)
    assert _get(client, created.secret) == 200  # due: sends everything counted so far
    limiter.wait_for_flushes()
    with control_session() as s:
        total = s.execute(text("SELECT coalesce(sum(count), 0) FROM api_rate_windows WHERE api_key_id = :k"),
                          {"k": created.view.id}).scalar_one()
    assert total == 6
