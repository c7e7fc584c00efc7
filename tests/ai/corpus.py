"""A labelled corpus of prompts full of Indonesian personal data: each prompt with the
values that must never reach a model, and decoys that must stay as they are."""

from __future__ import annotations

CORPUS: list[tuple[str, list[str]]] = [
    ("Tolong ringkas keluhan pelanggan: Ibu Sari (NIK 3171015708450001, HP 0812-3456-7890) belum menerima "
     "barang untuk faktur INV/2026/11/0001 senilai Rp 1.234.567.",
     ["3171015708450001", "0812-3456-7890"]),
    ("Buat email penagihan untuk PT Maju Jaya, NPWP 01.312.166.0-091.000, kontak finance+ar@pt-maju.co.id, "
     "jatuh tempo 30/11/2026.",
     ["01.312.166.0-091.000", "finance+ar@pt-maju.co.id"]),
    ("Pembayaran diterima dari rekening BCA 1234567890 a.n. Budi Santoso, telp +62 811 2345 678.",
     ["1234567890", "+62 811 2345 678"]),
    ("Customer paid with card 4111 1111 1111 1111 and asked for a receipt at budi.santoso@gmail.com.",
     ["4111 1111 1111 1111", "budi.santoso@gmail.com"]),
    ("Data karyawan baru: NIK 3273012902000003, NPWP 3273012902000003, WA 6281399998888, "
     "gaji ke rek. Mandiri 123-00-1234567-8.",
     ["3273012902000003", "6281399998888", "123-00-1234567-8"]),
    ("Vendor CV Sinar (NPWP 02.183.241.5-000.000) minta PO-2026-000123 dikirim ke kantor (021) 555-1234.",
     ["02.183.241.5-000.000", "(021) 555-1234"]),
    ("Reminder: Pak Andi 0813 1111 2222 and Bu Rina 0813-1111-2223 share the account 0987654321 (BNI).",
     ["0813 1111 2222", "0813-1111-2223", "0987654321"]),
    ("Refund Rp 2.500.000 ke kartu kredit 5500-0000-0000-0004 milik pelanggan dengan KTP 5171042512990002.",
     ["5500-0000-0000-0004", "5171042512990002"]),
    ("Ringkas: supplier baru, email cs@toko-online.id, hp +6281234567890, NPWP 016090524017000, SKU-88123-XL.",
     ["cs@toko-online.id", "+6281234567890", "016090524017000"]),
    ("Jadwalkan rapat dengan Ibu Dewi (0274 512345, dewi@ugm.ac.id) tanggal 2026-12-01 pukul 14:30.",
     ["0274 512345", "dewi@ugm.ac.id"]),
    ("Tagihan listrik Rp 62.500.000; kirim bukti ke ap@maju.co.id; Amex 378282246310005 untuk biaya hotel.",
     ["ap@maju.co.id", "378282246310005"]),
    ("Karyawan dengan NIK 9171011010800001 mengubah rekening BRI 0023 01 000123 50 6; hubungi 0812.9876.5432.",
     ["9171011010800001", "0023 01 000123 50 6", "0812.9876.5432"]),
]

DECOYS = ["INV/2026/11/0001", "Rp 1.234.567", "30/11/2026", "PO-2026-000123", "SKU-88123-XL", "2026-12-01",
          "14:30", "Rp 62.500.000", "Rp 2.500.000"]


def digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())
