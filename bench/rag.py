"""Benchmark: retrieval over company documents at 100,000 chunks, and ingestion speed.

One shared-tier tenant (row-level security on, as in production) holds 1,000 documents of
100 chunks each: generated policy clauses in Indonesian and English (short, so that the
embedding takes about 20 minutes on two cores), embedded with the real local model
(all-MiniLM-L6-v2, run as the gateway's local provider runs it, in two single-threaded
worker processes). The embeddings are cached in `.bench-cache/` (git-ignored), so later
runs skip that. Also on stderr: recall and latency at other `hnsw.ef_search` values, the
plan of one search, and the latency of the whole hybrid query (vector + full text, fused).

Measured in the same run, through `tenant_connection` (as the service retrieves) with the
app role, after one unmeasured pass over the questions:
- top-10 vector search (the retrieval SQL's vector leg, access rules included) with the
  HNSW index, and the same query exact (index scans off): p50 / p99 latency, one client;
- recall@10 of the HNSW results against the exact ones;
- ingestion: a generated 200-page PDF uploaded and processed (extract, chunk, embed,
  store) by the background ingestion code: pages per second.

    rag exact_over_hnsw=<p50 exact / p50 HNSW> recall10=<r> p99_ms=<HNSW p99> ingest_pages_s=<p>

Goal: exact_over_hnsw >= 10, recall10 >= 0.95, p99 <= 10 ms with one client.

    .venv/bin/python bench/rag.py [--chunks 100000] [--queries 200]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing
import random
import statistics
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cluster import ROOT, private_cluster

CACHE = ROOT / ".bench-cache"
DOCS_CHUNKS = 100  # chunks per generated document

TOPICS_EN = [
    ("annual leave", "employees request annual leave through their line manager"),
    ("travel expenses", "hotel and flight costs are reimbursed with original receipts"),
    ("procurement", "purchases above the threshold need three supplier quotations"),
    ("information security", "security incidents are reported to the IT team"),
    ("payment terms", "invoices are payable within the agreed number of days"),
    ("termination", "either party may terminate the agreement with written notice"),
    ("warehouse safety", "forklift operators wear helmets and check the brakes daily"),
    ("data retention", "customer records are kept for the period the law requires"),
    ("overtime", "overtime work is approved in advance and paid per hour"),
    ("remote work", "staff may work from home two days a week with approval"),
]
TOPICS_ID = [
    ("cuti tahunan", "karyawan mengajukan cuti tahunan melalui atasan langsung"),
    ("biaya perjalanan", "biaya hotel dan tiket diganti dengan kuitansi asli"),
    ("pengadaan barang", "pembelian di atas batas wajib membandingkan tiga penawaran"),
    ("keamanan informasi", "insiden keamanan dilaporkan kepada tim TI"),
    ("syarat pembayaran", "faktur dibayar dalam jangka waktu yang disepakati"),
    ("pemutusan kontrak", "para pihak dapat mengakhiri perjanjian dengan pemberitahuan tertulis"),
    ("keselamatan gudang", "operator forklift memakai helm dan memeriksa rem setiap hari"),
    ("penyimpanan data", "data pelanggan disimpan selama jangka waktu yang diwajibkan"),
    ("lembur", "kerja lembur disetujui lebih dahulu dan dibayar per jam"),
    ("kerja jarak jauh", "staf boleh bekerja dari rumah dua hari seminggu dengan persetujuan"),
]
PLACES = ["Jakarta", "Surabaya", "Bandung", "Medan", "Makassar", "Semarang", "Denpasar", "Balikpapan"]


SUBJECTS_EN = ["Employees", "Contractors", "Drivers", "Cashiers", "Engineers", "Interns", "Store managers",
               "Warehouse staff", "Sales agents", "Auditors", "Nurses", "Technicians", "Suppliers", "Visitors",
               "Accountants", "Lawyers", "Teachers", "Pilots", "Chefs", "Security guards"]
ACTIONS_EN = ["submit timesheets", "book meeting rooms", "order laptops", "report injuries", "claim fuel costs",
              "rotate passwords", "archive invoices", "renew licences", "inspect fire exits", "sign contracts",
              "return uniforms", "approve refunds", "update price lists", "back up databases", "train newcomers",
              "count inventory", "clean kitchens", "calibrate scales", "file tax forms", "recycle paper"]
WHEN_EN = ["every Monday", "before the audit", "after each shift", "at month end", "within a week",
           "during the holidays", "on the first working day", "before travelling", "after a complaint",
           "once a quarter"]
SUBJECTS_ID = ["Karyawan", "Kontraktor", "Sopir", "Kasir", "Insinyur", "Peserta magang", "Kepala toko",
               "Staf gudang", "Tenaga penjual", "Auditor", "Perawat", "Teknisi", "Pemasok", "Tamu", "Akuntan",
               "Pengacara", "Guru", "Pilot", "Juru masak", "Satpam"]
ACTIONS_ID = ["menyerahkan lembar waktu", "memesan ruang rapat", "memesan laptop", "melaporkan cedera",
              "mengklaim biaya bensin", "mengganti kata sandi", "mengarsipkan faktur", "memperpanjang lisensi",
              "memeriksa pintu darurat", "menandatangani kontrak", "mengembalikan seragam", "menyetujui refund",
              "memperbarui daftar harga", "mencadangkan basis data", "melatih karyawan baru", "menghitung stok",
              "membersihkan dapur", "mengkalibrasi timbangan", "mengisi formulir pajak", "mendaur ulang kertas"]
WHEN_ID = ["setiap Senin", "sebelum audit", "setelah setiap sif", "di akhir bulan", "dalam satu minggu",
           "selama libur", "pada hari kerja pertama", "sebelum bepergian", "setelah ada keluhan",
           "sekali per kuartal"]


def chunk_text(rng: random.Random, i: int) -> str:
    """One short generated policy clause (short, so that embedding 100,000 of them on a
    laptop CPU takes minutes rather than hours): who, what, when, where, and a second
    clause on another duty, so that clauses differ in meaning, not only in numbers."""
    if i % 2 == 0:
        who, what, when = rng.choice(SUBJECTS_EN), rng.choice(ACTIONS_EN), rng.choice(WHEN_EN)
        other, when2 = rng.choice(ACTIONS_EN), rng.choice(WHEN_EN)
        return (f"Rule {i + 1}: {who} in {rng.choice(PLACES)} {what} {when}; they also {other} {when2}.")
    who, what, when = rng.choice(SUBJECTS_ID), rng.choice(ACTIONS_ID), rng.choice(WHEN_ID)
    other, when2 = rng.choice(ACTIONS_ID), rng.choice(WHEN_ID)
    return f"Aturan {i + 1}: {who} di {rng.choice(PLACES)} {what} {when}; mereka juga {other} {when2}."


def page_text(rng: random.Random, i: int) -> str:
    """A longer paragraph for the ingestion PDF."""
    return " ".join(chunk_text(rng, i * 5 + k) for k in range(5))


def question_text(rng: random.Random, i: int) -> str:
    if i % 2 == 0:
        return (f"When do {rng.choice(SUBJECTS_EN).lower()} in {rng.choice(PLACES)} "
                f"{rng.choice(ACTIONS_EN)}?")
    return f"Kapan {rng.choice(SUBJECTS_ID).lower()} di {rng.choice(PLACES)} {rng.choice(ACTIONS_ID)}?"


WORKERS = 2


def _worker_init() -> None:
    """One model per worker process, one thread each: on a small CPU two single-threaded
    encoders outrun one encoder with two threads."""
    import torch

    torch.set_num_threads(1)


def _worker_embed(texts: list[str]):  # type: ignore[no-untyped-def]
    """The local all-MiniLM-L6-v2, exactly as the gateway's local provider runs it."""
    import numpy as np

    from core.ai.providers.local import MiniLMEmbed

    return np.asarray(MiniLMEmbed().embed(texts).vectors, dtype=np.float32)


def embeddings(ctx: object, name: str, texts: list[str]):  # type: ignore[no-untyped-def]
    """The texts' embeddings from the cache, or made through the gateway and cached."""
    import numpy as np

    from core.ai import gateway

    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"rag-{name}-{len(texts)}-{digest}.npy"
    if path.exists():
        return np.load(path).astype(np.float32)
    CACHE.mkdir(exist_ok=True)
    partial = CACHE / f"rag-{name}-{len(texts)}-{digest}.partial.npy"
    out = np.zeros((len(texts), 384), dtype=np.float32)
    done = 0
    if partial.exists():  # a stopped run resumes where it ended
        saved = np.load(partial)
        done = int(saved.shape[0])
        out[:done] = saved.astype(np.float32)
    started, first = time.perf_counter(), done
    step = 5120
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init) as pool:
        for start in range(done, len(texts), step):
            end = min(len(texts), start + step)
            if len(texts) < 2 * step:  # small sets: through the gateway, as the product embeds
                for at in range(start, end, 512):
                    out[at:min(end, at + 512)] = np.asarray(
                        gateway.embed(ctx, "rag", texts[at:min(end, at + 512)]).vectors, dtype=np.float32)  # type: ignore[arg-type]
            else:
                half = (start + end) // 2
                parts = pool.map(_worker_embed, [texts[start:half], texts[half:end]])
                out[start:end] = np.concatenate(list(parts))
            np.save(partial, out[:end].astype(np.float16))
            rate = (end - first) / (time.perf_counter() - started)
            print(f"  embedded {end:,} of {len(texts):,} ({rate:.0f}/s)", file=sys.stderr, flush=True)
    np.save(path, out.astype(np.float16))
    partial.unlink(missing_ok=True)
    return out


def load(ctx: object, admin_url: str, texts: list[str], vectors) -> None:  # type: ignore[no-untyped-def]
    """Documents, their files and chunks, bulk-copied as the owner (audit triggers off),
    then the HNSW index built once, as the migration defines it."""
    import psycopg

    from db.bootstrap import libpq_url

    tenant = ctx.tenant_id  # type: ignore[attr-defined]
    docs = [uuid.uuid4() for _ in range(len(texts) // DOCS_CHUNKS)]
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '1GB'")
        row = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_document_chunks_embedding'"
                           " AND schemaname = 'public'").fetchone()
        assert row is not None
        conn.execute("DROP INDEX public.ix_document_chunks_embedding")
        with conn.cursor() as cur:
            with cur.copy("COPY files (id, tenant_id, filename, content_type, size_bytes, sha256, data) "
                          "FROM STDIN") as copy:
                for d in docs:
                    copy.write_row((d, tenant, f"{d}.txt", "text/plain", 1, d.hex, b"x"))
            with cur.copy("COPY documents (id, tenant_id, title, filename, kind, size_bytes, sha256, file_id, status,"
                          " pages_total, pages_done, chunk_count, uploaded_by) FROM STDIN") as copy:
                for n, d in enumerate(docs):
                    copy.write_row((d, tenant, f"Document {n}", f"{d}.txt", "txt", 1, d.hex, d, "ready",
                                    DOCS_CHUNKS, DOCS_CHUNKS, DOCS_CHUNKS, "bench"))
            with cur.copy("COPY document_chunks (tenant_id, document_id, page, ordinal, text, embedding)"
                          " FROM STDIN") as copy:
                for i, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
                    literal = "[" + ",".join(f"{x:.6g}" for x in vector.tolist()) + "]"
                    copy.write_row((tenant, docs[i // DOCS_CHUNKS], 1 + (i % DOCS_CHUNKS) // 3,
                                    i % DOCS_CHUNKS, text, literal))
        started = time.perf_counter()
        conn.execute(row[0])
        print(f"  HNSW index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        conn.execute("ANALYZE files, documents, document_chunks")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def search_times(ctx: object, queries, exact: bool,  # type: ignore[no-untyped-def]
                 ef_search: int | None = None) -> tuple[list[float], list[set[uuid.UUID]]]:
    from core.ai.rag.repository import EF_SEARCH, Reader, vector_search
    from db.session import tenant_connection

    reader = Reader.of(ctx)  # type: ignore[arg-type]
    times, results = [], []
    for q in queries:
        vector = q.tolist()
        started = time.perf_counter()
        with tenant_connection(ctx) as conn:  # type: ignore[arg-type]  # as core.ai.rag.service retrieves
            found = vector_search(conn, reader, vector, 10, exact=exact, ef_search=ef_search or EF_SEARCH)
        times.append((time.perf_counter() - started) * 1000)
        results.append({cid for cid, _ in found})
    return times, results


def hybrid_times(ctx: object, questions: list[str], queries) -> list[float]:  # type: ignore[no-untyped-def]
    from core.ai.rag.answer import keywords
    from core.ai.rag.repository import Reader, hybrid_search
    from db.session import tenant_connection

    reader, times = Reader.of(ctx), []  # type: ignore[arg-type]
    for question, q in zip(questions, queries, strict=True):
        started = time.perf_counter()
        with tenant_connection(ctx) as conn:  # type: ignore[arg-type]
            hybrid_search(conn, reader, keywords(question), q.tolist())
        times.append((time.perf_counter() - started) * 1000)
    return times


def explain_hybrid(ctx: object, question: str, query) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from core.ai.rag.answer import keywords
    from core.ai.rag.repository import Reader, hybrid_params, hybrid_sql
    from db.session import tenant_session

    with tenant_session(ctx) as s:  # type: ignore[arg-type]
        s.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
        params = hybrid_params(s, Reader.of(ctx), keywords(question), query.tolist(), limit=6, depth=30)  # type: ignore[arg-type]
        plan = s.execute(text("EXPLAIN (ANALYZE, COSTS OFF) " + hybrid_sql(True)), params).scalars().all()
    print("  hybrid plan:\n    " + "\n    ".join(line[:160] for line in plan), file=sys.stderr)


def explain(ctx: object, query) -> None:  # type: ignore[no-untyped-def]
    """The plan of one HNSW search (stderr): the index must be used, with the access rules."""
    from sqlalchemy import text

    from core.ai.rag.repository import VECTOR_SEARCH_SQL, Reader, _vector_literal
    from db.session import tenant_session

    with tenant_session(ctx) as s:  # type: ignore[arg-type]
        plan = s.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + VECTOR_SEARCH_SQL),
                         {"qv": _vector_literal(query.tolist()), "k": 10, **Reader.of(ctx).params()}).scalars().all()  # type: ignore[arg-type]
    print("  plan:\n    " + "\n    ".join(plan), file=sys.stderr)


def ingest_rate(admin_ctx: object, job_ctx: object, pages: int) -> float:
    from fpdf import FPDF

    from core.ai import gateway
    from core.ai.rag import ingest, service

    rng = random.Random(7)
    pdf = FPDF()
    for p in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for k in range(4):
            pdf.multi_cell(0, 6, page_text(rng, p * 4 + k))
            pdf.ln(2)
    data = bytes(pdf.output())
    gateway.embed(job_ctx, "rag", ["warm-up: the model loads before the clock starts"])  # type: ignore[arg-type]
    buffer = io.BytesIO(data)
    started = time.perf_counter()
    doc = service.upload(admin_ctx, "handbook-200.pdf", buffer.getvalue(), title="Handbook")  # type: ignore[arg-type]
    run = ingest.process_queue(job_ctx)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert run.processed == [doc.id], run.failed
    return pages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    with private_cluster() as topology:
        from core.context import Actor
        from core.rbac.permissions import ALL, SYSTEM_ROLES
        from core.tenancy.placement import admin_url
        from core.tenancy.provisioning import NewTenant, create_tenant
        from core.tenancy.registry import context_for, get_tenant

        create_tenant(NewTenant(name="Bench Docs", slug="bench-docs", region="global", tier="shared"))
        create_tenant(NewTenant(name="Bench Ingest", slug="bench-ingest", region="global", tier="shared"))
        tenant = get_tenant("bench-docs")
        reader = context_for(tenant, Actor("user", str(uuid.uuid4()), "staff@bench"), role="staff",
                             permissions=SYSTEM_ROLES["staff"])
        rng = random.Random(42)
        texts = [chunk_text(rng, i) for i in range(args.chunks)]
        questions = [question_text(rng, i) for i in range(args.queries)]
        job = context_for(tenant, Actor("job", "bench", "bench"), role="job", permissions=ALL)
        vectors = embeddings(job, "chunks", texts)
        queries = embeddings(job, "questions", questions)
        load(reader, admin_url(tenant, topology), texts, vectors)  # type: ignore[arg-type]

        # One pass over the questions first: the index in memory, as it is in steady use (the
        # first pass after loading reads it from the operating system's cache).
        search_times(reader, queries, exact=False)
        search_times(reader, queries[:5], exact=True)
        hnsw, approx = search_times(reader, queries, exact=False)
        exact, truth = search_times(reader, queries, exact=True)
        recall = statistics.mean(len(a & t) / max(1, len(t)) for a, t in zip(approx, truth, strict=True))
        for ef in (40, 200):  # what the setting buys (stderr only)
            times, found = search_times(reader, queries, exact=False, ef_search=ef)
            r = statistics.mean(len(a & t) / max(1, len(t)) for a, t in zip(found, truth, strict=True))
            print(f"  ef_search={ef}: recall10={r:.3f} p50_ms={statistics.median(times):.2f} "
                  f"p99_ms={percentile(times, 0.99):.2f}", file=sys.stderr)
        explain(reader, queries[0])
        explain_hybrid(reader, questions[0], queries[0])
        hybrid = hybrid_times(reader, questions[:50], queries[:50])
        print(f"  hybrid (vector + full text, fused) p50_ms={statistics.median(hybrid):.2f} "
              f"p99_ms={percentile(hybrid, 0.99):.2f}", file=sys.stderr)

        other = get_tenant("bench-ingest")
        admin = context_for(other, Actor("user", str(uuid.uuid4()), "admin@bench"), role="admin",
                            permissions=SYSTEM_ROLES["admin"])
        rate = ingest_rate(admin, context_for(other, Actor("job", "bench", "bench"), role="job", permissions=ALL),
                           args.pages)

    print(f"  chunks={args.chunks} queries={args.queries} hnsw_p50_ms={statistics.median(hnsw):.2f} "
          f"exact_p50_ms={statistics.median(exact):.2f} exact_p99_ms={percentile(exact, 0.99):.2f}",
          file=sys.stderr)
    print(f"rag exact_over_hnsw={statistics.median(exact) / statistics.median(hnsw):.1f} recall10={recall:.3f} "
          f"p99_ms={percentile(hnsw, 0.99):.2f} ingest_pages_s={rate:.1f}")


if __name__ == "__main__":
    main()
