"""The CEO digest job: every few minutes, each company whose local time is past 05:00 gets
the digest of its local yesterday, if it is missing or a failed run is due for a retry.

One replica runs it at a time (advisory lock); each company's run is isolated (a failure is
recorded on its digest with the next attempt time and does not stop the others). The clock
and the gateway can be passed in, so tests freeze time instead of waiting for 05:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.ai.digest import service
from core.clock import utcnow
from core.context import TenantContext
from scheduler.locks import job_lock
from scheduler.per_tenant import Outcome, for_each_tenant

if TYPE_CHECKING:
    from core.ai.gateway import Gateway

JOB = "ceo-digest"


@dataclass
class DigestRun:
    outcome: Outcome
    actions: dict[str, str] = field(default_factory=dict)  # slug -> what `service.scheduled` did


def digest_job(now: dt.datetime | None = None, gateway: Gateway | None = None) -> DigestRun | None:
    """None when another replica holds the lock."""
    moment = utcnow(now)
    with job_lock(JOB) as mine:
        if not mine:
            return None
        actions: dict[str, str] = {}

        def work(ctx: TenantContext) -> None:
            actions[ctx.slug] = service.scheduled(ctx, moment, gateway)

        return DigestRun(for_each_tenant(JOB, work), actions)
