"""Pending-work discovery: one query per database names exactly the tenants with work."""

from __future__ import annotations

from core.audit.chain import seal
from core.context import Actor
from core.customers.models import Customer
from core.tenancy.models import Tenant
from core.tenancy.registry import context, get_tenant
from db.session import tenant_session
from scheduler.pending import tenants_with_rows

SLUGS = [f"{who}-{tier}" for who in "ab" for tier in ("shared", "schema", "dedicated")]


def _write(slug: str) -> None:
    with tenant_session(context(slug, Actor("user", "pending-test"))) as s:
        s.add(Customer(name="Pending work"))


def _pending(tenants: list[Tenant]) -> set[str]:
    found = tenants_with_rows(tenants, "audit_pending", "true")
    return {t.slug for t in tenants if t.id in found}


def test_names_exactly_the_tenants_with_unsealed_rows(tenants: dict[str, object]) -> None:
    every = [get_tenant(slug) for slug in SLUGS]
    for slug in SLUGS:
        seal(context(slug))
    assert _pending(every) == set()

    chosen = {"a-shared", "b-schema", "a-dedicated"}
    for slug in sorted(chosen):
        _write(slug)
    assert _pending(every) == chosen
    # Asking about a subset answers only for it, although the shared table holds more.
    assert _pending([get_tenant("b-shared"), get_tenant("b-schema")]) == {"b-schema"}

    for slug in sorted(chosen):
        seal(context(slug))
    assert _pending(every) == set()


def test_a_database_that_cannot_be_asked_counts_as_pending(tenants: dict[str, object]) -> None:
    every = [get_tenant(slug) for slug in SLUGS]
    for slug in SLUGS:
        seal(context(slug))
    # A table that does not exist makes every statement fail: each database's tenants come
    # back as "maybe pending", so the job visits them and reports the real error itself.
    found = tenants_with_rows(every, "no_such_table", "true")
    assert found == {t.id for t in every}
