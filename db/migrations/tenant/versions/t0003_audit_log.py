"""Audit log: the table, its hash chain, and capture triggers on every tenant table.

Every tenant table gets three statement-level AFTER triggers (INSERT, UPDATE, DELETE)
with transition tables, so a bulk statement writes its audit rows in one INSERT ... SELECT.
The writers never touch the chain: `audit_seal(tenant)` (SECURITY DEFINER, run by a job
shortly after the write and by `bos audit verify`) numbers the tenant's pending rows in
seal order and chains them with `audit_hash`, under an advisory lock per tenant, so
concurrent writers never race for the previous hash. The app role may only SELECT and
INSERT (grants, see db.migrate.APPEND_ONLY_TABLES); `audit_guard` refuses direct inserts,
every UPDATE except the sealing of a not-yet-sealed row, every DELETE and TRUNCATE.

The functions are created in the target's schema (`public`, or `t_<slug>`) and name the
audit table schema-qualified (a caller's search_path, or a temporary table called
audit_log, cannot divert audit rows). The schema is taken from `current_schema()` when the
DDL runs, inside DO blocks, so the migration's SQL is the same for every target and can be
rendered once (see db.migrate.static_upgrade_sql). `audit_install_triggers(schema)` runs
after every migration of a target (db.migrate), so a table added by a later migration is
audited without anyone remembering to.

Revision ID: t0003
Revises: t0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from db.base import CURRENT_TENANT_SQL
from db.rls import enable_tenant_rls

revision: str = "t0003"
down_revision: str | Sequence[str] | None = "t0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _in_schema(ddl: str) -> str:
    """`ddl` run in the target's schema: `@S@` becomes the quoted current_schema().

    The SQL holds no percent sign: rendered offline, text with one comes out doubled."""
    assert "%" not in ddl
    return ("DO $bos_audit$ BEGIN EXECUTE replace($bos_ddl$" + ddl
            + "$bos_ddl$, '@S@', quote_ident(current_schema())); END $bos_audit$")


_CAPTURE = """
CREATE FUNCTION @S@.audit_capture_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_skip text[] := coalesce(TG_ARGV, '{{}}'::text[]);
  v_actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'db:' || current_user);
  v_request text := nullif(current_setting('app.request_id', true), '');
BEGIN
{body}
  RETURN NULL;
END $$
"""
_INSERT = """
  INSERT INTO @S@.audit_log (tenant_id, actor, action, table_name, row_id, old_values, new_values, request_id)
  {select};"""

_SELECTS = {
    "insert": "SELECT n.tenant_id, v_actor, 'INSERT', TG_TABLE_NAME, n.id, NULL, to_jsonb(n) - v_skip, v_request"
              " FROM audit_new n",
    # One row updated (the common case): no join to plan or run. Several: paired by id; a
    # changed id still yields both halves (FULL JOIN).
    "update": "SELECT coalesce(n.tenant_id, o.tenant_id), v_actor, 'UPDATE', TG_TABLE_NAME, coalesce(n.id, o.id),"
              " to_jsonb(o) - v_skip, to_jsonb(n) - v_skip, v_request"
              " FROM audit_old o {join} audit_new n {on}",
    "delete": "SELECT o.tenant_id, v_actor, 'DELETE', TG_TABLE_NAME, o.id, to_jsonb(o) - v_skip, NULL, v_request"
              " FROM audit_old o",
}

# The one definition of a row's hash, used by the sealer and by the verifier: the row's
# content as a JSON array (unambiguous, canonical text), the time in UTC microseconds. The
# bigint id is left out, so a tier move may renumber rows without breaking the chain.
_HASH = """
CREATE FUNCTION @S@.audit_hash(prev bytea, seq bigint, tenant uuid, occurred timestamptz, actor text, action text,
                               table_name text, row_id uuid, old_values jsonb, new_values jsonb, request_id text)
RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.sha256(coalesce(prev, ''::bytea) || pg_catalog.convert_to(pg_catalog.jsonb_build_array(
           seq, tenant, pg_catalog.to_char(occurred AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           actor, action, table_name, row_id, old_values, new_values, request_id)::text, 'UTF8'))
$$
"""

_SEAL = """
CREATE FUNCTION @S@.audit_seal(p_tenant uuid, p_limit integer DEFAULT 5000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_seq bigint;
  v_prev bytea;
  v_hash bytea;
  v_count integer := 0;
  r record;
BEGIN
  IF p_tenant IS DISTINCT FROM nullif(current_setting('app.tenant_id', true), '')::uuid THEN
    RAISE EXCEPTION 'audit_seal: a tenant''s audit rows are sealed in its own context (app.tenant_id)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('bos:audit-chain:' || p_tenant::text, 0));
  SELECT chain_seq, hash INTO v_seq, v_prev FROM @S@.audit_log
    WHERE tenant_id = p_tenant AND chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0);
  FOR r IN SELECT * FROM @S@.audit_log WHERE tenant_id = p_tenant AND chain_seq IS NULL
           ORDER BY id LIMIT p_limit FOR UPDATE
  LOOP
    v_seq := v_seq + 1;
    v_hash := @S@.audit_hash(v_prev, v_seq, r.tenant_id, r.occurred_at, r.actor, r.action, r.table_name,
                             r.row_id, r.old_values, r.new_values, r.request_id);
    UPDATE @S@.audit_log SET chain_seq = v_seq, prev_hash = v_prev, hash = v_hash WHERE id = r.id;
    v_prev := v_hash;
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END $$
"""

_GUARD = """
CREATE FUNCTION @S@.audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- Statement level: only an audit trigger (nested, depth >= 2) writes audit rows.
    IF pg_trigger_depth() >= 2 THEN
      RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit rows are written by the audit triggers only' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.chain_seq IS NOT NULL AND NEW.hash IS NOT NULL
     AND (NEW.id, NEW.tenant_id, NEW.occurred_at, NEW.actor, NEW.action, NEW.table_name, NEW.row_id,
          NEW.old_values, NEW.new_values, NEW.request_id)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.tenant_id, OLD.occurred_at, OLD.actor, OLD.action, OLD.table_name, OLD.row_id,
          OLD.old_values, OLD.new_values, OLD.request_id)
  THEN
    RETURN NEW;  -- sealing: the chain columns of a pending row, nothing else
  END IF;
  RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' is not allowed',
    ERRCODE = 'insufficient_privilege';
END $$
"""

_INSTALL = """
CREATE FUNCTION @S@.audit_install_triggers(p_schema text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  ev record;
  v_skip text[];
  v_have text[];
  v_args text;
  v_table text;
  v_tg record;
  v_count integer := 0;
BEGIN
  FOR r IN
    SELECT c.oid, c.relname FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = p_schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname NOT IN ('audit_log', 'alembic_version')
      AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid
                  AND a.attname = 'tenant_id' AND NOT a.attisdropped)
    ORDER BY c.relname
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = r.oid AND a.attname = 'id'
                   AND a.atttypid = 'uuid'::regtype AND NOT a.attisdropped) THEN
      RAISE EXCEPTION USING MESSAGE = 'table ' || quote_ident(p_schema) || '.' || quote_ident(r.relname)
        || ' has tenant_id but no uuid "id" column, which the audit triggers need';
    END IF;
    -- Derived or binary columns (embeddings, search vectors, file bytes) stay out of the values:
    -- their names are the triggers' arguments (TG_ARGV), removed from each row's jsonb.
    SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}') INTO v_skip
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
        AND t.typname IN ('vector', 'halfvec', 'sparsevec', 'tsvector', 'bytea');
    v_args := coalesce((SELECT string_agg(quote_literal(x), ', ') FROM unnest(v_skip) x), '');
    v_table := quote_ident(p_schema) || '.' || quote_ident(r.relname);
    FOR ev IN SELECT * FROM (VALUES
        ('insert', 'INSERT', 'REFERENCING NEW TABLE AS audit_new'),
        ('update', 'UPDATE', 'REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new'),
        ('delete', 'DELETE', 'REFERENCING OLD TABLE AS audit_old')) AS e(name, event, ref)
    LOOP
      SELECT tgnargs, tgargs INTO v_tg FROM pg_catalog.pg_trigger
        WHERE tgrelid = r.oid AND tgname = 'audit_' || ev.name;
      IF FOUND THEN
        v_have := CASE WHEN v_tg.tgnargs = 0 THEN '{}'::text[]
                  ELSE (string_to_array(encode(v_tg.tgargs, 'escape'), '\\000'))[1:v_tg.tgnargs] END;
        CONTINUE WHEN v_have = v_skip;
        EXECUTE 'DROP TRIGGER ' || quote_ident('audit_' || ev.name) || ' ON ' || v_table;
      END IF;
      EXECUTE 'CREATE TRIGGER ' || quote_ident('audit_' || ev.name) || ' AFTER ' || ev.event || ' ON ' || v_table
        || ' ' || ev.ref || ' FOR EACH STATEMENT EXECUTE FUNCTION ' || quote_ident(p_schema) || '.'
        || quote_ident('audit_capture_' || ev.name) || '(' || v_args || ')';
      v_count := v_count + 1;
    END LOOP;
  END LOOP;
  RETURN v_count;
END $$
"""

_TRIGGERS = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON @S@.audit_log
  FOR EACH ROW EXECUTE FUNCTION @S@.audit_guard();
CREATE TRIGGER audit_log_no_direct_insert BEFORE INSERT ON @S@.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION @S@.audit_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON @S@.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION @S@.audit_guard();
REVOKE EXECUTE ON FUNCTION @S@.audit_install_triggers(text) FROM PUBLIC
"""


def row_capture_body(event: str, one_row: str = "(SELECT count(*) FROM audit_new) = 1") -> str:
    """The capture function's statements that write one audit row per changed row
    (`one_row`: the test for an update of a single row)."""
    select = _SELECTS[event]
    if event != "update":
        return _INSERT.format(select=select)
    return "\n".join((
        f"  IF {one_row} THEN",
        _INSERT.format(select=select.format(join="CROSS JOIN", on="")),
        "  ELSE",
        _INSERT.format(select=select.format(join="FULL JOIN", on="ON n.id = o.id")),
        "  END IF;",
    ))


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False, server_default=sa.text(CURRENT_TENANT_SQL)),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("statement_timestamp()")),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(6), nullable=False),
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("row_id", UUID(as_uuid=True)),
        sa.Column("old_values", JSONB),
        sa.Column("new_values", JSONB),
        sa.Column("request_id", sa.Text),
        sa.Column("chain_seq", sa.BigInteger),
        sa.Column("prev_hash", sa.LargeBinary),
        sa.Column("hash", sa.LargeBinary),
        sa.CheckConstraint("action IN ('INSERT', 'UPDATE', 'DELETE')", name="ck_audit_log_action"),
        sa.CheckConstraint("(chain_seq IS NULL) = (hash IS NULL)", name="ck_audit_log_sealed"),
    )
    # Writers maintain two b-trees (the key, the sealer's queue of pending rows) and a BRIN
    # on the time, which costs next to nothing per row. The chain's index (also the
    # viewer's order, newest first) only changes when rows are sealed.
    op.create_index("uq_audit_log_tenant_id_chain_seq", "audit_log", ["tenant_id", "chain_seq"], unique=True,
                    postgresql_where=sa.text("chain_seq IS NOT NULL"))
    op.create_index("ix_audit_log_pending", "audit_log", ["tenant_id", "id"],
                    postgresql_where=sa.text("chain_seq IS NULL"))
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"], postgresql_using="brin")
    enable_tenant_rls("audit_log")
    for event in _SELECTS:
        op.execute(_in_schema(_CAPTURE.format(event=event, body=row_capture_body(event))))
    for ddl in (_HASH, _SEAL, _GUARD, _INSTALL, _TRIGGERS):
        op.execute(_in_schema(ddl))
    op.execute("SELECT audit_install_triggers(current_schema())")


def downgrade() -> None:
    # CASCADE takes the capture triggers on every table with their functions.
    for event in ("insert", "update", "delete"):
        op.execute(f"DROP FUNCTION IF EXISTS audit_capture_{event}() CASCADE")
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_guard()")
    op.execute("DROP FUNCTION IF EXISTS audit_install_triggers(text)")
    op.execute("DROP FUNCTION IF EXISTS audit_seal(uuid, integer)")
    op.execute("DROP FUNCTION IF EXISTS audit_hash(bytea, bigint, uuid, timestamptz, text, text, text, uuid, jsonb,"
               " jsonb, text)")
