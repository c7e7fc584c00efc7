"""The demo that `make run` seeds: every company filled, SOP rules and a first digest, and a
second run changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from core.ai.digest import service as digest
from core.ai.precheck import service as precheck
from core.ai.rag import service as documents
from core.context import Actor
from core.demo import COMPANIES, seed_demo
from core.invoices.models import Invoice, InvoicePayment
from core.projects.models import Task
from core.rbac.permissions import ALL
from core.tenancy.registry import context_for, get_tenant
from db.session import tenant_session


def _counts() -> dict[str, tuple[int, int, int, int, int, int]]:
    out = {}
    for company in COMPANIES:
        ctx = context_for(get_tenant(company.slug), Actor("system", "test"), role="admin", permissions=ALL)
        with tenant_session(ctx) as s:
            invoices = int(s.scalar(select(func.count()).select_from(Invoice)) or 0)
            paid = int(s.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == "paid")) or 0)
            payments = int(s.scalar(select(func.count()).select_from(InvoicePayment)) or 0)
            tasks = int(s.scalar(select(func.count()).select_from(Task)) or 0)
        assert payments == paid, company.slug  # every paid invoice has its payment (the cash-in figures)
        rules = precheck.get_rules(ctx)
        out[company.slug] = (invoices, payments, tasks, len(rules.rules) + len(rules.rates) + len(rules.clauses),
                             len(digest.history(ctx)), len(documents.list_documents(ctx)))
    return out


def test_demo_is_complete_and_idempotent(tenants: dict[str, object]) -> None:
    today = dt.date.today()
    first = seed_demo(today)
    assert len(first) == len(COMPANIES) and all("(new demo data)" in line for line in first)
    counts = _counts()
    for slug, (invoices, payments, tasks, rules, digests, docs) in counts.items():
        assert invoices > 20 and payments > 5 and tasks == 7, slug
        assert rules == 5, slug
        assert digests == 1 and docs == 2, slug
    again = seed_demo(today)
    assert not any("(new demo data)" in line for line in again)
    assert _counts() == counts


def test_demo_documents_answer_questions(tenants: dict[str, object]) -> None:
    """The seeded policies are read by the ingestion job and answer with their source."""
    from core.ai.rag.ingest import process_queue

    seed_demo(dt.date.today())
    ctx = context_for(get_tenant("maju-jaya"), Actor("system", "test"), role="admin", permissions=ALL)
    process_queue(ctx)
    assert {d.status for d in documents.list_documents(ctx)} == {"ready"}
    answer = documents.ask(ctx, "Berapa batas biaya hotel per malam di Jakarta?", remember=False)
    assert answer.found and "1.500.000" in answer.text, answer
    assert answer.citations and answer.citations[0].title == "Kebijakan Perjalanan Dinas"
