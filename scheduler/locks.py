"""Run-once across scheduler replicas: a PostgreSQL advisory lock per job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from db.engines import engine_for
from db.topology import get_topology


@contextmanager
def job_lock(name: str) -> Iterator[bool]:
    """Yields True if this replica holds the lock for `name`, False if another one does."""
    with engine_for(get_topology().control_url()).connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:n))"), {"n": "job:" + name}).scalar())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:n))"), {"n": "job:" + name})
                conn.commit()
