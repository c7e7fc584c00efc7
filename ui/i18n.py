"""Every UI string, in Bahasa Indonesia and English, and IDR/date formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    # --- identity: sign-up, sign-in, password reset, invitations, members -------------
    "login.subtitle": {"id": "Masuk ke akun perusahaan Anda.", "en": "Sign in to your company account."},
    "login.locked": {
        "id": "Terlalu banyak percobaan masuk yang gagal untuk email ini. Coba lagi setelah {time}.",
        "en": "Too many failed sign-in attempts for this email. Try again after {time}.",
    },
    "login.forgot": {"id": "Lupa kata sandi?", "en": "Forgot your password?"},
    "login.signup": {"id": "Daftarkan perusahaan baru", "en": "Sign up a new company"},
    "login.or": {"id": "Belum punya akun?", "en": "New to Business OS?"},
    "session.expired": {
        "id": "Sesi Anda telah berakhir. Silakan masuk kembali.",
        "en": "Your session has ended. Please sign in again.",
    },
    "signup.title": {"id": "Daftarkan perusahaan", "en": "Sign up your company"},
    "signup.intro": {
        "id": "Buat akun perusahaan baru. Anda akan menjadi Admin-nya.",
        "en": "Create a new company account. You will be its Admin.",
    },
    "signup.company_section": {"id": "Perusahaan", "en": "Company"},
    "signup.you_section": {"id": "Akun Anda", "en": "Your account"},
    "signup.company": {"id": "Nama perusahaan", "en": "Company name"},
    "signup.slug": {"id": "Nama singkat (opsional)", "en": "Short name (optional)"},
    "signup.slug_help": {
        "id": "Huruf kecil, angka, dan tanda hubung. Dibuat dari nama perusahaan bila dikosongkan.",
        "en": "Lowercase letters, digits and hyphens. Made from the company name when left empty.",
    },
    "signup.region": {"id": "Lokasi data", "en": "Data region"},
    "signup.region_help": {
        "id": "Server tempat data perusahaan disimpan. Indonesia: server di Jakarta.",
        "en": "The server that holds the company's data. Indonesia: a server in Jakarta.",
    },
    "signup.tier": {"id": "Paket awal", "en": "Starting tier"},
    "signup.tier_help": {
        "id": "Bersama: hemat, data dipisah dengan keamanan tingkat baris. Skema terpisah atau basis data khusus: "
              "isolasi lebih kuat. Paket dapat diubah nanti.",
        "en": "Shared: economical, data kept apart by row-level security. Own schema or dedicated database: "
              "stronger isolation. The tier can be changed later.",
    },
    "signup.full_name": {"id": "Nama lengkap", "en": "Full name"},
    "signup.email": {"id": "Email kerja", "en": "Work email"},
    "signup.password": {"id": "Kata sandi", "en": "Password"},
    "signup.password_confirm": {"id": "Ulangi kata sandi", "en": "Repeat the password"},
    "signup.language": {"id": "Bahasa", "en": "Language"},
    "signup.submit": {"id": "Buat perusahaan", "en": "Create the company"},
    "signup.working": {"id": "Menyiapkan tempat data perusahaan Anda ...", "en": "Preparing your company's data ..."},
    "signup.done": {
        "id": "Perusahaan {company} telah dibuat di server {region}. Silakan masuk.",
        "en": "{company} has been created on the {region} server. Please sign in.",
    },
    "signup.have_account": {"id": "Sudah punya akun? Masuk", "en": "Already have an account? Sign in"},
    "password.rules": {
        "id": "Minimal 8 karakter, tanpa spasi di awal atau akhir.",
        "en": "At least 8 characters, no space at the start or end.",
    },
    "password.mismatch": {"id": "Kedua kata sandi tidak sama.", "en": "The two passwords do not match."},
    "forgot.title": {"id": "Lupa kata sandi", "en": "Forgot password"},
    "forgot.intro": {
        "id": "Masukkan email akun Anda. Kami akan mengirim tautan untuk membuat kata sandi baru.",
        "en": "Enter your account's email. We will send you a link to choose a new password.",
    },
    "forgot.email": {"id": "Email", "en": "Email"},
    "forgot.submit": {"id": "Kirim tautan", "en": "Send the link"},
    "forgot.sent": {
        "id": "Jika ada akun untuk {email}, tautan untuk mengatur ulang kata sandi sudah dikirim. Periksa kotak masuk "
              "Anda.",
        "en": "If there is an account for {email}, a link to reset the password is on its way. Check your inbox.",
    },
    "back_to_login": {"id": "Kembali ke halaman masuk", "en": "Back to sign in"},
    "reset.title": {"id": "Kata sandi baru", "en": "New password"},
    "reset.intro": {"id": "Buat kata sandi baru untuk {email}.", "en": "Choose a new password for {email}."},
    "reset.password": {"id": "Kata sandi baru", "en": "New password"},
    "reset.submit": {"id": "Simpan kata sandi", "en": "Save the password"},
    "reset.done": {
        "id": "Kata sandi telah diubah dan semua sesi lama diakhiri. Silakan masuk dengan kata sandi baru.",
        "en": "The password has been changed and every earlier session ended. Sign in with the new password.",
    },
    "reset.new_link": {"id": "Minta tautan baru", "en": "Ask for a new link"},
    "link.invalid": {"id": "Tautan ini tidak valid.", "en": "This link is not valid."},
    "link.expired": {"id": "Tautan ini sudah kedaluwarsa.", "en": "This link has expired."},
    "link.used": {"id": "Tautan ini sudah pernah dipakai.", "en": "This link has already been used."},
    "link.revoked": {"id": "Tautan ini sudah ditarik kembali.", "en": "This link has been withdrawn."},
    "link.missing": {
        "id": "Buka halaman ini melalui tautan di email Anda.",
        "en": "Open this page through the link in your email.",
    },
    "accept.title": {"id": "Terima undangan", "en": "Accept the invitation"},
    "accept.intro": {
        "id": "Anda diundang bergabung dengan **{company}** sebagai **{role}**.",
        "en": "You are invited to join **{company}** as **{role}**.",
    },
    "accept.email": {"id": "Email", "en": "Email"},
    "accept.new_account": {
        "id": "Buat akun Anda untuk {email}:",
        "en": "Create your account for {email}:",
    },
    "accept.existing": {
        "id": "Anda sudah memiliki akun dengan {email}. Terima undangan untuk menambahkan {company} ke akun itu.",
        "en": "You already have an account with {email}. Accept to add {company} to it.",
    },
    "accept.submit_new": {"id": "Buat akun dan bergabung", "en": "Create the account and join"},
    "accept.submit_existing": {"id": "Bergabung dengan {company}", "en": "Join {company}"},
    "accept.done": {
        "id": "Selamat bergabung dengan {company}! Silakan masuk.",
        "en": "Welcome to {company}! Please sign in.",
    },
    "accept.done_signed_in": {
        "id": "Anda sekarang anggota {company}. Pilih perusahaan itu di panel samping.",
        "en": "You are now a member of {company}. Choose it in the sidebar.",
    },
    "nav.members": {"id": "Anggota", "en": "Members"},
    "members.title": {"id": "Anggota", "en": "Members"},
    "members.caption": {"id": "{count} anggota di {company}", "en": "{count} members of {company}"},
    "members.name": {"id": "Nama", "en": "Name"},
    "members.email": {"id": "Email", "en": "Email"},
    "members.role": {"id": "Peran", "en": "Role"},
    "members.joined": {"id": "Bergabung", "en": "Joined"},
    "members.last_login": {"id": "Terakhir masuk", "en": "Last sign-in"},
    "members.never": {"id": "belum pernah", "en": "never"},
    "members.manage": {"id": "Ubah peran atau keluarkan anggota", "en": "Change a role or remove a member"},
    "members.member": {"id": "Anggota", "en": "Member"},
    "members.new_role": {"id": "Peran baru", "en": "New role"},
    "members.save_role": {"id": "Simpan peran", "en": "Save the role"},
    "members.remove": {"id": "Keluarkan dari perusahaan", "en": "Remove from the company"},
    "members.remove_confirm": {
        "id": "Ya, keluarkan {name} dari perusahaan",
        "en": "Yes, remove {name} from the company",
    },
    "members.role_changed": {"id": "Peran {name} sekarang {role}.", "en": "{name} is now {role}."},
    "members.removed": {"id": "{name} telah dikeluarkan.", "en": "{name} has been removed."},
    "members.invite": {"id": "Undang orang", "en": "Invite someone"},
    "members.invite_email": {"id": "Email", "en": "Email"},
    "members.invite_role": {"id": "Peran", "en": "Role"},
    "members.invite_language": {"id": "Bahasa email", "en": "Email language"},
    "members.invite_submit": {"id": "Kirim undangan", "en": "Send the invitation"},
    "members.invite_sent": {
        "id": "Undangan terkirim ke {email}. Tautannya berlaku sampai {expires}.",
        "en": "Invitation sent to {email}. The link works until {expires}.",
    },
    "members.pending": {"id": "Undangan yang belum diterima", "en": "Open invitations"},
    "members.expires": {"id": "Berlaku sampai", "en": "Valid until"},
    "members.invited_by": {"id": "Diundang oleh", "en": "Invited by"},
    "members.revoke": {"id": "Tarik undangan untuk", "en": "Withdraw the invitation for"},
    "members.revoke_submit": {"id": "Tarik undangan", "en": "Withdraw"},
    "members.revoked": {"id": "Undangan untuk {email} ditarik.", "en": "The invitation for {email} was withdrawn."},
    "err.email": {"id": "Alamat email tidak valid.", "en": "The email address is not valid."},
    "err.email_taken": {"id": "Sudah ada akun dengan email ini.", "en": "An account with this email already exists."},
    "err.email_exists": {
        "id": "Sudah ada akun dengan email ini: masukkan kata sandinya untuk menambah perusahaan baru, atau masuk.",
        "en": "An account with this email already exists: enter its password to add a new company, or sign in.",
    },
    "err.email_member": {"id": "Orang ini sudah menjadi anggota.", "en": "This person is already a member."},
    "err.full_name": {"id": "Nama wajib diisi (maksimal 200 karakter).", "en": "A name is required (at most 200 "
                                                                                  "characters)."},
    "err.password_short": {"id": "Kata sandi minimal 8 karakter.", "en": "The password needs at least 8 characters."},
    "err.password_long": {"id": "Kata sandi terlalu panjang (maksimal 72 byte).",
                          "en": "The password is too long (at most 72 bytes)."},
    "err.password_spaces": {"id": "Kata sandi tidak boleh diawali atau diakhiri spasi.",
                            "en": "The password may not begin or end with a space."},
    "err.company": {"id": "Nama perusahaan wajib diisi (maksimal 200 karakter).",
                    "en": "A company name is required (at most 200 characters)."},
    "err.slug": {"id": "Nama singkat: 3-40 huruf kecil, angka, atau tanda hubung, diawali huruf.",
                 "en": "Short name: 3 to 40 lowercase letters, digits or hyphens, starting with a letter."},
    "err.slug_taken": {"id": "Nama singkat ini sudah dipakai; pilih yang lain.",
                       "en": "This short name is taken; choose another."},
    "err.last_admin": {"id": "Perusahaan harus memiliki setidaknya satu Admin; jadikan orang lain Admin dulu.",
                       "en": "The company needs at least one Admin; make someone else Admin first."},
    "err.grant": {"id": "Anda tidak dapat memberikan peran {role}: peran itu memuat izin {permission} yang tidak "
                        "Anda miliki.",
                  "en": "You cannot grant the role {role}: it carries the permission {permission}, which you do "
                        "not have."},
    "err.permission": {"id": "Anda tidak memiliki izin untuk ini (izin yang diperlukan: {permission}).",
                       "en": "You do not have permission for this (missing permission: {permission})."},
    "err.not_found": {"id": "Tidak ditemukan di perusahaan ini.", "en": "Not found in this company."},
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
    "nav.audit": {"id": "Log audit", "en": "Audit log"},
    "audit.title": {"id": "Log audit", "en": "Audit log"},
    "audit.caption": {
        "id": "Setiap perubahan data dan tindakan akun, tidak dapat diubah dan dirantai dengan hash.",
        "en": "Every change to the data and every account action, append-only and hash-chained.",
    },
    "audit.person": {"id": "Orang", "en": "Person"},
    "audit.everyone": {"id": "Semua orang", "en": "Everyone"},
    "audit.table": {"id": "Tabel", "en": "Table"},
    "audit.all_tables": {"id": "Semua tabel", "en": "All tables"},
    "audit.action": {"id": "Tindakan", "en": "Action"},
    "audit.all_actions": {"id": "Semua tindakan", "en": "All actions"},
    "audit.action.insert": {"id": "Tambah", "en": "Insert"},
    "audit.action.update": {"id": "Ubah", "en": "Update"},
    "audit.action.delete": {"id": "Hapus", "en": "Delete"},
    "audit.dates": {"id": "Tanggal", "en": "Dates"},
    "audit.empty": {"id": "Tidak ada kejadian yang cocok dengan filter.", "en": "No events match the filters."},
    "audit.pending_bulk": {
        "id": "{count} perubahan dari operasi massal sedang dicatat; akan muncul di sini dalam beberapa detik.",
        "en": "{count} changes from bulk operations are being recorded; they appear here within seconds."},
    "audit.col.time": {"id": "Waktu", "en": "Time"},
    "audit.col.person": {"id": "Orang", "en": "Person"},
    "audit.col.action": {"id": "Tindakan", "en": "Action"},
    "audit.col.table": {"id": "Tabel", "en": "Table"},
    "audit.col.target": {"id": "Baris / sasaran", "en": "Row / target"},
    "audit.col.changed": {"id": "Kolom berubah", "en": "Changed fields"},
    "audit.col.request": {"id": "ID permintaan", "en": "Request id"},
    "audit.control_plane": {"id": "(akun & akses)", "en": "(accounts & access)"},
    "audit.previous": {"id": "Sebelumnya", "en": "Previous"},
    "audit.next": {"id": "Berikutnya", "en": "Next"},
    "audit.page": {"id": "Halaman {page}", "en": "Page {page}"},
    "audit.diff.title": {"id": "Sebelum dan sesudah", "en": "Before and after"},
    "audit.diff.event": {"id": "Kejadian", "en": "Event"},
    "audit.diff.who": {"id": "Oleh {person} · permintaan {request}", "en": "By {person} · request {request}"},
    "audit.diff.field": {"id": "Kolom", "en": "Field"},
    "audit.diff.before": {"id": "Sebelum", "en": "Before"},
    "audit.diff.after": {"id": "Sesudah", "en": "After"},
    "audit.diff.changed": {"id": "Berubah", "en": "Changed"},
    "audit.diff.none": {"id": "Tidak ada nilai untuk ditampilkan.", "en": "No values to show."},
    "audit.export": {"id": "Ekspor CSV", "en": "Export CSV"},
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


def _merge_area_strings() -> None:
    from ui.strings import ai, business, digest, migration, precheck, rag, webhooks

    for area in (ai, business, webhooks, precheck, migration, digest, rag):
        STRINGS.update(area.STRINGS)


_merge_area_strings()
