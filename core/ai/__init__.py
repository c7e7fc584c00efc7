"""The AI gateway: the one road to a model (see core.ai.gateway).

Features call `chat(ctx, feature, messages, ...)` and `embed(ctx, feature, texts)`, and
`status(ctx)` to decide whether AI widgets show; they never import a provider.
"""

from core.ai.gateway import AIStatus, Gateway, chat, default_gateway, embed, reset_default_gateway, status
from core.ai.types import (
    AIDisabled,
    AIUnavailable,
    BudgetExceeded,
    ChatResult,
    EmbedResult,
    MaskingFailed,
    Message,
)

__all__ = [
    "AIDisabled",
    "AIStatus",
    "AIUnavailable",
    "BudgetExceeded",
    "ChatResult",
    "EmbedResult",
    "Gateway",
    "MaskingFailed",
    "Message",
    "chat",
    "default_gateway",
    "embed",
    "reset_default_gateway",
    "status",
]
