"""CSV import for customers, spending and invoices: preview first, then all or nothing.

`parse` decodes (UTF-8, with or without BOM; Windows-1252 as a fallback that the preview
reports), sniffs the delimiter (`,` or `;`), checks the columns and validates every row
with the same rules as the forms, collecting row-level errors. `commit` writes every row
in one transaction, or nothing when any row is bad. Numbers may be written the
Indonesian way (`1.234.567,50`) or plainly (`1234567.50`); dates as `2026-11-24` or
`24/11/2026`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select

from core.context import TenantContext
from core.customers.models import Customer
from core.customers.service import CustomerIn
from core.customers.service import clean as clean_customer
from core.errors import ValidationFailed
from core.invoices.calc import LineIn, compute
from core.invoices.models import Invoice, InvoiceLine
from core.invoices.tax import rate_on
from core.rbac.guard import require_write
from core.spending.models import Expense
from core.spending.service import ExpenseIn
from core.spending.service import clean as clean_expense
from db.session import tenant_session

MAX_BYTES = 25 * 1024 * 1024
MAX_ROWS = 200_000
MAX_ERRORS_SHOWN = 200

COLUMNS: dict[str, tuple[set[str], set[str]]] = {
    # kind: (required, optional)
    "customers": ({"name"}, {"email", "phone", "npwp", "address", "payment_terms_days", "credit_limit", "notes"}),
    "spending": ({"date", "category", "vendor", "amount"}, {"currency", "description"}),
    "invoices": ({"invoice_ref", "customer", "issue_date", "description", "quantity", "unit_price"},
                 {"due_date", "discount_pct", "currency", "notes"}),
}


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is row 0)
    column: str
    message: str


@dataclass
class Preview:
    kind: str
    columns: list[str]
    rows: list[dict[str, Any]]
    errors: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def ok(self) -> bool:
        return not self.errors


# --- value parsing ------------------------------------------------------------------------

_THOUSANDS_DOT = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def parse_number(text: str) -> Decimal:
    raw = text.strip().replace(" ", "").replace("Rp", "").replace("rp", "")
    if not raw:
        raise ValueError("empty")
    if "," in raw and "." in raw:
        raw = raw.replace(".", "").replace(",", ".") if raw.rfind(",") > raw.rfind(".") else raw.replace(",", "")
    elif "," in raw:
        raw = raw.replace(",", ".") if re.fullmatch(r"-?\d+,\d{1,2}", raw) else raw.replace(",", "")
    elif _THOUSANDS_DOT.match(raw):
        raw = raw.replace(".", "")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"'{text}' is not a number") from exc
    if not value.is_finite():
        raise ValueError(f"'{text}' is not a number")
    return value


def parse_date(text: str) -> dt.date:
    raw = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use 2026-11-24 or 24/11/2026)")


# --- parsing --------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data[:4096]:
        raise ValidationFailed("the file is not a text CSV (it contains binary data)", details={"file": "binary"})
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict") if _cp1252_ok(data) else _bad_encoding(), "windows-1252"


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _bad_encoding() -> str:
    raise ValidationFailed("the file's text encoding is not UTF-8 or Windows-1252; save it as 'CSV UTF-8'",
                           details={"file": "encoding"})


def parse(kind: str, data: bytes) -> Preview:
    if kind not in COLUMNS:
        raise ValidationFailed(f"unknown import kind '{kind}'", details={"kind": "unknown"})
    if not data:
        raise ValidationFailed("the file is empty", details={"file": "empty"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", details={"file": "size"})
    text, encoding = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        raise ValidationFailed("the file is empty", details={"file": "empty"}) from None
    required, optional = COLUMNS[kind]
    missing = sorted(required - set(header))
    unknown = sorted(set(header) - required - optional)
    if missing or unknown:
        parts = ([f"missing columns: {', '.join(missing)}"] if missing else []) + (
            [f"unknown columns: {', '.join(unknown)}"] if unknown else [])
        raise ValidationFailed("; ".join(parts) + f". Expected: {', '.join(sorted(required))} "
                               f"(optional: {', '.join(sorted(optional))})",
                               details={"columns": {"missing": missing, "unknown": unknown}})
    preview = Preview(kind, header, [], encoding=encoding, delimiter=delimiter)
    validate = VALIDATORS[kind]
    try:
        for number, values in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise ValidationFailed(f"the file has more than {MAX_ROWS:,} rows", details={"file": "rows"})
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                preview.errors.append(RowError(number, "", f"expected {len(header)} values, found {len(values)}"))
                continue
            row = dict(zip(header, values, strict=True))
            try:
                preview.rows.append(validate(row))
            except RowProblem as problem:
                preview.errors.append(RowError(number, problem.column, problem.message))
            except ValidationFailed as exc:
                column = next(iter(exc.details), "") if exc.details else ""
                preview.errors.append(RowError(number, column, exc.message))
    except csv.Error as exc:
        raise ValidationFailed(f"the CSV cannot be read: {exc}", details={"file": "csv"}) from exc
    if kind == "invoices":
        _check_invoice_groups(preview)
    if not preview.rows and not preview.errors:
        raise ValidationFailed("the file has a header but no rows", details={"file": "no rows"})
    return preview


class RowProblem(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def _get(row: dict[str, str], column: str, parse_fn: Callable[[str], Any], default: Any = None) -> Any:
    value = (row.get(column) or "").strip()
    if not value:
        return default
    try:
        return parse_fn(value)
    except ValueError as exc:
        raise RowProblem(column, str(exc)) from exc


def _customer_row(row: dict[str, str]) -> dict[str, Any]:
    data = CustomerIn(
        name=row.get("name", ""), email=row.get("email") or None, phone=row.get("phone") or None,
        npwp=row.get("npwp") or None, address=row.get("address") or None,
        payment_terms_days=int(_get(row, "payment_terms_days", parse_number, Decimal(30))),
        credit_limit=_get(row, "credit_limit", parse_number), notes=row.get("notes") or None,
    )
    return clean_customer(data).__dict__


def _spending_row(row: dict[str, str]) -> dict[str, Any]:
    spent_on = _get(row, "date", parse_date)
    if spent_on is None:
        raise RowProblem("date", "a date is required")
    data = ExpenseIn(spent_on=spent_on, category=row.get("category", ""), vendor=row.get("vendor", ""),
                     amount=_get(row, "amount", parse_number, Decimal(0)),
                     currency=(row.get("currency") or "IDR").strip().upper(),
                     description=row.get("description") or None)
    return clean_expense(data).__dict__


def _invoice_row(row: dict[str, str]) -> dict[str, Any]:
    issue = _get(row, "issue_date", parse_date)
    if issue is None:
        raise RowProblem("issue_date", "an issue date is required")
    due = _get(row, "due_date", parse_date)
    if due is not None and due < issue:
        raise RowProblem("due_date", "the due date is before the issue date")
    ref, customer = (row.get("invoice_ref") or "").strip(), (row.get("customer") or "").strip()
    if not ref or len(ref) > 60:
        raise RowProblem("invoice_ref", "an invoice reference of 1 to 60 characters is required")
    if not customer:
        raise RowProblem("customer", "a customer name is required")
    line = LineIn((row.get("description") or "").strip(), _get(row, "quantity", parse_number, Decimal(0)),
                  _get(row, "unit_price", parse_number, Decimal(-1)), _get(row, "discount_pct", parse_number,
                                                                            Decimal(0)))
    compute([line], tax_rate=Decimal(11), currency=(row.get("currency") or "IDR").strip().upper())
    return {"invoice_ref": ref, "customer": customer, "issue_date": issue, "due_date": due, "line": line,
            "currency": (row.get("currency") or "IDR").strip().upper(), "notes": (row.get("notes") or None)}


def _check_invoice_groups(preview: Preview) -> None:
    seen: dict[str, tuple[str, dt.date, str]] = {}
    for i, row in enumerate(preview.rows, start=1):
        key = (row["customer"], row["issue_date"], row["currency"])
        first = seen.setdefault(row["invoice_ref"], key)
        if first != key:
            preview.errors.append(RowError(i, "invoice_ref", f"lines of invoice '{row['invoice_ref']}' disagree "
                                           "on customer, issue date or currency"))


VALIDATORS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "customers": _customer_row, "spending": _spending_row, "invoices": _invoice_row,
}
PERMISSION = {"customers": "customer.write", "spending": "expense.write", "invoices": "invoice.create"}


# --- commit ---------------------------------------------------------------------------------


def commit(ctx: TenantContext, preview: Preview) -> int:
    """Write every previewed row in one transaction; refuses a preview with errors."""
    require_write(ctx, PERMISSION[preview.kind])
    if preview.errors:
        raise ValidationFailed(f"{len(preview.errors)} rows have errors; nothing was imported",
                               details={"rows": len(preview.errors)})
    with tenant_session(ctx) as s:
        if preview.kind == "customers":
            s.execute(insert(Customer), preview.rows)
            return len(preview.rows)
        if preview.kind == "spending":
            rows = [{**r, "spent_on": r["spent_on"]} for r in preview.rows]
            s.execute(insert(Expense), rows)
            return len(rows)
        return _commit_invoices(s, preview)


def _commit_invoices(s: Any, preview: Preview) -> int:
    names = {r["customer"] for r in preview.rows}
    customers = {name: cid for cid, name in s.execute(select(Customer.id, Customer.name)
                                                       .where(Customer.name.in_(names)))}
    unknown = sorted(names - set(customers))
    if unknown:
        raise ValidationFailed(f"unknown customers: {', '.join(unknown[:10])}; import them first",
                               details={"customer": unknown[:50]})
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in preview.rows:
        groups.setdefault(row["invoice_ref"], []).append(row)
    invoices, lines = [], []
    for ref, rows in groups.items():
        first = rows[0]
        totals = compute([r["line"] for r in rows], tax_rate=rate_on(s, first["issue_date"]),
                         currency=first["currency"])
        due = first["due_date"] or first["issue_date"] + dt.timedelta(days=30)
        invoice_id = uuid.uuid4()
        invoices.append({"id": invoice_id, "customer_id": customers[first["customer"]],
                         "issue_date": first["issue_date"], "due_date": due, "status": "draft",
                         "currency": first["currency"], "subtotal": totals.subtotal, "discount_amount": 0,
                         "tax_rate": totals.tax_rate, "tax_amount": totals.tax_amount, "total": totals.total,
                         "payment_terms_days": (due - first["issue_date"]).days,
                         "notes": f"Imported ({ref})" + (f": {first['notes']}" if first["notes"] else "")})
        lines += [{"invoice_id": invoice_id, "position": i, "description": ln.description, "quantity": ln.quantity,
                   "unit_price": ln.unit_price, "discount_pct": ln.discount_pct, "line_total": ln.line_total}
                  for i, ln in enumerate(totals.lines, start=1)]
    s.execute(insert(Invoice), invoices)
    s.execute(insert(InvoiceLine), lines)
    return len(invoices)
