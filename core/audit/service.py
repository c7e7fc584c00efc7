"""Reading the audit log: events of a tenant (data plane and control plane merged),
filters, a before/after diff, and CSV export.

Field-level rules hold here as everywhere: protected fields (salaries) are replaced by
`HIDDEN` unless the context has the permission that reveals them, before an event leaves
this module (lists, diffs, CSV).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select, text

from core.audit.chain import qualified
from core.audit.models import AuditBatch, AuditLog, AuditPending
from core.context import TenantContext
from core.csv_export import to_csv
from core.employees.service import SALARY_FIELDS
from core.rbac.guard import can, require
from db.session import control_session, tenant_session

DATA_ACTIONS = ("INSERT", "UPDATE", "DELETE")
HIDDEN = "[hidden]"
# table -> (fields, the permission that reveals them)
PROTECTED_FIELDS: dict[str, tuple[frozenset[str], str]] = {
    "employees": (SALARY_FIELDS, "employee.salary.read"),
}
MAX_PAGE_SIZE = 500
EXPORT_LIMIT = 100_000


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # exact actor, e.g. "user:<uuid>"
    table: str | None = None  # data-plane table; control-plane events have none
    action: str | None = None  # INSERT/UPDATE/DELETE or a control action such as "role.saved"
    start: dt.date | None = None  # inclusive, in the tenant's time zone
    end: dt.date | None = None  # inclusive

    @property
    def wants_data(self) -> bool:
        return self.action is None or self.action in DATA_ACTIONS

    @property
    def wants_control(self) -> bool:
        return self.table is None and (self.action is None or self.action not in DATA_ACTIONS)


@dataclass(frozen=True)
class AuditEvent:
    source: str  # "data" | "control"
    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    table: str | None
    target: str | None  # the changed row's id, or a control event's target
    old: dict[str, Any] | None
    new: dict[str, Any] | None  # control events: their details
    request_id: str | None
    chain_seq: int | None
    hidden_changes: frozenset[str] = field(default_factory=frozenset)  # protected fields that changed

    @property
    def key(self) -> str:
        return f"{self.source}:{self.id}"


@dataclass(frozen=True)
class EventPage:
    events: list[AuditEvent]
    page: int
    page_size: int
    has_more: bool


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any
    changed: bool


# --- reading ---------------------------------------------------------------------------


def _bounds(ctx: TenantContext, flt: AuditFilter) -> tuple[dt.datetime | None, dt.datetime | None]:
    zone = ZoneInfo(ctx.timezone)
    start = dt.datetime.combine(flt.start, dt.time(), zone) if flt.start else None
    end = dt.datetime.combine(flt.end + dt.timedelta(days=1), dt.time(), zone) if flt.end else None
    return start, end


def _data_query(ctx: TenantContext, flt: AuditFilter, model: type[AuditLog] | type[AuditPending]) -> Select[Any]:
    start, end = _bounds(ctx, flt)
    q = select(model).where(model.tenant_id == ctx.tenant_id)
    if flt.actor:
        q = q.where(model.actor == flt.actor)
    if flt.table:
        q = q.where(model.table_name == flt.table)
    if flt.action:
        q = q.where(model.action == flt.action)
    if start:
        q = q.where(model.occurred_at >= start)
    if end:
        q = q.where(model.occurred_at < end)
    return q


def _data_events(ctx: TenantContext, flt: AuditFilter, limit: int) -> list[AuditEvent]:
    """Newest first: rows not sealed yet (the sealer's queue), then the chain from its head
    backwards. Both walk an index; the log is never sorted as a whole. A row sealed between
    the two reads is in both: it is shown once, sealed."""
    with tenant_session(ctx) as s:
        pending = s.scalars(_data_query(ctx, flt, AuditPending).order_by(AuditPending.id.desc()).limit(limit)).all()
        sealed = s.scalars(_data_query(ctx, flt, AuditLog).order_by(AuditLog.chain_seq.desc()).limit(limit)).all()
    sealed_ids = {r.id for r in sealed}
    rows = [*(r for r in pending if r.id not in sealed_ids), *sealed]
    return [_data_event(r) for r in rows[:limit]]


def _data_event(r: AuditLog | AuditPending) -> AuditEvent:
    return AuditEvent("data", r.id, r.occurred_at, r.actor, r.action, r.table_name,
                      str(r.row_id) if r.row_id else None, r.old_values, r.new_values, r.request_id,
                      r.chain_seq if isinstance(r, AuditLog) else None)


def _control_events(ctx: TenantContext, flt: AuditFilter, limit: int) -> list[AuditEvent]:
    start, end = _bounds(ctx, flt)
    where = ["chain_key = :k"]
    params: dict[str, Any] = {"k": str(ctx.tenant_id), "limit": limit}
    for column, value in (("actor", flt.actor), ("action", flt.action)):
        if value:
            where.append(f"{column} = :{column}")
            params[column] = value
    if start:
        where.append("occurred_at >= :start")
        params["start"] = start
    if end:
        where.append("occurred_at < :end")
        params["end"] = end
    sql = (f"SELECT id, occurred_at, actor, action, target, details, request_id, chain_seq FROM control_audit_log"
           f" WHERE {' AND '.join(where)} ORDER BY occurred_at DESC, id DESC LIMIT :limit")
    with control_session() as s:
        rows = s.execute(text(sql), params).all()
    return [
        AuditEvent("control", r.id, r.occurred_at, r.actor, r.action, None, r.target, None, r.details,
                   r.request_id, r.chain_seq)
        for r in rows
    ]


def _merged(ctx: TenantContext, flt: AuditFilter, limit: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    if flt.wants_data:
        events += _data_events(ctx, flt, limit)
    if flt.wants_control:
        events += _control_events(ctx, flt, limit)
    events.sort(key=lambda e: (e.occurred_at, e.source == "data", e.id), reverse=True)
    return [redact(ctx, e) for e in events[:limit]]


def list_events(ctx: TenantContext, flt: AuditFilter | None = None, *, page: int = 0,
                page_size: int = 50) -> EventPage:
    """One page of the tenant's audit events, newest first."""
    require(ctx, "audit.read")
    flt = flt or AuditFilter()
    page, page_size = max(0, page), min(max(1, page_size), MAX_PAGE_SIZE)
    start = page * page_size
    events = _merged(ctx, flt, start + page_size + 1)
    return EventPage(events[start:start + page_size], page, page_size, len(events) > start + page_size)


def pending_bulk_changes(ctx: TenantContext) -> int:
    """Rows changed by bulk statements whose audit rows the sealer has yet to write (a job
    does it every few seconds): the page says so instead of looking incomplete."""
    require(ctx, "audit.read")
    rows = func.cardinality(func.coalesce(AuditBatch.new_rows, AuditBatch.old_rows))
    with tenant_session(ctx) as s:
        return int(s.scalar(select(func.coalesce(func.sum(rows), 0))) or 0)


def get_event(ctx: TenantContext, key: str) -> AuditEvent | None:
    """One event by its key (`data:<id>` or `control:<id>`), or None if it is not this tenant's."""
    require(ctx, "audit.read")
    source, _, raw_id = key.partition(":")
    if not raw_id.isdigit():
        return None
    if source == "data":
        # Pending first: a row sealed in between is then found in the log.
        with tenant_session(ctx) as s:
            r: AuditLog | AuditPending | None = s.get(AuditPending, (ctx.tenant_id, int(raw_id)))
            if r is None:
                r = s.scalars(select(AuditLog).where(AuditLog.tenant_id == ctx.tenant_id,
                                                     AuditLog.id == int(raw_id))).one_or_none()
        return redact(ctx, _data_event(r)) if r is not None else None
    if source == "control":
        with control_session() as s:
            c = s.execute(text("SELECT id, occurred_at, actor, action, target, details, request_id, chain_seq"
                               " FROM control_audit_log WHERE chain_key = :k AND id = :id"),
                          {"k": str(ctx.tenant_id), "id": int(raw_id)}).one_or_none()
        if c is None:
            return None
        return AuditEvent("control", c.id, c.occurred_at, c.actor, c.action, None, c.target, None, c.details,
                          c.request_id, c.chain_seq)
    return None


def tables(ctx: TenantContext) -> list[str]:
    """The tenant's audited tables (those carrying the audit triggers)."""
    require(ctx, "audit.read")
    with tenant_session(ctx) as s:
        return list(s.execute(
            text("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                 " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :s AND t.tgname = 'audit_insert'"
                 " ORDER BY 1"),
            {"s": ctx.schema or "public"},
        ).scalars())


def actors(ctx: TenantContext) -> dict[str, str]:
    """Who may appear in the log: the tenant's members and the actors of recent events,
    as {actor: label}, labels from the user directory where the actor is a user."""
    require(ctx, "audit.read")
    with tenant_session(ctx) as s:
        seen = set(s.execute(text(
            f"SELECT DISTINCT actor FROM (SELECT actor FROM {qualified(ctx, 'audit_log')}"
            " WHERE tenant_id = :t ORDER BY id DESC LIMIT 5000) recent"
            f" UNION SELECT DISTINCT actor FROM {qualified(ctx, 'audit_pending')} WHERE tenant_id = :t"),
            {"t": ctx.tenant_id}).scalars())
    with control_session() as s:
        seen.update(s.execute(text("SELECT DISTINCT actor FROM (SELECT actor FROM control_audit_log"
                                   " WHERE chain_key = :k ORDER BY id DESC LIMIT 5000) recent"),
                              {"k": str(ctx.tenant_id)}).scalars())
        members = s.execute(text("SELECT u.id, u.email, u.full_name FROM memberships m JOIN users u ON u.id = m.user_id"
                                 " WHERE m.tenant_id = :t"), {"t": ctx.tenant_id}).all()
    labels = {f"user:{m.id}": f"{m.full_name} <{m.email}>" for m in members}
    unknown_users = [a.split(":", 1)[1] for a in seen if a.startswith("user:") and a not in labels]
    labels.update(_user_labels(unknown_users))
    named = {a: labels.get(a, a) for a in seen | set(labels)}
    return dict(sorted(named.items(), key=lambda item: item[1].lower()))


def actions(ctx: TenantContext) -> list[str]:
    """The actions to filter by: the data-plane ones, then recent control-plane ones."""
    require(ctx, "audit.read")
    with control_session() as s:
        control = s.execute(text("SELECT DISTINCT action FROM (SELECT action FROM control_audit_log"
                                 " WHERE chain_key = :k ORDER BY id DESC LIMIT 5000) recent ORDER BY 1"),
                            {"k": str(ctx.tenant_id)}).scalars().all()
    return [*DATA_ACTIONS, *control]


def _user_labels(ids: Iterable[str]) -> dict[str, str]:
    valid = []
    for raw in ids:
        try:
            valid.append(uuid.UUID(raw))
        except ValueError:
            continue
    if not valid:
        return {}
    with control_session() as s:
        rows = s.execute(text("SELECT id, email, full_name FROM users WHERE id = ANY(:ids)"), {"ids": valid}).all()
    return {f"user:{r.id}": f"{r.full_name} <{r.email}>" for r in rows}


# --- field-level rules, diff, export ---------------------------------------------------------


def redact(ctx: TenantContext, event: AuditEvent) -> AuditEvent:
    """Hide protected fields the context may not see (their change stays visible)."""
    rule = PROTECTED_FIELDS.get(event.table or "")
    if rule is None or can(ctx, rule[1]):
        return event
    fields, _ = rule
    old, new = dict(event.old or {}), dict(event.new or {})
    changed = {f for f in fields if (event.old or {}).get(f) != (event.new or {}).get(f)
               and event.action == "UPDATE"}
    for values in (old, new):
        for name in fields & values.keys():
            if values[name] is not None:
                values[name] = HIDDEN
    return replace(event, old=old if event.old is not None else None, new=new if event.new is not None else None,
                   hidden_changes=frozenset(changed))


def diff(event: AuditEvent) -> list[FieldChange]:
    """Field by field before and after; changed fields first, each group by name."""
    before, after = event.old or {}, event.new or {}
    changes = [
        FieldChange(name, before.get(name), after.get(name),
                    name in event.hidden_changes or before.get(name) != after.get(name))
        for name in sorted(before.keys() | after.keys())
    ]
    if event.action == "UPDATE":
        changes.sort(key=lambda c: not c.changed)
    return changes


def changed_fields(event: AuditEvent) -> list[str]:
    return [c.field for c in diff(event) if c.changed] if event.action == "UPDATE" else []


EXPORT_HEADER = ("occurred_at", "source", "actor", "action", "table", "target", "request_id", "chain_seq",
                 "changed_fields", "before", "after")


def export_csv(ctx: TenantContext, flt: AuditFilter | None = None, *, limit: int = EXPORT_LIMIT) -> str:
    """The events matching `flt` as CSV (newest first, at most `limit`), safe to open in a spreadsheet."""
    require(ctx, "audit.read")
    require(ctx, "audit.export")
    zone = ZoneInfo(ctx.timezone)
    rows = []
    for e in _merged(ctx, flt or AuditFilter(), limit):
        rows.append((
            e.occurred_at.astimezone(zone).isoformat(), e.source, e.actor, e.action, e.table or "", e.target or "",
            e.request_id or "", e.chain_seq or "", " ".join(changed_fields(e)),
            _json(e.old), _json(e.new),
        ))
    return to_csv(EXPORT_HEADER, rows)


def _json(values: dict[str, Any] | None) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)
