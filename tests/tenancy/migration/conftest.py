"""Companies made for moving (the session's A and B tenants stay where they are), and a
database on the Indonesian server standing in for an operator-supplied external one."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import psycopg
import pytest
from psycopg import sql

from core.tenancy.models import Tenant
from core.tenancy.provisioning import NewTenant, create_tenant
from db.bootstrap import libpq_url
from db.topology import Topology, with_database


@pytest.fixture
def fresh(topology: Topology) -> Callable[..., Tenant]:
    def make(tier: str, region: str = "global", url: str | None = None) -> Tenant:
        slug = f"mv-{uuid.uuid4().hex[:10]}"
        return create_tenant(NewTenant(name=f"Moving {slug}", slug=slug, region=region, tier=tier,
                                       external_url=url))
    return make


@pytest.fixture
def external_db(topology: Topology) -> Callable[[], str]:
    """An empty database on the Indonesian server, reached by its own URL (like a Neon URL)."""
    def make() -> str:
        name = f"ext_{uuid.uuid4().hex[:10]}"
        server = topology.region_admin_urls["id"]
        with psycopg.connect(libpq_url(with_database(server, "postgres")), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return with_database(server, name)
    return make
