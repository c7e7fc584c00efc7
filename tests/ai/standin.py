"""A stand-in model server on loopback: a real HTTP server speaking the Gemini REST API
(`/v1beta/models/{model}:generateContent`, `:batchEmbedContents`) and the OpenAI one
(`/v1/chat/completions`). It records every request body, answers by echoing the last
user text (placeholders included, so the gateway's restoring shows), reports token usage
(words in, words out) and can be told to sleep past the client's timeout or to fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    path: str
    body: bytes
    headers: dict[str, str]
    usage: tuple[int, int] | None = None  # (input, output) tokens reported back


def _words(text: str) -> int:
    return len(text.split())


@dataclass
class StandIn:
    delay: float = 0.0  # seconds to sleep before answering
    fail_status: int | None = None  # answer with this HTTP status instead
    report_usage: bool = True
    requests: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                seen = Seen(self.path, body, {k.lower(): v for k, v in self.headers.items()})
                with standin._lock:
                    standin.requests.append(seen)
                if standin.delay and standin._stop.wait(standin.delay):
                    return
                if standin.fail_status:
                    self._send(standin.fail_status, {"error": {"code": standin.fail_status, "message": "down",
                                                               "status": "UNAVAILABLE"}})
                    return
                payload = json.loads(body or b"{}")
                if self.path.startswith("/v1/chat/completions"):
                    self._send(200, standin._openai(payload, seen))
                elif ":generateContent" in self.path:
                    self._send(200, standin._gemini(payload, seen, self.path))
                elif ":batchEmbedContents" in self.path or ":embedContent" in self.path:
                    self._send(200, standin._gemini_embed(payload))
                else:
                    self._send(404, {"error": {"code": 404, "message": f"no route {self.path}"}})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # --- answers ------------------------------------------------------------------------------

    @staticmethod
    def answer_for(last_user_text: str) -> str:
        return f"Ringkasan: {last_user_text}"

    def _gemini(self, payload: dict[str, Any], seen: Seen, path: str) -> dict[str, Any]:
        texts = [p.get("text", "") for c in payload.get("contents", []) for p in c.get("parts", [])]
        texts += [p.get("text", "") for p in (payload.get("systemInstruction") or {}).get("parts", [])]
        users = [p.get("text", "") for c in payload.get("contents", []) if c.get("role") == "user"
                 for p in c.get("parts", [])]
        answer = self.answer_for(users[-1] if users else "")
        usage = (sum(_words(t) for t in texts), _words(answer))
        seen.usage = usage
        model = re.search(r"models/([^:]+):", path)
        out: dict[str, Any] = {
            "candidates": [{"content": {"parts": [{"text": answer}], "role": "model"}, "finishReason": "STOP",
                            "index": 0}],
            "modelVersion": model.group(1) if model else "unknown",
        }
        if self.report_usage:
            out["usageMetadata"] = {"promptTokenCount": usage[0], "candidatesTokenCount": usage[1],
                                    "totalTokenCount": sum(usage)}
        return out

    def _openai(self, payload: dict[str, Any], seen: Seen) -> dict[str, Any]:
        messages = payload.get("messages", [])
        users = [m.get("content", "") for m in messages if m.get("role") == "user"]
        answer = self.answer_for(users[-1] if users else "")
        usage = (sum(_words(str(m.get("content", ""))) for m in messages), _words(answer))
        seen.usage = usage
        out: dict[str, Any] = {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 1_790_000_000,
            "model": payload.get("model", "unknown"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
        }
        if self.report_usage:
            out["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
        return out

    @staticmethod
    def _gemini_embed(payload: dict[str, Any]) -> dict[str, Any]:
        requests = payload.get("requests") or [payload]
        out = []
        for request in requests:
            text = " ".join(p.get("text", "") for p in (request.get("content") or {}).get("parts", []))
            out.append({"values": [float(len(text) % 7), float(_words(text)), 1.0]})
        return {"embeddings": out}

    # --- control --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self.delay, self.fail_status, self.report_usage = 0.0, None, True

    def bodies(self) -> str:
        """Everything the model side received, decoded (JSON escapes undone)."""
        out = []
        for seen in self.requests:
            raw = seen.body.decode("utf-8", "replace")
            with contextlib.suppress(ValueError):
                raw += "\n" + json.dumps(json.loads(raw), ensure_ascii=False)
            out.append(raw)
        return "\n".join(out)

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()


STANDIN_SETTINGS = {"AI_PROVIDER": "gemini", "GOOGLE_API_KEY": "test-key", "AI_TIMEOUT_SECONDS": "2",
                    "AI_BREAKER_FAILURES": "3", "AI_BREAKER_COOLDOWN_SECONDS": "300"}


@contextlib.contextmanager
def process_gateway_at(standin: StandIn) -> Iterator[StandIn]:
    """The process-wide settings and gateway (what services, the API and pages use) point at
    the stand-in; everything is put back afterwards."""
    from core.ai.gateway import reset_default_gateway
    from core.config import reset_settings_cache

    wanted = {**STANDIN_SETTINGS, "GEMINI_BASE_URL": standin.url}
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    reset_settings_cache()
    reset_default_gateway()
    try:
        yield standin
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()
        reset_default_gateway()
