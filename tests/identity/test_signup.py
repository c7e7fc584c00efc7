"""Sign-up: a company in the chosen region and tier, its creator as Admin; nothing half-made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from core.errors import Conflict, DomainError, ValidationFailed
from core.identity import auth
from core.identity.models import User
from core.identity.service import memberships_of
from core.identity.signup import SignUp, derive_slug, sign_up
from core.tenancy.models import Tenant
from core.tenancy.registry import get_tenant
from core.tenancy.residency import residency_of
from db.bootstrap import libpq_url
from db.session import control_session
from tests.identity.conftest import PASSWORD, audit_rows, last_audit_id, unique_email

T0 = dt.datetime(2030, 4, 1, 2, 0, tzinfo=dt.UTC)


def request(**overrides: Any) -> SignUp:
    values: dict[str, Any] = {"company_name": "PT Sinar Nusantara", "region": "id", "tier": "shared",
                              "full_name": "Rina Wijaya", "email": unique_email("rina"), "password": "rahasia-rina",
                              "language": "id"}
    return SignUp(**{**values, **overrides})


def schemas_on(topology: Any, region: str) -> set[str]:
    with psycopg.connect(libpq_url(topology.shared_url(region, admin=True))) as conn:
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace").fetchall()}


def tenant_count() -> int:
    with control_session() as s:
        return int(s.scalar(select(func.count()).select_from(Tenant)) or 0)


def test_indonesian_sign_up_lands_on_the_indonesian_server(topology: Any) -> None:
    mark = last_audit_id()
    req = request(company_name="PT Garuda Data Jakarta", tier="schema")
    done = sign_up(req, ip="10.2.2.2", now=T0)
    tenant = get_tenant(done.slug)
    assert (tenant.region, tenant.tier, tenant.status, tenant.locale) == ("id", "schema", "active", "id")
    assert done.slug == "pt-garuda-data-jakarta" and done.created_account
    # The company's schema physically exists on the Indonesian server, and not on the Global one.
    assert tenant.schema_name in schemas_on(topology, "id")
    assert tenant.schema_name not in schemas_on(topology, "global")
    assert residency_of(tenant).region_name.startswith("Indonesia")
    # The creator is its Admin and can sign in.
    [membership] = memberships_of(done.user_id)
    assert (membership.slug, membership.role) == (done.slug, "admin")
    assert auth.login(req.email, req.password, now=T0).user_id == done.user_id
    # Audited: the new account, the new company, the first membership.
    assert audit_rows("user.created", req.email, mark)
    [signed] = audit_rows("tenant.signed_up", done.slug, mark)
    assert signed["tenant_id"] == tenant.id and signed["details"]["region"] == "id"
    assert audit_rows("member.added", req.email, mark)[0]["details"]["role"] == "admin"


def test_bad_input_is_refused_before_anything_is_made() -> None:
    before = tenant_count()
    cases = [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": " spaced-out "}, "password"),
        ({"company_name": "  "}, "name"),
        ({"region": "mars"}, "region"),
        ({"tier": "platinum"}, "tier"),
        ({"slug": "Bad Slug!"}, "slug"),
        ({"full_name": ""}, "full_name"),
    ]
    for overrides, field in cases:
        req = request(**overrides)
        with pytest.raises(ValidationFailed) as refused:
            sign_up(req, now=T0)
        assert field in refused.value.details, (overrides, refused.value.details)
        with control_session() as s:
            assert not s.scalar(select(func.count()).select_from(User).where(User.email == req.email))
    assert tenant_count() == before


def test_taken_short_name_given_is_refused_derived_gets_a_suffix() -> None:
    first = sign_up(request(company_name="Toko Maju", slug="toko-maju"), now=T0)
    before = tenant_count()
    with pytest.raises(Conflict) as taken:
        sign_up(request(company_name="Other", slug="toko-maju"), now=T0)
    assert taken.value.details == {"slug": "taken"} and tenant_count() == before
    second = sign_up(request(company_name="Toko Maju", region="global"), now=T0)
    assert (first.slug, second.slug) == ("toko-maju", "toko-maju-2")


def test_existing_account_adds_a_company_only_with_its_password(make_user: Callable[..., User]) -> None:
    owner = make_user("owner", "a-shared", "staff")
    before = tenant_count()
    with pytest.raises(Conflict) as exists:
        sign_up(request(email=owner.email, password="wrong-password"), now=T0)
    assert exists.value.details == {"email": "exists"} and tenant_count() == before
    done = sign_up(request(company_name="Second Venture", email=owner.email, password=PASSWORD, region="global"),
                   now=T0)
    assert not done.created_account and done.user_id == owner.id
    assert {(m.slug, m.role) for m in memberships_of(owner.id)} == {("a-shared", "staff"), (done.slug, "admin")}


def test_a_failure_after_provisioning_leaves_nothing_behind(topology: Any) -> None:
    """A real database refusal while adding the first Admin: the new company is removed again."""
    admin_url = libpq_url(topology.control_url(admin=True))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("""
            CREATE FUNCTION test_refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF (SELECT slug FROM tenants WHERE id = NEW.tenant_id) LIKE 'doomed-%' THEN
                RAISE EXCEPTION 'refused by the test';
              END IF;
              RETURN NEW;
            END $$""")
        conn.execute("CREATE TRIGGER test_refuse_doomed BEFORE INSERT ON memberships "
                     "FOR EACH ROW EXECUTE FUNCTION test_refuse_doomed()")
    try:
        before = tenant_count()
        req = request(company_name="Doomed Co", slug="doomed-co", tier="schema")
        with pytest.raises(Exception) as failed:
            sign_up(req, now=T0)
        assert not isinstance(failed.value, DomainError) or "refused" in str(failed.value)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("DROP TRIGGER test_refuse_doomed ON memberships")
            conn.execute("DROP FUNCTION test_refuse_doomed()")
    assert tenant_count() == before
    assert "t_doomed_co" not in schemas_on(topology, "id")
    with control_session() as s:
        assert not s.scalar(select(func.count()).select_from(User).where(User.email == req.email))
    # The name is free again.
    assert sign_up(req, now=T0).slug == "doomed-co"


@pytest.mark.parametrize("name,slug", [
    ("PT Maju Jaya, Tbk.", "pt-maju-jaya-tbk"),
    ("Café Kopi Éxpress", "cafe-kopi-express"),
    ("123 Logistik", "co-123-logistik"),
    ("AB", "ab-co"),
    ("x" * 60, "x" * 40),
])
def test_derive_slug(name: str, slug: str) -> None:
    assert derive_slug(name) == slug
