"""Identity tests: a real loopback SMTP catcher, real users, contexts for real members."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select, text

from core.context import Actor, TenantContext
from core.identity.models import Membership, User
from core.identity.service import add_membership, create_user
from core.notify.catcher import Catcher
from core.rbac.service import permissions_for
from core.tenancy.registry import context_for, get_tenant
from db.session import control_session
from tests.mailcatcher import smtp_catcher

PASSWORD = "rahasia-123"
PUBLIC_URL = "http://127.0.0.1:8599"


@pytest.fixture(scope="session")
def mail(tmp_path_factory: pytest.TempPathFactory, topology: object) -> Iterator[Catcher]:
    with smtp_catcher(tmp_path_factory.mktemp("mail"), PUBLIC_URL) as catcher:
        yield catcher


def unique_email(who: str = "user") -> str:
    return f"{who}-{uuid.uuid4().hex[:10]}@example.test"


@pytest.fixture
def make_user(tenants: dict[str, Any]) -> Callable[..., User]:
    """A real user, optionally a member of `slug` with `role`."""

    def make(who: str = "user", slug: str | None = None, role: str = "staff", language: str = "en") -> User:
        user = create_user(unique_email(who), f"{who.title()} Tester", PASSWORD, language)
        if slug:
            add_membership(user.id, get_tenant(slug).id, role)
        return user

    return make


def ctx_of(user: User, slug: str) -> TenantContext:
    """The context the UI builds for a signed-in member of `slug`."""
    tenant = get_tenant(slug)
    with control_session() as s:
        role = s.scalar(select(Membership.role).where(Membership.user_id == user.id,
                                                      Membership.tenant_id == tenant.id))
    assert role is not None, f"{user.email} is not a member of {slug}"
    return context_for(tenant, Actor("user", str(user.id), user.email), role=role,
                       permissions=permissions_for(tenant.id, role))


def audit_rows(action: str, target: str | None = None, since_id: int = 0) -> list[dict[str, Any]]:
    query = ("SELECT id, tenant_id, actor, action, target, details, ip FROM control_audit_log "
             "WHERE action = :a AND id > :since" + (" AND target = :t" if target else "") + " ORDER BY id")
    with control_session() as s:
        rows = s.execute(text(query), {"a": action, "t": target, "since": since_id}).mappings().all()
    return [dict(r) for r in rows]


def last_audit_id() -> int:
    with control_session() as s:
        return int(s.scalar(text("SELECT coalesce(max(id), 0) FROM control_audit_log")) or 0)
