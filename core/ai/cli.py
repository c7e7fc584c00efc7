"""`bos ai ...`: operator commands for the AI gateway (prices, switch, breaker, margins)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from core.errors import DomainError

ai_app = typer.Typer(help="The AI gateway: prices, the per-company switch, the breaker, margins.",
                     no_args_is_help=True)


def _rp(micros: int | None) -> str:
    if micros is None:
        return "unpriced"
    return f"Rp {Decimal(micros) / 1_000_000:,.2f}"


@ai_app.command("status")
def status() -> None:
    """The configured engine and the circuit breakers."""
    from sqlalchemy import select

    from core.ai.gateway import default_gateway
    from core.ai.models import AiBreaker
    from core.cli import ready
    from db.session import control_session

    ready()
    provider = default_gateway().chat_provider
    typer.echo(f"chat engine: {provider.label} (provider {provider.name}, model {provider.model})")
    typer.echo(f"embeddings:  {default_gateway().embed_provider.label}")
    with control_session() as s:
        rows = list(s.scalars(select(AiBreaker).order_by(AiBreaker.provider)))
    for row in rows:
        tail = f", retry at {row.retry_at:%Y-%m-%d %H:%M:%S %Z}" if row.state != "closed" and row.retry_at else ""
        typer.echo(f"breaker {row.provider}: {row.state}, {row.failures} consecutive failures{tail}")


@ai_app.command("prices")
def prices(provider: Annotated[str | None, typer.Option(help="Only this provider")] = None) -> None:
    """Every price version (per one million tokens)."""
    from core.ai.metering import list_prices
    from core.cli import ready

    ready()
    for p in list_prices(provider):
        typer.echo(f"{p.provider:8} {p.model:28} in {_rp(p.input_per_mtok_micros):>16}  "
                   f"out {_rp(p.output_per_mtok_micros):>16}  from {p.effective_from:%Y-%m-%d %H:%M %Z}"
                   + (f"  ({p.note})" if p.note else ""))


@ai_app.command("price-set")
def price_set(
    provider: str, model: str,
    input_rp: Annotated[str, typer.Argument(help="Rupiah per one million input tokens, e.g. 4800")],
    output_rp: Annotated[str, typer.Argument(help="Rupiah per one million output tokens")],
    effective: Annotated[str | None, typer.Option("--from", help="ISO moment (default: now)")] = None,
    note: Annotated[str | None, typer.Option(help="Where the price comes from")] = None,
) -> None:
    """Add a price version; calls from its moment on are costed with it."""
    from core.ai.metering import set_price
    from core.cli import fail, ready

    ready()
    try:
        micros_in = int(Decimal(input_rp) * 1_000_000)
        micros_out = int(Decimal(output_rp) * 1_000_000)
        moment = dt.datetime.fromisoformat(effective) if effective else dt.datetime.now(dt.UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        price = set_price(provider, model, micros_in, micros_out, effective_from=moment, note=note, by="cli")
    except (InvalidOperation, ValueError) as exc:
        fail(f"not a number or moment: {exc}")
        return
    except DomainError as exc:
        fail(exc.message)
        return
    typer.echo(f"price {price.id}: {provider}/{model} from {price.effective_from.isoformat()}")


def _switch(slug: str, enabled: bool, reason: str | None) -> None:
    from core.ai.policy import operator_set_enabled
    from core.cli import fail, ready
    from core.tenancy.registry import get_tenant

    ready()
    try:
        tenant = get_tenant(slug)
    except DomainError as exc:
        fail(exc.message)
        return
    operator_set_enabled(tenant.id, enabled, reason, by="cli")
    typer.echo(f"AI is {'on' if enabled else 'off'} for {slug}")


@ai_app.command("off")
def ai_off(slug: str, reason: Annotated[str | None, typer.Option(help="Shown to the company's admins")] = None) -> None:
    """Switch AI off for a company (its admins cannot switch it back on)."""
    _switch(slug, False, reason)


@ai_app.command("on")
def ai_on(slug: str) -> None:
    """Switch AI on again for a company."""
    _switch(slug, True, None)


@ai_app.command("breaker-reset")
def breaker_reset(provider: str) -> None:
    """Close a provider's circuit breaker by hand."""
    from core.ai import breaker
    from core.cli import ready

    ready()
    breaker.reset(provider)
    typer.echo(f"breaker {provider}: closed")


@ai_app.command("margins")
def margins(
    days: Annotated[int, typer.Option(help="The last N days, today included")] = 30,
    below: Annotated[float, typer.Option(help="Flag margins below this percentage")] = 30.0,
) -> None:
    """Every company's AI cost against its plan's revenue, lowest margin first."""
    from core.ai.ops import tenant_margins
    from core.cli import ready

    ready()
    last = dt.date.today()
    for row in tenant_margins(last - dt.timedelta(days=days - 1), last, below):
        pct = f"{row.margin.margin_pct:.1f}%" if row.margin.margin_pct is not None else "—"
        flag = "  ALERT" if row.alert else ""
        typer.echo(f"{row.slug:24} {row.plan or '-':12} calls {row.calls:6} tokens {row.tokens:9} "
                   f"cost {_rp(row.cost_micros):>16} revenue {_rp(row.margin.revenue_micros):>18} "
                   f"margin {pct:>8}{flag}" + (f" ({row.unpriced_calls} unpriced)" if row.unpriced_calls else ""))


@ai_app.command("mask")
def mask_text(text: str) -> None:
    """Show what the masker would send for a text (nothing is stored or sent)."""
    from core.ai.pii import mask

    masked, vault = mask(text)
    typer.echo(masked)
    typer.echo(", ".join(f"{kind}: {n}" for kind, n in sorted(vault.counts.items())) or "nothing to mask")
