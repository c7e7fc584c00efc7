"""Digest tests: an offline gateway of their own (so the process-wide one is left alone)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.ai.gateway import Gateway
from core.config import get_settings


@pytest.fixture(scope="module")
def offline() -> Iterator[Gateway]:
    gateway = Gateway(get_settings().model_copy(update={"ai_provider": "offline"}))
    yield gateway
    gateway.close()
