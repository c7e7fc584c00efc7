"""The LLM gateway: the only code that talks to a model.

    chat(ctx, feature, messages)  /  embed(ctx, feature, texts)

Every call goes: permission (ai.use) -> the company's AI switch -> budgets -> mask PII
(fail closed: a masking error sends nothing) -> provider, with a deadline and the shared
circuit breaker -> meter (tokens, cost from the price table, latency, outcome, counts of
masked values) -> restore placeholders in the answer.

When the provider times out, fails or its breaker is open, a chat call falls back to the
offline engine (`fallback=True`, the default; the result says `degraded`) or raises
`AIUnavailable` with a Retry-After (`fallback=False`, what API endpoints use). Features
never import a provider; they call these functions and `status(ctx)` to decide whether to
show AI widgets at all.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Protocol, TypeVar

from core.ai import breaker, metering, policy
from core.ai.pii import DEFAULT_MASKER, Masker, Vault
from core.ai.providers.local import MiniLMEmbed
from core.ai.providers.offline import OfflineEngine
from core.ai.types import (
    OFFLINE_LABEL,
    TASKS,
    AIDisabled,
    AIUnavailable,
    BudgetExceeded,
    ChatResult,
    EmbedReply,
    EmbedResult,
    MaskingFailed,
    Message,
    MessageLike,
    ProviderFailure,
    ProviderReply,
)
from core.config import Settings, get_settings
from core.context import TenantContext
from core.errors import ValidationFailed
from core.rbac.guard import can, require

T = TypeVar("T")
MAX_EMBED_TEXTS = 512


class ChatProvider(Protocol):
    name: str
    model: str
    remote: bool
    label: str

    def prepare(self, *, max_output_tokens: int | None = None, json_output: bool = False) -> None:
        """Build clients (imports, set-up) ahead of a call, outside its deadline."""

    def chat(self, messages: Sequence[Message], *, task: str = "chat", max_output_tokens: int | None = None,
             json_output: bool = False, timeout: float | None = None) -> ProviderReply: ...


class EmbedProvider(Protocol):
    name: str
    remote: bool

    @property
    def model(self) -> str: ...

    @property
    def label(self) -> str: ...

    def prepare(self) -> None: ...

    def embed(self, texts: Sequence[str], *, timeout: float | None = None) -> EmbedReply: ...


def chat_provider_for(settings: Settings) -> ChatProvider:
    """The configured chat provider; the offline engine when no key is set."""
    choice = settings.ai_provider
    if choice == "auto":
        choice = "gemini" if settings.google_api_key else ("openai" if settings.openai_api_key else "offline")
    if choice == "gemini" and settings.google_api_key:
        from core.ai.providers.remote import GeminiChat

        return GeminiChat(api_key=settings.google_api_key.get_secret_value(), model=settings.gemini_model,
                          base_url=settings.gemini_base_url, temperature=settings.ai_temperature,
                          timeout=settings.ai_timeout_seconds)
    if choice == "openai" and settings.openai_api_key:
        from core.ai.providers.remote import OpenAIChat

        return OpenAIChat(api_key=settings.openai_api_key.get_secret_value(), model=settings.openai_model,
                          base_url=settings.openai_base_url, temperature=settings.ai_temperature,
                          timeout=settings.ai_timeout_seconds)
    return OfflineEngine()


def embed_provider_for(settings: Settings) -> EmbedProvider:
    if settings.ai_embed_provider == "gemini" and settings.google_api_key:
        from core.ai.providers.remote import GeminiEmbed

        return GeminiEmbed(api_key=settings.google_api_key.get_secret_value(), model=settings.gemini_embed_model,
                           base_url=settings.gemini_base_url, timeout=settings.ai_timeout_seconds)
    return MiniLMEmbed()


@dataclass(frozen=True)
class AIStatus:
    """Whether AI widgets should show for this caller now, and what to say if not."""

    available: bool
    reason: str | None  # no_permission | disabled | breaker_open | budget_exhausted
    provider: str
    model: str
    engine_label: str
    retry_after: int = 0
    message: str | None = None
    budget_warning: str | None = None

    @property
    def offline(self) -> bool:
        return self.provider == "offline"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Gateway:
    def __init__(self, settings: Settings | None = None, *, clock: Callable[[], dt.datetime] | None = None,
                 masker: Masker | None = None) -> None:
        self.settings = settings or get_settings()
        self.clock = clock or _utcnow
        self.masker = masker or DEFAULT_MASKER
        self.offline = OfflineEngine()
        self.chat_provider: ChatProvider = chat_provider_for(self.settings)
        self.embed_provider: EmbedProvider = embed_provider_for(self.settings)
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="ai-call")

    # --- configuration ----------------------------------------------------------------------

    @property
    def timeout(self) -> float:
        return self.settings.ai_timeout_seconds

    @property
    def probe_timeout(self) -> float:
        return self.timeout * 2 + 5

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- graceful degradation -----------------------------------------------------------------

    def status(self, ctx: TenantContext) -> AIStatus:
        provider = self.chat_provider

        def make(available: bool, reason: str | None = None, *, retry_after: int = 0, message: str | None = None,
                 warning: str | None = None) -> AIStatus:
            return AIStatus(available, reason, provider.name, provider.model, provider.label, retry_after, message,
                            warning)

        if not can(ctx, "ai.use"):
            return make(False, "no_permission", message="Your role does not include AI features.")
        if not policy.switch_of(ctx.tenant_id).enabled:
            return make(False, "disabled", message="AI is switched off for this company.")
        now = self.clock()
        try:
            warning = policy.check(ctx, now)
        except BudgetExceeded as exc:
            return make(False, "budget_exhausted", retry_after=exc.retry_after, message=exc.message)
        if provider.remote:
            view = breaker.state(provider.name)
            if not view.calls_allowed(now):
                return make(False, "breaker_open", retry_after=view.retry_after(now),
                            message=f"{provider.label} is not answering; AI is paused for a moment.")
        return make(True, warning=warning)

    # --- chat -----------------------------------------------------------------------------------

    def chat(self, ctx: TenantContext, feature: str, messages: Sequence[MessageLike] | str, *,
             task: str = "chat", max_output_tokens: int | None = None, json_output: bool = False,
             fallback: bool = True) -> ChatResult:
        require(ctx, "ai.use")
        msgs = self._messages(messages)
        if task not in TASKS:
            raise ValidationFailed(f"unknown task '{task}'", details={"task": f"one of {', '.join(TASKS)}"})
        provider = self.chat_provider
        now = self.clock()
        warning = self._admit(ctx, feature, "chat", provider.name, provider.model, now)
        vault = Vault()
        masked = [Message(m.role, self._mask(ctx, feature, "chat", provider, m.content, vault, now)) for m in msgs]
        counts = dict(vault.counts)

        def call(engine: ChatProvider) -> ProviderReply:
            return engine.chat(masked, task=task, max_output_tokens=max_output_tokens, json_output=json_output,
                               timeout=self.timeout)

        reply: ProviderReply | None = None
        degraded: str | None = None
        started = time.monotonic()
        if provider.remote:
            reply, degraded = self._remote(
                ctx, feature, "chat", provider, lambda: call(provider), counts, fallback, now,
                prepare=lambda: provider.prepare(max_output_tokens=max_output_tokens, json_output=json_output))
        else:
            reply = call(provider)
        used: ChatProvider = provider
        if reply is None:
            used, started = self.offline, time.monotonic()
            reply = call(self.offline)
        latency = int((time.monotonic() - started) * 1000)
        recorded = metering.record(ctx, feature=feature, kind="chat", provider=used.name, model=used.model,
                                   outcome="ok", at=now, input_tokens=reply.input_tokens,
                                   output_tokens=reply.output_tokens, tokens_estimated=reply.tokens_estimated,
                                   latency_ms=latency, fallback=degraded is not None, masked=counts)
        return ChatResult(text=vault.restore(reply.text), provider=used.name, model=used.model,
                          engine_label=OFFLINE_LABEL if used.name == "offline" else used.label,
                          input_tokens=reply.input_tokens, output_tokens=reply.output_tokens,
                          cost_micros=recorded.cost_micros, priced=recorded.priced, latency_ms=latency,
                          masked=counts, degraded=degraded is not None, degraded_reason=degraded,
                          budget_warning=warning, usage_id=recorded.id)

    # --- embeddings ---------------------------------------------------------------------------

    def embed(self, ctx: TenantContext, feature: str, texts: Sequence[str]) -> EmbedResult:
        require(ctx, "ai.use")
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise ValidationFailed("texts must be a list of strings", details={"texts": "a list of strings"})
        if len(texts) > MAX_EMBED_TEXTS:
            raise ValidationFailed(f"at most {MAX_EMBED_TEXTS} texts per call",
                                   details={"texts": f"at most {MAX_EMBED_TEXTS}"})
        provider = self.embed_provider
        now = self.clock()
        self._admit(ctx, feature, "embed", provider.name, provider.model, now)
        vault = Vault()
        masked = [self._mask(ctx, feature, "embed", provider, t, vault, now) for t in texts]
        counts = dict(vault.counts)
        started = time.monotonic()
        if provider.remote:
            reply, _ = self._remote(ctx, feature, "embed", provider, lambda: provider.embed(masked), counts,
                                    False, now, prepare=provider.prepare)
            assert reply is not None
        else:
            reply = provider.embed(masked)
        latency = int((time.monotonic() - started) * 1000)
        recorded = metering.record(ctx, feature=feature, kind="embed", provider=provider.name,
                                   model=provider.model, outcome="ok", at=now, input_tokens=reply.input_tokens,
                                   tokens_estimated=reply.tokens_estimated, latency_ms=latency, masked=counts)
        dim = len(reply.vectors[0]) if reply.vectors else 0
        return EmbedResult(reply.vectors, provider.name, provider.model, dim, reply.input_tokens,
                           recorded.cost_micros, recorded.priced, latency, counts, recorded.id)

    # --- the steps ------------------------------------------------------------------------------

    @staticmethod
    def _messages(messages: Sequence[MessageLike] | str) -> list[Message]:
        from core.ai.types import as_messages

        try:
            return as_messages(messages)
        except ValueError as exc:
            raise ValidationFailed(str(exc), details={"messages": str(exc)}) from None

    def _admit(self, ctx: TenantContext, feature: str, kind: str, provider: str, model: str,
               now: dt.datetime) -> str | None:
        """The AI switch and the budgets; a refusal is recorded, then raised."""
        try:
            policy.require_enabled(ctx)
            return policy.check(ctx, now)
        except AIDisabled:
            metering.record(ctx, feature=feature, kind=kind, provider=provider, model=model, outcome="disabled",
                            at=now)
            raise
        except BudgetExceeded:
            metering.record(ctx, feature=feature, kind=kind, provider=provider, model=model,
                            outcome="budget_blocked", at=now)
            raise

    def _mask(self, ctx: TenantContext, feature: str, kind: str, provider: ChatProvider | EmbedProvider,
              text: str, vault: Vault, now: dt.datetime) -> str:
        try:
            return self.masker.mask(text, vault)
        except Exception:
            metering.record(ctx, feature=feature, kind=kind, provider=provider.name, model=provider.model,
                            outcome="mask_failed", at=now)
            raise MaskingFailed("Personal data could not be masked, so nothing was sent to the AI model.") \
                from None

    def _deadline(self, fn: Callable[[], T]) -> T:
        """Run `fn` with the gateway's deadline (the clients have the same timeout of their own)."""
        future = self._pool.submit(fn)
        try:
            return future.result(timeout=self.timeout + 0.5)
        except FuturesTimeout:
            future.cancel()
            raise ProviderFailure("timeout", f"no answer within {self.timeout:g} s") from None

    def _remote(self, ctx: TenantContext, feature: str, kind: str, provider: ChatProvider | EmbedProvider,
                fn: Callable[[], T], counts: dict[str, int], fallback: bool, now: dt.datetime, *,
                prepare: Callable[[], None]) -> tuple[T | None, str | None]:
        """Call a remote provider through the breaker: (reply, None) or (None, why) when falling back."""
        decision = breaker.acquire(provider.name, now, probe_timeout=self.probe_timeout)
        if not decision.allowed:
            metering.record(ctx, feature=feature, kind=kind, provider=provider.name, model=provider.model,
                            outcome="breaker_open", at=now)
            if not fallback:
                raise AIUnavailable(f"{provider.label} is not answering; AI is paused. Try again later.",
                                    reason="breaker_open", retry_after=decision.retry_after)
            return None, "breaker_open"
        started = time.monotonic()
        try:
            try:
                prepare()  # client set-up (imports) does not count against the deadline
            except Exception as exc:  # a broken client library counts as a failing provider
                raise ProviderFailure("error", f"client set-up failed: {type(exc).__name__}") from None
            started = time.monotonic()
            reply = self._deadline(fn)
        except ProviderFailure as exc:
            latency = int((time.monotonic() - started) * 1000)
            view = breaker.failed(provider.name, self.clock(), f"{exc.kind}: {exc}",
                                  threshold=self.settings.ai_breaker_failures,
                                  cooldown=self.settings.ai_breaker_cooldown_seconds)
            metering.record(ctx, feature=feature, kind=kind, provider=provider.name, model=provider.model,
                            outcome=exc.kind, at=now, latency_ms=latency, masked=counts)
            if not fallback:
                retry = view.retry_after(self.clock()) or min(10, self.settings.ai_breaker_cooldown_seconds)
                raise AIUnavailable(f"{provider.label} did not answer ({exc.kind}). Try again later.",
                                    reason=exc.kind, retry_after=retry) from None
            return None, exc.kind
        breaker.succeeded(provider.name)
        return reply, None


# --- the process-wide gateway -------------------------------------------------------------------

_default: Gateway | None = None
_default_lock = threading.Lock()


def default_gateway() -> Gateway:
    global _default
    with _default_lock:
        if _default is None:
            _default = Gateway()
        return _default


def reset_default_gateway() -> None:
    """Forget the process-wide gateway (after the settings changed)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = None


def chat(ctx: TenantContext, feature: str, messages: Sequence[MessageLike] | str, *, task: str = "chat",
         max_output_tokens: int | None = None, json_output: bool = False, fallback: bool = True) -> ChatResult:
    """Ask the model (see `Gateway.chat`). `feature` names the caller in the usage ledger."""
    return default_gateway().chat(ctx, feature, messages, task=task, max_output_tokens=max_output_tokens,
                                  json_output=json_output, fallback=fallback)


def embed(ctx: TenantContext, feature: str, texts: Sequence[str]) -> EmbedResult:
    return default_gateway().embed(ctx, feature, texts)


def status(ctx: TenantContext) -> AIStatus:
    return default_gateway().status(ctx)
