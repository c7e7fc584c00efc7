"""`bos mail`: read what the local SMTP catcher received, run it, send a test message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from core.notify.catcher import MailStore

mail_app = typer.Typer(help="Outgoing email and the local SMTP catcher.", no_args_is_help=True)


def _store(directory: Path | None) -> MailStore:
    from core.config import get_settings
    from core.notify.catcher import MailStore

    return MailStore(directory or get_settings().mail_dir)


@mail_app.command("list")
def mail_list(
    to: Annotated[str | None, typer.Option(help="Only messages to this address")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="The catcher's directory")] = None,
) -> None:
    """Messages the local catcher received, oldest first."""
    store = _store(directory)
    mails = store.all()
    if not mails:
        typer.echo(f"no mail in {store.directory}")
        return
    for number, mail in enumerate(mails, start=1):
        if to and to.lower() not in mail.header("X-Envelope-To").lower():
            continue
        when = dt.datetime.fromtimestamp(mail.received_at).strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"{number:4}  {when}  {mail.header('X-Envelope-To'):32}  {mail.subject}")


@mail_app.command("show")
def mail_show(
    ref: Annotated[str, typer.Argument(help="Number from `bos mail list`, or 'latest'")] = "latest",
    show_html: Annotated[bool, typer.Option("--html", help="Print the HTML part instead of the text")] = False,
    directory: Annotated[Path | None, typer.Option("--dir", help="The catcher's directory")] = None,
) -> None:
    """One message: headers and body."""
    store = _store(directory)
    mail = store.get(ref)
    if mail is None:
        typer.secho(f"error: no message '{ref}' in {store.directory}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    for name in ("From", "To", "Subject", "Date", "Content-Language"):
        typer.echo(f"{name}: {mail.header(name)}")
    typer.echo("")
    typer.echo(mail.html() if show_html else mail.text())


@mail_app.command("catcher")
def mail_catcher(
    host: Annotated[str | None, typer.Option(help="Listen address (default SMTP_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default SMTP_PORT)")] = None,
    directory: Annotated[Path | None, typer.Option("--dir", help="Where to store messages")] = None,
) -> None:
    """Run the local SMTP catcher in the foreground (make run starts one for you)."""
    from core.notify.catcher import main

    args = []
    if host:
        args += ["--host", host]
    if port:
        args += ["--port", str(port)]
    if directory:
        args += ["--dir", str(directory)]
    main(args)


@mail_app.command("test")
def mail_test(
    to: Annotated[str, typer.Option(help="Recipient")],
    language: Annotated[str, typer.Option(help="id or en")] = "en",
) -> None:
    """Send a test message through the configured SMTP server right away."""
    from core.config import get_settings
    from core.notify import mailer
    from core.notify.emails import render

    settings = get_settings()
    try:
        mailer.send(to, render("test", language), language)
    except Exception as exc:
        typer.secho(f"error: sending through {settings.smtp_host}:{settings.smtp_port} failed: {exc}",
                    fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"sent to {to} through {settings.smtp_host}:{settings.smtp_port}")
