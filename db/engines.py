"""The only place that creates SQLAlchemy engines: one per URL, with bounded pools.

The cache itself is bounded too (least recently used engines are disposed), so a
region with many dedicated tenant databases does not hold a pool open for each.

A pooled connection is pinged before use only when it has been idle for a while
(`IDLE_PING_AFTER`): a busy connection proved itself moments ago, and a ping on every
checkout is a round trip on every request. A connection that failed anyway is
invalidated by SQLAlchemy, with every older one in its pool.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, exc, make_url
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from core.config import get_settings

_lock = threading.Lock()
IDLE_PING_AFTER = 10.0  # seconds
# Session settings every connection starts with (no round trip per transaction): HNSW
# vector searches visit 100 candidates, and keep scanning when access rules filter some
# out (core.ai.rag.repository). Harmless where pgvector is absent (placeholders).
HNSW_EF_SEARCH = 100
SESSION_OPTIONS = f"-c hnsw.ef_search={HNSW_EF_SEARCH} -c hnsw.iterative_scan=relaxed_order"
_engines: OrderedDict[str, Engine] = OrderedDict()


def engine_for(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is not None:
            _engines.move_to_end(url)
            return engine
        settings = get_settings()
        engine = create_engine(
            url,
            pool_size=settings.pool_size,
            max_overflow=settings.pool_max_overflow,
            pool_recycle=1800,
            connect_args={"connect_timeout": 10, "application_name": "business-os", "options": SESSION_OPTIONS},
        )
        _ping_when_idle(engine)
        _engines[url] = engine
        while len(_engines) > settings.max_engines:
            _, old = _engines.popitem(last=False)
            old.dispose()
        return engine


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_AFTER:
            return
        try:
            engine.dialect.do_ping(dbapi)
        except Exception as error:
            raise exc.DisconnectionError(f"pooled connection is gone: {error}") from error  # the pool reconnects


def one_off_engine(url: str) -> Engine:
    """An engine without a pool, for short administrative work (probing a URL, DDL)."""
    return create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})


def dispose_database(server_url: str, database: str) -> None:
    """Drop the pooled connections to one database of one server (after it was dropped)."""
    server = make_url(server_url)
    with _lock:
        for url in [u for u in _engines if _same_database(make_url(u), server, database)]:
            _engines.pop(url).dispose()


def _same_database(url: URL, server: URL, database: str) -> bool:
    return url.database == database and (url.host, url.port) == (server.host, server.port)


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def forget_all() -> None:
    """After fork: drop the inherited engines without touching their connections."""
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()
