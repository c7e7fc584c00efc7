"""Request-level guards: body size limit (413) and Idempotency-Key replay on POST."""

from __future__ import annotations

import json

from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import body as error_body
from core.apikeys import idempotency
from core.errors import DomainError

MAX_BODY_BYTES = 1024 * 1024


class BodyLimit:
    """Refuse request bodies over the limit, whether announced or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(send, self.limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _too_large(send, self.limit)


class _TooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    payload = json.dumps(error_body("payload_too_large", f"the request body is larger than {limit} bytes")).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _secret(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization") or ""
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return _header(scope, b"x-api-key")


class Idempotency:
    """POST with an Idempotency-Key: the first response is stored and replayed for retries.

    Plain ASGI (not BaseHTTPMiddleware), so every other request passes straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        secret = _secret(scope) if key is not None else None
        if key is None or not secret or scope["method"] != "POST" or not scope["path"].startswith("/api/v1/"):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        key_scope, req_hash = idempotency.key_scope(secret), idempotency.request_hash("POST", scope["path"], raw)
        try:
            stored = await run_in_threadpool(idempotency.begin, key_scope, key, req_hash)
        except DomainError as exc:
            await _respond(send, exc.status, json.dumps(error_body(exc.code, exc.message, exc.details)).encode(),
                           "application/json")
            return
        if stored is not None:
            await _respond(send, stored.status, stored.body, stored.content_type, replayed=True)
            return

        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        status, headers, body = 500, [], bytearray()

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status, headers = message["status"], list(message.get("headers") or [])
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        except Exception:
            await run_in_threadpool(idempotency.release, key_scope, key)
            raise
        if status >= 500 or status in (401, 429):
            await run_in_threadpool(idempotency.release, key_scope, key)
        else:
            content_type = next((v.decode() for k, v in headers if k.lower() == b"content-type"), None)
            await run_in_threadpool(idempotency.finish, key_scope, key, status, bytes(body), content_type)


async def _respond(send: Send, status: int, body: bytes, content_type: str | None, replayed: bool = False) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
