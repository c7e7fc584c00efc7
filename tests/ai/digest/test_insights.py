"""The three insights: numbers quoted by the model are checked against the input; an
insight quoting a number that is not there is rejected and replaced by a templated one."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from core.ai import policy
from core.ai.digest import insights, kpis, service
from core.ai.gateway import Gateway
from core.ai.models import AiUsage
from core.context import TenantContext
from db.session import control_session, tenant_session
from tests.ai.conftest import GatewayFactory
from tests.ai.digest.seed import business_day, company
from tests.ai.standin import StandIn

DAY = dt.date(2031, 4, 14)
NOW = dt.datetime(2031, 4, 14, 22, 30, tzinfo=dt.UTC)  # 05:30 in Jakarta on the 15th

FIGURES = {"day": "2031-04-14", "windows": {"short_days": 7, "long_days": 28}, "anomaly_threshold_pct": 50,
           "metrics": {"revenue": {"value": 1_523_456, "avg_7d": 1_000_000, "avg_28d": 812_345.5,
                                   "change_28d_pct": 87.5, "anomaly": True},
                       "pending_tasks": {"value": 12, "avg_7d": 9.43, "avg_28d": 10, "change_28d_pct": 20.0,
                                         "anomaly": False}},
           "top_categories": [{"name": "Toko 99", "amount": 250_000, "share_pct": 16.4}]}


@pytest.mark.parametrize("text", [
    "Pendapatan Rp 1.523.456, naik 87,5% dari rata-rata 28 hari.",
    "Revenue reached Rp 1,523,456 (up 87.5%).",
    "Pendapatan sekitar Rp 1,5 juta; rata-rata Rp 812.346.",
    "Revenue of about 1.5M against an average of 812K; 12 tasks pending (9.43 a week ago).",
    "Revenue hit Rp1.52 jt (Rp 1.52 million), over the 50% threshold.",
    "Pengeluaran Toko 99 sebesar Rp 250 ribu (16,4%) pada 14 April 2031.",
    "Tasks fell 20% to 12.",
])
def test_numbers_from_the_input_pass(text: str) -> None:
    assert insights.unsupported(text, insights.input_numbers(FIGURES)) == []


@pytest.mark.parametrize(("text", "bad"), [
    ("Pendapatan Rp 987.654.321 kemarin.", ["987.654.321"]),
    ("Revenue grew 42% to Rp 1.523.456.", ["42%"]),
    ("Revenue of 2.5M is far above the average.", ["2.5M"]),
    ("Pendapatan Rp 1,6 juta.", ["1,6 juta"]),  # 1,523,456 rounds to 1,5 juta, not 1,6
    ("13 tasks are pending.", ["13"]),
])
def test_numbers_not_in_the_input_are_caught(text: str, bad: list[str]) -> None:
    assert insights.unsupported(text, insights.input_numbers(FIGURES)) == bad


def test_templated_insights_quote_only_input_numbers() -> None:
    for lang in ("id", "en"):
        texts = insights.templated(FIGURES, lang)
        assert len(texts) >= 3
        for line in texts:
            assert insights.unsupported(line, insights.input_numbers(FIGURES)) == [], line
    assert insights.templated(FIGURES, "id")[0] == (
        "Pendapatan kemarin Rp 1.523.456, naik 87,5% dari rata-rata 28 hari (Rp 812.346).")
    assert insights.templated(FIGURES, "en")[1] == (
        "The largest spending yesterday: Toko 99 with Rp 250,000 (16.4% of all spending).")


def test_answers_are_parsed_leniently() -> None:
    assert insights.parse('```json\n{"insights": ["a", {"text": "b"}, 3]}\n```') == ["a", "b"]
    assert insights.parse("- one\n2. two\n\n* three") == ["one", "two", "three"]


@pytest.fixture
def kpi_company(tenants: dict[str, object]) -> TenantContext:
    ctx = company("dg-model")
    with tenant_session(ctx) as s:
        empty = not s.execute(text("SELECT count(*) FROM expenses")).scalar()
    if empty:
        business_day(ctx, DAY)
        with tenant_session(ctx) as s:  # a vendor with a phone number: it must reach the model masked
            s.execute(text("UPDATE expenses SET vendor = 'Budi 0812-3456-7890' WHERE vendor = 'Meta Ads'"))
    return ctx


def test_a_hallucinating_model_answer_is_rejected(kpi_company: TenantContext, standin: StandIn,
                                                  gateway_for: GatewayFactory, clean_ai: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"insights": [
        "Pendapatan kemarin Rp 900.000, jauh di atas rata-rata 28 hari (Rp 82.143).",
        "Pendapatan diperkirakan mencapai Rp 987.654.321 bulan depan.",
        "Ada 3 tugas tertunda, 2 di antaranya terlambat.",
    ]}
    monkeypatch.setattr(standin, "answer_for", lambda _text: json.dumps(answer))
    gateway: Gateway = gateway_for("gemini")
    result = service.run_digest(kpi_company, DAY, NOW, gateway=gateway)
    assert result.ran
    for lang in ("id", "en"):
        items = result.digest.insights[lang]
        assert [i["source"] for i in items] == ["model", "template", "model"]
        assert items[1]["rejected"] == answer["insights"][1] and items[1]["unsupported"] == ["987.654.321"]
        assert "987" not in items[1]["text"]
        assert insights.unsupported(items[1]["text"], insights.input_numbers(result.digest.kpis)) == []
    assert result.digest.engine == "gemini"
    # The model saw the KPI JSON, masked: the vendor's phone number never left the server.
    sent = standin.bodies()
    assert "pendapatan" in sent and "900000" in sent
    assert "0812-3456-7890" not in sent and "[REDACTED_PHONE_1]" in sent
    assert any(":generateContent" in r.path for r in standin.requests)
    with control_session() as s:
        features = s.scalars(select(AiUsage.feature).where(AiUsage.tenant_id == kpi_company.tenant_id)).all()
    assert features == ["digest", "digest"]  # one call per language, metered


def test_offline_engine_writes_checked_insights(offline: Gateway, kpi_company: TenantContext) -> None:
    ctx = kpi_company
    with tenant_session(ctx) as s:
        data = kpis.compute(s, DAY, ctx.timezone).as_json()
    for lang in ("id", "en"):
        written = insights.write(ctx, data, lang, offline)
        assert written.engine == "offline" and len(written.items) == 3
        assert all(i["source"] == "model" for i in written.items), written.items
    # The offline engine compares each figure with its 28-day average, largest change first.
    assert insights.write(ctx, data, "id", offline).items[0]["text"] == (
        "Kas masuk naik: 2.220.000 dibandingkan 1.964,29 (rata-rata).")
    assert insights.write(ctx, data, "en", offline).items[1]["text"] == (
        "Spending is up: 7,250,000 against 30,000 (the average).")


def test_with_ai_switched_off_the_digest_is_made_from_templates(kpi_company: TenantContext, offline: Gateway,
                                                                 clean_ai: None) -> None:
    policy.set_enabled(kpi_company, False, "test")
    try:
        result = service.run_digest(kpi_company, DAY - dt.timedelta(days=1), NOW, gateway=offline)
    finally:
        policy.set_enabled(kpi_company, True)
    d = result.digest
    assert (d.status, d.engine, d.degraded, d.last_error) == ("ready", "template", True, "AIDisabled")
    for lang in ("id", "en"):
        assert len(d.insights[lang]) == 3 and {i["source"] for i in d.insights[lang]} == {"template"}
    with control_session() as s:  # the refusal is metered, nothing was sent to a model
        outcomes = s.scalars(select(AiUsage.outcome).where(AiUsage.tenant_id == kpi_company.tenant_id)).all()
    assert sorted(outcomes) == ["disabled", "disabled"]


def test_email_text_is_escaped_and_in_the_recipients_language() -> None:
    from core.ai.digest.delivery import render

    data = {**FIGURES, "metrics": {**FIGURES["metrics"]}, "anomalies": ["revenue"]}
    points = {"id": [{"text": "Pendapatan <b>naik</b>", "source": "model"}],
              "en": [{"text": "Revenue <script>x</script> up", "source": "model"}]}
    en = render("PT <i>Maju</i>\nBcc: x@y", "Sari", DAY, data, points, "en")
    assert en.subject == "CEO Digest for PT <i>Maju</i> Bcc: x@y: 14 April 2031"  # one line, no header smuggling
    assert "<script>" not in en.html and "&lt;script&gt;" in en.html and "Revenue <script>x</script> up" in en.text
    assert "Revenue: Rp 1,523,456 (Average Rp 812,346, +87.5%) [anomaly]" in en.text
    id_ = render("PT Maju", "Sari", DAY, data, points, "id")
    assert id_.subject == "Rangkuman Eksekutif PT Maju: 14 April 2031"
    assert "Pendapatan: Rp 1.523.456 (Rata-rata Rp 812.346, +87,5%) [anomali]" in id_.text
    assert "&lt;b&gt;naik&lt;/b&gt;" in id_.html
