"""/api/v1/ai: the AI status and a summary endpoint, through the gateway.

While the provider's circuit breaker is open (or the provider times out), AI endpoints
answer 503 with Retry-After instead of a degraded answer; everything else in the API is
untouched. Personal data in the input is masked before it reaches the model.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from api.errors import ERROR_RESPONSES, ErrorBody
from api.threads import run_model_bound
from core import ai
from core.rbac.guard import require

RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    503: {"model": ErrorBody, "description": "AI is unavailable (provider down, circuit breaker open, or "
                                             "switched off for the company); see Retry-After"},
}
router = APIRouter(prefix="/api/v1/ai", tags=["ai"], responses=RESPONSES)


class StatusOut(BaseModel):
    available: bool
    reason: str | None = Field(description="no_permission, disabled, breaker_open or budget_exhausted")
    engine: str = Field(description="'offline engine' when no model provider is configured")
    provider: str
    model: str
    retry_after: int = Field(description="seconds until AI may be available again (0: now)")
    budget_warning: str | None


class SummarizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=20_000)
    language: str | None = Field(default=None, pattern="^(id|en)$", description="answer language; default: the text's")


class UsageOut(BaseModel):
    input_tokens: int
    output_tokens: int


class SummarizeOut(BaseModel):
    summary: str
    engine: str
    degraded: bool
    masked: dict[str, int] = Field(description="how many values of each kind were masked (never the values)")
    usage: UsageOut
    budget_warning: str | None


@router.get("/status", response_model=StatusOut, summary="Whether AI is available now")
async def ai_status(ctx: Context) -> StatusOut:
    status = await run_in_threadpool(ai.status, ctx)
    return StatusOut(available=status.available, reason=status.reason, engine=status.engine_label,
                     provider=status.provider, model=status.model, retry_after=status.retry_after,
                     budget_warning=status.budget_warning)


def _summarize(ctx: Any, body: SummarizeIn) -> ai.ChatResult:
    require(ctx, "ai.use")
    lang = {"id": "Jawab dalam Bahasa Indonesia.", "en": "Answer in English."}.get(body.language or "", "")
    system = ("Summarise the user's text in at most three short bullet points. Keep every placeholder such as "
              f"[REDACTED_PHONE_1] exactly as written. {lang}").strip()
    return ai.chat(ctx, "api.summarize", [("system", system), ("user", body.text)], task="summarize",
                   fallback=False)


@router.post("/summarize", response_model=SummarizeOut, summary="Summarise a text (PII masked)")
async def summarize(ctx: Context, body: SummarizeIn) -> SummarizeOut:
    result = await run_model_bound(_summarize, ctx, body)
    return SummarizeOut(summary=result.text, engine=result.engine_label, degraded=result.degraded,
                        masked=result.masked, usage=UsageOut(input_tokens=result.input_tokens,
                                                             output_tokens=result.output_tokens),
                        budget_warning=result.budget_warning)
