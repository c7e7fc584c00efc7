"""Strings of company documents: the documents page (upload, progress, delete) and the
questions page (chat with history and citations)."""

STRINGS: dict[str, dict[str, str]] = {
    "nav.documents": {"id": "Dokumen", "en": "Documents"},
    "nav.ask": {"id": "Tanya dokumen", "en": "Ask documents"},
    # --- documents page ----------------------------------------------------------------------
    "rag.docs.title": {"id": "Dokumen perusahaan", "en": "Company documents"},
    "rag.docs.caption": {
        "id": "Kebijakan, kontrak dan SOP yang bisa ditanyakan. Setiap dokumen hanya terbaca oleh yang berhak.",
        "en": "Policies, contracts and SOPs you can ask questions of. Each document is read only by those allowed.",
    },
    "rag.upload.open": {"id": "Unggah dokumen", "en": "Upload a document"},
    "rag.upload.file": {"id": "Berkas (PDF, DOCX, TXT atau Markdown)", "en": "File (PDF, DOCX, TXT or Markdown)"},
    "rag.upload.help": {
        "id": "Maksimal {mb} MB. Jenis berkas diperiksa dari isinya. PDF hasil pindai tanpa teks tidak bisa dibaca.",
        "en": "Up to {mb} MB. The kind of file is checked from its content. Scanned PDFs without text cannot be "
              "read.",
    },
    "rag.upload.title": {"id": "Judul (opsional)", "en": "Title (optional)"},
    "rag.upload.visibility": {"id": "Siapa yang boleh membaca", "en": "Who may read it"},
    "rag.visibility.everyone": {"id": "Semua anggota", "en": "Everyone"},
    "rag.visibility.roles": {"id": "Peran tertentu", "en": "Chosen roles"},
    "rag.visibility.project": {"id": "Anggota proyek", "en": "A project's members"},
    "rag.upload.roles": {"id": "Peran", "en": "Roles"},
    "rag.upload.project": {"id": "Proyek", "en": "Project"},
    "rag.upload.no_projects": {"id": "Belum ada proyek yang bisa Anda lihat.", "en": "No project you can see yet."},
    "rag.upload.submit": {"id": "Unggah", "en": "Upload"},
    "rag.upload.pick_file": {"id": "Pilih berkas terlebih dahulu.", "en": "Choose a file first."},
    "rag.upload.queued": {
        "id": "Dokumen diunggah; sedang diproses di latar belakang.",
        "en": "Document uploaded; it is being processed in the background.",
    },
    "rag.docs.none": {"id": "Belum ada dokumen", "en": "No documents yet"},
    "rag.docs.none_body": {
        "id": "Unggah kebijakan, kontrak atau SOP agar tim bisa menanyakannya.",
        "en": "Upload policies, contracts or SOPs so the team can ask questions of them.",
    },
    "rag.docs.none_reader": {
        "id": "Belum ada dokumen yang boleh Anda baca.",
        "en": "There is no document you may read yet.",
    },
    "rag.status.queued": {"id": "Menunggu", "en": "Queued"},
    "rag.status.processing": {"id": "Diproses", "en": "Processing"},
    "rag.status.ready": {"id": "Siap", "en": "Ready"},
    "rag.status.failed": {"id": "Gagal", "en": "Failed"},
    "rag.docs.meta": {
        "id": "{kind} · {pages} halaman · {size} · diunggah oleh {who} · {access}",
        "en": "{kind} · {pages} pages · {size} · uploaded by {who} · {access}",
    },
    "rag.docs.access_roles": {"id": "peran: {roles}", "en": "roles: {roles}"},
    "rag.docs.access_project": {"id": "anggota proyek", "en": "project members"},
    "rag.docs.access_everyone": {"id": "semua anggota", "en": "everyone"},
    "rag.docs.progress": {"id": "Halaman {done} dari {total}", "en": "Page {done} of {total}"},
    "rag.docs.failed": {"id": "Tidak bisa diproses: {error}", "en": "Could not be processed: {error}"},
    "rag.docs.delete": {"id": "Hapus", "en": "Delete"},
    "rag.docs.delete_prompt": {
        "id": "Hapus **{title}** beserta semua potongan teksnya? Tidak bisa dibatalkan.",
        "en": "Delete **{title}** and every one of its text chunks? This cannot be undone.",
    },
    "rag.docs.delete_yes": {"id": "Ya, hapus", "en": "Yes, delete"},
    "rag.docs.deleted": {"id": "Dokumen dihapus.", "en": "Document deleted."},
    "rag.docs.retry": {"id": "Proses ulang", "en": "Process again"},
    "rag.docs.requeued": {"id": "Dokumen masuk antrean lagi.", "en": "Document queued again."},
    "rag.docs.chunks": {"id": "{n} potongan teks", "en": "{n} text chunks"},
    # --- questions page -----------------------------------------------------------------------
    "rag.ask.title": {"id": "Tanya dokumen perusahaan", "en": "Ask the company documents"},
    "rag.ask.caption": {
        "id": "Jawaban hanya dari dokumen yang boleh Anda baca, dengan sumber (dokumen, halaman).",
        "en": "Answers come only from documents you may read, with their sources (document, page).",
    },
    "rag.ask.input": {"id": "Tulis pertanyaan…", "en": "Type a question…"},
    "rag.ask.empty": {"id": "Belum ada pertanyaan", "en": "No questions yet"},
    "rag.ask.empty_body": {
        "id": "Contoh: \"Berapa hari cuti tahunan karyawan tetap?\"",
        "en": "For example: \"How many days of annual leave do permanent employees get?\"",
    },
    "rag.ask.sources": {"id": "Sumber", "en": "Sources"},
    "rag.ask.source": {"id": "{title}, halaman {page}", "en": "{title}, page {page}"},
    "rag.ask.clear": {"id": "Hapus riwayat", "en": "Clear history"},
    "rag.ask.cleared": {"id": "Riwayat dihapus.", "en": "History cleared."},
    "rag.ask.no_documents": {
        "id": "Belum ada dokumen siap yang boleh Anda baca; jawaban akan \"tidak ditemukan\".",
        "en": "No ready document you may read yet; answers will be \"not found\".",
    },
    "rag.ask.manual": {
        "id": "Sementara itu, buka halaman Dokumen dan baca dokumennya langsung.",
        "en": "Meanwhile, open the Documents page and read the documents directly.",
    },
    "rag.err.empty": {"id": "Berkas kosong (0 byte).", "en": "The file is empty (0 bytes)."},
    "rag.err.too large": {
        "id": "Berkas terlalu besar (maksimal {mb} MB, {pages} halaman).",
        "en": "The file is too large (at most {mb} MB, {pages} pages).",
    },
    "rag.err.type": {
        "id": "Jenis berkas ini tidak diterima; unggah PDF, DOCX, TXT atau Markdown (.md).",
        "en": "This kind of file is not accepted; upload PDF, DOCX, TXT or Markdown (.md).",
    },
    "rag.err.type mismatch": {
        "id": "Isi berkas tidak sesuai dengan ekstensinya (misalnya gambar yang diberi nama .pdf). Unggah PDF, "
              "DOCX, TXT atau Markdown dengan ekstensi aslinya.",
        "en": "The file's content does not match its extension (for example a picture renamed .pdf). Upload PDF, "
              "DOCX, TXT or Markdown with its real extension.",
    },
    "rag.err.encrypted": {
        "id": "PDF ini dilindungi kata sandi; hapus kata sandinya lalu unggah lagi.",
        "en": "This PDF is password-protected; remove the password and upload it again.",
    },
    "rag.err.corrupt": {
        "id": "Berkas rusak dan tidak bisa dibaca.",
        "en": "The file is damaged and cannot be read.",
    },
    "rag.err.duplicate": {"id": "Berkas ini sudah pernah diunggah.", "en": "This file is already uploaded."},
    "rag.err.no_text": {
        "id": "Dokumen tidak memiliki lapisan teks (hasil pindai?); jalankan OCR atau unggah PDF dengan teks yang "
              "bisa dipilih.",
        "en": "The document has no text layer (a scanned image?); run it through OCR or upload a PDF with "
              "selectable text.",
    },
    "rag.err.ai_unavailable": {
        "id": "AI sedang tidak tersedia untuk perusahaan ini; proses ulang setelah AI aktif kembali.",
        "en": "AI is unavailable for this company; process the document again once AI is back on.",
    },
    "err.rag.question": {"id": "Tulis pertanyaan (maksimal 1000 karakter).", "en": "Type a question (at most "
                                                                                "1000 characters)."},
}
