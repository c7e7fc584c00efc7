"""The printable invoice: a real PDF that parses, with the figures formatted in rupiah."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from decimal import Decimal as D

import pytest
from pypdf import PdfReader

from core.context import TenantContext
from core.customers.service import CustomerIn, create_customer
from core.invoices import service as invoices
from core.invoices.calc import LineIn
from core.invoices.pdf import Party, format_money, invoice_pdf, render
from core.invoices.service import InvoiceView, LineView


def _invoice(status: str = "sent", number: str | None = "INV/2026/11/0007", paid: str = "0",
             customer: str = "PT Sinar Abadi") -> InvoiceView:
    lines = (LineView(1, "Konsultasi bisnis (per jam)", D("4"), D("750000"), D("0"), D("3000000")),
             LineView(2, "Lisensi <script>alert(1)</script>", D("1.5"), D("250000"), D("10"), D("337500")))
    return InvoiceView(uuid.uuid4(), number, uuid.uuid4(), customer, dt.date(2026, 11, 3), dt.date(2026, 12, 3),
                       status, "IDR", D("3337500"), D("0"), D("11"), D("367125"), D("3704625"), D(paid),
                       "Transfer ke BCA 123-456", dt.datetime(2026, 11, 3, tzinfo=dt.UTC), lines)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_parses_and_shows_the_invoice() -> None:
    pdf = render(_invoice(), "Kopi Kita Global", Party("PT Sinar Abadi", "Jl. Sudirman 1, Jakarta",
                                                       "01.234.567.8-901.000"), lang="id")
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    for expected in ("Kopi Kita Global", "FAKTUR", "INV/2026/11/0007", "3 November 2026", "3 Desember 2026",
                     "PT Sinar Abadi", "Jl. Sudirman 1, Jakarta", "NPWP: 01.234.567.8-901.000",
                     "Konsultasi bisnis (per jam)", "Lisensi <script>alert(1)</script>", "Rp 750.000",
                     "Rp 3.000.000", "Rp 337.500", "Subtotal Rp 3.337.500", "PPN 11% Rp 367.125",
                     "Total Rp 3.704.625", "Transfer ke BCA 123-456"):
        assert expected in text, expected
    assert "DRAF" not in text and "BATAL" not in text  # no watermark on an issued invoice


@pytest.mark.parametrize("status,lang,mark", [("draft", "id", "DRAF"), ("void", "id", "BATAL"),
                                              ("draft", "en", "DRAFT"), ("void", "en", "VOID")])
def test_drafts_and_void_invoices_carry_a_watermark(status: str, lang: str, mark: str) -> None:
    text = _text(render(_invoice(status, None if status == "draft" else "INV/2026/11/0008"), "Kopi", lang=lang))
    assert mark in text.split()


def test_uncompressed_streams_carry_the_number_in_plain_text() -> None:
    """With the core font and no compression the page stream itself is readable."""
    pdf = render(_invoice(), "Kopi Kita Global", lang="en", compress=False, unicode_font=False)
    assert b"INV/2026/11/0007" in pdf and b"Rp 3.704.625" in pdf and b"INVOICE" in pdf


def test_text_outside_latin1_never_breaks_the_core_font() -> None:
    pdf = render(_invoice(customer="株式会社 Kopi — “Jaya”"), "Kopi", lang="en", unicode_font=False)
    assert '? Kopi - "Jaya"' in _text(pdf)


def test_payments_show_paid_and_balance() -> None:
    text = _text(render(_invoice(paid="1000000"), "Kopi", lang="en"))
    assert "Paid Rp 1.000.000" in text and "Balance due Rp 2.704.625" in text


@pytest.mark.parametrize("amount,currency,lang,expected", [
    (D("1234567"), "IDR", "id", "Rp 1.234.567"),
    (D("1234567.5"), "IDR", "en", "Rp 1.234.568"),
    (D("0"), "IDR", "id", "Rp 0"),
    (D("-506250"), "IDR", "id", "-Rp 506.250"),
    (D("999"), "IDR", "id", "Rp 999"),
    (D("1234.5"), "USD", "en", "USD 1,234.50"),
    (D("1234.5"), "USD", "id", "USD 1.234,50"),
    (D("1000000"), "JPY", "en", "JPY 1,000,000"),
])
def test_money_format(amount: D, currency: str, lang: str, expected: str) -> None:
    assert format_money(amount, currency, lang) == expected


def test_invoice_pdf_through_the_service(as_role: Callable[..., TenantContext]) -> None:
    """Loaded with RBAC through the service: the issued number is on the document."""
    admin = as_role("admin")
    customer = create_customer(admin, CustomerIn("CV Cetak Faktur"))
    issued = invoices.create_and_issue(admin, invoices.DraftIn(customer.id, dt.date(2026, 11, 10),
                                                               [LineIn("Desain", D(1), D(1_500_000))]))
    name, pdf = invoice_pdf(as_role("staff"), issued.id, lang="en")
    assert issued.number is not None
    assert name == issued.number.replace("/", "-") + ".pdf"
    text = _text(pdf)
    assert issued.number in text and "CV Cetak Faktur" in text and "Total Rp 1.665.000" in text
