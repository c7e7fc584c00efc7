"""The printable invoice: an A4 PDF made with fpdf2.

`render` is pure (an InvoiceView in, bytes out) so the UI, the API and an email job can all
use it; `invoice_pdf` loads the invoice through the service (RBAC applies) and renders it.
Amounts are formatted exactly from the stored decimals (Rp 1.234.567); drafts and void
invoices carry a large diagonal watermark so they cannot be mistaken for a valid bill.

Text is set in DejaVu Sans when the font is installed (any script prints); otherwise in
the PDF core font Helvetica, with characters outside Latin-1 replaced by "?".
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from core.context import TenantContext
from core.invoices.calc import EXPONENT
from core.invoices.service import InvoiceView, get_invoice

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PRIMARY = (30, 64, 175)
MUTED = (100, 116, 139)
LINE = (226, 232, 240)

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "title": "FAKTUR", "number": "Nomor", "issue_date": "Tanggal faktur", "due_date": "Jatuh tempo",
        "status": "Status", "bill_to": "Ditagihkan kepada", "npwp": "NPWP", "description": "Deskripsi",
        "qty": "Jml", "unit_price": "Harga satuan", "disc": "Disk.", "amount": "Jumlah", "subtotal": "Subtotal",
        "discount": "Diskon", "tax_base": "Dasar pengenaan pajak (DPP)", "tax": "PPN {rate}%", "total": "Total",
        "paid": "Sudah dibayar", "balance": "Sisa tagihan", "notes": "Catatan",
        "draft_number": "(draf, belum bernomor)",
        "footer": "Dibuat dengan Business OS", "page": "Halaman {page}/{pages}",
        "draft": "DRAF", "void": "BATAL", "sent": "Terkirim", "paid_status": "Lunas",
        "overdue": "Lewat jatuh tempo",
    },
    "en": {
        "title": "INVOICE", "number": "Number", "issue_date": "Issue date", "due_date": "Due date",
        "status": "Status", "bill_to": "Bill to", "npwp": "Tax ID (NPWP)", "description": "Description",
        "qty": "Qty", "unit_price": "Unit price", "disc": "Disc.", "amount": "Amount", "subtotal": "Subtotal",
        "discount": "Discount", "tax_base": "Tax base", "tax": "VAT (PPN) {rate}%", "total": "Total",
        "paid": "Paid", "balance": "Balance due", "notes": "Notes", "draft_number": "(draft, not numbered yet)",
        "footer": "Made with Business OS", "page": "Page {page}/{pages}",
        "draft": "DRAFT", "void": "VOID", "sent": "Sent", "paid_status": "Paid", "overdue": "Overdue",
    },
}
MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}


_ASCII = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
                        "\u201d": '"', "\u2026": "...", "\u00a0": " "})


@dataclass(frozen=True)
class Party:
    """Who the invoice is addressed to (the customer's printable details)."""

    name: str
    address: str | None = None
    npwp: str | None = None
    email: str | None = None


def _group(digits: str, sep: str) -> str:
    out: list[str] = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def format_number(value: Decimal, places: int, lang: str = "id") -> str:
    """1234567.5 -> 1.234.567,50 (id) or 1,234,567.50 (en); exact, no float."""
    thousands, decimal_mark = (".", ",") if lang == "id" else (",", ".")
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    text = _group(whole, thousands)
    return f"{sign}{text}{decimal_mark}{frac}" if places else f"{sign}{text}"


def format_money(amount: Decimal, currency: str = "IDR", lang: str = "id") -> str:
    """Rp 1.234.567 for rupiah; 'USD 1,234.50' style for other currencies."""
    places = EXPONENT.get(currency, 2)
    if currency == "IDR":
        text = format_number(amount, 0, "id")
        return f"-Rp {text[1:]}" if text.startswith("-") else f"Rp {text}"
    return f"{currency} {format_number(amount, places, lang)}"


def format_quantity(value: Decimal, lang: str = "id") -> str:
    text = f"{value.normalize():f}"
    whole, _, frac = text.partition(".")
    whole = _group(whole.lstrip("-"), "." if lang == "id" else ",")
    return whole + (("," if lang == "id" else ".") + frac if frac else "")


def format_date(day: dt.date, lang: str = "id") -> str:
    months = MONTHS.get(lang, MONTHS["en"])
    return f"{day.day} {months[day.month - 1]} {day.year}"


class _Document(FPDF):
    def __init__(self, labels: dict[str, str], watermark: str | None, font: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.labels, self.watermark, self.base_font = labels, watermark, font
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=22)

    def header(self) -> None:
        if not self.watermark:
            return
        with self.local_context(fill_opacity=0.10, text_color=(220, 38, 38)):
            self.set_font(self.base_font, "B", 96)
            with self.rotation(35, self.w / 2, self.h / 2):
                width = self.get_string_width(self.watermark)
                self.text(self.w / 2 - width / 2, self.h / 2 + 12, self.watermark)
        self.set_xy(self.l_margin, self.t_margin)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.base_font, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.labels["footer"], align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, self.labels["page"].format(page=self.page_no(), pages="{nb}"), align="R")


def _font_files() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def render(invoice: InvoiceView, company: str, customer: Party | None = None, *, lang: str = "id",
           compress: bool = True, unicode_font: bool = True) -> bytes:
    """The invoice as PDF bytes. `compress=False` keeps the page streams readable (tests)."""
    labels = LABELS.get(lang, LABELS["en"])
    fonts = _font_files() if unicode_font else None
    watermark = labels["draft"] if invoice.status == "draft" else labels["void"] if invoice.status == "void" else None
    pdf = _Document(labels, watermark, "DejaVu" if fonts else "Helvetica")
    if fonts:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))

    def txt(value: str | None) -> str:
        text = value or ""
        if fonts:
            return text
        return text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")

    def money(amount: Decimal) -> str:
        return format_money(amount, invoice.currency, lang)

    pdf.set_compression(compress)
    pdf.set_title(txt(f"{labels['title']} {invoice.number or ''}".strip()))
    pdf.set_author(txt(company))
    pdf.set_creator("Business OS")
    pdf.set_creation_date(dt.datetime.combine(invoice.issue_date, dt.time(), tzinfo=dt.UTC))
    pdf.add_page()
    f = pdf.base_font
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Company and title.
    pdf.set_font(f, "B", 17)
    pdf.set_text_color(15, 23, 42)
    pdf.multi_cell(width * 0.6, 8, txt(company), new_x=XPos.LMARGIN, new_y=YPos.TOP)
    pdf.set_font(f, "B", 22)
    pdf.set_text_color(*PRIMARY)
    pdf.cell(0, 9, labels["title"], align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)

    # Meta (right) and bill-to (left).
    top = pdf.get_y()
    status_key = {"paid": "paid_status"}.get(invoice.status, invoice.status)
    meta = [
        (labels["number"], invoice.number or labels["draft_number"]),
        (labels["issue_date"], format_date(invoice.issue_date, lang)),
        (labels["due_date"], format_date(invoice.due_date, lang)),
        (labels["status"], labels.get(status_key, invoice.status).capitalize()),
    ]
    x_meta = pdf.l_margin + width * 0.55
    for label, value in meta:
        pdf.set_x(x_meta)
        pdf.set_font(f, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(width * 0.18, 6, label)
        pdf.set_font(f, "B", 9)
        pdf.set_text_color(15, 23, 42)
        pdf.cell(width * 0.27, 6, txt(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom_meta = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(f, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 6, labels["bill_to"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    party = customer or Party(invoice.customer_name)
    pdf.set_font(f, "B", 11)
    pdf.set_text_color(15, 23, 42)
    pdf.multi_cell(width * 0.5, 6, txt(party.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(f, "", 9)
    for extra in (party.address, party.email, f"{labels['npwp']}: {party.npwp}" if party.npwp else None):
        if extra:
            pdf.multi_cell(width * 0.5, 5, txt(extra), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), bottom_meta) + 8)

    # Lines.
    pdf.set_font(f, "", 9)
    pdf.set_draw_color(*LINE)
    headings = ("#", labels["description"], labels["qty"], labels["unit_price"], labels["disc"], labels["amount"])
    with pdf.table(col_widths=(6, 62, 12, 26, 11, 29), text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=6.5, headings_style=FontFace(emphasis="BOLD", color=MUTED, fill_color=(241, 245, 249)),
                   borders_layout="HORIZONTAL_LINES", padding=1.5) as table:
        head = table.row()
        for heading in headings:
            head.cell(heading)
        for line in invoice.lines:
            row = table.row()
            row.cell(str(line.position))
            row.cell(txt(line.description))
            row.cell(format_quantity(line.quantity, lang))
            row.cell(money(line.unit_price))
            row.cell(f"{format_quantity(line.discount_pct, lang)}%" if line.discount_pct else "-")
            row.cell(money(line.line_total))
    pdf.ln(4)

    # Totals.
    rate = format_quantity(invoice.tax_rate, lang)
    totals: list[tuple[str, str, bool]] = [(labels["subtotal"], money(invoice.subtotal), False)]
    if invoice.discount_amount:
        totals += [(labels["discount"], "-" + money(invoice.discount_amount), False),
                   (labels["tax_base"], money(invoice.subtotal - invoice.discount_amount), False)]
    totals += [(labels["tax"].format(rate=rate), money(invoice.tax_amount), False),
               (labels["total"], money(invoice.total), True)]
    if invoice.amount_paid:
        totals += [(labels["paid"], money(invoice.amount_paid), False),
                   (labels["balance"], money(invoice.balance), True)]
    for label, value, strong in totals:
        pdf.set_x(pdf.l_margin + width * 0.5)
        pdf.set_font(f, "B" if strong else "", 11 if strong else 9)
        pdf.set_text_color(*(PRIMARY if strong else (15, 23, 42)))
        pdf.cell(width * 0.28, 7 if strong else 6, label)
        pdf.cell(width * 0.22, 7 if strong else 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    if invoice.notes:
        pdf.ln(6)
        pdf.set_font(f, "B", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 6, labels["notes"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(f, "", 9)
        pdf.set_text_color(15, 23, 42)
        pdf.multi_cell(0, 5, txt(invoice.notes), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def file_name(invoice: InvoiceView) -> str:
    label = (invoice.number or f"draft-{str(invoice.id)[:8]}").replace("/", "-")
    return f"{label}.pdf"


def invoice_pdf(ctx: TenantContext, invoice_id: uuid.UUID, customer: Party | None = None, *,
                lang: str = "id") -> tuple[str, bytes]:
    """Load an invoice (invoice.read) and render it; returns (file name, PDF bytes)."""
    invoice = get_invoice(ctx, invoice_id)
    return file_name(invoice), render(invoice, ctx.name, customer, lang=lang)
