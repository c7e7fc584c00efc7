"""Idempotency keys for POST requests: a retry with the same key returns the first
response and creates nothing new; the same key with a different request is refused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import text

from core.errors import Conflict, ValidationFailed
from db.session import control_session

ABANDONED_AFTER = "5 minutes"
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Stored:
    status: int
    body: bytes
    content_type: str | None


def request_hash(method: str, path: str, body: bytes) -> bytes:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).digest()


def key_scope(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def begin(scope: bytes, key: str, req_hash: bytes) -> Stored | None:
    """Claim the key (returns None: go ahead) or return the stored first response."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(f"the Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
                               details={"Idempotency-Key": "invalid"})
    with control_session() as s:
        claimed = s.execute(text(
            "INSERT INTO api_idempotency (key_hash, idem_key, request_hash) VALUES (:s, :k, :h) "
            "ON CONFLICT (key_hash, idem_key) DO UPDATE SET request_hash = EXCLUDED.request_hash, "
            "    created_at = now(), state = 'running' "
            f"  WHERE api_idempotency.state = 'running' AND api_idempotency.created_at < now() - interval "
            f"'{ABANDONED_AFTER}' RETURNING 1"), {"s": scope, "k": key, "h": req_hash}).first()
        if claimed:
            return None
        row = s.execute(text("SELECT request_hash, state, response_status, response_body, content_type "
                             "FROM api_idempotency WHERE key_hash = :s AND idem_key = :k"),
                        {"s": scope, "k": key}).one()
    if bytes(row.request_hash) != req_hash:
        raise ValidationFailed("this Idempotency-Key was used for a different request",
                               details={"Idempotency-Key": "reused"})
    if row.state != "done":
        raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly",
                       details={"Idempotency-Key": "in progress"})
    return Stored(int(row.response_status), bytes(row.response_body), row.content_type)


def finish(scope: bytes, key: str, status: int, body: bytes, content_type: str | None) -> None:
    with control_session() as s:
        s.execute(text("UPDATE api_idempotency SET state = 'done', response_status = :st, response_body = :b, "
                       "content_type = :ct WHERE key_hash = :s AND idem_key = :k"),
                  {"st": status, "b": body, "ct": content_type, "s": scope, "k": key})


def release(scope: bytes, key: str) -> None:
    """Forget a claim whose request failed on our side (5xx) or was not authenticated."""
    with control_session() as s:
        s.execute(text("DELETE FROM api_idempotency WHERE key_hash = :s AND idem_key = :k AND state = 'running'"),
                  {"s": scope, "k": key})


def purge(older_than_hours: int = 24) -> int:
    with control_session() as s:
        result = s.execute(text("DELETE FROM api_idempotency WHERE created_at < now() - make_interval(hours => :h)"),
                           {"h": older_than_hours})
        return int(getattr(result, "rowcount", 0) or 0)
