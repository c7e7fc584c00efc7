"""The queries of company documents. Access rules are part of the SQL of every read
(`visible_sql`), never a filter applied afterwards."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from core.ai.rag.chunking import Chunk
from core.ai.rag.models import EMBED_DIM, Document, DocumentChunk, DocumentQuestion
from core.context import TenantContext
from db.engines import HNSW_EF_SEARCH

# Retrieval is plain SQL: a Core connection (db.session.tenant_connection) serves it with
# less overhead than a Session; both work.
Reads = Session | Connection
STALE_AFTER = dt.timedelta(minutes=5)  # a processing document whose worker stopped is claimed again
EF_SEARCH = HNSW_EF_SEARCH  # every connection's default (db.engines)
RRF_K = 60


@dataclass(frozen=True)
class Reader:
    """Who reads: what the access rule of a document is compared with."""

    user_id: uuid.UUID | None
    role: str
    admin: bool
    read_all_projects: bool

    @classmethod
    def of(cls, ctx: TenantContext) -> Reader:
        try:
            uid = uuid.UUID(ctx.actor.id) if ctx.actor.kind == "user" else None
        except ValueError:
            uid = None
        return cls(uid, ctx.role or "", ctx.role == "admin", "project.read_all" in ctx.permissions)

    def params(self) -> dict[str, Any]:
        return {"r_uid": self.user_id, "r_role": self.role, "r_admin": self.admin,
                "r_read_all": self.read_all_projects}


# A document is visible to: an Admin; everyone when shared with everyone; the listed roles;
# a project's members (or anyone who may see every project); and the person who uploaded it.
VISIBLE_SQL = """(
    CAST(:r_admin AS boolean)
    OR d.visibility = 'everyone'
    OR (d.visibility = 'roles' AND CAST(:r_role AS text) = ANY (d.role_keys))
    OR (d.visibility = 'project' AND (CAST(:r_read_all AS boolean) OR EXISTS (
            SELECT 1 FROM project_members m
            WHERE m.project_id = d.project_id AND m.user_id = CAST(:r_uid AS uuid))))
    OR (d.uploaded_by_user IS NOT NULL AND d.uploaded_by_user = CAST(:r_uid AS uuid))
)"""


def visible_documents(s: Session, reader: Reader) -> list[Document]:
    stmt = select(Document).from_statement(text(
        f"SELECT d.* FROM documents d WHERE {VISIBLE_SQL} ORDER BY d.created_at DESC"))
    return list(s.scalars(stmt.params(**reader.params())))


def visible_document(s: Session, reader: Reader, document_id: uuid.UUID) -> Document | None:
    stmt = select(Document).from_statement(text(
        f"SELECT d.* FROM documents d WHERE d.id = :doc AND {VISIBLE_SQL}"))
    return s.scalars(stmt.params(doc=document_id, **reader.params())).one_or_none()


def document_by_sha(s: Session, sha256: str) -> Document | None:
    return s.scalars(select(Document).where(Document.sha256 == sha256)).one_or_none()


# --- ingestion ------------------------------------------------------------------------------------


def claim_next(s: Session, now: dt.datetime) -> Document | None:
    """The oldest queued document (or one whose worker stopped), marked processing; other
    workers skip it (FOR UPDATE SKIP LOCKED)."""
    row = s.execute(text("""
        SELECT id FROM documents
        WHERE status = 'queued' OR (status = 'processing' AND (heartbeat_at IS NULL OR heartbeat_at < :stale))
        ORDER BY created_at
        FOR UPDATE SKIP LOCKED
        LIMIT 1"""), {"stale": now - STALE_AFTER}).first()
    if row is None:
        return None
    s.execute(update(Document).where(Document.id == row[0])
              .values(status="processing", heartbeat_at=now, error=None, error_code=None))
    return s.get(Document, row[0], populate_existing=True)


def resume_point(s: Session, document_id: uuid.UUID, pages_done: int) -> int:
    """Drop chunks past the last committed page (a stopped worker's partial batch); the
    next ordinal."""
    s.execute(delete(DocumentChunk).where(DocumentChunk.document_id == document_id,
                                          DocumentChunk.page > pages_done))
    last = s.scalar(select(func.max(DocumentChunk.ordinal)).where(DocumentChunk.document_id == document_id))
    return 0 if last is None else int(last) + 1


def add_chunks(s: Session, document_id: uuid.UUID, chunks: Sequence[Chunk],
               vectors: Sequence[Sequence[float]]) -> None:
    if not chunks:
        return
    s.execute(insert(DocumentChunk), [
        {"document_id": document_id, "page": c.page, "ordinal": c.ordinal, "text": c.text, "embedding": list(v)}
        for c, v in zip(chunks, vectors, strict=True)
    ])


def set_progress(s: Session, document_id: uuid.UUID, now: dt.datetime, **values: Any) -> None:
    s.execute(update(Document).where(Document.id == document_id).values(heartbeat_at=now, **values))


def drop_chunks(s: Session, document_id: uuid.UUID) -> None:
    s.execute(delete(DocumentChunk).where(DocumentChunk.document_id == document_id))


# --- retrieval ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    chunk_id: uuid.UUID
    document_id: uuid.UUID
    title: str
    filename: str
    page: int
    ordinal: int
    text: str
    similarity: float | None  # cosine similarity, when the vector search found it
    text_rank: float | None  # full-text rank, when the full-text search found it
    fused: float  # reciprocal rank fusion score
    lexemes_id: tuple[str, ...]
    lexemes_en: tuple[str, ...]


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


def tune_vector_search(s: Reads, ef_search: int = EF_SEARCH) -> None:
    """HNSW settings for this transaction. Connections start with them (db.engines), so
    this is for another `ef_search` only: iterative scans keep filtered queries (a tenant,
    the documents one may read) at full recall."""
    s.execute(text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),"
                   " set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef_search)})


# Documents the reader may see, as an array, and whether that is every document with chunks
# (then the chunk queries need no per-row document test).
_ALLOWED_CTE = f"""allowed AS MATERIALIZED (
    SELECT coalesce(array_agg(d.id) FILTER (WHERE d.status = 'ready' AND {VISIBLE_SQL}), '{{}}') AS ids,
           coalesce(bool_and(d.status = 'ready' AND {VISIBLE_SQL}), true) AS every
    FROM documents d
)"""
_CHUNK_ALLOWED = ("((SELECT every FROM allowed) OR c.document_id = ANY (CAST((SELECT ids FROM allowed) AS uuid[])))")


# Cosine distance to the question, in the embeddings' type (half precision, migration t0009):
# what the HNSW index orders by.
_DISTANCE = f"c.embedding <=> CAST(:qv AS halfvec({EMBED_DIM}))"

FTS_CANDIDATES = 500  # full-text matches ranked at most per leg (common words match half a corpus)


def hybrid_search(s: Reads, reader: Reader, question: str, vector: Sequence[float] | None, *,
                  limit: int = 6, depth: int = 30) -> list[Hit]:
    """Vector (cosine, HNSW) and full-text (Indonesian and English) candidates, each ranked,
    fused by reciprocal rank: score = sum of 1 / (60 + rank). Without a vector (no
    embeddings available) the full-text ranking alone decides.

    The full-text leg ranks chunks with every word of the question first, then chunks with
    any of them; each set is read through the GIN indexes and at most FTS_CANDIDATES of it
    are ranked, so a question of common words stays fast on a large corpus."""
    # The planner misjudges how many chunks match every word of a question (a handful, or
    # half the corpus) and would rather scan the table than the GIN indexes.
    s.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    params = hybrid_params(s, reader, question, vector, limit=limit, depth=depth)
    rows = s.execute(_hybrid_clause(vector is not None), params).all()
    s.execute(text("SELECT set_config('enable_seqscan', 'on', true)"))
    return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], None if r[7] is None else float(r[7]),
                None if r[8] is None else float(r[8]), float(r[9]), tuple(r[10] or ()), tuple(r[11] or ()))
            for r in rows]


def hybrid_params(s: Reads, reader: Reader, question: str, vector: Sequence[float] | None, *,
                  limit: int, depth: int) -> dict[str, Any]:
    """The parameters of `hybrid_sql`: the question as full-text queries (every word, any
    word) in both configurations, computed once rather than for every row."""
    row = s.execute(text("SELECT plainto_tsquery('indonesian', :q)::text, plainto_tsquery('english', :q)::text"),
                    {"q": question}).one()
    and_id, and_en = (str(row[0]) or None), (str(row[1]) or None)
    params: dict[str, Any] = {
        "qi_and": and_id, "qe_and": and_en,
        "qi_or": and_id.replace(" & ", " | ") if and_id else None,
        "qe_or": and_en.replace(" & ", " | ") if and_en else None,
        "cap": FTS_CANDIDATES, "depth": depth, "limit": limit, **reader.params(),
    }
    if vector is not None:
        params["qv"] = _vector_literal(vector)
    return params


def _fts_leg(name: str, qi: str, qe: str) -> str:
    return f"""
    {name} AS MATERIALIZED (
        SELECT c.id, greatest(coalesce(ts_rank_cd(c.tsv_id, CAST(:{qi} AS tsquery)), 0),
                              coalesce(ts_rank_cd(c.tsv_en, CAST(:{qe} AS tsquery)), 0)) AS rank
        FROM (SELECT c.id, c.tsv_id, c.tsv_en FROM document_chunks c
              WHERE (c.tsv_id @@ CAST(:{qi} AS tsquery) OR c.tsv_en @@ CAST(:{qe} AS tsquery))
                AND {_CHUNK_ALLOWED}
              LIMIT :cap) c
    ),"""


@functools.cache
def _hybrid_clause(with_vector: bool) -> Any:
    return text(hybrid_sql(with_vector))


@functools.cache
def hybrid_sql(with_vector: bool) -> str:
    vec_leg = f"""
    vec AS MATERIALIZED (
        SELECT c.id, {_DISTANCE} AS dist
        FROM document_chunks c
        WHERE {_CHUNK_ALLOWED}
        ORDER BY {_DISTANCE}
        LIMIT :depth
    ),
    vec_r AS (SELECT id, dist, row_number() OVER (ORDER BY dist, id) AS r FROM vec),""" if with_vector else """
    vec_r AS (SELECT NULL::uuid AS id, NULL::float8 AS dist, NULL::bigint AS r WHERE false),"""
    return f"""
    WITH {_ALLOWED_CTE},{vec_leg}{_fts_leg("fts_all", "qi_and", "qe_and")}{_fts_leg("fts_any", "qi_or", "qe_or")}
    fts AS (
        SELECT id, max(every_word) AS every_word, max(rank) AS rank FROM (
            SELECT id, 1 AS every_word, rank FROM fts_all
            UNION ALL SELECT id, 0, rank FROM fts_any) x
        GROUP BY id
        ORDER BY every_word DESC, rank DESC, id
        LIMIT :depth
    ),
    fts_r AS (SELECT id, rank, row_number() OVER (ORDER BY every_word DESC, rank DESC, id) AS r FROM fts),
    fused AS MATERIALIZED (
        SELECT coalesce(v.id, f.id) AS id, v.dist, f.rank,
               coalesce(1.0 / ({RRF_K} + v.r), 0) + coalesce(1.0 / ({RRF_K} + f.r), 0) AS score
        FROM vec_r v FULL JOIN fts_r f ON f.id = v.id
        ORDER BY score DESC, v.dist NULLS LAST, 1
        LIMIT :limit
    )
    SELECT c.id, c.document_id, d.title, d.filename, c.page, c.ordinal, c.text,
           1 - fused.dist AS similarity, fused.rank, fused.score,
           tsvector_to_array(c.tsv_id) AS lex_id, tsvector_to_array(c.tsv_en) AS lex_en
    FROM fused
    JOIN document_chunks c ON c.id = fused.id
    JOIN documents d ON d.tenant_id = c.tenant_id AND d.id = c.document_id
    ORDER BY fused.score DESC, similarity DESC NULLS LAST, c.id"""


def question_lexemes(s: Reads, question: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The question's words as the two configurations index them (stop words dropped)."""
    row = s.execute(text("SELECT tsvector_to_array(to_tsvector('indonesian', :q)),"
                         " tsvector_to_array(to_tsvector('english', :q))"), {"q": question}).one()
    return tuple(row[0] or ()), tuple(row[1] or ())


VECTOR_SEARCH_SQL = f"""
    WITH {_ALLOWED_CTE}
    SELECT c.id, {_DISTANCE} AS dist
    FROM document_chunks c
    WHERE {_CHUNK_ALLOWED}
    ORDER BY {_DISTANCE}
    LIMIT :k"""
_VECTOR_SEARCH = text(VECTOR_SEARCH_SQL)


def vector_search(s: Reads, reader: Reader, vector: Sequence[float], k: int = 10, *,
                  exact: bool = False, ef_search: int = EF_SEARCH) -> list[tuple[uuid.UUID, float]]:
    """The vector leg alone, with the same access rules: the k nearest chunks and their
    cosine distance. `exact` turns index scans off (a full scan: the reference the
    benchmark compares the HNSW index with)."""
    if ef_search != EF_SEARCH:
        tune_vector_search(s, ef_search)
    if exact:
        s.execute(text("SELECT set_config('enable_indexscan', 'off', true)"))
    rows = s.execute(_VECTOR_SEARCH, {"qv": _vector_literal(vector), "k": k, **reader.params()}).all()
    if exact:
        s.execute(text("SELECT set_config('enable_indexscan', 'on', true)"))
    return [(r[0], float(r[1])) for r in rows]


# --- questions ------------------------------------------------------------------------------------


def add_question(s: Session, **values: Any) -> DocumentQuestion:
    row = DocumentQuestion(**values)
    s.add(row)
    s.flush()
    return row


def questions_of(s: Session, asked_by: str, limit: int) -> list[DocumentQuestion]:
    return list(s.scalars(select(DocumentQuestion).where(DocumentQuestion.asked_by == asked_by)
                          .order_by(DocumentQuestion.created_at.desc(), DocumentQuestion.id).limit(limit)))


def clear_questions(s: Session, asked_by: str) -> int:
    result = s.execute(delete(DocumentQuestion).where(DocumentQuestion.asked_by == asked_by))
    return int(getattr(result, "rowcount", 0) or 0)
