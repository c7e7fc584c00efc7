"""The clock. Services take an optional `now` so tests can move time instead of sleeping."""

from __future__ import annotations

import datetime as dt


def utcnow(now: dt.datetime | None = None) -> dt.datetime:
    """The injected moment, or the real time (always timezone-aware)."""
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise ValueError("use timezone-aware datetimes")
    return now
