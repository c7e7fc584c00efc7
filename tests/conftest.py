"""Test session: a fresh pair of embedded PostgreSQL servers (one per region) in a
temporary directory, bootstrapped like `make run` does, and tenants A and B in every tier.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.embedded import free_port, port_is_free


def _free_pair() -> int:
    for _ in range(50):
        base = free_port()
        if base < 65000 and port_is_free(base + 1):
            return base
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


_DATA = Path(tempfile.mkdtemp(prefix="bos-test-"))
os.environ.update(
    {
        "BOS_ENV": "test",
        "BOS_DATA_DIR": str(_DATA),
        "BOS_EMBEDDED_PORT_BASE": str(_free_pair()),
        "BOS_EMBEDDED_FAST": "1",
        "BOS_BCRYPT_ROUNDS": "4",  # cheap password hashes: tests are about behaviour, not cost
    }
)
for _var in ("DATABASE_URL", "REGION_GLOBAL_URL", "REGION_ID_URL"):
    os.environ.pop(_var, None)

TIERS = ("shared", "schema", "dedicated")


@pytest.fixture(scope="session")
def topology() -> Iterator[object]:
    from core.runtime import bootstrap, stop_servers
    from db.topology import get_topology

    bootstrap(stop_at_exit=False)
    topo = get_topology()
    yield topo
    stop_servers(list(topo.servers.values()))
    shutil.rmtree(_DATA, ignore_errors=True)


@pytest.fixture(scope="session")
def tenants(topology: object) -> dict[str, object]:
    """Tenants A and B in each tier (region global), keyed like 'a-shared'."""
    from core.tenancy.provisioning import NewTenant, create_tenant

    made = {}
    for tier in TIERS:
        for who in ("a", "b"):
            slug = f"{who}-{tier}"
            made[slug] = create_tenant(NewTenant(name=f"Company {who.upper()} ({tier})", slug=slug,
                                                 region="global", tier=tier))
    return made


@pytest.fixture(params=TIERS)
def tier(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def as_role(tenants: dict[str, object]):  # type: ignore[no-untyped-def]
    """A context for a member with a system role, in the given tenant (default a-shared)."""
    import uuid

    from core.context import Actor
    from core.rbac.permissions import SYSTEM_ROLES
    from core.tenancy.registry import context_for, get_tenant

    def make(role: str, slug: str = "a-shared", user_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
        actor = Actor("user", str(user_id or uuid.uuid5(uuid.NAMESPACE_DNS, f"{role}@{slug}")), f"{role}@{slug}")
        return context_for(get_tenant(slug), actor, role=role, permissions=SYSTEM_ROLES[role])

    return make
