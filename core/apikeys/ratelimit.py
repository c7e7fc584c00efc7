"""Per-key rate limits over one-minute windows, shared by every API process.

Each process counts its own requests in memory and adds them to the key's row in the
control plane at most once a second (one UPSERT per key and second instead of one per
request, so concurrent requests of one key never queue on that row's lock). A request
is refused when the window's total, as last read from the database, plus what this
process counted since, reaches the key's limit: across replicas the limit holds to
within about a second's worth of requests.

The UPSERT runs on a background thread, so `hit` never waits for the database (the API
calls it on its event loop); what it sends counts as shared at once, so this process's
own total never dips while the write is on its way.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import text

from db.session import control_session

FLUSH_EVERY_S = 1.0
_UPSERT = text(
    "INSERT INTO api_rate_windows (api_key_id, window_start, count) VALUES (:k, to_timestamp(:w), :n) "
    "ON CONFLICT (api_key_id, window_start) DO UPDATE SET count = api_rate_windows.count + EXCLUDED.count "
    "RETURNING count"
)


@dataclass
class _Window:
    start: int  # epoch seconds of the minute
    shared: int = 0  # the window's total in the database, as last read (includes our flushed counts)
    pending: int = 0  # counted here, not yet flushed
    flushed_at: float = 0.0


log = logging.getLogger(__name__)


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[uuid.UUID, _Window] = {}
        self._flusher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rate-limit-flush")

    def hit(self, key_id: uuid.UUID, limit: int, now: float | None = None) -> int | None:
        """Count one request; None if allowed, else the seconds until the window ends."""
        now = time.time() if now is None else now
        start = int(now // 60 * 60)
        with self._lock:
            window = self._windows.get(key_id)
            if window is None or window.start != start:
                window = self._windows[key_id] = _Window(start)
            if window.shared + window.pending >= limit:
                return max(1, start + 60 - int(now))
            window.pending += 1
            due = now - window.flushed_at >= FLUSH_EVERY_S or window.shared + window.pending >= limit
            pending = window.pending if due else 0
            if due:
                window.shared, window.pending, window.flushed_at = window.shared + pending, 0, now
        if pending:
            self._flusher.submit(self._flush, key_id, start, pending)
        return None

    def _flush(self, key_id: uuid.UUID, start: int, pending: int) -> None:
        try:
            with control_session() as s:
                total = int(s.execute(_UPSERT, {"k": key_id, "w": start, "n": pending}).scalar_one())
        except Exception:
            log.exception("rate-limit counts of key %s were not shared", key_id)
            return
        with self._lock:
            current = self._windows.get(key_id)
            if current is not None and current.start == start:
                current.shared = max(current.shared, total)

    def wait_for_flushes(self) -> None:
        """Block until every count sent so far is in the database (tests, shutdown)."""
        self._flusher.submit(lambda: None).result()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


limiter = RateLimiter()
