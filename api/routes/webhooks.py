"""/api/v1/webhooks: endpoints (secret shown once), secret rotation, test events, the delivery log, replay.

The same services as the settings page; the key needs the scope `webhooks:manage` and a
role with `webhook.manage`. URLs pass the SSRF guard when they are saved and again at
every connection.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import partial
from typing import Annotated, cast

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Context
from api.errors import ERROR_RESPONSES
from core.context import TenantContext
from core.webhooks import delivery, endpoints
from core.webhooks.events import EVENT_TYPES

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)

EventTypes = Annotated[list[str], Field(min_length=1, max_length=len(EVENT_TYPES),
                                        description="any of: " + ", ".join(EVENT_TYPES))]


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000, description="https URL that receives the events")
    event_types: EventTypes
    description: str | None = Field(default=None, max_length=200)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: EventTypes | None = None
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = Field(default=None, description="false pauses deliveries; true resumes them")


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlap_hours: int = Field(default=24, ge=0, le=168,
                               description="how long the previous secret keeps signing too")


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    disabled_at: dt.datetime | None
    failing_since: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecretOut(BaseModel):
    endpoint: EndpointOut
    secret: str = Field(description="whsec_...; shown only in this response")


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    webhook_id: str
    event_type: str
    endpoint_id: uuid.UUID
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    created_at: dt.datetime


class AttemptOut(BaseModel):
    succeeded: bool
    status_code: int | None
    response_snippet: str | None
    latency_ms: int | None
    error: str | None


def _endpoint(v: endpoints.EndpointView) -> EndpointOut:
    return EndpointOut.model_validate({**v.__dict__, "event_types": list(v.event_types)})


def _with_secret(v: endpoints.EndpointWithSecret) -> EndpointWithSecretOut:
    return EndpointWithSecretOut(endpoint=_endpoint(v.endpoint), secret=v.secret)


def _attempt(r: delivery.AttemptResult) -> AttemptOut:
    return AttemptOut(succeeded=r.succeeded, status_code=r.status_code, response_snippet=r.snippet,
                      latency_ms=r.latency_ms, error=r.error)


@router.get("/endpoints", response_model=list[EndpointOut], summary="List webhook endpoints")
async def list_endpoints(ctx: Context) -> list[EndpointOut]:
    return [_endpoint(v) for v in await run_in_threadpool(endpoints.list_endpoints, ctx)]


@router.post("/endpoints", response_model=EndpointWithSecretOut, status_code=201,
             summary="Create an endpoint; its signing secret is shown only in this response")
async def create_endpoint(ctx: Context, payload: EndpointIn) -> EndpointWithSecretOut:
    return _with_secret(await run_in_threadpool(endpoints.create_endpoint, ctx, payload.url, payload.event_types,
                                                payload.description))


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut, summary="Get an endpoint")
async def get_endpoint(ctx: Context, endpoint_id: uuid.UUID) -> EndpointOut:
    return _endpoint(await run_in_threadpool(endpoints.get_endpoint, ctx, endpoint_id))


def _patch(ctx: TenantContext, endpoint_id: uuid.UUID, payload: EndpointPatch) -> endpoints.EndpointView:
    view = endpoints.get_endpoint(ctx, endpoint_id)
    if payload.url is not None or payload.event_types is not None or payload.description is not None:
        view = endpoints.update_endpoint(ctx, endpoint_id, url=payload.url, event_types=payload.event_types,
                                         description=payload.description)
    if payload.enabled is not None and payload.enabled != view.enabled:
        view = endpoints.set_enabled(ctx, endpoint_id, payload.enabled, reason="disabled through the API")
    return view


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut,
              summary="Change the URL, event types or description, or enable / disable the endpoint")
async def update_endpoint(ctx: Context, endpoint_id: uuid.UUID, payload: EndpointPatch) -> EndpointOut:
    return _endpoint(await run_in_threadpool(_patch, ctx, endpoint_id, payload))


@router.delete("/endpoints/{endpoint_id}", status_code=204, response_class=Response,
               summary="Delete an endpoint; its pending deliveries are cancelled, its log is kept")
async def delete_endpoint(ctx: Context, endpoint_id: uuid.UUID) -> Response:
    await run_in_threadpool(endpoints.delete_endpoint, ctx, endpoint_id)
    return Response(status_code=204)


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=EndpointWithSecretOut,
             summary="A new signing secret (shown once); the old one keeps signing during the overlap")
async def rotate_secret(ctx: Context, endpoint_id: uuid.UUID, payload: RotateIn | None = None) -> EndpointWithSecretOut:
    overlap = dt.timedelta(hours=(payload or RotateIn()).overlap_hours)
    return _with_secret(await run_in_threadpool(endpoints.rotate_secret, ctx, endpoint_id, overlap))


@router.post("/endpoints/{endpoint_id}/test", response_model=AttemptOut,
             summary="Send a `webhook.test` event to the endpoint now")
async def send_test_event(ctx: Context, endpoint_id: uuid.UUID) -> AttemptOut:
    return _attempt(await run_in_threadpool(delivery.send_test_event, ctx, endpoint_id))


@router.get("/endpoints/{endpoint_id}/deliveries", response_model=list[DeliveryOut],
            summary="The endpoint's deliveries, newest first")
async def list_deliveries(ctx: Context, endpoint_id: uuid.UUID,
                          limit: int = Query(default=50, ge=1, le=500)) -> list[DeliveryOut]:
    views = await run_in_threadpool(delivery.list_deliveries, ctx, endpoint_id, limit)
    return [DeliveryOut.model_validate(v.__dict__) for v in views]


@router.post("/deliveries/{delivery_id}/replay", response_model=AttemptOut,
             summary="Deliver a past event again (same webhook-id) and return the attempt")
async def replay_delivery(ctx: Context, delivery_id: uuid.UUID) -> AttemptOut:
    result = await run_in_threadpool(partial(delivery.replay, ctx, delivery_id, send_now=True))
    return _attempt(cast(delivery.AttemptResult, result))  # send_now=True: always an attempt
