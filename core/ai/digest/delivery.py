"""Delivering a digest: the dashboard card's data and the e-mails to opted-in members.

E-mails go through the outbox (control plane), one per recipient and day, rendered in the
recipient's language. The outbox kind names the day (`digest:2026-12-01`), so queueing is
idempotent: an address that already has that day's message is skipped, even when a
previous attempt stopped between queueing and recording it.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ai.digest.insights import NAMES, figure, number
from core.ai.digest.kpis import LONG_DAYS, METRICS
from core.ai.digest.models import DigestRecipient
from core.config import get_settings
from core.context import TenantContext
from core.identity.models import Membership, User
from core.notify.emails import Email
from core.notify.models import OutboxEmail
from core.notify.outbox import enqueue
from db.session import control_session

_MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]

_TEXTS = {
    "id": {
        "subject": "Rangkuman Eksekutif {company}: {date}",
        "greeting": "Selamat pagi {name},",
        "intro": "Berikut rangkuman kinerja {company} untuk {date}.",
        "insights": "Tiga wawasan",
        "figures": "Angka kemarin (dibandingkan rata-rata harian {days} hari)",
        "metric": "Metrik", "value": "Kemarin", "average": "Rata-rata", "change": "Perubahan",
        "anomaly": "anomali",
        "open": "Buka dasbor",
        "footer": "Anda menerima email ini karena berlangganan Rangkuman Eksekutif. Berhenti berlangganan di "
                  "halaman Rangkuman Eksekutif.",
    },
    "en": {
        "subject": "CEO Digest for {company}: {date}",
        "greeting": "Good morning {name},",
        "intro": "Here is how {company} did on {date}.",
        "insights": "Three insights",
        "figures": "Yesterday's figures (against the {days}-day daily average)",
        "metric": "Metric", "value": "Yesterday", "average": "Average", "change": "Change",
        "anomaly": "anomaly",
        "open": "Open the dashboard",
        "footer": "You receive this email because you subscribed to the CEO Digest. Unsubscribe on the CEO Digest "
                  "page.",
    },
}


def kind_for(day: dt.date) -> str:
    return f"digest:{day.isoformat()}"


def day_label(day: dt.date, lang: str) -> str:
    if lang == "id":
        return f"{day.day} {_MONTHS_ID[day.month - 1]} {day.year}"
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Row:
    metric: str
    label: str
    value: str
    average: str
    change: str
    anomaly: bool


def figure_rows(kpis: dict[str, Any], lang: str) -> list[Row]:
    """The KPI table of the card and the e-mail, formatted for `lang`."""
    rows = []
    for name in METRICS:
        m = kpis.get("metrics", {}).get(name)
        if m is None:
            continue
        change = m.get("change_28d_pct")
        shown = "—" if change is None else ("+" if change > 0 else "") + number(change, lang) + "%"
        rows.append(Row(name, NAMES[lang][name], figure(name, m["value"], lang), figure(name, m["avg_28d"], lang),
                        shown, bool(m.get("anomaly"))))
    return rows


def insight_texts(insights: dict[str, Any], lang: str) -> list[str]:
    items: list[Any] = insights.get(lang) or next((v for v in insights.values() if v), [])
    return [str(i.get("text", "")) for i in items if isinstance(i, dict)]


def render(company: str, name: str, day: dt.date, kpis: dict[str, Any], insights: dict[str, Any],
           lang: str) -> Email:
    lang = lang if lang in _TEXTS else "en"
    t = _TEXTS[lang]
    date = day_label(day, lang)
    clean_company, clean_name = " ".join(company.split()), " ".join(name.split())
    subject = t["subject"].format(company=clean_company, date=date)
    points = insight_texts(insights, lang)
    rows = figure_rows(kpis, lang)
    link = get_settings().public_url.rstrip("/") + "/dashboard"
    text_lines = [t["greeting"].format(name=clean_name), t["intro"].format(company=clean_company, date=date), "",
                  t["insights"] + ":"]
    text_lines += [f"{i}. {p}" for i, p in enumerate(points, 1)]
    text_lines += ["", t["figures"].format(days=LONG_DAYS) + ":"]
    text_lines += [f"- {r.label}: {r.value} ({t['average']} {r.average}, {r.change})"
                   + (f" [{t['anomaly']}]" if r.anomaly else "") for r in rows]
    text_lines += ["", f"{t['open']}: {link}", "", t["footer"], "-- ", "Business OS"]
    e = html.escape
    cells = "".join(
        f"<tr><td style=\"padding:4px 8px\">{e(r.label)}{' &#9888;' if r.anomaly else ''}</td>"
        f"<td style=\"padding:4px 8px;text-align:right\">{e(r.value)}</td>"
        f"<td style=\"padding:4px 8px;text-align:right;color:#57606a\">{e(r.average)}</td>"
        f"<td style=\"padding:4px 8px;text-align:right\">{e(r.change)}</td></tr>" for r in rows)
    body_html = (
        '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1b1f24;max-width:620px">'
        f"<p>{e(t['greeting'].format(name=clean_name))}</p>"
        f"<p>{e(t['intro'].format(company=clean_company, date=date))}</p>"
        f"<h3>{e(t['insights'])}</h3><ol>" + "".join(f"<li>{e(p)}</li>" for p in points) + "</ol>"
        f"<h3>{e(t['figures'].format(days=LONG_DAYS))}</h3>"
        '<table style="border-collapse:collapse;font-size:14px">'
        f"<tr><th style=\"text-align:left;padding:4px 8px\">{e(t['metric'])}</th>"
        f"<th style=\"padding:4px 8px\">{e(t['value'])}</th><th style=\"padding:4px 8px\">{e(t['average'])}</th>"
        f"<th style=\"padding:4px 8px\">{e(t['change'])}</th></tr>{cells}</table>"
        f'<p><a href="{e(link, quote=True)}">{e(t["open"])}</a></p>'
        f'<p style="color:#57606a;font-size:12px">{e(t["footer"])}</p></body></html>'
    )
    return Email(subject, "\n".join(text_lines) + "\n", body_html)


@dataclass(frozen=True)
class Addressee:
    user_id: uuid.UUID
    email: str
    name: str
    language: str


def addressees(ctx: TenantContext, recipients: Sequence[DigestRecipient]) -> list[Addressee]:
    """Opted-in recipients who are still active members of the company."""
    wanted = {r.user_id: r.language for r in recipients}
    if not wanted:
        return []
    with control_session() as s:
        rows = s.execute(
            select(User.id, User.email, User.full_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == ctx.tenant_id, User.id.in_(list(wanted)), User.is_active.is_(True))
            .order_by(User.email)
        ).all()
    return [Addressee(r.id, r.email, r.full_name, wanted[r.id]) for r in rows]


def queue(ctx: TenantContext, day: dt.date, kpis: dict[str, Any], insights: dict[str, Any],
          people: Sequence[Addressee], now: dt.datetime) -> list[int]:
    """Queue the day's e-mail for everyone who does not have it yet; the outbox ids."""
    kind = kind_for(day)
    ids: list[int] = []
    with control_session() as s:
        already = _already(s, ctx.tenant_id, kind)
        for person in people:
            if person.email.lower() in already:
                continue
            email = render(ctx.name, person.name, day, kpis, insights, person.language)
            ids.append(enqueue(s, to=person.email, kind=kind, language=person.language, email=email,
                               tenant_id=ctx.tenant_id, now=now))
    return ids


def _already(s: Session, tenant_id: uuid.UUID, kind: str) -> set[str]:
    rows = s.scalars(select(OutboxEmail.to_address).where(OutboxEmail.tenant_id == tenant_id,
                                                         OutboxEmail.kind == kind))
    return {r.lower() for r in rows}
