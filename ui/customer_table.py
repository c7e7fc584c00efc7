"""The customers' editable table: columns, and saving the edited rows through the service."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from core.context import TenantContext
from core.customers.service import CustomerView, update_customer
from core.errors import DomainError
from ui.actions import explain
from ui.session import tr
from ui.widgets import plain

COLUMNS = ["name", "email", "phone", "npwp", "address", "payment_terms_days", "credit_limit"]


def column_config() -> dict[str, Any]:
    col = st.column_config
    return {
        "name": col.TextColumn(tr("customers.name"), width="medium", required=True),
        "email": col.TextColumn(tr("customers.email")),
        "phone": col.TextColumn(tr("customers.phone")),
        "npwp": col.TextColumn(tr("customers.npwp")),
        "address": col.TextColumn(tr("customers.address"), width="medium"),
        "payment_terms_days": col.NumberColumn(tr("customers.terms"), step=1, format="%d"),
        "credit_limit": col.NumberColumn(tr("customers.credit_limit"), step=1, format="localized"),
    }


def table_of(people: Sequence[CustomerView]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"name": p.name, "email": p.email, "phone": p.phone, "npwp": p.npwp, "address": p.address,
          "payment_terms_days": p.payment_terms_days,
          "credit_limit": float(p.credit_limit) if p.credit_limit is not None else None} for p in people],
        columns=COLUMNS,
    )


def _value(column: str, value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column == "payment_terms_days":
        return int(value)
    if column == "credit_limit":
        return Decimal(str(value))
    return str(value)


def save_edits(ctx: TenantContext, people: Sequence[CustomerView],
               edited_rows: Mapping[Any, Mapping[str, Any]]) -> tuple[int, list[str]]:
    """Each edited row through `update_customer`; returns (rows saved, one message per failed row)."""
    saved, problems = 0, []
    for index, changes in sorted(edited_rows.items(), key=lambda item: int(item[0])):
        person = people[int(index)]
        values = {c: _value(c, v) for c, v in changes.items() if c in COLUMNS}
        if values.get("payment_terms_days", 0) is None:
            values["payment_terms_days"] = 30
        try:
            update_customer(ctx, person.id, values)
        except DomainError as exc:
            problems.append(tr("customers.row_error", row=int(index) + 1, name=plain(person.name),
                               problem=" ".join(explain(exc))))
        else:
            saved += 1
    return saved, problems
