"""A bulk statement's audit capture: one row per statement, expanded by the sealer.

With t0003 alone, every changed row's values are turned into jsonb and stored as an audit
row inside the writer's statement; for a 100k-row import that is most of the audit's
cost. Now a statement that changes at least BATCH_ROWS rows of a table writes one
`audit_batch` row instead: each changed row as the text of its record (the cheapest
serialisation the server has), with what decoding needs later: the row type's columns
and types at capture, and the session's date, interval and time zone settings the text
was written with. `audit_seal` first expands the tenant's batches into ordinary audit
rows, with the values the per-row path would have written, then chains them as before.
Smaller statements, and tables with skipped columns (vectors, bytea), keep the per-row
path, so an edit is on the audit page at once; a bulk import's rows appear once sealed
(the job runs every few seconds; `bos audit verify` and a move seal first).

A batch is decoded with the table's row type when its columns are unchanged, else with a
temporary type built from the columns it recorded (a migration ran between capture and
seal). The runtime role can only append batches, through the capture triggers (a
restrictive policy on both tables, which replaces t0003's statement trigger against direct
inserts); `audit_expand` runs as the owner, from `audit_seal`, and deletes each batch it
expanded.

Revision ID: t0010
Revises: t0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from db.migrate import revision_module
from db.rls import enable_tenant_rls

revision: str = "t0010"
down_revision: str | Sequence[str] | None = "t0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_ROWS = 64


_SIGNATURE = """
CREATE FUNCTION @S@.audit_row_signature(p_table oid, OUT columns text[], OUT types text[])
LANGUAGE sql STABLE AS $$
  SELECT array_agg(a.attname::text ORDER BY a.attnum),
         array_agg(a.atttypid::text || ':' || a.atttypmod ORDER BY a.attnum)
  FROM pg_catalog.pg_attribute a WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
$$
"""

_SETTINGS = "ARRAY[current_setting('DateStyle'), current_setting('IntervalStyle'), current_setting('TimeZone')]"
_BATCH_INSERT = ("INSERT INTO @S@.audit_batch (tenant_id, actor, action, table_name, request_id, columns, types,"
                 " settings, old_rows, new_rows)")
_BATCHES = {
    "insert": ("audit_new", f"""
    {_BATCH_INSERT}
      SELECT n.tenant_id, v_actor, 'INSERT', TG_TABLE_NAME, v_request, v_sig.columns, v_sig.types, {_SETTINGS},
             NULL, array_agg(n::text)
      FROM audit_new n GROUP BY n.tenant_id;"""),
    "update": ("audit_new", f"""
    {_BATCH_INSERT}
      SELECT t.tenant_id, v_actor, 'UPDATE', TG_TABLE_NAME, v_request, v_sig.columns, v_sig.types, {_SETTINGS},
             (SELECT array_agg(o::text) FROM audit_old o WHERE o.tenant_id = t.tenant_id),
             (SELECT array_agg(n::text) FROM audit_new n WHERE n.tenant_id = t.tenant_id)
      FROM (SELECT tenant_id FROM audit_new UNION SELECT tenant_id FROM audit_old) t;"""),
    "delete": ("audit_old", f"""
    {_BATCH_INSERT}
      SELECT o.tenant_id, v_actor, 'DELETE', TG_TABLE_NAME, v_request, v_sig.columns, v_sig.types, {_SETTINGS},
             array_agg(o::text), NULL
      FROM audit_old o GROUP BY o.tenant_id;"""),
}

_CAPTURE = """
CREATE OR REPLACE FUNCTION @S@.audit_capture_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_skip text[] := coalesce(TG_ARGV, '{{}}'::text[]);
  v_actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'db:' || current_user);
  v_request text := nullif(current_setting('app.request_id', true), '');
  v_sig record;
  v_rows bigint := (SELECT count(*) FROM (SELECT FROM {probe} LIMIT {rows}) f);
BEGIN
  -- A bulk statement on a table without skipped columns: one batch row per tenant.
  IF TG_NARGS = 0 AND v_rows = {rows} THEN
    SELECT * INTO v_sig FROM @S@.audit_row_signature(TG_RELID);{batch}
  ELSE
{rows_body}
  END IF;
  RETURN NULL;
END $$
"""

_EXPAND = """
CREATE FUNCTION @S@.audit_expand(p_tenant uuid) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  b record;
  v_now record;
  v_type text;
  v_temporary boolean;
  v_saved text[];
  v_rows integer;
  v_count integer := 0;
BEGIN
  FOR b IN SELECT * FROM @S@.audit_batch WHERE p_tenant IS NULL OR tenant_id = p_tenant ORDER BY id FOR UPDATE
  LOOP
    SELECT * INTO v_now FROM @S@.audit_row_signature(
      coalesce(pg_catalog.to_regclass('@S@.' || quote_ident(b.table_name))::oid, 0));
    v_temporary := v_now.columns IS DISTINCT FROM b.columns OR v_now.types IS DISTINCT FROM b.types;
    IF v_temporary THEN
      -- The table changed (or went) since the capture: decode with the columns recorded then.
      v_type := 'pg_temp.' || quote_ident('audit_batch_' || b.id);
      EXECUTE 'CREATE TYPE ' || v_type || ' AS (' || (
        SELECT string_agg(quote_ident(u.c) || ' ' || pg_catalog.format_type(split_part(u.t, ':', 1)::oid,
                                                                            split_part(u.t, ':', 2)::integer),
                          ', ' ORDER BY u.i)
        FROM unnest(b.columns, b.types) WITH ORDINALITY AS u(c, t, i)) || ')';
    ELSE
      v_type := '@S@.' || quote_ident(b.table_name);
    END IF;
    -- The rows' text is read back, and their jsonb written, with the writer's settings.
    v_saved := ARRAY[current_setting('DateStyle'), current_setting('IntervalStyle'), current_setting('TimeZone')];
    PERFORM set_config('DateStyle', b.settings[1], true), set_config('IntervalStyle', b.settings[2], true),
            set_config('TimeZone', b.settings[3], true);
    EXECUTE 'INSERT INTO @S@.audit_log (tenant_id, occurred_at, actor, action, table_name, row_id,'
      ' old_values, new_values, request_id)'
      ' SELECT $1, $2, $3, $4, $5, coalesce((n.r).id, (o.r).id), to_jsonb(o.r), to_jsonb(n.r), $6'
      ' FROM (SELECT u.x::' || v_type || ' AS r, u.i FROM unnest($7) WITH ORDINALITY AS u(x, i)) o'
      ' FULL JOIN (SELECT u.x::' || v_type || ' AS r, u.i FROM unnest($8) WITH ORDINALITY AS u(x, i)) n'
      ' ON (o.r).id = (n.r).id ORDER BY coalesce(n.i, o.i)'
      USING b.tenant_id, b.occurred_at, b.actor, b.action, b.table_name, b.request_id, b.old_rows, b.new_rows;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    PERFORM set_config('DateStyle', v_saved[1], true), set_config('IntervalStyle', v_saved[2], true),
            set_config('TimeZone', v_saved[3], true);
    IF v_temporary THEN
      EXECUTE 'DROP TYPE ' || v_type;
    END IF;
    DELETE FROM @S@.audit_batch WHERE id = b.id;
    v_count := v_count + v_rows;
  END LOOP;
  RETURN v_count;
END $$;
REVOKE EXECUTE ON FUNCTION @S@.audit_expand(uuid) FROM PUBLIC
"""

# Only the capture triggers (nested: trigger depth > 0) and the owner (audit_expand, inside
# audit_seal) may add audit rows or batches. A restrictive policy checks it per row, for
# much less than the statement trigger t0003 used on the audit log; superusers bypass it.
_APPEND_POLICY = """
CREATE POLICY audit_append ON @S@.{table} AS RESTRICTIVE FOR INSERT
  WITH CHECK (pg_catalog.pg_trigger_depth() > 0 OR current_user = (
    SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c WHERE c.oid = '@S@.{table}'::regclass))
"""
_AUDIT_TABLES = ("audit_log", "audit_batch")

# What t0010 changes in t0003's functions: (old text, new text).
_SEAL_LOCK = "PERFORM pg_advisory_xact_lock(hashtextextended('bos:audit-chain:' || p_tenant::text, 0));"
_SEAL_CHANGE = (_SEAL_LOCK, _SEAL_LOCK + "\n  PERFORM @S@.audit_expand(p_tenant);")
_INSTALL_CHANGE = ("('audit_log', 'alembic_version')", "('audit_log', 'audit_batch', 'alembic_version')")


def _or_replace(ddl: str) -> str:
    return ddl.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def _replaced(ddl: str, change: tuple[str, str]) -> str:
    old, new = change
    assert ddl.count(old) == 1, old
    return _or_replace(ddl.replace(old, new))


def upgrade() -> None:
    t0003 = revision_module("tenant", "t0003")
    op.create_table(
        "audit_batch",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.text("statement_timestamp()")),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(6), nullable=False),
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text),
        sa.Column("columns", ARRAY(sa.Text), nullable=False),
        sa.Column("types", ARRAY(sa.Text), nullable=False),
        sa.Column("settings", ARRAY(sa.Text), nullable=False),
        sa.Column("old_rows", ARRAY(sa.Text)),
        sa.Column("new_rows", ARRAY(sa.Text)),
        sa.CheckConstraint("action IN ('INSERT', 'UPDATE', 'DELETE')", name="ck_audit_batch_action"),
    )
    op.create_index("ix_audit_batch_tenant_id_id", "audit_batch", ["tenant_id", "id"])
    # The rows are read once, within seconds, then deleted: compressing them costs more than it saves.
    op.execute("ALTER TABLE audit_batch ALTER COLUMN old_rows SET STORAGE EXTERNAL,"
               " ALTER COLUMN new_rows SET STORAGE EXTERNAL")
    enable_tenant_rls("audit_batch")
    op.execute("DROP TRIGGER audit_log_no_direct_insert ON audit_log")
    for table in _AUDIT_TABLES:
        op.execute(t0003._in_schema(_APPEND_POLICY.format(table=table)))
    for ddl in (_SIGNATURE, _EXPAND, _replaced(t0003._SEAL, _SEAL_CHANGE), _replaced(t0003._INSTALL, _INSTALL_CHANGE)):
        op.execute(t0003._in_schema(ddl))
    for event, (probe, batch) in _BATCHES.items():
        op.execute(t0003._in_schema(_CAPTURE.format(event=event, probe=probe, rows=BATCH_ROWS, batch=batch,
                                                    rows_body=t0003.row_capture_body(event, "v_rows = 1"))))


def downgrade() -> None:
    t0003 = revision_module("tenant", "t0003")
    op.execute("SELECT audit_expand(NULL)")  # pending batches become audit rows first
    for event in _BATCHES:
        op.execute(t0003._in_schema(_or_replace(t0003._CAPTURE.format(event=event,
                                                                      body=t0003.row_capture_body(event)))))
    for ddl in (t0003._SEAL, t0003._INSTALL):
        op.execute(t0003._in_schema(_or_replace(ddl)))
    op.drop_table("audit_batch")
    op.execute("DROP POLICY audit_append ON audit_log")
    op.execute(t0003._in_schema("CREATE TRIGGER audit_log_no_direct_insert BEFORE INSERT ON @S@.audit_log"
                                " FOR EACH STATEMENT EXECUTE FUNCTION @S@.audit_guard()"))
    op.execute("DROP FUNCTION audit_expand(uuid)")
    op.execute("DROP FUNCTION audit_row_signature(oid)")
