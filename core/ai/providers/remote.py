"""Remote chat models: Gemini (langchain-google-genai) and OpenAI (langchain-openai).

Only the gateway reaches these classes. Each client is built once per configuration with
the gateway's timeout and no retries of its own (the circuit breaker decides when to try
again), and with a configurable base URL, so an on-premise gateway or a test stand-in on
loopback can take the provider's place.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from core.ai.providers.offline import count_tokens
from core.ai.types import EmbedReply, Message, ProviderFailure, ProviderReply


def _lc_messages(messages: Sequence[Message]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    return [kinds[m.role](content=m.content) for m in messages]


def _failure(exc: BaseException) -> ProviderFailure:
    """A failure described by its type and status only: provider messages may echo the prompt."""
    name = type(exc).__name__
    text = f"{name} {getattr(exc, 'status_code', '') or getattr(exc, 'code', '') or ''}".strip()
    timed_out = "timeout" in name.lower() or "timed out" in str(exc).lower() or "ReadTimeout" in repr(exc)
    return ProviderFailure("timeout" if timed_out else "error", text)


def _reply(message: Any, messages: Sequence[Message]) -> ProviderReply:
    text = message.text if isinstance(message.text, str) else str(message.content)
    usage = getattr(message, "usage_metadata", None) or {}
    if usage.get("input_tokens") is None and usage.get("output_tokens") is None:
        prompt = "\n".join(m.content for m in messages)
        return ProviderReply(text, count_tokens(prompt), count_tokens(text), tokens_estimated=True)
    return ProviderReply(text, int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0))


class _Cached:
    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def client(self, key: tuple[Any, ...], build: Any) -> Any:
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self._clients[key] = build()
            return found


class _LangChainChat(_Cached):
    """A chat model behind a langchain client, built once per output setting."""

    name = ""
    remote = True
    vendor = ""

    def __init__(self, *, api_key: str, model: str, base_url: str | None, temperature: float,
                 timeout: float) -> None:
        super().__init__()
        self.model = model
        self.label = f"{self.vendor} ({model})"
        self._api_key, self._base_url = api_key, base_url
        self._temperature, self._timeout = temperature, timeout

    def _build(self, max_output_tokens: int | None, json_output: bool) -> Any:
        raise NotImplementedError

    def _llm(self, max_output_tokens: int | None, json_output: bool) -> Any:
        return self.client((max_output_tokens, json_output), lambda: self._build(max_output_tokens, json_output))

    def prepare(self, *, max_output_tokens: int | None = None, json_output: bool = False) -> None:
        """Import the client library and build the client before the deadline starts."""
        self._llm(max_output_tokens, json_output)

    def chat(self, messages: Sequence[Message], *, task: str = "chat", max_output_tokens: int | None = None,
             json_output: bool = False, timeout: float | None = None) -> ProviderReply:
        llm = self._llm(max_output_tokens, json_output)
        try:
            message = llm.invoke(_lc_messages(messages))
        except Exception as exc:
            raise _failure(exc) from None
        return _reply(message, messages)


class GeminiChat(_LangChainChat):
    name = "gemini"
    vendor = "Gemini"

    def _build(self, max_output_tokens: int | None, json_output: bool) -> Any:
        from langchain_google_genai import ChatGoogleGenerativeAI

        extra: dict[str, Any] = {}
        if max_output_tokens:
            extra["max_output_tokens"] = max_output_tokens
        if json_output:
            extra["response_mime_type"] = "application/json"
        # max_retries=1: a single attempt (0 would mean "the SDK's default retries").
        return ChatGoogleGenerativeAI(model=self.model, api_key=self._api_key, base_url=self._base_url,
                                      temperature=self._temperature, timeout=self._timeout, max_retries=1,
                                      **extra)


class OpenAIChat(_LangChainChat):
    name = "openai"
    vendor = "OpenAI"

    def _build(self, max_output_tokens: int | None, json_output: bool) -> Any:
        from langchain_openai import ChatOpenAI

        extra: dict[str, Any] = {}
        if max_output_tokens:
            extra["max_completion_tokens"] = max_output_tokens
        if json_output:
            extra["model_kwargs"] = {"response_format": {"type": "json_object"}}
        return ChatOpenAI(model=self.model, api_key=self._api_key, base_url=self._base_url,  # type: ignore[arg-type]
                          temperature=self._temperature, timeout=self._timeout, max_retries=0, **extra)


class GeminiEmbed(_Cached):
    """Optional: Gemini embeddings (AI_EMBED_PROVIDER=gemini). The API reports no token usage."""

    name = "gemini"
    remote = True

    def __init__(self, *, api_key: str, model: str, base_url: str | None, timeout: float) -> None:
        super().__init__()
        self.model = model
        self.label = f"Gemini ({model})"
        self._api_key, self._base_url, self._timeout = api_key, base_url, timeout

    def _build(self) -> Any:
        from langchain_google_genai import GoogleGenerativeAIEmbeddings

        return GoogleGenerativeAIEmbeddings(model=self.model, google_api_key=self._api_key,  # type: ignore[call-arg]
                                            base_url=self._base_url, request_options={"timeout": self._timeout})

    def prepare(self) -> None:
        self.client(("embed",), self._build)

    def embed(self, texts: Sequence[str], *, timeout: float | None = None) -> EmbedReply:
        client = self.client(("embed",), self._build)
        try:
            vectors = client.embed_documents(list(texts))
        except Exception as exc:
            raise _failure(exc) from None
        return EmbedReply([list(map(float, v)) for v in vectors], sum(count_tokens(t) for t in texts),
                          tokens_estimated=True)
