from __future__ import annotations

from fastapi.testclient import TestClient

from api.main import app


def test_health_reports_each_region(topology) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["control"]["ok"] is True
    assert set(body["regions"]) == {"global", "id"}
    assert all(r["ok"] for r in body["regions"].values())
