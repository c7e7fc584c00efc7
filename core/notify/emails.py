"""Email texts, in the recipient's language (id, en): plain text plus simple HTML."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

LANGS = ("id", "en")
_MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


_TEXTS: dict[str, dict[str, dict[str, str]]] = {
    "invitation": {
        "id": {
            "subject": "{inviter} mengundang Anda ke {company} di Business OS",
            "greeting": "Halo,",
            "body": "{inviter} mengundang Anda bergabung dengan {company} di Business OS sebagai {role}.",
            "action": "Terima undangan",
            "expiry": "Tautan ini hanya dapat dipakai sekali dan berlaku sampai {expires}.",
            "ignore": "Jika Anda tidak mengharapkan undangan ini, abaikan saja email ini.",
        },
        "en": {
            "subject": "{inviter} invited you to {company} on Business OS",
            "greeting": "Hello,",
            "body": "{inviter} invited you to join {company} on Business OS as {role}.",
            "action": "Accept the invitation",
            "expiry": "This link works once and is valid until {expires}.",
            "ignore": "If you did not expect this invitation, you can ignore this email.",
        },
    },
    "password_reset": {
        "id": {
            "subject": "Atur ulang kata sandi Business OS Anda",
            "greeting": "Halo {name},",
            "body": "Kami menerima permintaan untuk mengatur ulang kata sandi akun {email}.",
            "action": "Atur kata sandi baru",
            "expiry": "Tautan ini hanya dapat dipakai sekali dan berlaku sampai {expires}.",
            "ignore": "Jika bukan Anda yang meminta, abaikan email ini; kata sandi Anda tidak berubah.",
        },
        "en": {
            "subject": "Reset your Business OS password",
            "greeting": "Hello {name},",
            "body": "We received a request to reset the password of the account {email}.",
            "action": "Choose a new password",
            "expiry": "This link works once and is valid until {expires}.",
            "ignore": "If you did not ask for this, ignore this email; your password stays as it is.",
        },
    },
    "test": {
        "id": {"subject": "Email uji dari Business OS", "greeting": "Halo,",
               "body": "Pengiriman email dari Business OS berfungsi.", "action": "", "expiry": "", "ignore": ""},
        "en": {"subject": "Test email from Business OS", "greeting": "Hello,",
               "body": "Email delivery from Business OS works.", "action": "", "expiry": "", "ignore": ""},
    },
}

ROLE_NAMES = {"id": {"admin": "Admin", "manager": "Manajer", "staff": "Staf"},
              "en": {"admin": "Admin", "manager": "Manager", "staff": "Staff"}}


def when(moment: dt.datetime, lang: str, timezone: str = "Asia/Jakarta") -> str:
    local = moment.astimezone(ZoneInfo(timezone))
    zone = local.tzname() or timezone
    if lang == "id":
        return f"{local.day} {_MONTHS_ID[local.month - 1]} {local.year} {local:%H:%M} {zone}"
    return f"{local:%d %b %Y %H:%M} {zone}"


def role_name(role: str, lang: str, custom_name: str | None = None) -> str:
    return ROLE_NAMES.get(lang, ROLE_NAMES["en"]).get(role) or custom_name or role


def render(kind: str, lang: str, link: str | None = None, **values: Any) -> Email:
    lang = lang if lang in LANGS else "en"
    # Names come from users: one line each, so nothing can be smuggled into a header.
    clean = {k: " ".join(str(v).split()) for k, v in values.items()}
    texts = {k: v.format(**clean) for k, v in _TEXTS[kind][lang].items()}
    paragraphs = [texts["greeting"], texts["body"]]
    text_lines = [*paragraphs]
    html_parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if link:
        text_lines += [f"{texts['action']}:\n{link}"]
        safe = html.escape(link, quote=True)
        html_parts.append(
            f'<p><a href="{safe}" style="display:inline-block;padding:10px 18px;background:#1f6feb;color:#fff;'
            f'text-decoration:none;border-radius:6px">{html.escape(texts["action"])}</a></p>'
            f'<p style="color:#57606a;font-size:13px">{safe}</p>'
        )
    for key in ("expiry", "ignore"):
        if texts[key]:
            text_lines.append(texts[key])
            html_parts.append(f'<p style="color:#57606a;font-size:13px">{html.escape(texts[key])}</p>')
    text_lines.append("-- \nBusiness OS")
    body_html = (
        '<!doctype html><html><body style="font-family:Arial,Helvetica,sans-serif;color:#1b1f24;max-width:560px">'
        + "".join(html_parts)
        + '<p style="color:#57606a;font-size:12px">Business OS</p></body></html>'
    )
    return Email(texts["subject"], "\n\n".join(text_lines) + "\n", body_html)
