"""Request-level guards: body size limit (413) and Idempotency-Key replay on POST."""

from __future__ import annotations

import json

from fastapi.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
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


def _secret(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


class Idempotency(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        key = request.headers.get("idempotency-key")
        secret = _secret(request)
        if request.method != "POST" or key is None or not secret or not request.url.path.startswith("/api/v1/"):
            return await call_next(request)
        raw = await request.body()
        scope, req_hash = idempotency.key_scope(secret), idempotency.request_hash("POST", request.url.path, raw)
        try:
            stored = await run_in_threadpool(idempotency.begin, scope, key, req_hash)
        except DomainError as exc:
            return Response(json.dumps(error_body(exc.code, exc.message, exc.details)), status_code=exc.status,
                            media_type="application/json")
        if stored is not None:
            return Response(stored.body, status_code=stored.status, media_type=stored.content_type,
                            headers={"Idempotent-Replayed": "true"})
        response = await call_next(request)
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        content = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        if response.status_code >= 500 or response.status_code in (401, 429):
            await run_in_threadpool(idempotency.release, scope, key)
        else:
            await run_in_threadpool(idempotency.finish, scope, key, response.status_code, content,
                                    response.headers.get("content-type"))
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return Response(content, status_code=response.status_code, headers=headers)
