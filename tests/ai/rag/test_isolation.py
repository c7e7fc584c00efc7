"""Tenant B never retrieves tenant A's documents or chunks, in every tier: not by asking,
not by searching, not by listing, not by id, not even by raw SQL in its own session."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.ai.rag import service
from core.ai.rag.models import DocumentChunk
from core.errors import NotFound
from db.session import tenant_session
from tests.ai.rag.conftest import drain, member
from tests.ai.rag.corpus import pdf_bytes

QUESTION = "What is the access code of the north warehouse gate?"


def test_tenant_b_never_retrieves_tenant_a_chunks(tier: str) -> None:
    a, b = member("admin", f"a-{tier}"), member("admin", f"b-{tier}")
    secret = f"The access code of the north warehouse gate is ZEBRA-{tier.upper()}-7781."
    doc_a = service.upload(a, "gates.pdf", pdf_bytes([["Warehouse security rules for all shifts."], [secret]],
                                                     title=f"Warehouse Gates {tier}"))
    doc_b = service.upload(b, "canteen.pdf", pdf_bytes([["The canteen of the north warehouse serves lunch "
                                                         f"from 11:30 to 13:30 ({tier})."]], title="Canteen"))
    assert not drain(f"a-{tier}").failed and not drain(f"b-{tier}").failed

    mine = service.ask(a, QUESTION, remember=False)
    assert mine.found and mine.citations[0].document_id == str(doc_a.id) and mine.citations[0].page == 2

    theirs = service.ask(b, QUESTION, remember=False)
    assert "ZEBRA" not in theirs.text and all(c.document_id != str(doc_a.id) for c in theirs.citations)
    hits = service.search(b, QUESTION, limit=50)
    assert hits, "B's own document is retrievable"
    assert {h.document_id for h in hits} <= {d.id for d in service.list_documents(b)}
    assert doc_a.id not in {h.document_id for h in hits} and doc_b.id in {h.document_id for h in hits}
    assert all("ZEBRA" not in h.text for h in hits)
    assert doc_a.id not in {d.id for d in service.list_documents(b)}
    with pytest.raises(NotFound):
        service.get_document(b, doc_a.id)
    with pytest.raises(NotFound):
        service.delete_document(b, doc_a.id)
    with tenant_session(b) as s:
        assert s.scalar(select(func.count()).select_from(DocumentChunk)
                        .where(DocumentChunk.document_id == doc_a.id)) == 0
    assert service.get_document(a, doc_a.id).status == "ready"
