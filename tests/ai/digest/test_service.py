"""A digest run: idempotent per tenant and day, e-mails to opted-in members in their own
language through the outbox, permissions, bad input, and tenant isolation in every tier."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from core.ai.digest import service
from core.ai.digest.models import Digest
from core.ai.gateway import Gateway
from core.context import Actor, TenantContext
from core.crypto import decrypt
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.notify.models import OutboxEmail
from core.notify.outbox import deliver
from core.rbac.permissions import SYSTEM_ROLES
from core.tenancy.registry import context_for, get_tenant
from db.session import control_session, tenant_session
from tests.ai.digest.seed import business_day, company, member
from tests.conftest import TIERS
from tests.mailcatcher import smtp_catcher

DAY = dt.date(2031, 5, 20)
NOW = dt.datetime(2031, 5, 20, 23, 0, tzinfo=dt.UTC)  # 06:00 in Jakarta on the 21st


def as_member(ctx: TenantContext, user_id: uuid.UUID, role: str) -> TenantContext:
    return context_for(get_tenant(ctx.slug), Actor("user", str(user_id), role), role=role,
                       permissions=SYSTEM_ROLES[role])


def outbox(tenant_id: uuid.UUID, kind: str) -> list[OutboxEmail]:
    with control_session() as s:
        return list(s.scalars(select(OutboxEmail).where(OutboxEmail.tenant_id == tenant_id, OutboxEmail.kind == kind)
                              .order_by(OutboxEmail.to_address)))


def row_state(ctx: TenantContext) -> list[tuple[object, ...]]:
    with tenant_session(ctx) as s:
        return [tuple(r) for r in s.execute(text("SELECT * FROM digests ORDER BY day")).all()]


@pytest.fixture(scope="module")
def firm(tenants: dict[str, object]) -> TenantContext:
    ctx = company("dg-mail")
    with tenant_session(ctx) as s:
        if not s.execute(text("SELECT count(*) FROM expenses")).scalar():
            business_day(ctx, DAY)
    return ctx


def test_run_is_idempotent_and_mails_opted_in_members_in_their_language(firm: TenantContext, offline: Gateway,
                                                                       tmp_path: Path) -> None:
    ceo = member(firm, "ceo@dg-mail.example", "admin", "en")
    cfo = member(firm, "cfo@dg-mail.example", "manager", "id")
    staff = member(firm, "staff@dg-mail.example", "staff", "id")
    service.subscribe(as_member(firm, ceo, "admin"), True, "en")
    service.subscribe(as_member(firm, cfo, "manager"), True, "id")
    service.subscribe(as_member(firm, staff, "staff"), True, "en")
    service.subscribe(as_member(firm, staff, "staff"), False, "en")  # changed their mind
    assert service.subscription(as_member(firm, staff, "staff")) == service.Subscription(False, "en")

    first = service.run_digest(firm, DAY, NOW, gateway=offline)
    assert first.ran and first.emails == 2
    d = first.digest
    assert (d.status, d.day, d.attempts, d.trigger, d.completed_at) == ("ready", DAY, 1, "schedule", NOW)
    assert d.kpis["metrics"]["revenue"]["value"] == 900_000 and d.emails_queued == 2
    assert len(d.texts("id")) == 3 and len(d.texts("en")) == 3

    mails = outbox(firm.tenant_id, "digest:2031-05-20")
    assert [(m.to_address, m.language) for m in mails] == [("ceo@dg-mail.example", "en"),
                                                           ("cfo@dg-mail.example", "id")]
    en, id_ = mails
    assert en.subject == "CEO Digest for PT Dg-Mail: 20 May 2031"
    assert id_.subject == "Rangkuman Eksekutif PT Dg-Mail: 20 Mei 2031"
    assert en.body_text_encrypted and id_.body_text_encrypted
    body_en, body_id = decrypt(en.body_text_encrypted), decrypt(id_.body_text_encrypted)
    assert "Three insights" in body_en and d.texts("en")[0] in body_en and "Revenue: Rp 900,000" in body_en
    assert "Tiga wawasan" in body_id and d.texts("id")[0] in body_id and "Pendapatan: Rp 900.000" in body_id
    # Handed to a real SMTP server after the commit, as the scheduler's e-mail job does.
    with smtp_catcher(tmp_path) as catcher:
        assert deliver([m.id for m in mails]).sent == 2
    [got] = catcher.store.to("cfo@dg-mail.example")
    assert got.subject == id_.subject and d.texts("id")[1] in got.text()

    # The second run of the day changes nothing and sends nothing.
    before = row_state(firm)
    again = service.run_digest(firm, DAY, NOW + dt.timedelta(hours=2), gateway=offline)
    assert not again.ran and again.emails == 0 and again.digest == d
    assert row_state(firm) == before
    assert len(outbox(firm.tenant_id, "digest:2031-05-20")) == 2
    # So does the scheduler's call for that day, and an Admin's "run now".
    assert service.scheduled(firm, NOW + dt.timedelta(hours=3), offline) == "done"
    admin = as_member(firm, ceo, "admin")
    assert not service.run_now(admin, NOW + dt.timedelta(hours=4), offline).ran
    assert row_state(firm) == before


def test_emails_are_queued_once_even_after_an_interrupted_run(firm: TenantContext, offline: Gateway) -> None:
    """A run that stopped after queueing but before recording it: the next one skips those addresses."""
    day = DAY - dt.timedelta(days=1)
    service.run_digest(firm, day, NOW, gateway=offline)
    kind = f"digest:{day.isoformat()}"
    assert len(outbox(firm.tenant_id, kind)) == 2
    with tenant_session(firm) as s:
        s.execute(text("UPDATE digests SET emailed_at = NULL WHERE day = :d"), {"d": day})
    assert service.run_digest(firm, day, NOW, gateway=offline).emails == 0
    assert len(outbox(firm.tenant_id, kind)) == 2


def test_roles_and_bad_input(firm: TenantContext, offline: Gateway) -> None:
    service.run_digest(firm, DAY, NOW, gateway=offline)  # made once (or already there)
    staff = as_member(firm, member(firm, "staff@dg-mail.example", "staff"), "staff")
    manager = as_member(firm, member(firm, "cfo@dg-mail.example", "manager"), "manager")
    service.subscribe(staff, False, "en")
    for who in (staff, manager):
        with pytest.raises(Forbidden):
            service.run_now(who, NOW, offline)
    assert service.latest(staff) is not None  # every dashboard reader sees the digest
    with pytest.raises(Forbidden):
        service.latest(as_member(firm, uuid.uuid4(), "staff").acting_as(Actor("user", "x"), permissions=frozenset()))
    count = len(row_state(firm))
    for bad_day in (dt.date(2031, 5, 21), dt.date(2031, 6, 1)):  # today (local) and the future
        with pytest.raises(ValidationFailed):
            service.run_digest(firm, bad_day, NOW, gateway=offline)
    with pytest.raises(ValidationFailed):
        service.run_digest(firm, DAY, NOW, trigger="cron", gateway=offline)
    with pytest.raises(ValidationFailed):
        service.subscribe(staff, True, "fr")
    with pytest.raises(Forbidden):
        service.subscribe(firm, True, "id")  # a job is no member
    assert len(row_state(firm)) == count
    assert service.subscription(staff) == service.Subscription(False, "en")  # bad input changed nothing
    with pytest.raises(ValidationFailed):
        service.history(staff, 0)


@pytest.mark.parametrize("tier", TIERS)
def test_tenant_b_never_sees_tenant_a_digest(tier: str, offline: Gateway, tenants: dict[str, object]) -> None:
    a, b = company(f"a-{tier}"), company(f"b-{tier}")
    made = service.run_digest(a, DAY, NOW, gateway=offline).digest
    assert service.get(a, made.id) == made
    assert made.id not in {d.id for d in service.history(b)}
    latest_b = service.latest(b)
    assert latest_b is None or latest_b.id != made.id
    with pytest.raises(NotFound):
        service.get(b, made.id)
    with tenant_session(b) as s:
        assert s.scalar(select(func.count()).select_from(Digest).where(Digest.id == made.id)) == 0
        assert s.execute(text("SELECT count(*) FROM digests WHERE tenant_id = :t"),
                         {"t": a.tenant_id}).scalar() == 0


def test_a_run_in_progress_is_not_run_twice(firm: TenantContext, offline: Gateway) -> None:
    day = DAY - dt.timedelta(days=3)
    started = NOW - dt.timedelta(minutes=5)
    with tenant_session(firm) as s:
        s.execute(text("INSERT INTO digests (day, status, attempts, started_at) VALUES (:d, 'running', 1, :t)"),
                  {"d": day, "t": started})
    with pytest.raises(Conflict):
        service.run_digest(firm, day, NOW, gateway=offline)
    assert service.get(firm, day=day).status == "running"
    # A run that has said nothing for half an hour is taken to have died: the next one takes over.
    later = started + service.STALE_RUN
    result = service.run_digest(firm, day, later, gateway=offline)
    assert result.ran and (result.digest.status, result.digest.attempts) == ("ready", 2)
