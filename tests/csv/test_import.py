"""CSV import: preview, row-level errors, all or nothing; export neutralises formulas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D

import pytest

from core.context import TenantContext
from core.csv_export import to_csv
from core.csv_import import commit, parse, parse_number
from core.customers.service import list_customers
from core.errors import ValidationFailed
from core.invoices import service as invoices
from core.spending.service import list_expenses


@pytest.mark.parametrize("text,value", [("1.234.567", 1234567), ("1.234.567,50", D("1234567.50")),
                                        ("1234567.50", D("1234567.50")), ("Rp 2.500.000", 2500000),
                                        ("1,234,567.5", D("1234567.5")), ("12,5", D("12.5")), ("-3", -3)])
def test_numbers(text: str, value: object) -> None:
    assert parse_number(text) == D(str(value))


def test_customers_preview_then_commit(as_role: Callable[..., TenantContext], tier: str) -> None:
    admin = as_role("admin", f"a-{tier}")
    data = (b"name;email;npwp;payment_terms_days\n"
            b"PT Impor Satu;satu@impor.co.id;01.234.567.8-901.000;14\n"
            b"CV Impor Dua;;;30\n")
    preview = parse("customers", data)
    assert preview.ok and preview.delimiter == ";" and len(preview.rows) == 2
    before = len(list_customers(admin, limit=5000))
    assert commit(admin, preview) == 2
    names = [c.name for c in list_customers(admin, limit=5000)]
    assert {"PT Impor Satu", "CV Impor Dua"} <= set(names) and len(names) == before + 2
    assert all(c.name not in {"PT Impor Satu"} for c in list_customers(as_role("admin", f"b-{tier}")))


def test_row_errors_import_nothing(as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin", "b-shared")
    data = (b"date,category,vendor,amount\n"
            b"2026-11-01,Travel,Garuda,1500000\n"
            b"2026-13-01,Travel,Garuda,100\n"
            b"2026-11-02,,Garuda,100\n"
            b"2026-11-03,Travel,Garuda,-5\n")
    preview = parse("spending", data)
    assert [(e.row, e.column) for e in preview.errors] == [(2, "date"), (3, "category"), (4, "amount")]
    before = len(list_expenses(admin))
    with pytest.raises(ValidationFailed, match="nothing was imported"):
        commit(admin, preview)
    assert len(list_expenses(admin)) == before


@pytest.mark.parametrize(
    "data,message",
    [
        (b"", "empty"),
        (b"nama,surel\nA,b\n", "missing columns: name"),
        (b"name,hacker\nA,b\n", "unknown columns: hacker"),
        ("name\nA\n".encode("utf-16"), "binary"),
        (b"\x81\x8d\x8f\x90,\n", "encoding"),
        (b"name\n", "no rows"),
    ],
)
def test_bad_files(data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        parse("customers", data)


def test_windows_1252_is_reported(as_role: Callable[..., TenantContext]) -> None:
    preview = parse("customers", "name\nCafé Kopi Enak\n".encode("cp1252"))
    assert preview.encoding == "windows-1252" and preview.rows[0]["name"] == "Café Kopi Enak"


def test_100k_rows(as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin", "a-schema")
    lines = ["date,category,vendor,amount"] + [f"2025-01-{1 + i % 28:02d},Bulk,Vendor {i},{1000 + i}"
                                               for i in range(100_000)]
    preview = parse("spending", "\n".join(lines).encode())
    assert preview.ok and len(preview.rows) == 100_000
    assert commit(admin, preview) == 100_000
    assert len(list_expenses(admin, dt.date(2025, 1, 1), dt.date(2025, 1, 31), "Bulk", limit=10_000)) == 10_000


def test_invoices_grouped_by_reference(as_role: Callable[..., TenantContext]) -> None:
    admin = as_role("admin", "b-schema")
    parse_c = parse("customers", b"name\nPT Grup\n")
    commit(admin, parse_c)
    data = (b"invoice_ref,customer,issue_date,description,quantity,unit_price,discount_pct\n"
            b"A-1,PT Grup,24/11/2026,Jasa,2,\"1.000.000\",0\n"
            b"A-1,PT Grup,24/11/2026,Barang,1,500000,10\n"
            b"A-2,PT Grup,2026-11-25,Jasa,1,100000,\n")
    preview = parse("invoices", data)
    assert preview.ok
    assert commit(admin, preview) == 2
    imported = [i for i in invoices.list_invoices(admin).items if i.customer_name == "PT Grup"]
    totals = sorted(i.total for i in imported)
    assert totals == [D(111_000), D(2_719_500)]  # (2M + 450k) * 1.11 = 2,719,500
    bad = parse("invoices", b"invoice_ref,customer,issue_date,description,quantity,unit_price\n"
                            b"X,Nobody,2026-11-01,Jasa,1,100\n")
    with pytest.raises(ValidationFailed, match="unknown customers: Nobody"):
        commit(admin, bad)


def test_export_neutralises_formulas() -> None:
    out = to_csv(["name", "amount"], [["=cmd|' /C calc'!A0", 5], ["@SUM(A1)", -5], ["Normal", "+62 812"]])
    rows = out.splitlines()
    assert rows[1].startswith("'=cmd") and rows[2].startswith("'@SUM") and rows[3] == "Normal,'+62 812"
    assert ",-5" in rows[2]
