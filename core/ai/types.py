"""What the gateway takes and gives back, and its errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from core.errors import DomainError, Unavailable

Role = Literal["system", "user", "assistant"]
ROLES: tuple[str, ...] = ("system", "user", "assistant")

# What the caller wants done; the offline engine picks its method from it, a remote model
# reads the instructions in the messages.
Task = Literal["chat", "summarize", "answer", "insights"]
TASKS: tuple[str, ...] = ("chat", "summarize", "answer", "insights")

OFFLINE_LABEL = "offline engine"


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


MessageLike = Message | tuple[str, str] | Mapping[str, Any]


def as_messages(items: Sequence[MessageLike] | str) -> list[Message]:
    """Accept Message, (role, content) pairs, {"role", "content"} dicts, or one user text."""
    if isinstance(items, str):
        return [Message("user", items)]
    out: list[Message] = []
    for item in items:
        role: str
        content: Any
        if isinstance(item, Message):
            role, content = item.role, item.content
        elif isinstance(item, tuple):
            role, content = item
        else:
            role, content = str(item.get("role", "")), item.get("content", "")
        if role not in ROLES:
            raise ValueError(f"unknown message role {role!r}")
        if not isinstance(content, str):
            raise ValueError("message content must be text")
        out.append(Message(cast(Role, role), content))
    if not any(m.role == "user" for m in out):
        raise ValueError("at least one user message is needed")
    return out


@dataclass(frozen=True)
class ProviderReply:
    text: str
    input_tokens: int
    output_tokens: int
    tokens_estimated: bool = False


@dataclass(frozen=True)
class EmbedReply:
    vectors: list[list[float]]
    input_tokens: int
    tokens_estimated: bool = False


class ProviderFailure(Exception):
    """A provider call failed; `kind` is "timeout" or "error". The message names no PII."""

    def __init__(self, kind: Literal["timeout", "error"], message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ChatResult:
    text: str  # the answer shown to the user, placeholders restored
    provider: str
    model: str
    engine_label: str
    input_tokens: int
    output_tokens: int
    cost_micros: int | None  # None: the model is not in the price table ("unpriced")
    priced: bool
    latency_ms: int
    masked: dict[str, int] = field(default_factory=dict)
    degraded: bool = False  # answered by the offline engine because the provider failed
    degraded_reason: str | None = None
    budget_warning: str | None = None
    usage_id: int | None = None

    @property
    def offline(self) -> bool:
        return self.provider == "offline"


@dataclass(frozen=True)
class EmbedResult:
    vectors: list[list[float]]
    provider: str
    model: str
    dim: int
    input_tokens: int
    cost_micros: int | None
    priced: bool
    latency_ms: int
    masked: dict[str, int] = field(default_factory=dict)
    usage_id: int | None = None


class AIUnavailable(Unavailable):
    """The model cannot be used now (breaker open, provider down): use the manual path."""

    code = "ai_unavailable"

    def __init__(self, message: str, *, reason: str, retry_after: int | None = None) -> None:
        super().__init__(message, details={"reason": reason, **({"retry_after": retry_after} if retry_after else {})})
        self.reason = reason
        self.retry_after = retry_after


class AIDisabled(Unavailable):
    """AI is switched off for this company (by the operator or the company's admin)."""

    code = "ai_disabled"

    def __init__(self, message: str, *, by: str | None) -> None:
        super().__init__(message, details={"disabled_by": by} if by else {})
        self.retry_after: int | None = None


class BudgetExceeded(DomainError):
    """The monthly AI budget of the company or of the user is used up."""

    status = 429
    code = "ai_budget_exhausted"

    def __init__(self, message: str, *, scope: str, retry_after: int, details: dict[str, Any]) -> None:
        super().__init__(message, details={"scope": scope, **details})
        self.scope = scope
        self.retry_after = retry_after


class MaskingFailed(DomainError):
    """Masking failed, so nothing was sent (fail closed)."""

    status = 500
    code = "ai_masking_failed"
