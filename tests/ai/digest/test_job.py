"""The 05:00 job with a frozen clock: each company's digest fires at 05:00 in its own time
zone, a second run is a no-op, one company's failure is isolated and retried later, and
only one scheduler replica runs the job at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import text

from core.ai.digest import service
from core.ai.gateway import Gateway
from core.ai.types import ChatResult, MessageLike
from core.config import get_settings
from core.context import TenantContext
from db.session import tenant_session
from scheduler.digest_jobs import JOB, digest_job
from scheduler.locks import job_lock
from tests.ai.digest.seed import business_day, company


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def days_of(ctx: TenantContext) -> dict[dt.date, tuple[str, int, dt.datetime | None]]:
    with tenant_session(ctx) as s:
        rows = s.execute(text("SELECT day, status, attempts, completed_at FROM digests")).all()
    return {r.day: (r.status, r.attempts, r.completed_at) for r in rows}


@pytest.fixture(scope="module")
def zones(tenants: dict[str, object]) -> tuple[TenantContext, TenantContext]:
    made = company("dg-jakarta", "Asia/Jakarta"), company("dg-newyork", "America/New_York")
    for ctx in made:  # some business (open tasks stay pending), so every later day has figures
        with tenant_session(ctx) as s:
            if not s.execute(text("SELECT count(*) FROM tasks")).scalar():
                business_day(ctx, dt.date(2031, 1, 5))
    return made


def test_each_company_gets_its_digest_at_0500_local_time(zones: tuple[TenantContext, TenantContext],
                                                        offline: Gateway) -> None:
    jkt, nyc = zones
    # 21:59 UTC on 15 January 2031: 04:59 on the 16th in Jakarta, 16:59 on the 15th in New York.
    run = digest_job(utc(2031, 1, 15, 21, 59), offline)
    assert run is not None and not run.outcome.failed
    assert run.actions["dg-jakarta"] == "waiting"
    assert run.actions["dg-newyork"] == "ran"  # New York's 05:00 of the 15th has passed: the 14th is due
    assert dt.date(2031, 1, 15) not in days_of(jkt) and set(days_of(nyc)) == {dt.date(2031, 1, 14)}

    # Two minutes later it is 05:01 in Jakarta: the digest of the 15th (local yesterday) is made.
    moment = utc(2031, 1, 15, 22, 1)
    run = digest_job(moment, offline)
    assert run is not None
    assert (run.actions["dg-jakarta"], run.actions["dg-newyork"]) == ("ran", "done")
    assert days_of(jkt) == {dt.date(2031, 1, 15): ("ready", 1, moment)}

    # 04:59 in New York on the 16th: still waiting; 05:01: the 15th is made.
    run = digest_job(utc(2031, 1, 16, 9, 59), offline)
    assert run is not None and (run.actions["dg-jakarta"], run.actions["dg-newyork"]) == ("done", "waiting")
    moment = utc(2031, 1, 16, 10, 1)
    run = digest_job(moment, offline)
    assert run is not None and (run.actions["dg-jakarta"], run.actions["dg-newyork"]) == ("done", "ran")
    assert days_of(nyc)[dt.date(2031, 1, 15)] == ("ready", 1, moment)

    # A second run the same day is a no-op: nothing changes anywhere.
    before = (days_of(jkt), days_of(nyc))
    run = digest_job(utc(2031, 1, 16, 10, 6), offline)
    assert run is not None and (run.actions["dg-jakarta"], run.actions["dg-newyork"]) == ("done", "done")
    assert (days_of(jkt), days_of(nyc)) == before


class Flaky(Gateway):
    """A gateway whose client breaks for chosen companies (an unexpected error, not an outage)."""

    failing: set[str]

    def chat(self, ctx: TenantContext, feature: str, messages: Sequence[MessageLike] | str, **kw: Any) -> ChatResult:
        if ctx.slug in self.failing:
            raise RuntimeError("model client crashed")
        return super().chat(ctx, feature, messages, **kw)


def test_one_company_failing_does_not_stop_the_others_and_is_retried(
        zones: tuple[TenantContext, TenantContext]) -> None:
    jkt, nyc = zones
    flaky = Flaky(get_settings().model_copy(update={"ai_provider": "offline"}))
    try:
        flaky.failing = {"dg-newyork"}
        moment = utc(2031, 2, 10, 12, 0)  # 19:00 in Jakarta, 07:00 in New York: both due for the 9th
        run = digest_job(moment, flaky)
        assert run is not None
        assert run.outcome.failed["dg-newyork"].startswith("DigestFailed: the digest of 2031-02-09")
        assert run.actions["dg-jakarta"] == "ran" and "dg-jakarta" in run.outcome.done
        day = dt.date(2031, 2, 9)
        assert days_of(jkt)[day][0] == "ready"
        failed = service.get(nyc, day=day)
        assert (failed.status, failed.attempts) == ("failed", 1)
        assert failed.last_error == "RuntimeError: model client crashed"
        assert failed.next_attempt_at == moment + service.RETRY_BASE

        flaky.failing = set()
        run = digest_job(moment + dt.timedelta(minutes=5), flaky)  # not yet due for the retry
        assert run is not None and run.actions["dg-newyork"] == "retry_later"
        assert service.get(nyc, day=day).status == "failed"
        later = moment + service.RETRY_BASE + dt.timedelta(minutes=1)
        run = digest_job(later, flaky)
        assert run is not None and run.actions["dg-newyork"] == "ran"
        retried = service.get(nyc, day=day)
        assert (retried.status, retried.attempts, retried.completed_at, retried.last_error) == (
            "ready", 2, later, None)
    finally:
        flaky.close()


def test_failing_again_backs_off_and_gives_up(zones: tuple[TenantContext, TenantContext]) -> None:
    _, nyc = zones
    flaky = Flaky(get_settings().model_copy(update={"ai_provider": "offline"}))
    flaky.failing = {"dg-newyork"}
    moment, day = utc(2031, 2, 20, 12, 0), dt.date(2031, 2, 19)
    waits = []
    try:
        for attempt in range(1, service.MAX_ATTEMPTS + 1):
            with pytest.raises(service.DigestFailed):
                service.scheduled(nyc, moment, flaky)
            view = service.get(nyc, day=day)
            assert (view.status, view.attempts) == ("failed", attempt)
            if attempt == service.MAX_ATTEMPTS:
                assert view.next_attempt_at is None
                break
            assert view.next_attempt_at is not None
            waits.append(view.next_attempt_at - moment)
            assert service.scheduled(nyc, view.next_attempt_at - dt.timedelta(seconds=1), flaky) == "retry_later"
            moment = view.next_attempt_at
        assert waits == [dt.timedelta(minutes=m) for m in (15, 30, 60, 120)]
        assert service.scheduled(nyc, moment + dt.timedelta(hours=5), flaky) == "given_up"
        # An Admin can still try again by hand.
        flaky.failing = set()
        assert service.run_digest(nyc, day, moment, trigger="manual", gateway=flaky).digest.status == "ready"
    finally:
        flaky.close()


def test_only_one_replica_runs_the_job(offline: Gateway, tenants: dict[str, object]) -> None:
    with job_lock(JOB) as mine:
        assert mine
        assert digest_job(utc(2031, 3, 1, 0, 0), offline) is None
    assert digest_job(utc(2031, 3, 1, 0, 0), offline) is not None
