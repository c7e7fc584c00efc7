"""The documents and ask pages through AppTest: empty states, a document's status, upload
controls only for those who may upload, and a question answered with its sources."""

from __future__ import annotations

import uuid

import pytest
from streamlit.testing.v1 import AppTest

from core.ai.rag import service
from core.config import PROJECT_ROOT
from core.tenancy.registry import get_tenant
from tests.ai.rag.conftest import drain
from tests.ai.rag.corpus import LEAVE, pdf_bytes
from tests.ui.business_seed import Company, company, context
from ui.session import SignedIn


@pytest.fixture(scope="module")
def firm(tenants: dict[str, object]) -> Company:
    return company("rag-ui", "Dokumen Uji")


def _page(name: str, firm: Company, role: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / name), default_timeout=90)
    at.session_state["user"] = SignedIn(firm.user_ids[role], firm.emails[role], role.title())
    at.session_state["tenant_id"] = get_tenant(firm.slug).id
    at.session_state["lang"] = "en"
    return at.run()


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [e.value for e in at.info] + [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


def test_pages_render_empty_then_with_a_document_and_an_answer(firm: Company) -> None:
    staff_docs = _page("documents.py", firm, "staff")
    assert not staff_docs.exception
    assert "No documents yet" in _text(staff_docs) and not staff_docs.expander  # no upload for Staff
    ask = _page("ask.py", firm, "staff")
    assert not ask.exception and "No questions yet" in _text(ask)

    admin = context(firm.slug, "admin", firm.user_ids["admin"])
    doc = service.upload(admin, "cuti.pdf", pdf_bytes(LEAVE.pages, title=LEAVE.title), title=LEAVE.title)
    admin_docs = _page("documents.py", firm, "admin")
    assert not admin_docs.exception and admin_docs.expander  # the upload form
    assert "Page 0 of 3" in str([p.proto for p in admin_docs.get("progress")])
    assert not drain(firm.slug).failed

    admin_docs = _page("documents.py", firm, "admin")
    assert LEAVE.title in _text(admin_docs) and "Ready]" in _text(admin_docs)

    ask = _page("ask.py", firm, "staff")
    ask.chat_input(key="rag_question").set_value("Berapa hari cuti tahunan untuk karyawan tetap?").run()
    assert not ask.exception
    text = _text(ask)
    assert "12 hari kerja" in text and "[1]" in text
    assert f"{LEAVE.title}, page 2" in text  # the source: document and page
    rows = service.history(context(firm.slug, "staff", firm.user_ids["staff"]))
    assert rows[0].citations[0]["document_id"] == str(doc.id)


def test_unknown_file_id_is_not_found_for_another_company(firm: Company) -> None:
    from core.errors import NotFound

    staff = context(firm.slug, "staff", firm.user_ids["staff"])
    with pytest.raises(NotFound):
        service.get_document(staff, uuid.uuid4())


def test_every_file_problem_has_words_in_both_languages() -> None:
    from ui.i18n import STRINGS

    for code in ("empty", "too large", "type", "type mismatch", "encrypted", "corrupt", "duplicate", "no_text",
                 "ai_unavailable"):
        entry = STRINGS[f"rag.err.{code}"]
        assert entry["id"] and entry["en"] and entry["id"] != entry["en"]
