"""`bos audit ...`: operator commands for the audit log."""

from __future__ import annotations

from typing import Annotated

import typer

from core.errors import DomainError

audit_app = typer.Typer(help="The audit log: verify the hash chains.", no_args_is_help=True)


def _plane(label: str, rows: int, last_seq: int, pending: int) -> str:
    tail = f", {pending} pending" if pending else ""
    return f"{label}: {rows} rows chained (seq 1..{last_seq}){tail}" if rows else f"{label}: no rows yet{tail}"


@audit_app.command("verify")
def verify(
    tenant: Annotated[str, typer.Option("--tenant", help="The company's slug")],
    record: Annotated[bool, typer.Option(help="Audit the check itself (and anchor the chain's head)")] = True,
) -> None:
    """Seal pending rows, then check the company's data-plane and control-plane audit chains.

    Exit status 0 when both are intact, 1 naming the first bad row otherwise."""
    from core.audit.verify import verify_tenant
    from core.cli import fail, ready
    from core.context import Actor
    from core.tenancy.registry import context_for, get_tenant

    ready()
    try:
        ctx = context_for(get_tenant(tenant), Actor("system", "cli", "bos audit verify"),
                          permissions=frozenset({"audit.read"}))
        result = verify_tenant(ctx, record=record)
    except DomainError as exc:
        fail(exc.message)
        return
    if result.sealed_now:
        typer.echo(f"sealed {result.sealed_now} pending rows")
    for label, report in (("data plane (audit_log)", result.data), ("control plane (control_audit_log)",
                                                                   result.control)):
        if report.first_bad is None:
            typer.echo("ok      " + _plane(label, report.rows, report.last_seq, report.pending))
        else:
            typer.secho(f"BROKEN  {label}: first bad row: {report.first_bad}", fg=typer.colors.RED)
    if not result.ok:
        typer.secho(f"the audit log of {tenant} has been tampered with", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.echo(f"the audit log of {tenant} is intact")
