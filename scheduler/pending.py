"""Which tenants have work waiting: one query per database instead of one transaction per tenant.

A job that runs every few seconds (the audit sealer, queues) must not open a transaction
for each of thousands of tenants only to find nothing to do. The shared tier keeps every
tenant's rows in one table per region, so one query as the database owner names all of
them (with `row_security = off`: a role that RLS would filter gets an error, not an empty
answer); schema-tier tenants in that database join the same statement;
each dedicated database gets its own query. A database that cannot be asked counts as
"maybe pending" for its tenants, so the job still visits them and reports its own error.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import text

from core.context import Tier
from core.tenancy.models import Tenant
from core.tenancy.placement import admin_url, schema_of
from db.engines import engine_for
from db.migrate import quote_ident, quote_literal
from db.topology import Topology, get_topology

log = logging.getLogger(__name__)

SCHEMAS_PER_STATEMENT = 200


def _statements(public: list[Tenant], schemas: list[Tenant], table: str, condition: str) -> list[str]:
    parts: list[str] = []
    if public:
        parts.append(f"SELECT DISTINCT tenant_id FROM public.{quote_ident(table)} WHERE {condition}")
    for tenant in schemas:
        parts.append(f"SELECT {quote_literal(str(tenant.id))}::uuid WHERE EXISTS"
                     f" (SELECT 1 FROM {quote_ident(schema_of(tenant) or '')}.{quote_ident(table)}"
                     f" WHERE {condition})")
    chunks = [parts[i:i + SCHEMAS_PER_STATEMENT] for i in range(0, len(parts), SCHEMAS_PER_STATEMENT)]
    return [" UNION ALL ".join(chunk) for chunk in chunks]


def tenants_with_rows(tenants: Iterable[Tenant], table: str, condition: str,
                      topology: Topology | None = None) -> set[uuid.UUID]:
    """The ids among `tenants` that have a row of `table` matching `condition` (trusted SQL)."""
    topo = topology or get_topology()
    # database URL -> (tenants whose tables are in `public`: shared tier and dedicated; schema tier)
    by_database: dict[str, tuple[list[Tenant], list[Tenant]]] = defaultdict(lambda: ([], []))
    for tenant in tenants:
        public, schemas = by_database[admin_url(tenant, topo)]
        (schemas if tenant.tier == Tier.SCHEMA else public).append(tenant)
    found: set[uuid.UUID] = set()
    for url, (public, schemas) in by_database.items():
        mine = {t.id for t in public} | {t.id for t in schemas}
        try:
            with engine_for(url).connect() as conn:
                conn.execute(text("SET LOCAL row_security = off"))
                for statement in _statements(public, schemas, table, condition):
                    found.update(uuid.UUID(str(row[0])) for row in conn.execute(text(statement)))
        except Exception:  # the job will visit these tenants and report what is wrong
            log.warning("pending-work query failed on one database; visiting its %d tenant(s)", len(mine),
                        exc_info=True)
            found |= mine
            continue
    return found
