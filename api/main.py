"""FastAPI app: the public API (`/api/v1`), inbound webhooks and health."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, threads
from api.middleware import BodyLimit, Idempotency
from api.routes import ai, customers, employees, health, invoices, projects, spending, webhooks


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded at start-up lives as long as the process: out of the collector's
    # sight, so that a full collection scans only what requests allocate (it otherwise
    # walks every module's objects, a pause of tens of milliseconds under load).
    gc.collect()
    gc.freeze()
    threads.configure()
    yield


app = FastAPI(
    lifespan=lifespan,
    title="Business OS API",
    version="1.0.0",
    description="The public REST API of Business OS. Authenticate with an API key: "
    "`Authorization: Bearer bos_live_...`. Errors have one shape: "
    '`{"error": {"code", "message", "details"}}`.',
    docs_url="/api/docs",
    redoc_url=None,
    openapi_url="/api/openapi.json",
)
errors.install(app)
app.add_middleware(Idempotency)
app.add_middleware(BodyLimit)
app.include_router(health.router)
app.include_router(invoices.router)
app.include_router(customers.router)
app.include_router(spending.router)
app.include_router(projects.router)
app.include_router(employees.router)
app.include_router(ai.router)
app.include_router(webhooks.router)
