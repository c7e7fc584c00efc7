"""The API's two thread pools: calls waiting on a model never hold the database calls' threads."""

from __future__ import annotations

import asyncio
import threading

import anyio.to_thread
import pytest
from fastapi.concurrency import run_in_threadpool

from api import threads
from core.config import get_settings


def test_model_bound_calls_leave_the_database_threads_free(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "api_threads", 1)
    monkeypatch.setattr(get_settings(), "api_model_threads", 3)
    gate = threading.Event()

    async def scenario() -> str:
        threads.configure()
        assert anyio.to_thread.current_default_thread_limiter().total_tokens == 1
        waiting = [asyncio.create_task(threads.run_model_bound(gate.wait)) for _ in range(3)]
        await asyncio.sleep(0.05)  # the three occupy the model pool
        try:
            # One database thread, three model calls blocked: it must still run (the timeout
            # only turns a hang into a failure).
            return await asyncio.wait_for(run_in_threadpool(lambda: "database call done"), timeout=30)
        finally:
            gate.set()
            assert await asyncio.gather(*waiting) == [True, True, True]

    assert asyncio.run(scenario()) == "database call done"
