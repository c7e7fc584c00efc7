"""FastAPI dependencies: the tenant context of the calling API key."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from core.apikeys.service import InvalidApiKey, authenticate, authenticate_cached
from core.context import TenantContext

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    request.state.request_id = rid
    return rid


async def api_context(request: Request) -> TenantContext:
    # The key's headers are read here, not declared as parameters: on the busiest routes
    # FastAPI's per-parameter work cost more than the rest of this function.
    secret = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization")
    if secret is None and authorization and authorization.lower().startswith("bearer "):
        secret = authorization[7:].strip()
    if not secret:
        raise InvalidApiKey("an API key is required: 'Authorization: Bearer bos_live_...'")
    rid = request_id(request)
    # A key seen in the last seconds is admitted here, on the event loop (no I/O); otherwise
    # it is read from the control plane in a worker thread.
    ctx = authenticate_cached(secret, request_id=rid)
    return ctx if ctx is not None else await run_in_threadpool(authenticate, secret, request_id=rid)


Context = Annotated[TenantContext, Depends(api_context)]
