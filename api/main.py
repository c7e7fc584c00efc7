"""FastAPI app: the public API (`/api/v1`), inbound webhooks and health."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.middleware import BodyLimit, Idempotency
from api.routes import ai, customers, employees, health, invoices, projects, spending, webhooks

app = FastAPI(
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
