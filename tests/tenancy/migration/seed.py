"""Rows in every tenant table of a company, made through its own tenant context (the
runtime role, row-level security and the audit triggers all apply), and snapshots of
what the company holds, read back through `tenant_session`."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import psycopg
from sqlalchemy import text

from core.context import TenantContext
from core.tenancy.migration import copier
from core.tenancy.migration.placement import Place
from core.tenancy.registry import context, get_tenant
from db.bootstrap import libpq_url
from db.session import tenant_connection, tenant_session
from db.topology import get_topology

_IN_LIST = re.compile(r"\((\w+)\)::\w+ = ANY \(\(?ARRAY\['([^']*)'|(\w+) = ANY \(ARRAY\['([^']*)'|(\w+) IN \('([^']*)'")


def _catalog(url: str, schema: str) -> list[dict[str, Any]]:
    with psycopg.connect(libpq_url(url)) as conn:
        specs = copier.tables(conn, schema)
        out = []
        for spec in specs:
            if spec.is_audit:
                continue
            cols = conn.execute(
                """SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.attnotnull,
                          a.atthasdef, a.attgenerated <> '' OR a.attidentity <> ''
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
                   WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
                   ORDER BY a.attnum""", (schema, spec.name)).fetchall()
            fks = {r[0]: r[1] for r in conn.execute(
                """SELECT a.attname, pc.relname FROM pg_constraint k
                   JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   JOIN pg_class pc ON pc.oid = k.confrelid
                   JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
                   WHERE k.contype = 'f' AND n.nspname = %s AND c.relname = %s AND a.attname <> 'tenant_id'""",
                (schema, spec.name)).fetchall()}
            choices: dict[str, str] = {}
            for (definition,) in conn.execute(
                    """SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                       JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE k.contype = 'c' AND n.nspname = %s AND c.relname = %s""", (schema, spec.name)):
                for m in _IN_LIST.finditer(definition):
                    col, value = next((g, m.groups()[i + 1]) for i, g in enumerate(m.groups()) if i % 2 == 0 and g)
                    choices.setdefault(col, value)
            out.append({"table": spec.name, "cols": cols, "fks": fks, "choices": choices})
    return out


def _value(name: str, fmt: str, typ: str, i: int, choices: dict[str, str]) -> Any:
    if name in choices:
        return choices[name]
    if typ == "uuid":
        return str(uuid.uuid4())
    if typ in ("int2", "int4", "int8"):
        return i + 1
    if typ in ("numeric", "float4", "float8"):
        return 1 + i
    if typ == "bool":
        return False
    if typ == "date":
        return dt.date(2026, 1, 1) + dt.timedelta(days=i)
    if typ in ("timestamptz", "timestamp"):
        return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i)
    if typ in ("jsonb", "json"):
        return "{}"
    if typ == "bytea":
        return b"x"
    if typ in ("vector", "halfvec"):
        dims = int(fmt[fmt.index("(") + 1:-1]) if "(" in fmt else 3
        return "[" + ",".join("0.1" for _ in range(dims)) + "]"
    if typ.startswith("_"):
        return "{}"
    m = re.search(r"\((\d+)\)", fmt)
    base = f"{name}-{i}-{uuid.uuid4().hex[:6]}"
    return base[: int(m.group(1))] if m else base


def seed_every_table(slug: str, rows: int = 5) -> dict[str, int]:
    """`rows` rows in every tenant table of the company; returns the count per table."""
    ctx = context(slug)
    tenant = get_tenant(slug)
    place = Place.of(tenant)
    catalog = _catalog(place.admin_url(get_topology()), place.data_schema)
    made: dict[str, list[str]] = {}
    with tenant_connection(ctx) as conn:
        for table in catalog:
            ids = []
            for i in range(rows):
                values: dict[str, Any] = {}
                casts: dict[str, str] = {}
                for name, fmt, typ, notnull, hasdef, generated in table["cols"]:
                    if generated or name == "tenant_id":
                        continue
                    fk = table["fks"].get(name)
                    if fk is not None:
                        if fk == table["table"] or not made.get(fk):
                            continue
                        values[name] = made[fk][i % len(made[fk])]
                        continue
                    if name == "id":
                        values[name] = str(uuid.uuid4())
                        continue
                    if hasdef and typ not in ("text", "varchar"):
                        continue
                    if not notnull and typ in ("vector", "halfvec", "bytea", "tsvector"):
                        continue
                    values[name] = _value(name, fmt, typ, i, table["choices"])
                    casts[name] = fmt
                cols = ", ".join(f'"{c}"' for c in values)
                params = ", ".join(f"CAST(:{c} AS {casts[c]})" if c in casts else f":{c}" for c in values)
                conn.execute(text(f'INSERT INTO "{table["table"]}" ({cols}) VALUES ({params})'), values)
                ids.append(values["id"])
            made[table["table"]] = ids
    return {t: len(ids) for t, ids in made.items()}


def snapshot(ctx: TenantContext) -> dict[str, list[str]]:
    """Every row of every tenant table as the company sees it through its own session."""
    place = Place.of(get_tenant(ctx.tenant_id))
    with psycopg.connect(libpq_url(place.admin_url(get_topology()))) as conn:
        specs = copier.tables(conn, place.data_schema)
    out: dict[str, list[str]] = {}
    with tenant_session(ctx) as s:
        s.execute(text("SET LOCAL TimeZone = 'UTC'"))
        for spec in specs:
            cols = ", ".join(f'"{c}"' for c in spec.columns if c not in ("chain_seq", "prev_hash", "hash"))
            source = f'"{spec.name}"'
            if spec.is_audit:  # sealed or still pending: the same audit rows
                source = f"(SELECT {cols} FROM audit_log UNION ALL SELECT {cols} FROM audit_pending) a"
            rows = s.execute(text(f"SELECT ROW({cols})::text FROM {source}")).scalars().all()
            out[spec.name] = sorted(rows)
    return out
