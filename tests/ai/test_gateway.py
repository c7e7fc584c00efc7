"""The gateway against a stand-in model server on loopback (Gemini and OpenAI REST APIs):
no personal data in any request, the original values back in the answer, tokens and cost
metered from what the stand-in reported and the price table, unpriced models flagged."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from sqlalchemy import select

from core.ai import metering
from core.ai.gateway import Gateway
from core.ai.models import AiUsage
from core.ai.pii import Masker
from core.ai.types import MaskingFailed
from core.context import TenantContext
from db.session import control_session
from tests.ai.conftest import Clock, GatewayFactory
from tests.ai.corpus import CORPUS, DECOYS, digits
from tests.ai.standin import StandIn

pytestmark = pytest.mark.usefixtures("clean_ai")

SYSTEM = "You are the assistant of an Indonesian company. Keep placeholders like [REDACTED_PHONE_1] as they are."


def _rows(ids: list[int]) -> dict[int, AiUsage]:
    with control_session() as s:
        return {r.id: r for r in s.scalars(select(AiUsage).where(AiUsage.id.in_(ids)))}


@pytest.mark.parametrize("provider", ["gemini", "openai"])
def test_no_pii_reaches_the_model_and_answers_are_restored(provider: str, gateway_for: GatewayFactory,
                                                           standin: StandIn,
                                                           as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for(provider)
    ctx = as_role("staff")
    results = []
    for text, values in CORPUS:
        result = gateway.chat(ctx, "test.corpus", [("system", SYSTEM), ("user", text)])
        assert not result.degraded and result.provider == provider
        # The stand-in echoes the (masked) prompt: the user sees the original values again.
        assert result.text == StandIn.answer_for(text)
        assert "REDACTED_" not in result.text
        assert sum(result.masked.values()) >= len(values)
        results.append(result)

    assert len(standin.requests) == len(CORPUS)
    sent = standin.bodies()
    assert "[REDACTED_NIK_1]" in sent and "[REDACTED_PHONE_1]" in sent and "[REDACTED_EMAIL_1]" in sent
    for _, values in CORPUS:
        for value in values:
            assert value not in sent, value
            if len(digits(value)) >= 8:  # nor the bare digits of a number
                assert digits(value) not in sent, value
    for decoy in DECOYS:  # business facts the model needs stay readable
        assert decoy in sent, decoy
    # Counts, never values, are stored with the call.
    rows = _rows([r.usage_id for r in results if r.usage_id])
    stored = json.dumps([r.masked for r in rows.values()])
    assert all(value not in stored for _, values in CORPUS for value in values)
    assert sum(sum(r.masked.values()) for r in rows.values()) == sum(sum(r.masked.values()) for r in results)


@pytest.mark.parametrize("provider", ["gemini", "openai"])
def test_metered_tokens_equal_reported_usage_and_cost_follows_the_price_table(
        provider: str, gateway_for: GatewayFactory, standin: StandIn, clock: Clock,
        as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for(provider)
    ctx = as_role("staff")
    results = [gateway.chat(ctx, "test.meter", [("system", SYSTEM), ("user", text)]) for text, _ in CORPUS[:4]]
    rows = _rows([r.usage_id for r in results if r.usage_id])
    price = metering.price_for(provider, gateway.chat_provider.model, clock())
    assert price is not None and price.input_per_mtok_micros > 0
    for result, seen in zip(results, standin.requests, strict=True):
        assert seen.usage is not None
        row = rows[result.usage_id or 0]
        assert (row.input_tokens, row.output_tokens) == seen.usage == (result.input_tokens, result.output_tokens)
        assert not row.tokens_estimated and row.priced and row.price_id == price.id
        expected = (seen.usage[0] * price.input_per_mtok_micros + seen.usage[1] * price.output_per_mtok_micros
                    + 500_000) // 1_000_000
        assert row.cost_micros == result.cost_micros == expected > 0
        assert (row.outcome, row.provider, row.model, row.feature) == ("ok", provider, price.model, "test.meter")
        assert row.user_id is not None and row.tenant_id == ctx.tenant_id


def test_a_new_price_version_applies_from_its_date(gateway_for: GatewayFactory, clock: Clock,
                                                   as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini")
    ctx = as_role("staff")
    model = gateway.chat_provider.model
    old = metering.price_for("gemini", model, clock())
    assert old is not None
    metering.set_price("gemini", model, old.input_per_mtok_micros * 2, old.output_per_mtok_micros * 2,
                       effective_from=clock() + dt.timedelta(days=1), note="test", by="test")
    before = gateway.chat(ctx, "test.price", "halo, apa kabar tim keuangan?")
    clock.advance(2 * 86400)
    after = gateway.chat(ctx, "test.price", "halo, apa kabar tim keuangan?")
    assert before.input_tokens == after.input_tokens and before.output_tokens == after.output_tokens
    assert after.cost_micros is not None and before.cost_micros is not None
    assert abs(after.cost_micros - 2 * before.cost_micros) <= 1  # rounding, half up, once each


def test_an_unknown_model_is_flagged_unpriced_not_free(gateway_for: GatewayFactory,
                                                       as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini", gemini_model="gemini-9-experimental")
    result = gateway.chat(as_role("staff"), "test.unpriced", "Ringkas rapat hari ini.")
    assert not result.priced and result.cost_micros is None and result.input_tokens > 0
    row = _rows([result.usage_id or 0])[result.usage_id or 0]
    assert row.priced is False and row.cost_micros is None and row.price_id is None
    assert row.model == "gemini-9-experimental"


def test_missing_usage_is_estimated_and_marked(gateway_for: GatewayFactory, standin: StandIn,
                                               as_role: Callable[..., TenantContext]) -> None:
    standin.report_usage = False
    result = gateway_for("openai").chat(as_role("staff"), "test.estimate", "Berapa total tagihan bulan ini?")
    row = _rows([result.usage_id or 0])[result.usage_id or 0]
    assert row.tokens_estimated and row.input_tokens > 0 and row.output_tokens > 0


def test_masking_error_sends_nothing(standin: StandIn, clock: Clock, gateway_for: GatewayFactory,
                                     as_role: Callable[..., TenantContext]) -> None:
    def crashing_ner(_text: str) -> list[tuple[int, int]]:
        raise RuntimeError("NER model crashed")

    base = gateway_for("gemini")
    gateway = Gateway(base.settings, clock=clock, masker=Masker(ner=crashing_ner))
    try:
        with pytest.raises(MaskingFailed):
            gateway.chat(as_role("staff"), "test.failclosed", "NIK 3171011708450001, HP 081234567890")
    finally:
        gateway.close()
    assert standin.requests == []
    with control_session() as s:
        outcomes = list(s.scalars(select(AiUsage.outcome).where(AiUsage.feature == "test.failclosed")))
    assert outcomes == ["mask_failed"]


def test_offline_engine_is_the_default_without_a_key(as_role: Callable[..., TenantContext],
                                                     clock: Clock) -> None:
    from core.config import get_settings

    settings = get_settings().model_copy(update={"ai_provider": "auto", "google_api_key": None,
                                                 "openai_api_key": None})
    gateway = Gateway(settings, clock=clock)
    try:
        ctx = as_role("staff")
        status = gateway.status(ctx)
        assert status.available and status.offline and status.engine_label == "offline engine"
        context = ("Kebijakan cuti: karyawan berhak atas 12 hari cuti tahunan. Klaim transport dibayar tanggal 25. "
                   "Pertanyaan ke HR di 0812-3456-7890.")
        result = gateway.chat(ctx, "test.offline", [("system", context),
                                                    ("user", "Ke nomor berapa pertanyaan HR dikirim?")], task="answer")
        assert result.offline and result.engine_label == "offline engine" and result.priced
        assert result.cost_micros == 0 and "0812-3456-7890" in result.text
        kpi = {"revenue": 125000000, "revenue_avg": 100000000, "overdue_tasks": {"current": 7, "previous": 3}}
        insight = gateway.chat(ctx, "test.offline", f"KPI: {json.dumps(kpi)}", task="insights")
        assert "125.000.000" in insight.text and "100.000.000" in insight.text and "7" in insight.text
    finally:
        gateway.close()


def test_embeddings_are_local_masked_and_metered(gateway_for: GatewayFactory,
                                                 as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("offline")
    texts = ["The customer's invoice is overdue", "Payment of the bill is late",
             "A recipe for fried rice", "Hubungi 0812-3456-7890 untuk tagihan"]
    result = gateway.embed(as_role("staff"), "test.embed", texts)
    assert (result.provider, result.model, result.dim) == ("local", "all-MiniLM-L6-v2", 384)
    assert result.masked == {"PHONE": 1} and result.input_tokens > 0 and result.cost_micros == 0

    def cos(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    v = result.vectors
    assert cos(v[0], v[1]) > cos(v[0], v[2])
    row = _rows([result.usage_id or 0])[result.usage_id or 0]
    assert (row.kind, row.input_tokens, row.masked) == ("embed", result.input_tokens, {"PHONE": 1})


def test_gemini_embeddings_are_optional_and_masked(gateway_for: GatewayFactory, standin: StandIn,
                                                   as_role: Callable[..., TenantContext]) -> None:
    gateway = gateway_for("gemini", ai_embed_provider="gemini")
    result = gateway.embed(as_role("staff"), "test.embed", ["Kontak HR: 0812-3456-7890", "Cuti tahunan 12 hari"])
    assert (result.provider, result.model) == ("gemini", "gemini-embedding-001") and len(result.vectors) == 2
    (seen,) = standin.requests
    assert seen.path.endswith(":batchEmbedContents") and b"[REDACTED_PHONE_1]" in seen.body
    assert b"0812-3456-7890" not in seen.body
    row = _rows([result.usage_id or 0])[result.usage_id or 0]
    assert row.tokens_estimated and row.priced and row.masked == {"PHONE": 1}
