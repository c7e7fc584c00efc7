"""The email to a tenant's Admins when the dispatcher disables one of their endpoints.

Queued through the notify outbox in the same control transaction that disables the
endpoint (so the email exists exactly when the endpoint was disabled), in each Admin's
language.
"""

from __future__ import annotations

import datetime as dt
import html

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.context import TenantContext
from core.identity.models import Membership, User
from core.notify import outbox
from core.notify.emails import Email, when
from core.webhooks.models import WebhookEndpoint

EMAIL_KIND = "webhook_disabled"

_TEXTS = {
    "id": {
        "subject": "Webhook {company} dinonaktifkan",
        "greeting": "Halo {name},",
        "body": "Endpoint webhook {url} milik {company} dinonaktifkan pada {when}. Alasan: {reason}.",
        "action": "Periksa penerimanya, lalu aktifkan kembali endpoint ini di Pengaturan > Webhook. Pengiriman "
                  "yang tertunda dilanjutkan setelah endpoint aktif kembali.",
    },
    "en": {
        "subject": "Webhook of {company} disabled",
        "greeting": "Hello {name},",
        "body": "The webhook endpoint {url} of {company} was disabled on {when}. Reason: {reason}.",
        "action": "Check the receiver, then enable the endpoint again under Settings > Webhooks. Pending "
                  "deliveries resume once the endpoint is enabled.",
    },
}


def _reason(reason: str, lang: str) -> str:
    if lang != "id":
        return reason
    if "410" in reason:
        return "penerima menjawab 410 Gone"
    if "days" in reason:
        return "semua pengiriman gagal selama 5 hari"
    return reason


def render(lang: str, *, name: str, company: str, url: str, reason: str, moment: dt.datetime,
           timezone: str) -> Email:
    lang = lang if lang in _TEXTS else "en"
    values = {"name": " ".join(name.split()), "company": " ".join(company.split()), "url": url,
              "reason": _reason(reason, lang), "when": when(moment, lang, timezone)}
    texts = {k: v.format(**values) for k, v in _TEXTS[lang].items()}
    paragraphs = [texts["greeting"], texts["body"], texts["action"]]
    text = "\n\n".join(paragraphs) + "\n\n-- \nBusiness OS\n"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return Email(texts["subject"], text, f"<!doctype html><html><body>{body}<p>Business OS</p></body></html>")


def notify_disabled(s: Session, ctx: TenantContext, endpoint: WebhookEndpoint, reason: str,
                    moment: dt.datetime) -> list[int]:
    """Queue one email per active Admin of the tenant; returns the outbox ids."""
    admins = s.execute(select(User.email, User.full_name, User.language)
                       .join(Membership, Membership.user_id == User.id)
                       .where(Membership.tenant_id == ctx.tenant_id, Membership.role == "admin", User.is_active)
                       .order_by(User.email)).all()
    ids = []
    for email, name, lang in admins:
        message = render(lang, name=name, company=ctx.name, url=endpoint.url, reason=reason, moment=moment,
                         timezone=ctx.timezone)
        ids.append(outbox.enqueue(s, to=email, kind=EMAIL_KIND, language=lang, email=message,
                                  tenant_id=ctx.tenant_id))
    return ids
