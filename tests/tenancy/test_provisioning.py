"""Provisioning through the CLI and the service: bad input changes nothing, a failure
halfway leaves a failed tenant and no storage, a retry succeeds; the residency report."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from core.cli import app
from core.errors import Conflict, ValidationFailed
from core.tenancy.provisioning import NewTenant, create_tenant
from core.tenancy.registry import get_tenant, list_tenants
from core.tenancy.schema_sync import read_revisions, tenant_target
from db.bootstrap import libpq_url
from db.embedded import free_port
from db.migrate import head
from db.topology import Topology, with_database

runner = CliRunner()


def _admin(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=True)


def _footprint(topology: Topology) -> tuple[Any, ...]:
    """Everything provisioning could leave behind: registry rows, schemas, databases."""
    registry = sorted((t.slug, t.status, t.tier, t.region, str(t.id)) for t in list_tenants())
    schemas, databases = {}, {}
    for region in topology.regions:
        with _admin(topology.shared_url(region, admin=True)) as conn:
            schemas[region] = sorted(r[0] for r in conn.execute("SELECT nspname FROM pg_namespace"))
            databases[region] = sorted(r[0] for r in conn.execute("SELECT datname FROM pg_database"))
    return registry, schemas, databases


def _create_args(name: str = "PT Contoh", slug: str = "prov-new", region: str = "global",
                 tier: str = "schema", url: str | None = None) -> list[str]:
    args = ["tenants", "create", "--name", name, "--slug", slug, "--region", region, "--tier", tier]
    return [*args, "--url", url] if url else args


BAD_INPUT = [
    pytest.param({"region": "mars"}, "region", "unknown region 'mars'", id="unknown-region"),
    pytest.param({"tier": "platinum"}, "tier", "unknown tier 'platinum'", id="unknown-tier"),
    pytest.param({"slug": "Bad_Slug"}, "slug", "'Bad_Slug' is not a valid slug", id="slug-case"),
    pytest.param({"slug": "ab"}, "slug", "'ab' is not a valid slug", id="slug-short"),
    pytest.param({"slug": "a" * 41}, "slug", "is not a valid slug", id="slug-long"),
    pytest.param({"slug": "-abc"}, "slug", "'-abc' is not a valid slug", id="slug-leading-hyphen"),
    pytest.param({"slug": "abc-"}, "slug", "'abc-' is not a valid slug", id="slug-trailing-hyphen"),
    pytest.param({"slug": "9lives"}, "slug", "'9lives' is not a valid slug", id="slug-digit-first"),
    pytest.param({"slug": 'x"; drop schema public; --'}, "slug", "is not a valid slug", id="slug-injection"),
    pytest.param({"name": "  "}, "name", "a company name is required", id="empty-name"),
    pytest.param({"url": "postgresql://u:p@127.0.0.1:1/x"}, "url", "only used by the dedicated tier",
                 id="url-on-schema-tier"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_creates_nothing(topology: Topology, change: dict[str, str], field: str,
                                                  message: str) -> None:
    before = _footprint(topology)
    result = runner.invoke(app, _create_args(**change))
    assert result.exit_code != 0
    assert message in result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output

    fields = {"name": "PT Contoh", "slug": "prov-new", "region": "global", "tier": "schema",
              "external_url": change.get("url"), **{k: v for k, v in change.items() if k != "url"}}
    with pytest.raises(ValidationFailed) as caught:
        create_tenant(NewTenant(**fields))
    assert field in caught.value.details
    assert message in caught.value.message
    assert _footprint(topology) == before


def test_every_problem_is_named_at_once(topology: Topology) -> None:
    result = runner.invoke(app, _create_args(slug="X", region="mars", tier="gold"))
    assert result.exit_code != 0
    for part in ("'X' is not a valid slug", "unknown region 'mars'", "unknown tier 'gold'",
                 "choose one of: global, id", "choose one of: shared, schema, dedicated"):
        assert part in result.stderr


@pytest.mark.parametrize("tier", ["shared", "schema", "dedicated"])
def test_duplicate_slug_is_refused_and_the_original_untouched(topology: Topology,
                                                              tenants: dict[str, Any], tier: str) -> None:
    original = get_tenant("a-schema")
    before = _footprint(topology)
    result = runner.invoke(app, _create_args(slug="a-schema", tier=tier))
    assert result.exit_code != 0
    assert "a company with slug 'a-schema' already exists" in result.stderr
    with pytest.raises(Conflict):
        create_tenant(NewTenant(name="Other", slug="a-schema", region="id", tier=tier))
    assert _footprint(topology) == before
    again = get_tenant("a-schema")
    assert (again.id, again.tier, again.region, again.status, again.name) == \
        (original.id, original.tier, original.region, "active", original.name)


def test_duplicate_slug_created_concurrently_is_a_conflict(topology: Topology) -> None:
    """Two creates racing for a slug: the loser gets the same clear conflict, not a crash."""
    slug = "prov-race"
    control = _admin(topology.control_url(admin=True))
    control.autocommit = False
    try:
        # Another provisioning has inserted the slug but not committed yet.
        control.execute("INSERT INTO tenants (id, slug, name, region, tier, status) "
                        "VALUES (%s, %s, 'Winner', 'global', 'shared', 'provisioning')", (uuid.uuid4(), slug))
        outcome: list[BaseException | None] = []

        def loser() -> None:
            try:
                create_tenant(NewTenant(name="Loser", slug=slug, region="global", tier="shared"))
                outcome.append(None)
            except BaseException as exc:  # handed over to the test thread
                outcome.append(exc)

        thread = threading.Thread(target=loser)
        thread.start()
        # The loser's insert waits on the unique index until the winner commits.
        for _ in range(600):
            waiting = control.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()
            if waiting and waiting[0]:
                break
            thread.join(0.05)
        control.execute("UPDATE tenants SET status = 'active' WHERE slug = %s", (slug,))
        control.commit()
        thread.join(60)
        assert outcome and isinstance(outcome[0], Conflict), outcome
        assert "already exists" in outcome[0].message
        assert get_tenant(slug).name == "Winner"
    finally:
        control.rollback()
        control.autocommit = True
        control.execute("DELETE FROM tenants WHERE slug = %s", (slug,))
        control.close()


def test_unreachable_database_url_names_the_problem_and_hides_the_password(topology: Topology) -> None:
    secret = "Sup3r-S3cret-pw"
    closed = free_port()
    cases = {
        # Nothing listens there.
        f"postgresql://owner:{secret}@127.0.0.1:{closed}/nowhere": f"127.0.0.1:{closed}/nowhere",
        # A real server, the wrong password.
        with_database(topology.region_admin_urls["id"], "postgres").replace(
            topology.servers["id"].password, secret): "password authentication failed",
    }
    before = _footprint(topology)
    for url, problem in cases.items():
        result = runner.invoke(app, _create_args(slug="prov-external", tier="dedicated", region="id", url=url))
        assert result.exit_code != 0
        assert "cannot reach the database" in result.stderr
        assert problem in result.stderr
        assert "***" in result.stderr
        assert secret not in result.output

        with pytest.raises(ValidationFailed) as caught:
            create_tenant(NewTenant(name="PT Luar", slug="prov-external", region="id", tier="dedicated",
                                    external_url=url))
        assert caught.value.details == {"url": "unreachable"}
        assert secret not in caught.value.message and secret not in str(caught.value)
    assert _footprint(topology) == before


# --- failing halfway -----------------------------------------------------------------------

_SABOTAGE = """
CREATE FUNCTION public.bos_test_sabotage() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_database() = 'bos_t_prov_half_dedicated' OR EXISTS (
        SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE schema_name = 't_prov_half_schema'
    ) THEN
        RAISE EXCEPTION 'sabotaged by the test: no indexes today';
    END IF;
END $$;
CREATE EVENT TRIGGER bos_test_sabotage ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
    EXECUTE FUNCTION public.bos_test_sabotage();
"""
_REPAIR = "DROP EVENT TRIGGER IF EXISTS bos_test_sabotage; DROP FUNCTION IF EXISTS public.bos_test_sabotage();"


def _sabotage_url(topology: Topology, tier: str) -> str:
    # A schema tenant's tables go to the shared database; a new dedicated database is a
    # copy of template1, so the trigger placed there travels into it.
    if tier == "schema":
        return topology.shared_url("global", admin=True)
    return with_database(topology.region_admin_urls["global"], "template1")


@pytest.mark.parametrize("tier", ["schema", "dedicated"])
def test_failure_halfway_leaves_a_failed_tenant_and_no_storage_then_retry_succeeds(
        topology: Topology, tier: str) -> None:
    slug = f"prov-half-{tier}"
    storage = f"t_prov_half_{tier}" if tier == "schema" else f"bos_t_prov_half_{tier}"
    sabotage_url = _sabotage_url(topology, tier)
    with _admin(sabotage_url) as conn:  # closed again: CREATE DATABASE needs template1 unused
        conn.execute(_SABOTAGE)
    try:
        result = runner.invoke(app, _create_args(name="PT Setengah", slug=slug, tier=tier))
        assert result.exit_code != 0
        assert "migrating the new company's tables failed" in result.stderr
        assert "sabotaged by the test" in result.stderr

        tenant = get_tenant(slug)
        assert tenant.status == "failed"
        assert "sabotaged by the test" in (tenant.status_reason or "")
        _, schemas, databases = _footprint(topology)
        assert all(storage not in names for names in [*schemas.values(), *databases.values()])
        # Failed tenants are no schema-sync target.
        sync = runner.invoke(app, ["schema-sync", "--dry-run"])
        assert sync.exit_code == 0, sync.output
        assert slug not in sync.output and str(tenant.id) not in sync.output
    finally:
        with _admin(sabotage_url) as conn:
            conn.execute(_REPAIR)

    result = runner.invoke(app, _create_args(name="PT Setengah", slug=slug, tier=tier))
    assert result.exit_code == 0, result.output
    assert f"created {slug} (PT Setengah): tier {tier}" in result.stdout
    again = get_tenant(slug)
    assert (again.id, again.status, again.status_reason) == (tenant.id, "active", None)
    target = tenant_target(again, topology)
    assert read_revisions([target], 1)[target.key] == head("tenant")
    _, schemas, databases = _footprint(topology)
    assert storage in (schemas["global"] if tier == "schema" else databases["global"])


# --- listing and the residency report ------------------------------------------------------


@pytest.fixture(scope="module")
def jakarta(topology: Topology) -> dict[str, Any]:
    """An Indonesian schema tenant and one on an operator-supplied (external) database."""
    secret = topology.servers["id"].password
    with _admin(topology.region_admin_urls["id"]) as conn:
        conn.execute("DROP DATABASE IF EXISTS prov_external WITH (FORCE)")
        conn.execute("CREATE DATABASE prov_external")
    external_url = with_database(topology.region_admin_urls["id"], "prov_external")
    made = {
        "schema": create_tenant(NewTenant(name="PT Jakarta Skema", slug="prov-jkt", region="id",
                                          tier="schema")),
        "external": create_tenant(NewTenant(name="PT Jakarta Luar", slug="prov-jkt-ext", region="id",
                                            tier="dedicated", external_url=external_url)),
    }
    return {"tenants": made, "secret": secret}


def test_tenants_list_json(topology: Topology, tenants: dict[str, Any], jakarta: dict[str, Any]) -> None:
    result = runner.invoke(app, ["tenants", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["slug"]: r for r in json.loads(result.stdout)}
    global_server = topology.server_label("global")
    id_server = topology.server_label("id")
    expected = {
        "a-shared": ("shared", "global", "Global", global_server, "bos_shared", "public"),
        "a-schema": ("schema", "global", "Global", global_server, "bos_shared", "t_a_schema"),
        "a-dedicated": ("dedicated", "global", "Global", global_server, "bos_t_a_dedicated", "public"),
        "prov-jkt": ("schema", "id", "Indonesia (Jakarta)", id_server, "bos_shared", "t_prov_jkt"),
        "prov-jkt-ext": ("dedicated", "id", "Indonesia (Jakarta)", f"{id_server} (external)", "prov_external",
                         "public"),
    }
    for slug, (tier, region, region_name, server, database, schema) in expected.items():
        row = rows[slug]
        assert (row["tier"], row["region"], row["region_name"], row["server"], row["database"],
                row["schema"], row["status"]) == (tier, region, region_name, server, database, schema, "active")
    assert set(rows["a-shared"]) == {"slug", "name", "status", "tier", "region", "region_name", "server",
                                     "database", "schema"}
    assert jakarta["secret"] not in result.output, "an external URL's password never shows"

    table = runner.invoke(app, ["tenants", "list"])
    assert table.exit_code == 0
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["SLUG", "TIER", "REGION", "STATUS", "SERVER", "DATABASE", "SCHEMA", "NAME"]
    assert any(line.split()[:4] == ["prov-jkt", "schema", "id", "active"] for line in lines)


def test_tenants_show_is_the_residency_report(topology: Topology, tenants: dict[str, Any],
                                               jakarta: dict[str, Any]) -> None:
    result = runner.invoke(app, ["tenants", "show", "prov-jkt"])
    assert result.exit_code == 0, result.output
    report = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert report == {
        "slug": "prov-jkt", "name": "PT Jakarta Skema", "status": "active", "tier": "schema", "region": "id",
        "region_name": "Indonesia (Jakarta)", "server": topology.server_label("id"),
        "database": "bos_shared", "schema": "t_prov_jkt",
    }

    shown = runner.invoke(app, ["tenants", "show", "a-dedicated", "--json"])
    assert shown.exit_code == 0
    data = json.loads(shown.stdout)
    assert (data["tier"], data["server"], data["database"], data["schema"]) == \
        ("dedicated", topology.server_label("global"), "bos_t_a_dedicated", "public")

    external = runner.invoke(app, ["tenants", "show", "prov-jkt-ext"])
    assert external.exit_code == 0
    assert jakarta["secret"] not in external.output
    assert "(external)" in external.stdout

    missing = runner.invoke(app, ["tenants", "show", "no-such-company"])
    assert missing.exit_code != 0
    assert "no company 'no-such-company'" in missing.stderr


def test_external_url_is_encrypted_at_rest(topology: Topology, jakarta: dict[str, Any]) -> None:
    tenant = get_tenant("prov-jkt-ext")
    assert tenant.external_url_encrypted
    assert jakarta["secret"] not in tenant.external_url_encrypted
    assert "prov_external" not in tenant.external_url_encrypted


def test_a_create_killed_midway_can_be_retried_later(topology) -> None:  # type: ignore[no-untyped-def]
    """A tenant left in `provisioning` by a killed process is resumed by a later create."""
    import datetime as dt
    import uuid

    from sqlalchemy import update

    from core.errors import Conflict
    from core.tenancy.models import Tenant
    from core.tenancy.provisioning import NewTenant, create_tenant
    from db.session import control_session

    req = NewTenant(name="Crashed Co", slug="crashed-co", region="id", tier="schema")
    with control_session() as s:
        s.add(Tenant(id=uuid.uuid4(), slug=req.slug, name=req.name, region=req.region, tier=req.tier,
                     status="provisioning", schema_name="t_crashed_co"))
    with pytest.raises(Conflict):
        create_tenant(req)  # a fresh one may still be running: not taken over
    with control_session() as s:
        s.execute(update(Tenant).where(Tenant.slug == req.slug)
                  .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    tenant = create_tenant(req)
    assert tenant.status == "active"
