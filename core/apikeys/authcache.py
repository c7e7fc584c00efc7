"""API keys authenticated moments ago, kept in this process for a couple of seconds.

Without it every request reads its key and tenant from the control plane: a round trip,
half a millisecond of Python, and a thread hop in the API. An entry lives
`BOS_API_KEY_CACHE_SECONDS` (2 by default; 0 turns the cache off).

Freshness:
- changes made in this process (a key revoked or rotated, a role's permissions edited, a
  tenant's status or placement changed) empty the cache at once (`forget_all`);
- another process's changes are seen here within the entry's lifetime;
- expiry and scheduled revocation (rotation's overlap) are compared with the clock on
  every request, not when the entry was stored;
- during and after a tier move, writes to the old location are refused by the database's
  own guard whatever a cached context says (core.tenancy.migration.guard).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass

from core.config import get_settings
from core.context import TenantContext

MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class KeyGrant:
    """What a key may do, as read from the control plane."""

    context: TenantContext  # request_id is replaced per request
    key_id: uuid.UUID
    rate_limit_per_minute: int
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class AuthCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[float, KeyGrant]] = {}

    def get(self, key_hash: bytes) -> KeyGrant | None:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key_hash: bytes, grant: KeyGrant) -> None:
        ttl = get_settings().api_key_cache_seconds
        if ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key_hash] = (time.monotonic() + ttl, grant)

    def forget_all(self) -> None:
        with self._lock:
            self._entries.clear()


auth_cache = AuthCache()
forget_all = auth_cache.forget_all
