"""Strings of tier and region moves: the company settings page and the banner shown
while a company is being moved."""

STRINGS: dict[str, dict[str, str]] = {
    "nav.company_home": {"id": "Lokasi data", "en": "Data location"},
    "migration.title": {"id": "Lokasi data perusahaan", "en": "Where the company's data lives"},
    "migration.caption": {
        "id": "Paket dan wilayah penyimpanan. Pemindahan berjalan di latar belakang; perubahan dijeda sebentar "
              "di akhir.",
        "en": "Plan and storage region. A move runs in the background; changes pause briefly at the end.",
    },
    "migration.tier": {"id": "Paket", "en": "Plan"},
    "migration.region": {"id": "Wilayah", "en": "Region"},
    "migration.tier.shared": {"id": "Bersama", "en": "Shared"},
    "migration.tier.schema": {"id": "Skema sendiri", "en": "Own schema"},
    "migration.tier.dedicated": {"id": "Enterprise (database sendiri)", "en": "Enterprise (own database)"},
    "migration.region.global": {"id": "Global", "en": "Global"},
    "migration.region.id": {"id": "Indonesia (Jakarta)", "en": "Indonesia (Jakarta)"},
    "migration.upgrade": {"id": "Tingkatkan ke Enterprise", "en": "Upgrade to Enterprise"},
    "migration.to_region": {"id": "Pindah ke wilayah {region}", "en": "Move to region {region}"},
    "migration.started": {"id": "Pemindahan dimulai.", "en": "The move has started."},
    "migration.running": {"id": "Pemindahan sedang berjalan", "en": "A move is running"},
    "migration.progress": {
        "id": "Langkah {n}/{total}: {step} · tabel {tables} · {rows} baris · {rate} baris/detik · sisa {eta}",
        "en": "Step {n}/{total}: {step} · tables {tables} · {rows} rows · {rate} rows/s · {eta} left",
    },
    "migration.history": {"id": "Riwayat pemindahan", "en": "Move history"},
    "migration.none": {"id": "Belum pernah dipindahkan.", "en": "No moves yet."},
    "migration.col.when": {"id": "Waktu", "en": "When"},
    "migration.col.kind": {"id": "Jenis", "en": "Kind"},
    "migration.col.to": {"id": "Tujuan", "en": "To"},
    "migration.col.status": {"id": "Status", "en": "Status"},
    "migration.col.reason": {"id": "Alasan", "en": "Reason"},
    "migration.col.kept": {"id": "Salinan lama disimpan sampai", "en": "Old copy kept until"},
    "migration.banner": {
        "id": "Perusahaan ini sedang dipindahkan ke lokasi barunya; perubahan dijeda sebentar. Data tetap bisa "
              "dibaca.",
        "en": "This company is being moved to its new home; changes are paused for a moment. Reading still "
              "works.",
    },
}
