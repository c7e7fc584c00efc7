"""Property-based: every operation in our own OpenAPI document, with generated input,
never answers 5xx and every response matches its declared schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import app
from core.apikeys.scopes import SCOPES
from core.apikeys.service import create_key

schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
# No 5xx, every response (errors included) matches its documented schema and status.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api_key(tenants: dict[str, object]) -> str:
    import uuid

    from core.context import Actor
    from core.rbac.permissions import SYSTEM_ROLES
    from core.tenancy.registry import context_for, get_tenant

    admin = context_for(get_tenant("a-shared"), Actor("user", str(uuid.uuid4())), role="admin",
                        permissions=SYSTEM_ROLES["admin"])
    created = create_key(admin, "schemathesis", "admin", sorted(SCOPES))
    from sqlalchemy import update

    from core.apikeys.models import ApiKey
    from db.session import control_session

    with control_session() as s:  # generated traffic must not trip the rate limit
        s.execute(update(ApiKey).where(ApiKey.id == created.view.id).values(rate_limit_per_minute=1_000_000))
    return created.secret


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_conforms(case: schemathesis.Case, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)


