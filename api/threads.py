"""The API's worker threads: blocking calls leave the event loop for one of two pools.

Database calls are short and CPU-bound in Python, so a few threads per process serve
them best: more only contend for the interpreter lock, and every thread hop back to the
event loop waits longer. On the invoice list benchmark (2 cores, 2 processes, 16
clients) 40 threads (anyio's default) gave 250-310 requests/s with a p99 of about 210 ms;
once a read took one round trip, 8 threads gave 628 requests/s with a p99 of 137 ms, and
2 threads 651-927 requests/s with a p99 of 47-49 ms. Calls that may wait seconds on a
model provider (summaries, pre-checks of free-text clauses, invoice writes that run the
pre-check) get their own, larger pool, so a slow provider never holds the threads the
rest of the API needs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from core.config import get_settings

P = ParamSpec("P")
T = TypeVar("T")
_model_limiter: CapacityLimiter | None = None


def configure() -> None:
    """Size both pools (at start-up, inside the event loop)."""
    global _model_limiter
    settings = get_settings()
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
    _model_limiter = CapacityLimiter(settings.api_model_threads)


async def run_model_bound(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn` in the pool for calls that may wait on a model provider."""
    global _model_limiter
    if _model_limiter is None:  # an app driven without its start-up (a bare test client)
        _model_limiter = CapacityLimiter(get_settings().api_model_threads)
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=_model_limiter)
