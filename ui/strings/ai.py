"""Strings of the AI gateway: graceful degradation on every page, and the operational
intelligence page (usage, cost, margin, budgets, the AI switch)."""

STRINGS: dict[str, dict[str, str]] = {
    # --- graceful degradation (any page with an AI widget) ---------------------------------
    "ai.manual_path": {
        "id": "AI sedang tidak tersedia, silakan isi sendiri.",
        "en": "AI is unavailable, fill it in yourself.",
    },
    "ai.reason.breaker_open": {
        "id": "Layanan model tidak menjawab; AI dijeda sekitar {minutes} menit.",
        "en": "The model service is not answering; AI is paused for about {minutes} min.",
    },
    "ai.reason.disabled": {
        "id": "AI dimatikan untuk perusahaan ini.",
        "en": "AI is switched off for this company.",
    },
    "ai.reason.budget_exhausted": {
        "id": "Anggaran AI bulan ini sudah habis.",
        "en": "This month's AI budget is used up.",
    },
    "ai.reason.no_permission": {
        "id": "Peran Anda tidak mencakup fitur AI.",
        "en": "Your role does not include AI features.",
    },
    "ai.engine": {"id": "Dijawab oleh {engine}", "en": "Answered by {engine}"},
    "ai.engine.offline": {"id": "mesin offline", "en": "offline engine"},
    "ai.degraded": {
        "id": "Layanan model tidak menjawab; jawaban ini dari mesin offline.",
        "en": "The model service did not answer; this answer comes from the offline engine.",
    },
    "ai.budget.warning": {
        "id": "Anggaran AI bulan ini hampir habis.",
        "en": "This month's AI budget is nearly used up.",
    },
    "ai.budget.exhausted_tenant": {
        "id": "Anggaran AI perusahaan bulan ini ({limit}) sudah habis. AI dijeda sampai {date} atau sampai Admin "
              "menaikkan anggaran.",
        "en": "The company's AI budget for this month ({limit}) is used up. AI is paused until {date} or until an "
              "Admin raises the budget.",
    },
    "ai.budget.exhausted_user": {
        "id": "Anggaran AI Anda bulan ini ({limit}) sudah habis. AI dijeda sampai {date} atau sampai Admin "
              "menaikkan anggaran.",
        "en": "Your AI budget for this month ({limit}) is used up. AI is paused until {date} or until an Admin "
              "raises the budget.",
    },
    "err.ai_unavailable": {
        "id": "Layanan model sedang tidak menjawab.",
        "en": "The model service is not answering right now.",
    },
    "err.ai_disabled": {"id": "AI dimatikan untuk perusahaan ini.", "en": "AI is switched off for this company."},
    "err.ai_masking_failed": {
        "id": "Data pribadi tidak dapat disamarkan, jadi tidak ada yang dikirim ke model AI.",
        "en": "Personal data could not be masked, so nothing was sent to the AI model.",
    },
    # --- operational intelligence page ----------------------------------------------------------
    "nav.ai_ops": {"id": "AI & margin", "en": "AI & margin"},
    "ai_ops.title": {"id": "Pemakaian AI dan margin", "en": "AI usage and margin"},
    "ai_ops.caption": {
        "id": "Setiap panggilan model dihitung: token, biaya dari tabel harga, dan margin terhadap pendapatan "
              "langganan. Data pribadi disamarkan sebelum dikirim; yang dicatat hanya jumlahnya.",
        "en": "Every model call is metered: tokens, cost from the price table, and the margin against the "
              "subscription revenue. Personal data is masked before it is sent; only counts are recorded.",
    },
    "ai_ops.engine": {"id": "Mesin AI: **{engine}**", "en": "AI engine: **{engine}**"},
    "ai_ops.breaker.closed": {"id": "Layanan model menjawab normal.", "en": "The model service answers normally."},
    "ai_ops.breaker.open": {
        "id": "Layanan model tidak menjawab: AI dijeda, dicoba lagi dalam sekitar {minutes} menit.",
        "en": "The model service is not answering: AI is paused and tried again in about {minutes} min.",
    },
    "ai_ops.switch": {"id": "AI aktif untuk perusahaan ini", "en": "AI is on for this company"},
    "ai_ops.switch.saved": {"id": "Pengaturan AI disimpan.", "en": "AI setting saved."},
    "ai_ops.switch.operator": {
        "id": "AI dimatikan oleh operator ({reason}). Hubungi operator untuk menyalakannya kembali.",
        "en": "AI was switched off by the operator ({reason}). Ask the operator to switch it on again.",
    },
    "ai_ops.period": {"id": "Periode", "en": "Period"},
    "ai_ops.pick_end": {"id": "Pilih tanggal akhir periode.", "en": "Choose the last day of the period."},
    "ai_ops.threshold": {"id": "Ambang margin (%)", "en": "Margin threshold (%)"},
    "ai_ops.revenue_help": {
        "id": "Harga paket {plan}, dihitung per hari dalam periode; dibagi rata antar anggota untuk margin per "
              "pengguna.",
        "en": "The {plan} plan's price, prorated by day over the period; shared equally among members for the "
              "per-user margin.",
    },
    "ai_ops.more": {
        "id": "Gagal: {failed} · ditolak: {refused} · dijawab mesin offline: {fallback} · nilai pribadi "
              "disamarkan: {masked}",
        "en": "Failed: {failed} · refused: {refused} · answered by the offline engine: {fallback} · personal "
              "values masked: {masked}",
    },
    "ai_ops.alerts": {"id": "Peringatan margin", "en": "Margin alerts"},
    "ai_ops.no_alerts": {"id": "Tidak ada margin di bawah {threshold}.", "en": "No margin below {threshold}."},
    "ai_ops.alert": {
        "id": "{kind} {who}: margin {margin} (biaya AI {cost}, pendapatan {revenue})",
        "en": "{kind} {who}: margin {margin} (AI cost {cost}, revenue {revenue})",
    },
    "ai_ops.unpriced": {
        "id": "Model {provider}/{model} belum ada di tabel harga: {calls} panggilan tanpa biaya tercatat.",
        "en": "Model {provider}/{model} is missing from the price table: {calls} calls have no cost recorded.",
    },
    "ai_ops.trend": {"id": "Tren harian", "en": "Daily trend"},
    "ai_ops.heaviest_users": {"id": "Pengguna terberat", "en": "Heaviest users"},
    "ai_ops.heaviest_features": {"id": "Fitur terberat", "en": "Heaviest features"},
    "ai_ops.nothing": {"id": "Belum ada pemakaian AI di periode ini.", "en": "No AI usage in this period."},
    "ai_ops.kind.company": {"id": "Perusahaan", "en": "Company"},
    "ai_ops.kind.user": {"id": "Pengguna", "en": "User"},
    "ai_ops.kind.api_key": {"id": "Kunci API", "en": "API key"},
    "ai_ops.kind.job": {"id": "Tugas terjadwal", "en": "Scheduled job"},
    "ai_ops.col.who": {"id": "Siapa", "en": "Who"},
    "ai_ops.col.kind": {"id": "Jenis", "en": "Kind"},
    "ai_ops.col.feature": {"id": "Fitur", "en": "Feature"},
    "ai_ops.col.calls": {"id": "Panggilan", "en": "Calls"},
    "ai_ops.col.tokens": {"id": "Token", "en": "Tokens"},
    "ai_ops.col.cost": {"id": "Biaya AI", "en": "AI cost"},
    "ai_ops.col.revenue": {"id": "Pendapatan", "en": "Revenue"},
    "ai_ops.col.margin": {"id": "Margin", "en": "Margin"},
    "ai_ops.col.margin_pct": {"id": "Margin %", "en": "Margin %"},
    "ai_ops.col.unpriced": {"id": "Tanpa harga", "en": "Unpriced"},
    "ai_ops.budgets": {"id": "Anggaran bulanan", "en": "Monthly budgets"},
    "ai_ops.budget_used": {"id": "Anggaran perusahaan terpakai {pct}", "en": "Company budget used: {pct}"},
    "ai_ops.budget.tenant": {"id": "Batas perusahaan (Rp, 0 = tanpa batas)", "en": "Company cap (Rp, 0 = none)"},
    "ai_ops.budget.user": {"id": "Batas per pengguna (Rp, 0 = tanpa batas)", "en": "Cap per user (Rp, 0 = none)"},
    "ai_ops.budget.warn": {"id": "Peringatan pada (%)", "en": "Warn at (%)"},
    "ai_ops.budget.help": {
        "id": "Saat batas tercapai, panggilan AI berikutnya ditolak sampai bulan berikutnya; halaman menampilkan "
              "jalur manual.",
        "en": "Once a cap is reached, further AI calls are refused until next month; pages show the manual path.",
    },
    "ai_ops.budget.save": {"id": "Simpan anggaran", "en": "Save the budgets"},
    "ai_ops.budget.saved": {"id": "Anggaran disimpan.", "en": "Budgets saved."},
}
