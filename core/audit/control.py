"""Control-plane audit events (logins, role and membership changes, invitations, keys).

Each event is appended to a hash chain, one chain per tenant plus one for the platform:
the row's hash covers its content and the previous row's hash, computed in the database
by `control_audit_hash` under an advisory lock on the chain, so concurrent writers line up.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from db.session import control_session

PLATFORM_CHAIN = "platform"

_APPEND = text(
    """
    WITH params AS (
        SELECT CAST(:chain AS text) AS chain, CAST(:tenant AS uuid) AS tenant, CAST(:actor AS text) AS actor,
               CAST(:action AS text) AS action, CAST(:target AS text) AS target,
               CAST(:details AS jsonb) AS details, CAST(:ip AS text) AS ip, CAST(:request AS text) AS request
    ), prev AS (
        SELECT chain_seq, hash FROM control_audit_log WHERE chain_key = CAST(:chain AS text)
        ORDER BY chain_seq DESC LIMIT 1
    ), row AS (
        SELECT coalesce((SELECT chain_seq FROM prev), 0) + 1 AS seq, (SELECT hash FROM prev) AS prev_hash,
               date_trunc('milliseconds', clock_timestamp()) AS occurred
    )
    INSERT INTO control_audit_log (chain_key, chain_seq, tenant_id, occurred_at, actor, action, target, details,
                                   ip, request_id, prev_hash, hash)
    SELECT p.chain, r.seq, p.tenant, r.occurred, p.actor, p.action, p.target, p.details, p.ip, p.request,
           r.prev_hash,
           control_audit_hash(r.prev_hash, r.seq, p.tenant, r.occurred, p.actor, p.action, p.target, p.details,
                              p.ip, p.request)
    FROM params p, row r
    RETURNING id
    """
)


def record_event(
    action: str,
    *,
    actor: str,
    tenant_id: uuid.UUID | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
    request_id: str | None = None,
    session: Session | None = None,
) -> None:
    """Append one event. Pass `session` to make it part of a larger control transaction."""
    chain = str(tenant_id) if tenant_id else PLATFORM_CHAIN
    params = {
        "chain": chain, "tenant": tenant_id, "actor": actor[:200], "action": action[:60],
        "target": target[:200] if target else None, "details": json.dumps(details or {}, default=str),
        "ip": ip, "request": request_id,
    }
    if session is not None:
        _append(session, params)
        return
    with control_session() as s:
        _append(s, params)


def _append(s: Session, params: dict[str, Any]) -> None:
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext('control-audit:' || :c))"), {"c": params["chain"]})
    s.execute(_APPEND, params)
