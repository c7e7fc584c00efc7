"""Every UI string, in Bahasa Indonesia and English, and IDR/date formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    "app.title": {"id": "Business OS", "en": "Business OS"},
    "app.tagline": {
        "id": "Faktur, pengeluaran, proyek, dan pengetahuan perusahaan, dalam satu tempat.",
        "en": "Invoices, spending, projects and company knowledge, in one place.",
    },
    "login.title": {"id": "Masuk", "en": "Sign in"},
    "login.email": {"id": "Email", "en": "Email"},
    "login.password": {"id": "Kata sandi", "en": "Password"},
    "login.submit": {"id": "Masuk", "en": "Sign in"},
    "login.failed": {"id": "Email atau kata sandi salah.", "en": "Wrong email or password."},
    "login.no_company": {
        "id": "Akun ini belum menjadi anggota perusahaan mana pun.",
        "en": "This account is not a member of any company yet.",
    },
    "logout": {"id": "Keluar", "en": "Sign out"},
    "company.switch": {"id": "Perusahaan", "en": "Company"},
    "language": {"id": "Bahasa", "en": "Language"},
    "nav.home": {"id": "Beranda", "en": "Home"},
    "home.welcome": {"id": "Selamat datang, {name}", "en": "Welcome, {name}"},
    "home.tier": {"id": "Paket", "en": "Tier"},
    "home.region": {"id": "Lokasi data", "en": "Data region"},
    "home.status": {"id": "Status", "en": "Status"},
    "home.role": {"id": "Peran Anda", "en": "Your role"},
    "home.customers": {"id": "Pelanggan", "en": "Customers"},
    "home.invoices": {"id": "Faktur", "en": "Invoices"},
    "home.receivables": {"id": "Piutang belum dibayar", "en": "Outstanding receivables"},
    "home.spending_month": {"id": "Pengeluaran bulan ini", "en": "Spending this month"},
    "home.residency": {
        "id": "Data perusahaan ini disimpan di server {server}, basis data {database}, skema {schema}.",
        "en": "This company's data is stored on server {server}, database {database}, schema {schema}.",
    },
    "home.empty": {
        "id": "Belum ada data. Mulailah dengan menambahkan pelanggan dan faktur pertama Anda.",
        "en": "No data yet. Start by adding your first customer and invoice.",
    },
    "access.denied": {
        "id": "Anda tidak memiliki izin untuk membuka halaman ini (izin yang diperlukan: {permission}).",
        "en": "You do not have permission to open this page (missing permission: {permission}).",
    },
    "common.save": {"id": "Simpan", "en": "Save"},
    "common.saved": {"id": "Tersimpan.", "en": "Saved."},
    "common.delete": {"id": "Hapus", "en": "Delete"},
    "common.export_csv": {"id": "Unduh CSV", "en": "Download CSV"},
    "nav.employees": {"id": "Karyawan", "en": "Employees"},
    "nav.roles": {"id": "Peran & izin", "en": "Roles & permissions"},
    "employees.title": {"id": "Karyawan", "en": "Employees"},
    "employees.empty": {"id": "Belum ada karyawan. Tambahkan yang pertama di bawah.",
                        "en": "No employees yet. Add the first one below."},
    "employees.name": {"id": "Nama lengkap", "en": "Full name"},
    "employees.position": {"id": "Jabatan", "en": "Position"},
    "employees.department": {"id": "Departemen", "en": "Department"},
    "employees.email": {"id": "Email", "en": "Email"},
    "employees.salary": {"id": "Gaji", "en": "Salary"},
    "employees.add": {"id": "Tambah karyawan", "en": "Add an employee"},
    "roles.title": {"id": "Peran & izin", "en": "Roles & permissions"},
    "roles.caption": {"id": "Peran sistem (Admin, Manajer, Staf) dan peran khusus perusahaan Anda.",
                      "en": "System roles (Admin, Manager, Staff) and your company's custom roles."},
    "roles.edit": {"id": "Peran khusus", "en": "Custom roles"},
    "roles.pick": {"id": "Pilih peran", "en": "Choose a role"},
    "roles.new": {"id": "+ Peran baru", "en": "+ New role"},
    "roles.key": {"id": "Kode peran", "en": "Role key"},
    "roles.key_help": {"id": "Huruf kecil, angka, garis bawah; contoh: finance_lead",
                       "en": "Lowercase letters, digits, underscores; e.g. finance_lead"},
    "roles.name": {"id": "Nama", "en": "Name"},
    "roles.description": {"id": "Keterangan", "en": "Description"},
    "roles.permissions": {"id": "Izin", "en": "Permissions"},
    "roles.confirm_delete": {"id": "Ya, hapus peran {key}", "en": "Yes, delete the role {key}"},
    "tier.shared": {"id": "Bersama", "en": "Shared"},
    "tier.schema": {"id": "Skema terpisah", "en": "Own schema"},
    "tier.dedicated": {"id": "Basis data khusus", "en": "Dedicated database"},
    "region.global": {"id": "Global", "en": "Global"},
    "region.id": {"id": "Indonesia", "en": "Indonesia"},
    "role.admin": {"id": "Admin", "en": "Admin"},
    "role.manager": {"id": "Manajer", "en": "Manager"},
    "role.staff": {"id": "Staf", "en": "Staff"},
}


def t(key: str, lang: str = "id", **values: Any) -> str:
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def idr(amount: Decimal | int | float | None) -> str:
    """Rupiah with dot thousands separators and no decimals: Rp 1.234.567."""
    if amount is None:
        return "Rp 0"
    value = Decimal(amount).quantize(Decimal("1"))
    sign = "-" if value < 0 else ""
    return f"{sign}Rp {abs(int(value)):,}".replace(",", ".")


def idr_short(amount: Decimal | int | float | None, lang: str = "id") -> str:
    """Compact rupiah for headline figures: Rp 300,6 jt / Rp 1,2 M (id), Rp 300.6M / Rp 1.2B (en)."""
    value = Decimal(amount or 0)
    units = [(Decimal(10) ** 12, "T", "T"), (Decimal(10) ** 9, "M", "B"), (Decimal(10) ** 6, "jt", "M"),
             (Decimal(10) ** 3, "rb", "K")]
    for size, short_id, short_en in units:
        if abs(value) >= size:
            number = f"{value / size:.1f}"
            if lang == "id":
                return f"Rp {number.replace('.', ',')} {short_id}"
            return f"Rp {number}{short_en}"
    return idr(value)


MONTHS_ID = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
             "Oktober", "November", "Desember"]


def date_label(day: dt.date, lang: str = "id") -> str:
    if lang == "id":
        return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"
    return day.strftime("%d %b %Y")
