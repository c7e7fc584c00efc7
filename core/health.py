"""Reachability of the control database and of every region's data plane."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text

from db.engines import engine_for
from db.topology import REGION_NAMES, Topology, get_topology


def _probe(url: str) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with engine_for(url).connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def check(topology: Topology | None = None) -> dict[str, Any]:
    topology = topology or get_topology()
    control = _probe(topology.control_url())
    regions = {
        region: {"name": REGION_NAMES.get(region, region), "server": topology.server_label(region),
                 **_probe(topology.shared_url(region))}
        for region in topology.regions
    }
    healthy = control["ok"] and all(r["ok"] for r in regions.values())
    return {"status": "ok" if healthy else "degraded", "control": control, "regions": regions}
