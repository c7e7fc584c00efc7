"""The vector searches order by the HNSW index's own expression, so the planner can use
the index (a query ordering by another expression silently scans every chunk)."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from core.ai.rag.repository import VECTOR_SEARCH_SQL, Reader, _vector_literal, hybrid_sql, vector_search
from db.session import tenant_session
from tests.ai.rag.conftest import member

QUERY = [0.05] * 384


def _plan(sql: str, params: dict[str, object]) -> str:
    ctx = member("staff")
    with tenant_session(ctx) as s:
        # The test corpus is small: scanning and sorting it would be cheaper than the index.
        s.execute(text("SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),"
                       " set_config('enable_sort', 'off', true)"))
        rows = s.execute(text("EXPLAIN (COSTS OFF) " + sql), {**params, **Reader.of(ctx).params()}).scalars()
        return "\n".join(rows)


def test_vector_search_uses_the_hnsw_index(corpus: dict[str, uuid.UUID]) -> None:
    plan = _plan(VECTOR_SEARCH_SQL, {"qv": _vector_literal(QUERY), "k": 10})
    assert "ix_document_chunks_embedding" in plan, plan


def test_hybrid_search_uses_the_hnsw_index(corpus: dict[str, uuid.UUID]) -> None:
    params = {"qv": _vector_literal(QUERY), "qi_and": "cuti", "qe_and": "leav", "qi_or": "cuti", "qe_or": "leav",
              "cap": 500, "depth": 30, "limit": 6}
    plan = _plan(hybrid_sql(True), params)
    assert "ix_document_chunks_embedding" in plan, plan


def test_connections_search_with_iterative_scans(corpus: dict[str, uuid.UUID]) -> None:
    """The HNSW settings come with every connection (db.engines), not per transaction."""
    ctx = member("staff")
    with tenant_session(ctx) as s:
        ef, scan = s.execute(text("SELECT current_setting('hnsw.ef_search'),"
                                  " current_setting('hnsw.iterative_scan')")).one()
        found = vector_search(s, Reader.of(ctx), QUERY, 3)
    assert (ef, scan) == ("100", "relaxed_order")
    assert len(found) == 3
