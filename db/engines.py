"""The only place that creates SQLAlchemy engines: one per URL, with bounded pools.

The cache itself is bounded too (least recently used engines are disposed), so a
region with many dedicated tenant databases does not hold a pool open for each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from core.config import get_settings

_lock = threading.Lock()
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
            pool_pre_ping=True,
            pool_recycle=1800,
            connect_args={"connect_timeout": 10, "application_name": "business-os"},
        )
        _engines[url] = engine
        while len(_engines) > settings.max_engines:
            _, old = _engines.popitem(last=False)
            old.dispose()
        return engine


def one_off_engine(url: str) -> Engine:
    """An engine without a pool, for short administrative work (probing a URL, DDL)."""
    return create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})


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
