"""GET /api/health: database reachability per region."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from core import health

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Database reachability per region")
async def get_health() -> Any:
    report = await run_in_threadpool(health.check)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)
