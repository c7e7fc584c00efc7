"""The circuit breaker of a model provider, kept in the control database.

UI, API and scheduler processes share one row per provider, so they agree on whether the
provider may be called:

- closed: calls go through; `threshold` consecutive failures open it;
- open: no calls until `retry_at` (callers fall back or answer 503 with Retry-After);
- half_open: after the cool-down exactly one caller (the probe) is let through; its
  success closes the breaker, its failure opens it again for another cool-down. A probe
  that never reports back (its process died) is replaced after `probe_timeout`.

Time always comes from the caller (`now`), so tests move a clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.ai.models import AiBreaker
from db.session import control_session

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    probe: bool = False
    retry_after: int = 0  # seconds, when not allowed


@dataclass(frozen=True)
class BreakerView:
    provider: str
    state: str
    failures: int
    opened_at: dt.datetime | None
    retry_at: dt.datetime | None
    last_error: str | None

    def retry_after(self, now: dt.datetime) -> int:
        if self.state == CLOSED or self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - now).total_seconds()))

    def calls_allowed(self, now: dt.datetime) -> bool:
        """Closed, or open with the cool-down over (the next call is the probe)."""
        if self.state == CLOSED:
            return True
        return self.retry_at is not None and now >= self.retry_at


def _view(row: AiBreaker | None, provider: str) -> BreakerView:
    if row is None:
        return BreakerView(provider, CLOSED, 0, None, None, None)
    return BreakerView(row.provider, row.state, row.failures, row.opened_at, row.retry_at, row.last_error)


def state(provider: str) -> BreakerView:
    with control_session() as s:
        return _view(s.get(AiBreaker, provider), provider)


def _locked(s: Session, provider: str) -> AiBreaker:
    s.execute(insert(AiBreaker).values(provider=provider).on_conflict_do_nothing())
    return s.scalars(select(AiBreaker).where(AiBreaker.provider == provider).with_for_update()).one()


def acquire(provider: str, now: dt.datetime, *, probe_timeout: float) -> Decision:
    """May this call go to the provider? Cheap when closed (one read, no lock)."""
    with control_session() as s:
        row = s.get(AiBreaker, provider)
        if row is None or (row.state == CLOSED):
            return Decision(True)
    with control_session() as s:
        row = _locked(s, provider)
        if row.state == CLOSED:
            return Decision(True)
        if row.state == OPEN:
            assert row.retry_at is not None
            if now < row.retry_at:
                return Decision(False, retry_after=max(1, math.ceil((row.retry_at - now).total_seconds())))
            row.state, row.probe_at = HALF_OPEN, now
            return Decision(True, probe=True)
        # half open: one probe at a time
        if row.probe_at is None or (now - row.probe_at).total_seconds() > probe_timeout:
            row.probe_at = now
            return Decision(True, probe=True)
        return Decision(False, retry_after=max(1, math.ceil(probe_timeout - (now - row.probe_at).total_seconds())))


def succeeded(provider: str) -> None:
    with control_session() as s:
        row = s.get(AiBreaker, provider)
        if row is None or (row.state == CLOSED and row.failures == 0):
            return
    with control_session() as s:
        row = _locked(s, provider)
        row.state, row.failures, row.probe_at, row.retry_at = CLOSED, 0, None, None


def failed(provider: str, now: dt.datetime, error: str, *, threshold: int, cooldown: float) -> BreakerView:
    with control_session() as s:
        row = _locked(s, provider)
        row.failures += 1
        row.last_error = error[:500]
        if row.state == HALF_OPEN or (row.state == CLOSED and row.failures >= threshold):
            row.state, row.opened_at, row.probe_at = OPEN, now, None
            row.retry_at = now + dt.timedelta(seconds=cooldown)
        s.flush()
        return _view(row, provider)


def reset(provider: str) -> None:
    """Operator: close the breaker by hand."""
    with control_session() as s:
        row = _locked(s, provider)
        row.state, row.failures, row.probe_at, row.retry_at, row.opened_at = CLOSED, 0, None, None, None
