"""Gapless, unique numbers per tenant: `INV/2026/11/0001`.

The counter row is incremented inside the transaction that issues the invoice: concurrent
issuers queue on the row lock, and a rolled-back issue gives its number back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

_NEXT = text(
    "INSERT INTO number_sequences (key, last_value) VALUES (:key, 1) "
    "ON CONFLICT (tenant_id, key) DO UPDATE SET last_value = number_sequences.last_value + 1, updated_at = now() "
    "RETURNING last_value"
)


def next_value(s: Session, key: str) -> int:
    return int(s.execute(_NEXT, {"key": key}).scalar_one())


def invoice_number(s: Session, issue_date: dt.date, prefix: str = "INV") -> str:
    period = f"{prefix}/{issue_date:%Y}/{issue_date:%m}"
    return f"{period}/{next_value(s, period):04d}"
