"""Benchmark: the PII masker against Microsoft Presidio on the same labelled text.

Generates a deterministic corpus of Indonesian business text (invoices, chats, emails;
at least 1 MB) in which every NIK, NPWP, phone number, email address, card number and
bank account number is labelled with its exact span, next to decoys that must not be
masked (invoice and order numbers, rupiah amounts, dates, times, product codes, postal
codes). Then, document by document:

  * our masker (core.ai.pii.Masker.detect);
  * Presidio's AnalyzerEngine (presidio-analyzer) with a no-op NLP engine (no spaCy model,
    nothing downloaded) and equivalent pattern recognizers: the same patterns, the same
    validators (NIK structure, Luhn for NPWP and cards, phone structure) and the same
    context-word rule for bank accounts, overlaps resolved by score then length.

A detection counts when its span and kind both match a label exactly. The last line is

    pii mb_s=<x> presidio_mb_s=<y> speedup=<x/y> recall_min=<r> precision_min=<p>

with recall_min and precision_min our masker's lowest over the six kinds.
Goals: recall >= 0.99 and precision >= 0.95 for every kind, speedup >= 20.

    .venv/bin/python bench/pii.py [--mb 1.0] [--seed 7] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.ai.pii import (
    ACCOUNT,
    CARD,
    EMAIL,
    NIK,
    NPWP,
    PHONE,
    Masker,
    _hint,
    card_ok,
    nik_ok,
    npwp15_ok,
    npwp16_ok,
    phone_ok,
    regions,
)

KINDS = (NIK, NPWP, PHONE, EMAIL, CARD, ACCOUNT)
Span = tuple[int, int, str]


# --- the corpus --------------------------------------------------------------------------------


@dataclass
class Doc:
    parts: list[str] = field(default_factory=list)
    labels: list[Span] = field(default_factory=list)
    size: int = 0

    def add(self, text: str, kind: str | None = None) -> None:
        if kind is not None:
            self.labels.append((self.size, self.size + len(text), kind))
        self.parts.append(text)
        self.size += len(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


class Faker:
    FIRST: ClassVar[list[str]] = ["Budi", "Sari", "Andi", "Dewi", "Rina", "Agus", "Putri", "Joko", "Wati",
        "Hendra", "Lestari", "Bambang", "Siti", "Rudi", "Maya", "Yusuf", "Indah", "Eko", "Fitri", "Dimas"]
    LAST: ClassVar[list[str]] = ["Santoso", "Wijaya", "Saputra", "Lestari", "Pratama", "Hidayat", "Kusuma",
        "Nugroho", "Siregar", "Harahap", "Simanjuntak", "Halim", "Gunawan", "Setiawan", "Wibowo"]
    COMPANIES: ClassVar[list[str]] = ["PT Maju Bersama", "CV Sinar Jaya", "PT Nusantara Logistik",
        "PT Sumber Rejeki", "CV Karya Mandiri", "PT Cahaya Abadi", "PT Mitra Sejahtera", "UD Berkah Tani"]
    DOMAINS: ClassVar[list[str]] = ["gmail.com", "yahoo.co.id", "outlook.com", "maju.co.id", "sinarjaya.id",
        "nusantara-log.com"]
    BANKS: ClassVar[list[str]] = ["BCA", "Mandiri", "BNI", "BRI", "BSI", "CIMB Niaga", "Permata", "Danamon"]
    MOBILE: ClassVar[list[str]] = ["811", "812", "813", "821", "822", "823", "852", "853", "856", "857", "858",
        "877", "878", "881", "882", "895", "896", "897", "898", "899"]
    AREAS: ClassVar[list[str]] = ["21", "22", "24", "31", "61", "274", "341", "361", "411", "431", "511", "541",
        "711", "751", "778"]
    ITEMS: ClassVar[list[str]] = ["Kertas A4 80gsm", "Tinta printer", "Jasa konsultasi", "Sewa gudang",
        "Kopi arabika 1kg", "Laptop 14 inci", "Biaya kirim", "Lisensi software", "Meja kerja", "Servis AC"]

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.regions = sorted(regions())

    def digits(self, n: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def name(self) -> str:
        return f"{self.r.choice(self.FIRST)} {self.r.choice(self.LAST)}"

    def nik(self) -> str:
        r = self.r
        while True:
            year = r.randint(1950, 2007)
            month = r.randint(1, 12)
            day = r.randint(1, 28)
            value = (f"{r.choice(self.regions)}{r.randint(1, 45):02d}{day + (40 if r.random() < 0.5 else 0):02d}"
                     f"{month:02d}{year % 100:02d}{r.randint(1, 9999):04d}")
            if nik_ok(value):
                return value if r.random() < 0.85 else " ".join(value[i:i + 4] for i in range(0, 16, 4))

    def npwp_digits(self) -> str:
        r = self.r
        payload = f"{r.choice(['01', '02', '03', '07', '08', '09', '31', '41', '56', '66', '76', '80', '92'])}" \
                  f"{r.randint(1, 999999):06d}"
        return payload + luhn_digit(payload) + f"{r.randint(1, 999):03d}{r.choice(['000', '000', '001', '002'])}"

    def npwp(self) -> str:
        d = self.npwp_digits()
        roll = self.r.random()
        if roll < 0.6:
            return f"{d[:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:]}"
        if roll < 0.8:
            return d
        return "0" + d  # the 16-digit form of a company's NPWP

    def phone(self) -> str:
        r = self.r
        if r.random() < 0.2:  # land line
            area = r.choice(self.AREAS)
            sub = self.digits(8 - len(area) + 1 if len(area) == 2 else 6 + r.randint(0, 1))
            sub = str(r.randint(2, 9)) + sub[1:]
            return r.choice([f"(0{area}) {sub[:3]}-{sub[3:]}", f"0{area}-{sub}", f"+62 {area} {sub}",
                             f"0{area} {sub}"])
        prefix = r.choice(self.MOBILE)
        rest = str(r.randint(1, 9)) + self.digits(r.choice([6, 7, 7, 8]))
        national = prefix + rest
        fmt = r.randint(0, 7)
        if fmt == 0:
            return f"0{national}"
        if fmt == 1:
            return f"0{national[:3]}-{national[3:7]}-{national[7:]}"
        if fmt == 2:
            return f"0{national[:3]} {national[3:7]} {national[7:]}"
        if fmt == 3:
            return f"+62 {national[:3]}-{national[3:7]}-{national[7:]}"
        if fmt == 4:
            return f"+62{national}"
        if fmt == 5:
            return f"62{national}"
        if fmt == 6:
            return f"+62 {national[:3]} {national[3:7]} {national[7:]}"
        return f"0{national[:3]}.{national[3:7]}.{national[7:]}"

    def email(self, name: str | None = None) -> str:
        r = self.r
        first, last = (name or self.name()).lower().split(" ", 1)
        local = r.choice([f"{first}.{last}", f"{first}{r.randint(1, 99)}", f"{first[0]}{last}", f"{first}_{last}",
                          r.choice(["finance", "ap", "cs", "admin", "billing"])])
        return f"{local}@{r.choice(self.DOMAINS)}"

    def card(self) -> str:
        r = self.r
        kind = r.randint(0, 3)
        if kind == 3:
            payload = r.choice(["34", "37"]) + self.digits(12)
            number = payload + luhn_digit(payload)
            return r.choice([number, f"{number[:4]} {number[4:10]} {number[10:]}"])
        head = {0: "4", 1: str(r.randint(51, 55)), 2: str(r.randint(3528, 3589))}[kind]
        payload = head + self.digits(15 - len(head))
        number = payload + luhn_digit(payload)
        sep = r.choice([" ", "-", ""])
        return sep.join(number[i:i + 4] for i in range(0, 16, 4))

    def account(self) -> tuple[str, str]:
        r = self.r
        bank = r.choice(self.BANKS)
        n = {"BCA": 10, "BNI": 10, "BSI": 10, "Mandiri": 13, "BRI": 15}.get(bank, r.choice([10, 12, 14]))
        number = str(r.randint(1, 9)) + self.digits(n - 1)
        if bank == "Mandiri" and r.random() < 0.5:
            number = f"{number[:3]}-{number[3:5]}-{number[5:12]}-{number[12:]}"
        elif bank == "BRI" and r.random() < 0.5:
            number = f"{number[:4]}-{number[4:6]}-{number[6:12]}-{number[12:14]}-{number[14:]}"
        return bank, number

    # decoys: numbers a business text is full of, none of them personal data
    def amount(self) -> str:
        value = self.r.randint(10, 900_000) * 1000
        return "Rp " + f"{value:,}".replace(",", ".") + self.r.choice(["", "", ",00", ",-"])

    def date(self) -> str:
        r = self.r
        d, m = r.randint(1, 28), r.randint(1, 12)
        return r.choice([f"{d:02d}/{m:02d}/2026", f"2026-{m:02d}-{d:02d}", f"{d:02d}-{m:02d}-2026",
                         f"{d} {['Januari', 'Maret', 'Juni', 'November'][m % 4]} 2026"])

    def invoice_no(self) -> str:
        return f"INV/2026/{self.r.randint(1, 12):02d}/{self.r.randint(1, 9999):04d}"

    def code(self) -> str:
        r = self.r
        return r.choice([f"SKU-{r.randint(10000, 99999)}-{r.choice(['XL', 'L', 'M', 'S'])}",
                         f"PO-2026-{r.randint(1, 999999):06d}", f"SO/2026/{r.randint(1, 999999):06d}",
                         f"PRD-{r.randint(100, 999)}-{r.randint(10000, 99999)}", f"DO-{r.randint(1000, 9999)}-2026",
                         f"order #{r.randint(20260101, 20261231)}"])


NOTES_ID = [
    "Mohon pembayaran dilakukan paling lambat {date} agar pengiriman berikutnya tidak tertunda.",
    "Barang yang sudah dibeli tidak dapat ditukar kecuali ada cacat produksi yang dilaporkan dalam 7 hari.",
    "Harga sudah termasuk PPN 11% dan ongkos kirim ke wilayah Jabodetabek.",
    "Terima kasih atas kepercayaan Anda kepada {company}.",
    "Untuk pertanyaan lebih lanjut silakan balas email ini pada jam kerja, Senin sampai Jumat pukul 08.00-17.00.",
    "Tim gudang akan menyiapkan pesanan {code} setelah pembayaran dikonfirmasi oleh bagian keuangan.",
    "Kami menawarkan diskon 5% untuk pembelian di atas {amount} selama bulan ini.",
    "Laporan penjualan bulan lalu menunjukkan kenaikan 12% dibandingkan periode yang sama tahun sebelumnya.",
    "Rapat koordinasi dengan vendor dijadwalkan ulang menjadi {date} di ruang rapat lantai 3.",
    "Stok {item} tinggal 40 unit dan perlu dipesan ulang minggu depan.",
    "Keterlambatan pembayaran dikenakan denda 2% per bulan dari total tagihan.",
    "Faktur ini sah tanpa tanda tangan karena dibuat secara elektronik.",
]
NOTES_EN = [
    "Thanks for the quick turnaround on the last shipment.",
    "The finance team closes the books on the 25th of every month, so please send receipts before then.",
    "Please make sure the purchase order {code} is attached to the invoice.",
    "We noticed the delivery note for {code} was missing a signature.",
    "Our auditors asked for a copy of every invoice above {amount} issued since {date}.",
    "Could you confirm whether the {item} in the last order can be returned?",
]
SMALL_TALK = [
    "Oke siap, nanti saya kabari lagi ya.", "Barangnya sudah sampai, terima kasih banyak!",
    "Maaf baru balas, tadi lagi meeting.", "Bisa dikirim besok pagi?", "Siap, ditunggu konfirmasinya.",
    "Baik, saya cek dulu ke gudang.", "Mantap, makasih ya!", "Untuk ukuran XL masih ada stok?",
]


def prose(f: Faker, pool: list[str], n: int) -> str:
    return " ".join(f.r.choice(pool).format(date=f.date(), company=f.r.choice(f.COMPANIES), code=f.code(),
                                            amount=f.amount(), item=f.r.choice(f.ITEMS)) for _ in range(n))


def invoice(f: Faker, doc: Doc) -> None:
    r = f.r
    company, buyer = r.choice(f.COMPANIES), r.choice(f.COMPANIES)
    doc.add(f"FAKTUR {f.invoice_no()}\nTanggal: {f.date()}   Jatuh tempo: {f.date()}\nDari: {company}\nNPWP: ")
    doc.add(f.npwp(), NPWP)
    doc.add(f"\nKepada: {buyer}\nNPWP pembeli: ")
    doc.add(f.npwp(), NPWP)
    doc.add(f"\nAlamat: Jl. {r.choice(['Sudirman', 'Thamrin', 'Gatot Subroto', 'Diponegoro'])} No. "
            f"{r.randint(1, 200)}, Jakarta {r.randint(10110, 14450)}\nTelp: ")
    doc.add(f.phone(), PHONE)
    doc.add("  Email: ")
    doc.add(f.email(), EMAIL)
    doc.add("\n")
    for _ in range(r.randint(2, 5)):
        doc.add(f"- {r.choice(f.ITEMS)} ({f.code()}) qty {r.randint(1, 500)} x {f.amount()}\n")
    doc.add(f"PPN 11%: {f.amount()}\nTotal: {f.amount()}\nPembayaran ke rekening ")
    bank, number = f.account()
    doc.add(f"{bank} ")
    doc.add(number, ACCOUNT)
    doc.add(f" a.n. {company}. Ref {f.code()}.\nCatatan: {prose(f, NOTES_ID, r.randint(2, 5))}\n\n")


def chat(f: Faker, doc: Doc) -> None:
    r = f.r
    who, admin = f.name(), "Admin"
    hour = r.randint(8, 20)

    def line(speaker: str) -> None:
        nonlocal hour
        doc.add(f"[{f.date()} {hour:02d}:{r.randint(0, 59):02d}] {speaker}: ")

    line(who)
    doc.add(r.choice(["Pak, ini NIK saya ", "Bu, data KTP saya ", "NIK: "]))
    doc.add(f.nik(), NIK)
    doc.add(" buat daftar member ya.\n")
    line(admin)
    doc.add(f"{prose(f, SMALL_TALK, 2)} Untuk pesanan {f.code()} totalnya {f.amount()}, nomor HP aktif?\n")
    for _ in range(r.randint(1, 4)):
        line(r.choice([who, admin]))
        doc.add(prose(f, SMALL_TALK, r.randint(1, 2)) + "\n")
    line(who)
    doc.add(r.choice(["WA saya ", "HP ", "bisa hubungi ", "telp "]))
    doc.add(f.phone(), PHONE)
    if r.random() < 0.5:
        doc.add(" atau ")
        doc.add(f.phone(), PHONE)
    doc.add(f", kirim ke jam {r.randint(9, 17)}:00 aja.\n")
    line(admin)
    doc.add(r.choice(["Bayar pakai kartu kredit ", "Kartu yang dipakai ", "Card no. "]))
    doc.add(f.card(), CARD)
    doc.add(f" sudah kami terima, faktur {f.invoice_no()}.\n")
    if r.random() < 0.5:
        line(who)
        doc.add("Refund ke rekening ")
        bank, number = f.account()
        doc.add(f"{bank} ")
        doc.add(number, ACCOUNT)
        doc.add(f" ya, jumlahnya {f.amount()}. Makasih {r.randint(1, 99)}%!\n")
    doc.add("\n")


def email(f: Faker, doc: Doc) -> None:
    r = f.r
    sender = f.name()
    doc.add("From: ")
    doc.add(f.email(sender), EMAIL)
    doc.add("\nTo: ")
    doc.add(f.email(), EMAIL)
    doc.add(f"\nSubject: Refund for {f.code()} ({f.invoice_no()})\n\nHi team,\n\n"
            f"{prose(f, NOTES_EN, r.randint(2, 4))}\n\n"
            f"Please refund {f.amount()} for the order of {f.date()} to my card ")
    doc.add(f.card(), CARD)
    doc.add(" or to account no. ")
    _, number = f.account()
    doc.add(number, ACCOUNT)
    doc.add(". For your records my KTP is ")
    doc.add(f.nik(), NIK)
    if r.random() < 0.5:
        doc.add(" and my personal NPWP is ")
        doc.add(f.nik().replace(" ", ""), NPWP)  # the 16-digit NPWP of an individual is their NIK
    else:
        doc.add(" and the company NPWP is ")
        doc.add(f.npwp(), NPWP)
    doc.add(f". Version 2.{r.randint(0, 9)}.{r.randint(0, 9)} of the app crashed at "
            f"{r.randint(10, 23)}:{r.randint(10, 59)}; call me at ")
    doc.add(f.phone(), PHONE)
    doc.add(f".\n\nRegards,\n{sender}\n\n")


def corpus(mb: float, seed: int) -> list[Doc]:
    f = Faker(seed)
    docs: list[Doc] = []
    total = 0
    makers: list[Callable[[Faker, Doc], None]] = [invoice, chat, email]
    while total < mb * 1_000_000:
        doc = Doc()  # one invoice, chat or email: what one request to a model carries
        f.r.choice(makers)(f, doc)
        docs.append(doc)
        total += len(doc.text.encode())
    return docs


# --- Presidio, configured with equivalent recognizers ---------------------------------------------


def presidio_engine() -> object:
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry, RecognizerResult
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    class Checked(PatternRecognizer):  # type: ignore[misc]
        """A pattern recognizer with our validator; `kind` decides with the nearest context word."""

        def __init__(self, entity: str, patterns: list[tuple[str, float]], check: Callable[[str, str | None], bool]):
            super().__init__(supported_entity=entity, supported_language="id",
                             patterns=[Pattern(f"{entity}-{i}", rx, score) for i, (rx, score) in enumerate(patterns)])
            self.check = check

        def analyze(self, text: str, entities: list[str], nlp_artifacts: object = None,
                    regex_flags: int | None = None) -> list[RecognizerResult]:
            results = super().analyze(text, entities, nlp_artifacts, regex_flags)
            return [res for res in results if self.check(text[res.start:res.end], _hint(text, res.start))]

    def digits(s: str) -> str:
        return "".join(c for c in s if c.isdigit())

    b, e = r"(?<![\w@/\\.,:+\-])", r"(?![\w@]|[.,/:\-]\d)"
    recognizers = [
        PatternRecognizer(supported_entity=EMAIL, supported_language="id", patterns=[Pattern(
            "email", r"(?<![\w.%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}(?![\w\-])",
            1.0)]),
        Checked(NPWP, [(b + r"\d{2}\.\d{3}\.\d{3}\.\d[-.]\d{3}\.\d{3}" + e, 0.95), (b + r"\d{15,16}" + e, 0.95)],
                lambda s, h: npwp15_ok(digits(s)) or npwp16_ok(digits(s)) or (h == "npwp" and nik_ok(digits(s)))),
        Checked(NIK, [(b + r"\d{16}" + e, 0.9), (b + r"\d{4} \d{4} \d{4} \d{4}" + e, 0.9)],
                lambda s, h: nik_ok(digits(s)) and h not in ("npwp", "account", "card")),
        Checked(CARD, [(b + r"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}" + e, 0.85), (b + r"3[47]\d{13}" + e, 0.85),
                       (b + r"3[47]\d{2} \d{6} \d{5}" + e, 0.85)],
                lambda s, h: card_ok(digits(s)) and h != "account"),
        Checked(PHONE, [(b + r"\+?62[ -]?\(?\d{2,3}\)?(?:[ .\-]?\d{2,5}){1,4}" + e, 0.8),
                        (b + r"\(0\d{2,3}\)[ ]?\d{3,4}[ .\-]?\d{3,4}" + e, 0.8),
                        (b + r"0\d{2,4}(?:[ .\-]?\d{2,5}){1,4}" + e, 0.8)],
                lambda s, h: phone_ok(s, digits(s)) and h != "account"),
        Checked(ACCOUNT, [(b + r"\d(?:[ \-]?\d){7,17}" + e, 0.7)],
                lambda s, h: h == "account" and not (len(digits(s)) == 16 and nik_ok(digits(s)))),
    ]
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["id"])
    nlp = NoOpNlpEngine(models=[{"lang_code": "id", "model_name": "none"}])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["id"])


def presidio_detect(engine: object, text: str) -> list[Span]:
    results = engine.analyze(text=text, language="id")  # type: ignore[attr-defined]
    chosen: list[Span] = []
    taken: list[tuple[int, int]] = []
    for res in sorted(results, key=lambda x: (-x.score, -(x.end - x.start), x.start)):
        if all(res.end <= s or res.start >= t for s, t in taken):
            chosen.append((res.start, res.end, res.entity_type))
            taken.append((res.start, res.end))
    return sorted(chosen)


# --- scoring and timing -------------------------------------------------------------------------------


def score(docs: list[Doc], predictions: list[list[Span]]) -> dict[str, tuple[float, float, int]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for doc, predicted in zip(docs, predictions, strict=True):
        truth, got = set(doc.labels), set(predicted)
        for span in got & truth:
            tp[span[2]] += 1
        for span in got - truth:
            fp[span[2]] += 1
        for span in truth - got:
            fn[span[2]] += 1
    out = {}
    for kind in KINDS:
        precision = tp[kind] / (tp[kind] + fp[kind]) if tp[kind] + fp[kind] else 1.0
        recall = tp[kind] / (tp[kind] + fn[kind]) if tp[kind] + fn[kind] else 1.0
        out[kind] = (precision, recall, tp[kind] + fn[kind])
    return out


def timed(fn: Callable[[str], Iterable[object]], texts: list[str], repeat: int) -> tuple[float, list[object]]:
    best, results = float("inf"), []
    for _ in range(repeat):
        start = time.perf_counter()
        results = [fn(t) for t in texts]
        best = min(best, time.perf_counter() - start)
    return best, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=1.0, help="corpus size in MB (at least 1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each engine (the best counts)")
    args = parser.parse_args()

    docs = corpus(max(1.0, args.mb), args.seed)
    texts = [d.text for d in docs]
    size_mb = sum(len(t.encode()) for t in texts) / 1_000_000
    labels = Counter(kind for d in docs for _, _, kind in d.labels)
    print(f"corpus: {size_mb:.2f} MB in {len(docs)} documents; labels: "
          + ", ".join(f"{k}={labels[k]}" for k in KINDS))

    masker = Masker()
    ours_s, ours_raw = timed(lambda t: [(e.start, e.end, e.kind) for e in masker.detect(t)], texts, args.repeat)
    ours = score(docs, ours_raw)  # type: ignore[arg-type]
    ours_mb_s = size_mb / ours_s

    try:
        engine = presidio_engine()
    except ImportError:
        print("presidio-analyzer is not installed (pip install presidio-analyzer==2.2.366): no reference run",
              file=sys.stderr)
        return 2
    for text in texts[:20]:  # warm both up (lazy set-up, regex caches) before timing
        presidio_detect(engine, text)
        masker.detect(text)
    presidio_s, presidio_raw = timed(lambda t: presidio_detect(engine, t), texts, args.repeat)
    theirs = score(docs, presidio_raw)  # type: ignore[arg-type]
    presidio_mb_s = size_mb / presidio_s

    print(f"{'kind':8} {'labels':>7} {'precision':>10} {'recall':>8}   {'presidio P':>10} {'presidio R':>10}")
    for kind in KINDS:
        p, r, n = ours[kind]
        pp, pr, _ = theirs[kind]
        print(f"{kind:8} {n:7d} {p:10.4f} {r:8.4f}   {pp:10.4f} {pr:10.4f}")
    print(f"our masker: {ours_s:.3f} s, presidio: {presidio_s:.3f} s (best of {args.repeat} runs each)")
    recall_min = min(r for _, r, _ in ours.values())
    precision_min = min(p for p, _, _ in ours.values())
    print(f"pii mb_s={ours_mb_s:.2f} presidio_mb_s={presidio_mb_s:.3f} speedup={ours_mb_s / presidio_mb_s:.1f} "
          f"recall_min={recall_min:.4f} precision_min={precision_min:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
