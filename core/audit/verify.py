"""Verifying a tenant's audit chains: the data plane (`audit_log`) and the control plane
(`control_audit_log`, chain key = tenant id).

Both checks run in the database with the same hash function the writer used
(`audit_hash`, `control_audit_hash`), in chain order, and report the first row that
breaks one of three rules:

1. sequence: `chain_seq` runs 1, 2, 3, ... without gaps (a gap: rows were deleted);
2. link: `prev_hash` is the hash of the row before it (else rows were reordered,
   removed or slipped in);
3. content: `hash` is the hash of the row's own content and `prev_hash` (else the row
   was edited).

Anchors (the data-plane head copied into the control chain) must still be found in the
data-plane chain with the same hash, which catches rows cut off the end of the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import Connection, text

from core.audit.chain import anchor, anchors, qualified, seal
from core.audit.control import record_event
from core.context import TenantContext
from core.rbac.guard import require
from db.session import control_session, tenant_connection

_FIRST_BAD = """
WITH c AS (
    SELECT id, {label} AS label, chain_seq, prev_hash, hash,
           lag(chain_seq) OVER w AS p_seq, lag(hash) OVER w AS p_hash,
           {hash_fn}(prev_hash, {hash_args}) AS expected
    FROM {table} WHERE {chain} AND chain_seq IS NOT NULL
    WINDOW w AS (ORDER BY chain_seq)
)
SELECT id, label, chain_seq, p_seq, prev_hash,
       CASE WHEN chain_seq <> coalesce(p_seq, 0) + 1 THEN 'sequence'
            WHEN prev_hash IS DISTINCT FROM p_hash THEN 'link'
            ELSE 'content' END AS rule
FROM c
WHERE chain_seq <> coalesce(p_seq, 0) + 1 OR prev_hash IS DISTINCT FROM p_hash OR hash IS DISTINCT FROM expected
ORDER BY chain_seq
LIMIT 1
"""

_TOTALS = ("SELECT count(*) FILTER (WHERE chain_seq IS NOT NULL) AS sealed,"
           " count(*) FILTER (WHERE chain_seq IS NULL) AS pending, max(chain_seq) AS last FROM {table} WHERE {chain}")

DATA_HASH_ARGS = ("chain_seq, tenant_id, occurred_at, actor, action, table_name, row_id, old_values, new_values,"
                  " request_id")
CONTROL_HASH_ARGS = "chain_seq, tenant_id, occurred_at, actor, action, target, details, ip, request_id"


@dataclass(frozen=True)
class BadRow:
    table: str
    id: int
    chain_seq: int
    reason: str

    def __str__(self) -> str:
        return f"table {self.table}, id {self.id}, seq {self.chain_seq}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    plane: str  # "data" | "control"
    rows: int
    last_seq: int
    pending: int
    first_bad: BadRow | None = None

    @property
    def ok(self) -> bool:
        return self.first_bad is None


@dataclass(frozen=True)
class VerifyResult:
    tenant: str
    sealed_now: int
    data: ChainReport
    control: ChainReport

    @property
    def ok(self) -> bool:
        return self.data.ok and self.control.ok


def _reason(rule: str, chain_seq: int, p_seq: int | None, linked_to: int | None) -> str:
    if rule == "sequence":
        if p_seq is None:
            return f"the chain starts at seq {chain_seq}: rows 1..{chain_seq - 1} were deleted"
        missing = f"seq {p_seq + 1}" if chain_seq == p_seq + 2 else f"seqs {p_seq + 1}..{chain_seq - 1}"
        return f"{missing} missing before it: rows were deleted"
    if rule == "link":
        if linked_to is not None:
            return f"prev_hash is the hash of seq {linked_to}, not of seq {p_seq}: rows were reordered"
        return "prev_hash does not match the hash of the row before it: rows were removed, inserted or rewritten"
    return "its content does not match its hash: the row was edited"


def _check(conn: Connection, plane: str, table: str, chain: str, params: dict[str, object], label: str,
           hash_fn: str, hash_args: str) -> ChainReport:
    totals = conn.execute(text(_TOTALS.format(table=table, chain=chain)), params).one()
    bad = conn.execute(
        text(_FIRST_BAD.format(label=label, hash_fn=hash_fn, hash_args=hash_args, table=table, chain=chain)), params
    ).one_or_none()
    first_bad = None
    if bad is not None:
        linked_to = None
        if bad.rule == "link" and bad.prev_hash is not None:
            linked_to = conn.execute(
                text(f"SELECT chain_seq FROM {table} WHERE {chain} AND hash = :h ORDER BY chain_seq LIMIT 1"),
                {**params, "h": bad.prev_hash},
            ).scalar()
        first_bad = BadRow(bad.label, int(bad.id), int(bad.chain_seq),
                           _reason(bad.rule, int(bad.chain_seq), bad.p_seq, linked_to))
    return ChainReport(plane, int(totals.sealed), int(totals.last or 0), int(totals.pending), first_bad)


def _check_anchors(conn: Connection, ctx: TenantContext, report: ChainReport) -> ChainReport:
    if not report.ok:
        return report
    known = anchors(ctx)
    found = {
        int(r.chain_seq): r for r in conn.execute(
            text(f"SELECT id, table_name, chain_seq, hash FROM {qualified(ctx, 'audit_log')}"
                 " WHERE tenant_id = :t AND chain_seq = ANY(:seqs)"),
            {"t": ctx.tenant_id, "seqs": sorted({head.chain_seq for _, head in known})},
        )
    }
    for control_id, want in sorted(known, key=lambda item: item[1].chain_seq):
        row = found.get(want.chain_seq)
        if row is None:
            reason = (f"seq {want.chain_seq}, anchored in the control plane (control_audit_log id {control_id}), "
                      "is missing: rows were cut off the end of the chain")
            return replace(report, first_bad=BadRow("audit_log", 0, want.chain_seq, reason))
        if bytes(row.hash) != want.hash:
            reason = (f"its hash differs from the one anchored in the control plane (control_audit_log id "
                      f"{control_id}): the chain was rewritten")
            return replace(report, first_bad=BadRow(row.table_name, int(row.id), want.chain_seq, reason))
    return report


def verify_data_plane(ctx: TenantContext) -> ChainReport:
    with tenant_connection(ctx) as conn:
        report = _check(conn, "data", qualified(ctx, "audit_log"), "tenant_id = :t", {"t": ctx.tenant_id},
                        "table_name", qualified(ctx, "audit_hash"), DATA_HASH_ARGS)
        # The log holds sealed rows only (t0012); the rows still waiting are apart.
        waiting = conn.execute(text(f"SELECT count(*) FROM {qualified(ctx, 'audit_pending')} WHERE tenant_id = :t"),
                               {"t": ctx.tenant_id}).scalar_one()
        return _check_anchors(conn, ctx, replace(report, pending=int(waiting)))


def verify_control_plane(ctx: TenantContext) -> ChainReport:
    with control_session() as s:
        return _check(s.connection(), "control", "control_audit_log", "chain_key = :k", {"k": str(ctx.tenant_id)},
                      "'control_audit_log'", "control_audit_hash", CONTROL_HASH_ARGS)


def verify_tenant(ctx: TenantContext, *, record: bool = True) -> VerifyResult:
    """Seal pending rows, then check both chains. With `record`, the outcome is itself
    audited; a successful check also anchors the data-plane head in the control plane."""
    require(ctx, "audit.read")
    sealed = seal(ctx)
    result = VerifyResult(ctx.slug, sealed, verify_data_plane(ctx), verify_control_plane(ctx))
    if record:
        if result.ok:
            anchor(ctx, "audit.verified", control_rows=result.control.rows)
        else:
            bad = result.data.first_bad or result.control.first_bad
            record_event("audit.verify_failed", actor=str(ctx.actor), tenant_id=ctx.tenant_id,
                         target="data plane" if result.data.first_bad else "control plane",
                         details={"first_bad": str(bad)}, request_id=ctx.request_id)
    return result
