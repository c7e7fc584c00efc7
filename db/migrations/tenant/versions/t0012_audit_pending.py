"""Audit rows wait in `audit_pending` until sealed; `audit_log` holds sealed rows only.

A capture statement used to insert its audit row into `audit_log`, which carries four
indexes (the key, the sealer's queue of pending rows, the chain's unique index, a BRIN on
the time); the sealer then updated the row with its place in the chain. Each index costs
an audited statement about 8k-15k instructions even when it takes no entry (opened,
locked, its predicate compiled). Now the capture writes to `audit_pending`, whose only
index is its key `(tenant_id, id)`, also the sealer's order; `audit_seal` moves the rows
into `audit_log` with their sequence number and hash, in one transaction. Measured with
callgrind as the runtime role: the capture of a single-row UPDATE of an invoice costs
about 231k instructions instead of 269k, of an INSERT about 162k instead of 197k (the
statements themselves: 331k and 310k).

* Both tables take their ids from the audit log's sequence, and a row keeps its id when it
  is sealed: a link to a pending row still finds it afterwards.
* `audit_log` is written only by its owner (the sealer, SECURITY DEFINER; a tier move's
  copy), every row sealed. `audit_guard` refuses every UPDATE and DELETE of it now: there
  is no sealing update any more.
* The runtime role may read and add pending rows (from a capture trigger only, the
  restrictive policy), never change or remove them: the sealer, as the owner, removes the
  rows it moved.

Revision ID: t0012
Revises: t0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from db.migrate import revision_module
from db.rls import enable_tenant_rls

revision: str = "t0012"
down_revision: str | Sequence[str] | None = "t0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_PENDING = """
CREATE TABLE audit_pending (
  id bigint NOT NULL DEFAULT nextval('audit_log_id_seq'::regclass),
  tenant_id uuid NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT statement_timestamp(),
  actor text NOT NULL,
  action audit_action NOT NULL,
  table_name text NOT NULL,
  row_id uuid,
  old_values json,
  new_values json,
  request_id text,
  CONSTRAINT pk_audit_pending PRIMARY KEY (tenant_id, id)
)
"""
_VALUES = "id, tenant_id, occurred_at, actor, action, table_name, row_id, old_values, new_values, request_id"

_SEAL = """
CREATE OR REPLACE FUNCTION @S@.audit_seal(p_tenant uuid, p_limit integer DEFAULT 5000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_seq bigint;
  v_prev bytea;
  v_hash bytea;
  v_ids bigint[] := '{}';
  r record;
BEGIN
  IF p_tenant IS DISTINCT FROM nullif(current_setting('app.tenant_id', true), '')::uuid THEN
    RAISE EXCEPTION 'audit_seal: a tenant''s audit rows are sealed in its own context (app.tenant_id)'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('bos:audit-chain:' || p_tenant::text, 0));
  PERFORM @S@.audit_expand(p_tenant);
  SELECT chain_seq, hash INTO v_seq, v_prev FROM @S@.audit_log
    WHERE tenant_id = p_tenant ORDER BY chain_seq DESC LIMIT 1;
  v_seq := coalesce(v_seq, 0);
  FOR r IN SELECT * FROM @S@.audit_pending WHERE tenant_id = p_tenant ORDER BY id LIMIT p_limit FOR UPDATE
  LOOP
    v_seq := v_seq + 1;
    v_hash := @S@.audit_hash(v_prev, v_seq, r.tenant_id, r.occurred_at, r.actor, r.action, r.table_name,
                             r.row_id, r.old_values, r.new_values, r.request_id);
    INSERT INTO @S@.audit_log (id, tenant_id, occurred_at, actor, action, table_name, row_id, old_values,
                               new_values, request_id, chain_seq, prev_hash, hash)
      VALUES (r.id, r.tenant_id, r.occurred_at, r.actor, r.action, r.table_name, r.row_id, r.old_values,
              r.new_values, r.request_id, v_seq, v_prev, v_hash);
    v_prev := v_hash;
    v_ids := v_ids || r.id;
  END LOOP;
  DELETE FROM @S@.audit_pending WHERE tenant_id = p_tenant AND id = ANY (v_ids);
  RETURN cardinality(v_ids);
END $$
"""

_GUARD = """
CREATE OR REPLACE FUNCTION @S@.audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' is not allowed',
    ERRCODE = 'insufficient_privilege';
END $$
"""

_PENDING_TRIGGERS = """
CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON @S@.audit_pending
  FOR EACH STATEMENT EXECUTE FUNCTION @S@.audit_guard();
CREATE TRIGGER audit_pending_no_truncate BEFORE TRUNCATE ON @S@.audit_pending
  FOR EACH STATEMENT EXECUTE FUNCTION @S@.audit_guard()
"""

# Pending rows come from the capture triggers and from audit_expand (the owner, inside
# audit_seal); the log's rows only from the owner, sealed. Superusers bypass policies.
_PENDING_POLICY = ("CREATE POLICY audit_append ON @S@.audit_pending AS RESTRICTIVE FOR INSERT"
                   " WITH CHECK (pg_catalog.pg_trigger_depth() > 0 OR @S@.audit_by_owner())")
_LOG_POLICY = ("CREATE POLICY audit_append ON @S@.audit_log AS RESTRICTIVE FOR INSERT"
               " WITH CHECK (@S@.audit_by_owner())")

_INTO_LOG = "INSERT INTO @S@.audit_log ("
_INTO_PENDING = "INSERT INTO @S@.audit_pending ("
_UNAUDITED = ("('audit_log', 'audit_batch', 'alembic_version')",
              "('audit_log', 'audit_batch', 'audit_pending', 'alembic_version')")


def _replaced(ddl: str, old: str, new: str) -> str:
    assert old in ddl, old
    return ddl.replace(old, new).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def _functions(pending: bool) -> list[str]:
    """The capture functions, audit_expand and audit_install_triggers: as t0011 left them,
    or (`pending`) writing to audit_pending and leaving it unaudited."""
    t0003 = revision_module("tenant", "t0003")
    t0010 = revision_module("tenant", "t0010")
    t0011 = revision_module("tenant", "t0011")
    ddl = [t0011._CAPTURE.format(event=event, body=t0011._capture_body(event, batch, t0010.BATCH_ROWS))
           for event, (_, batch) in t0010._BATCHES.items()]
    ddl.append(t0011._swap(t0010._EXPAND, t0011._EXPAND_IMAGES))
    if pending:
        ddl = [_replaced(d, _INTO_LOG, _INTO_PENDING) for d in ddl]
    ddl.append(t0010._replaced(t0003._INSTALL, t0010._INSTALL_CHANGE))
    if pending:
        ddl[-1] = _replaced(ddl[-1], *_UNAUDITED)
    return ddl


def upgrade() -> None:
    t0003 = revision_module("tenant", "t0003")

    def run(ddl: str) -> None:
        op.execute(t0003._in_schema(ddl))

    # Filled before its row security is on: the migration's role sees every tenant's rows.
    op.execute(_PENDING)
    op.execute("ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY, DISABLE TRIGGER audit_log_append_only")
    op.execute(f"INSERT INTO audit_pending ({_VALUES}) SELECT {_VALUES} FROM audit_log WHERE chain_seq IS NULL")
    op.execute("DELETE FROM audit_log WHERE chain_seq IS NULL")
    op.execute("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY, ENABLE TRIGGER audit_log_append_only")
    enable_tenant_rls("audit_pending")

    op.execute("DROP INDEX ix_audit_log_pending")
    op.execute("DROP INDEX uq_audit_log_tenant_id_chain_seq")
    op.execute("CREATE UNIQUE INDEX uq_audit_log_tenant_id_chain_seq ON audit_log (tenant_id, chain_seq)")
    op.execute("ALTER TABLE audit_log ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL")
    op.execute("DROP POLICY audit_append ON audit_log")
    run(_LOG_POLICY)
    run(_PENDING_POLICY)
    run(_GUARD)
    run(_PENDING_TRIGGERS)
    for ddl in _functions(pending=True):
        run(ddl)
    run(_SEAL)


def downgrade() -> None:
    t0003 = revision_module("tenant", "t0003")
    t0010 = revision_module("tenant", "t0010")
    t0011 = revision_module("tenant", "t0011")

    def run(ddl: str) -> None:
        op.execute(t0003._in_schema(ddl))

    for ddl in _functions(pending=False):
        run(ddl)
    run(t0010._replaced(t0003._SEAL, t0010._SEAL_CHANGE))
    run(t0011._swap(t0011._swap(t0003._GUARD, t0011._GUARD_VALUES), t0011._GUARD_OLD_VALUES))
    op.execute("DROP POLICY audit_append ON audit_log")
    run(t0011._POLICY.format(table="audit_log", check=t0011._POLICIES["audit_log"]))
    op.execute("ALTER TABLE audit_log ALTER COLUMN chain_seq DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL")
    op.execute("DROP INDEX uq_audit_log_tenant_id_chain_seq")
    op.execute("CREATE UNIQUE INDEX uq_audit_log_tenant_id_chain_seq ON audit_log (tenant_id, chain_seq)"
               " WHERE chain_seq IS NOT NULL")
    op.execute("CREATE INDEX ix_audit_log_pending ON audit_log (tenant_id, id) WHERE chain_seq IS NULL")
    op.execute("ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY")
    op.execute(f"INSERT INTO audit_log ({_VALUES}) SELECT {_VALUES} FROM audit_pending ORDER BY id")
    op.execute("ALTER TABLE audit_log FORCE ROW LEVEL SECURITY")
    op.execute("DROP TABLE audit_pending")
