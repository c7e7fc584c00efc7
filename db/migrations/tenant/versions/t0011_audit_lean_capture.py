"""Audit capture at about two thirds of its cost per statement.

Measured with callgrind on PostgreSQL 18, as the runtime role: a single-row UPDATE of an
invoice takes 335k instructions without audit, and the capture added 408k before this
migration, 262k after; a single-row INSERT takes 310k, and the capture added 305k, now 196k.

* The row images are `json` (`to_json`, about 44k instructions for an invoice row)
  instead of `jsonb` (`to_jsonb`, about 70k: it sorts the keys and builds a tree). The
  hash is unchanged: `audit_hash` still hashes the `jsonb` of the values, and a `jsonb`
  value read back from `json` is the same value; rows sealed before keep verifying.
* PostgreSQL re-reads a table's CHECK constraints from their stored text on every
  statement that writes to it (ExecRelCheck), about 65k instructions for the audit log's
  two. The action is now the domain `audit_action`, whose check is compiled once per
  session; "a new audit row is unsealed" joins the restrictive insert policy (also
  compiled once), and `audit_guard` already lets an UPDATE only seal a row, with both its
  sequence number and hash.
* The restrictive policy's owner test is a function, called only when the insert does
  not come from a trigger; as a subquery it was set up for every insert.
* The size test ("fewer than BATCH_ROWS rows", "one row updated") is part of the capture
  statement instead of a query of its own.

Revision ID: t0011
Revises: t0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from db.migrate import revision_module

revision: str = "t0011"
down_revision: str | Sequence[str] | None = "t0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_COLUMNS = ("INSERT INTO @S@.audit_log (tenant_id, actor, action, table_name, row_id, old_values, new_values,"
            " request_id)")


def _image(alias: str, skip: bool) -> str:
    """A row's values as json; on a table with skipped columns (TG_ARGV), without them."""
    return f"(to_jsonb({alias}) - TG_ARGV)::json" if skip else f"to_json({alias})"


def _rows(event: str, skip: bool, where: str = "") -> str:
    """The INSERT writing one audit row per changed row; `where` is the statement's size test."""
    new, old = _image("n", skip), _image("o", skip)
    select = {
        "insert": f"SELECT n.tenant_id, v_actor, 'INSERT', TG_TABLE_NAME, n.id, NULL, {new}, v_request"
                  " FROM audit_new n",
        "delete": f"SELECT o.tenant_id, v_actor, 'DELETE', TG_TABLE_NAME, o.id, {old}, NULL, v_request"
                  " FROM audit_old o",
        # One row (the common case): no join to plan or run. Several: paired by id; a
        # changed id still yields both halves (FULL JOIN).
        "update-one": f"SELECT n.tenant_id, v_actor, 'UPDATE', TG_TABLE_NAME, n.id, {old}, {new}, v_request"
                      " FROM audit_old o CROSS JOIN audit_new n",
        "update-many": f"SELECT coalesce(n.tenant_id, o.tenant_id), v_actor, 'UPDATE', TG_TABLE_NAME,"
                       f" coalesce(n.id, o.id), {old}, {new}, v_request FROM audit_old o FULL JOIN audit_new n"
                       " ON n.id = o.id",
    }[event]
    return f"{_COLUMNS}\n      {select}{' ' + where if where else ''};"


_CAPTURE = """
CREATE OR REPLACE FUNCTION @S@.audit_capture_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'db:' || current_user);
  v_request text := nullif(current_setting('app.request_id', true), '');
  v_sig record;
BEGIN
{body}
  RETURN NULL;
END $$
"""


def _capture_body(event: str, batch: str, batch_rows: int) -> str:
    """What each capture function does, by the statement's size and the table's columns."""
    table = "audit_old" if event == "delete" else "audit_new"
    bulk = f"""      SELECT * INTO v_sig FROM @S@.audit_row_signature(TG_RELID);{batch}"""
    if event == "update":
        return f"""  IF TG_NARGS = 0 THEN
    {_rows("update-one", False, "WHERE NOT EXISTS (SELECT FROM audit_new OFFSET 1)")}
    IF NOT FOUND THEN
      IF EXISTS (SELECT FROM audit_new OFFSET {batch_rows - 1}) THEN
  {bulk}
      ELSE
      {_rows("update-many", False)}
      END IF;
    END IF;
  ELSE
    {_rows("update-one", True, "WHERE NOT EXISTS (SELECT FROM audit_new OFFSET 1)")}
    IF NOT FOUND THEN
      {_rows("update-many", True)}
    END IF;
  END IF;"""
    return f"""  IF TG_NARGS = 0 THEN
    -- Fewer than {batch_rows} rows: one audit row each.
    {_rows(event, False, f"WHERE NOT EXISTS (SELECT FROM {table} OFFSET {batch_rows - 1})")}
    IF NOT FOUND THEN
      -- No rows, or a bulk statement: one batch row per tenant. (Nested, not one condition:
      -- a condition with a subquery runs as a query of its own even when FOUND decides it.)
      IF EXISTS (SELECT FROM {table}) THEN
  {bulk}
      END IF;
    END IF;
  ELSE
    -- Skipped columns (vectors, bytea): one audit row per row, whatever the statement's size.
    {_rows(event, True)}
  END IF;"""


_OWNER = """
CREATE FUNCTION @S@.audit_by_owner() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT current_user = pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
  WHERE c.oid = '@S@.audit_log'::pg_catalog.regclass
$$
"""

# Only the capture triggers (nested: trigger depth > 0) and the owner (audit_expand, inside
# audit_seal) may add audit rows or batches, and an audit row starts unsealed. Superusers
# bypass policies.
_POLICIES = {
    "audit_log": "(pg_catalog.pg_trigger_depth() > 0 OR @S@.audit_by_owner())"
                 " AND chain_seq IS NULL AND prev_hash IS NULL AND hash IS NULL",
    "audit_batch": "pg_catalog.pg_trigger_depth() > 0 OR @S@.audit_by_owner()",
}
_POLICY = "CREATE POLICY audit_append ON @S@.{table} AS RESTRICTIVE FOR INSERT WITH CHECK ({check})"

_ACTIONS = "('INSERT', 'UPDATE', 'DELETE')"

# The values as jsonb in the hash, as before: rows sealed before this migration verify.
_HASH_ARGS = ("old_values jsonb, new_values jsonb", "old_values json, new_values json")
_HASH_VALUES = ("old_values, new_values, request_id)::text", "old_values::jsonb, new_values::jsonb, request_id)::text")
# json has no equality operator: the guard compares the values' text.
_GUARD_VALUES = ("NEW.old_values, NEW.new_values, NEW.request_id)", "NEW.old_values::text, NEW.new_values::text,"
                 " NEW.request_id)")
_GUARD_OLD_VALUES = ("OLD.old_values, OLD.new_values, OLD.request_id)", "OLD.old_values::text, OLD.new_values::text,"
                     " OLD.request_id)")
_EXPAND_IMAGES = ("to_jsonb(o.r), to_jsonb(n.r)", "to_json(o.r), to_json(n.r)")

_HASH_SIGNATURE = "@S@.audit_hash(bytea, bigint, uuid, timestamptz, text, text, text, uuid, {0}, {0}, text)"
_DROP_JSONB_HASH = "DROP FUNCTION " + _HASH_SIGNATURE.format("jsonb")
_DROP_JSON_HASH = "DROP FUNCTION " + _HASH_SIGNATURE.format("json")


def _swap(ddl: str, change: tuple[str, str]) -> str:
    old, new = change
    assert ddl.count(old) == 1, old
    return ddl.replace(old, new).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def upgrade() -> None:
    t0010 = revision_module("tenant", "t0010")
    t0003 = revision_module("tenant", "t0003")

    def run(ddl: str) -> None:
        op.execute(t0003._in_schema(ddl))

    for table in _POLICIES:
        op.execute(f"DROP POLICY audit_append ON {table}")
    op.execute(f"CREATE DOMAIN audit_action AS varchar(6) CONSTRAINT audit_action_known CHECK (VALUE IN {_ACTIONS})")
    op.execute("ALTER TABLE audit_log DROP CONSTRAINT ck_audit_log_action, DROP CONSTRAINT ck_audit_log_sealed,"
               " ALTER COLUMN action TYPE audit_action,"
               " ALTER COLUMN old_values TYPE json USING old_values::json,"
               " ALTER COLUMN new_values TYPE json USING new_values::json")
    op.execute("ALTER TABLE audit_batch DROP CONSTRAINT ck_audit_batch_action, ALTER COLUMN action TYPE audit_action")
    run(_DROP_JSONB_HASH)
    run(_swap(_swap(t0003._HASH, _HASH_ARGS), _HASH_VALUES))
    run(_swap(_swap(t0003._GUARD, _GUARD_VALUES), _GUARD_OLD_VALUES))
    run(_swap(t0010._EXPAND, _EXPAND_IMAGES))
    run(_OWNER)
    for table, check in _POLICIES.items():
        run(_POLICY.format(table=table, check=check))
    for event, (_, batch) in t0010._BATCHES.items():
        run(_CAPTURE.format(event=event, body=_capture_body(event, batch, t0010.BATCH_ROWS)))


def downgrade() -> None:
    t0010 = revision_module("tenant", "t0010")
    t0003 = revision_module("tenant", "t0003")

    def run(ddl: str) -> None:
        op.execute(t0003._in_schema(ddl))

    for event, (probe, batch) in t0010._BATCHES.items():
        run(t0010._CAPTURE.format(event=event, probe=probe, rows=t0010.BATCH_ROWS, batch=batch,
                                  rows_body=t0003.row_capture_body(event, "v_rows = 1")))
    for table in _POLICIES:
        op.execute(f"DROP POLICY audit_append ON {table}")
        run(t0010._APPEND_POLICY.format(table=table))
    op.execute("DROP FUNCTION audit_by_owner()")
    run(t0010._or_replace(t0010._EXPAND))
    run(t0010._or_replace(t0003._GUARD))
    run(_DROP_JSON_HASH)
    run(t0003._HASH)
    op.execute("ALTER TABLE audit_batch ALTER COLUMN action TYPE varchar(6),"
               f" ADD CONSTRAINT ck_audit_batch_action CHECK (action IN {_ACTIONS})")
    op.execute("ALTER TABLE audit_log ALTER COLUMN action TYPE varchar(6),"
               " ALTER COLUMN old_values TYPE jsonb USING old_values::jsonb,"
               " ALTER COLUMN new_values TYPE jsonb USING new_values::jsonb,"
               f" ADD CONSTRAINT ck_audit_log_action CHECK (action IN {_ACTIONS}),"
               " ADD CONSTRAINT ck_audit_log_sealed CHECK ((chain_seq IS NULL) = (hash IS NULL))")
    op.execute("DROP DOMAIN audit_action")
