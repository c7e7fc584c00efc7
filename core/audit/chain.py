"""The data-plane hash chain: sealing pending audit rows, and anchoring the chain's head.

Capture triggers write audit rows to `audit_pending`, without chain columns, so writers
never wait for each other. `seal(ctx)` calls the database's `audit_seal` (SECURITY
DEFINER, advisory lock per tenant): it moves pending rows into `audit_log`, each with the
next `chain_seq` in seal order and `hash = sha256(prev_hash || canonical content)`. A job seals every few seconds, and
`bos audit verify` seals before it checks.

`anchor(ctx)` copies the head of the tenant's data-plane chain (seq and hash) into its
control-plane chain, which lives on another server. A superuser of the data plane could
otherwise cut rows off the end of the chain, or rewrite it from some row on, unnoticed;
with anchors the verifier catches both up to the last anchor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from core.audit.control import record_event
from core.context import TenantContext
from db.migrate import quote_ident
from db.session import control_session, tenant_connection

SEAL_BATCH = 5000
ANCHOR_ACTIONS = ("audit.anchor", "audit.verified")


@dataclass(frozen=True)
class Head:
    chain_seq: int
    hash: bytes


def audit_schema(ctx: TenantContext) -> str:
    """The schema holding the tenant's audit log and its functions."""
    return ctx.schema or "public"


def qualified(ctx: TenantContext, name: str) -> str:
    return f"{quote_ident(audit_schema(ctx))}.{name}"


def seal_in(conn: Connection, ctx: TenantContext, batch: int = SEAL_BATCH) -> int:
    """Seal up to `batch` pending rows in the current transaction of `conn` (context applied)."""
    return int(conn.execute(text(f"SELECT {qualified(ctx, 'audit_seal')}(:tenant, :batch)"),
                            {"tenant": ctx.tenant_id, "batch": batch}).scalar_one())


def seal(ctx: TenantContext, *, batch: int = SEAL_BATCH) -> int:
    """Seal every pending audit row of the tenant, `batch` rows per transaction."""
    total = 0
    while True:
        with tenant_connection(ctx) as conn:
            sealed = seal_in(conn, ctx, batch)
        total += sealed
        if sealed < batch:
            return total


def head(ctx: TenantContext) -> Head | None:
    """The last sealed row of the tenant's data-plane chain."""
    with tenant_connection(ctx) as conn:
        row = conn.execute(
            text(f"SELECT chain_seq, hash FROM {qualified(ctx, 'audit_log')} WHERE tenant_id = :t"
                 " ORDER BY chain_seq DESC LIMIT 1"),
            {"t": ctx.tenant_id},
        ).one_or_none()
    return Head(int(row.chain_seq), bytes(row.hash)) if row else None


def anchors(ctx: TenantContext, *, last_only: bool = False) -> list[tuple[int, Head]]:
    """The anchors in the tenant's control-plane chain, oldest first (or only the newest):
    (control row id, data-plane head)."""
    order = "DESC LIMIT 1" if last_only else "ASC"
    with control_session() as s:
        rows = s.execute(
            text("SELECT id, details FROM control_audit_log WHERE chain_key = :k AND action = ANY(:actions)"
                 f" AND details ? 'chain_seq' ORDER BY chain_seq {order}"),
            {"k": str(ctx.tenant_id), "actions": list(ANCHOR_ACTIONS)},
        ).all()
    found = []
    for row in rows:
        try:
            found.append((int(row.id), Head(int(row.details["chain_seq"]), bytes.fromhex(row.details["hash"]))))
        except (KeyError, TypeError, ValueError):
            continue  # a malformed anchor proves nothing; the control chain's own hash covers it
    return found


def anchor(ctx: TenantContext, action: str = "audit.anchor", **details: object) -> Head | None:
    """Record the data-plane head in the control-plane chain when it moved since the last anchor."""
    current = head(ctx)
    if current is None:
        return None
    if action == "audit.anchor":
        known = anchors(ctx, last_only=True)
        if known and known[0][1].chain_seq >= current.chain_seq:
            return None
    record_event(action, actor=str(ctx.actor), tenant_id=ctx.tenant_id, target=f"audit_log seq {current.chain_seq}",
                 details={"chain_seq": current.chain_seq, "hash": current.hash.hex(), **details},
                 request_id=ctx.request_id)
    return current
