"""The `bos` command line: servers, tenants, schema sync, demo seed, and `bos run`."""

from __future__ import annotations

import json
import logging
import sys
from typing import Annotated

import typer

from core.ai.cli import ai_app
from core.audit.cli import audit_app
from core.errors import DomainError
from core.notify.cli import mail_app

app = typer.Typer(help="Business OS operator commands.", no_args_is_help=True, add_completion=False)
tenants_app = typer.Typer(help="Create and inspect companies (tenants).", no_args_is_help=True)
db_app = typer.Typer(help="The embedded database servers.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(mail_app, name="mail")
app.add_typer(ai_app, name="ai")


def fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def ready() -> None:
    """Servers up, roles, databases and schemas at head (commands that change things)."""
    from core.runtime import bootstrap

    bootstrap()


def servers_up() -> None:
    """Only make sure the servers run (read-only commands)."""
    from core.runtime import ensure_servers

    ensure_servers()


# --- db ------------------------------------------------------------------------------


@db_app.command("start")
def db_start() -> None:
    """Start the embedded servers (left running) and prepare them."""
    from core.runtime import bootstrap
    from db.topology import hide_password

    topology = bootstrap(stop_at_exit=False)
    typer.echo(f"control: {hide_password(topology.control_url(admin=True))}")
    for region in topology.regions:
        typer.echo(f"region {region}: {hide_password(topology.shared_url(region, admin=True))}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded servers."""
    from db.topology import get_topology

    for server in get_topology().servers.values():
        server.stop()
        typer.echo(f"stopped {server.name}")


# --- tenants --------------------------------------------------------------------------


@tenants_app.command("create")
def tenants_create(
    name: Annotated[str, typer.Option(help="Company name")],
    slug: Annotated[str, typer.Option(help="Short id: lowercase letters, digits, hyphens")],
    region: Annotated[str, typer.Option(help="Where the data lives: global or id (Indonesia)")] = "global",
    tier: Annotated[str, typer.Option(help="shared, schema or dedicated")] = "shared",
    url: Annotated[str | None, typer.Option(help="Dedicated tier: an external database URL")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone")] = "Asia/Jakarta",
    locale: Annotated[str, typer.Option(help="id or en")] = "id",
) -> None:
    """Create a company on a tier in a region."""
    from core.tenancy.provisioning import NewTenant, create_tenant, validate
    from core.tenancy.residency import residency_of
    from db.topology import get_topology

    req = NewTenant(name=name, slug=slug, region=region, tier=tier, external_url=url,
                    timezone=timezone, locale=locale)
    try:
        validate(req, get_topology())  # before starting anything
        ready()
        tenant = create_tenant(req)
    except DomainError as exc:
        fail(exc.message)
        return
    r = residency_of(tenant)
    typer.echo(f"created {r.slug} ({r.name}): tier {r.tier}, region {r.region_name}, "
               f"server {r.server}, database {r.database}, schema {r.schema}")


@tenants_app.command("list")
def tenants_list(as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False) -> None:
    """Every company with its tier, region and status."""
    from core.tenancy.registry import list_tenants
    from core.tenancy.residency import residency_of

    servers_up()
    rows = [residency_of(t).as_dict() for t in list_tenants()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no companies yet: bos tenants create --name ... --slug ...")
        return
    cols = ["slug", "tier", "region", "status", "server", "database", "schema", "name"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    typer.echo("  ".join(c.upper().ljust(widths[c]) for c in cols))
    for r in rows:
        typer.echo("  ".join(str(r[c]).ljust(widths[c]) for c in cols))


@tenants_app.command("show")
def tenants_show(slug: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The residency report of one company: tier, region, server, database, schema."""
    from core.tenancy.registry import get_tenant
    from core.tenancy.residency import residency_of

    servers_up()
    try:
        r = residency_of(get_tenant(slug)).as_dict()
    except DomainError as exc:
        fail(exc.message)
        return
    if as_json:
        typer.echo(json.dumps(r, indent=2))
    else:
        for key, value in r.items():
            typer.echo(f"{key:12} {value}")


@tenants_app.command("move")
def tenants_move(
    slug: Annotated[str, typer.Argument(help="The company to move")],
    tier: Annotated[str | None, typer.Option(help="Target tier: shared, schema or dedicated")] = None,
    region: Annotated[str | None, typer.Option(help="Target region: global or id (default: stay)")] = None,
    url: Annotated[str | None, typer.Option(help="Dedicated tier: an external, empty database URL")] = None,
    rollback: Annotated[bool, typer.Option("--rollback", help="Go back to the copy kept by the last move")] = False,
    resume: Annotated[str | None, typer.Option(help="Take over a running move by its id")] = None,
    purge_kept: Annotated[bool, typer.Option("--purge-kept", help="Purge the copies kept for rollback now")] = False,
) -> None:
    """Move a company to another tier and/or region, with a live progress line."""
    import uuid

    from core.tenancy.migration.engine import purge
    from core.tenancy.migration.service import MoveRequest, kept_moves, request_move, request_rollback
    from core.tenancy.migration.worker import run_with_progress
    from core.tenancy.registry import get_tenant

    if not (rollback or resume or tier or purge_kept):
        fail("say where to: --tier T [--region R] [--url URL], or --rollback, --resume MOVE_ID, --purge-kept")
    ready()
    try:
        if purge_kept:
            for kept in kept_moves(get_tenant(slug).id):
                purge(kept.id)
                typer.echo(f"purged the copy kept by move {kept.id}")
            return
        if resume:
            move_id = uuid.UUID(resume)
        elif rollback:
            move_id = request_rollback(slug, actor="cli:operator").id
        else:
            assert tier is not None
            move_id = request_move(MoveRequest(slug, tier, region, url), actor="cli:operator").id
        move = run_with_progress(move_id)
    except DomainError as exc:
        fail(exc.message)
        return
    except ValueError:
        fail(f"'{resume}' is not a move id")
        return
    if move.status != "succeeded":
        fail(f"the move failed and was undone; {slug} stays where it was: {move.reason}")
    typer.echo(f"moved {slug}: {move.kind} done; the old copy is kept until {move.keep_until:%Y-%m-%d %H:%M} UTC")


# --- schema sync ----------------------------------------------------------------------


@app.command("schema-sync")
def schema_sync(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change")] = False,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Targets migrated in parallel")] = 4,
) -> None:
    """Apply the tenant migrations to every shared database, schema and dedicated database."""
    from core.runtime import ensure_servers
    from core.tenancy.schema_sync import sync
    from db.bootstrap import prepare_servers
    from db.topology import get_topology

    ensure_servers()
    prepare_servers(get_topology())
    report = sync(dry_run=dry_run, workers=workers)
    for r in report.results:
        if r.status == "failed":
            typer.secho(f"FAILED  {r.target.key}: {r.error}", fg=typer.colors.RED)
        elif r.applied:
            verb = "would apply" if dry_run else "applied"
            typer.echo(f"{verb:11} {r.target.key}: {' -> '.join(r.applied)} ({r.duration_ms} ms)")
    behind = sum(1 for r in report.results if r.applied)
    typer.echo(
        f"{len(report.results)} targets, head {report.head}: "
        f"{behind} {'behind' if dry_run else 'migrated'}, {len(report.failed)} failed"
    )
    if report.failed:
        raise typer.Exit(1)


# --- demo and run ----------------------------------------------------------------------


@app.command("seed")
def seed() -> None:
    """Create the demo companies and logins (idempotent)."""
    from core.demo import seed_demo

    ready()
    for line in seed_demo():
        typer.echo(line)


@app.command("run")
def run() -> None:
    """Start databases, UI, API and scheduler; Ctrl-C stops everything."""
    from core.launcher import launch

    raise typer.Exit(launch())


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except DomainError as exc:
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
