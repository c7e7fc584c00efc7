"""Emails to a company's Admins when its move finishes or fails (through the outbox)."""

from __future__ import annotations

import html
import uuid

from sqlalchemy import select

from core.identity.models import Membership, User
from core.notify.emails import Email
from core.notify.outbox import enqueue, send_now
from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.placement import Place
from core.tenancy.models import Tenant
from db.session import control_session

_TEXTS = {
    "id": {
        "succeeded": ("Pemindahan {company} selesai",
                      "Data {company} sudah pindah ke {to}. Salinan lama disimpan sampai {keep} untuk pemulihan."),
        "failed": ("Pemindahan {company} gagal",
                   "Pemindahan {company} ke {to} gagal dan dibatalkan; perusahaan tetap di tempat semula dan "
                   "bisa diubah seperti biasa. Alasan: {reason}"),
    },
    "en": {
        "succeeded": ("{company} has moved",
                      "{company}'s data now lives on {to}. The old copy is kept until {keep} for rollback."),
        "failed": ("Moving {company} failed",
                   "Moving {company} to {to} failed and was undone; the company stays where it was and can be "
                   "changed as usual. Reason: {reason}"),
    },
}


def _email(lang: str, outcome: str, **values: str) -> Email:
    subject, body = _TEXTS.get(lang, _TEXTS["en"])[outcome]
    clean = {k: " ".join(v.split()) for k, v in values.items()}
    subject, body = subject.format(**clean), body.format(**clean)
    return Email(subject, f"{body}\n\n-- \nBusiness OS\n",
                 f"<!doctype html><html><body><p>{html.escape(body)}</p><p>Business OS</p></body></html>")


def notify_admins(tenant_id: uuid.UUID, move: TenantMove) -> list[int]:
    if move.status not in ("succeeded", "failed"):
        return []
    outcome = move.status
    ids: list[int] = []
    with control_session() as s:
        tenant = s.get(Tenant, tenant_id)
        if tenant is None:
            return []
        admins = s.execute(select(User.email, User.language).join(Membership, Membership.user_id == User.id)
                           .where(Membership.tenant_id == tenant_id, Membership.role == "admin",
                                  User.is_active.is_(True))).all()
        keep = move.keep_until.strftime("%Y-%m-%d") if move.keep_until else "-"
        for email, lang in admins:
            message = _email(lang, outcome, company=tenant.name, to=Place.from_dict(move.target).label(),
                             keep=keep, reason=move.reason or "-")
            ids.append(enqueue(s, to=email, kind=f"tenant_move_{outcome}", language=lang, email=message,
                               tenant_id=tenant_id))
    if ids:
        send_now(ids)
    return ids
