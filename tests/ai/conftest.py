"""AI tests: a stand-in model server on loopback, an injectable clock, gateways pointed at
the stand-in, and clean AI tables around every test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import delete

from core.ai.gateway import Gateway
from core.config import get_settings
from tests.ai.standin import StandIn


class Clock:
    """The gateway's clock: tests move it instead of sleeping."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture(scope="session")
def standin_server() -> Iterator[StandIn]:
    server = StandIn()
    yield server
    server.close()


@pytest.fixture
def standin(standin_server: StandIn) -> Iterator[StandIn]:
    standin_server.reset()
    yield standin_server
    standin_server.reset()


@pytest.fixture
def clock() -> Clock:
    # Real time (to the second): the API and pages use the real clock against the same breaker row.
    return Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))


def _clean() -> None:
    from core.ai.models import AiBreaker, AiBudget, AiPrice, AiTenantSetting, AiUsage
    from db.session import control_session

    with control_session() as s:
        s.execute(delete(AiUsage))
        s.execute(delete(AiBudget))
        s.execute(delete(AiTenantSetting))
        s.execute(delete(AiBreaker))
        s.execute(delete(AiPrice).where(AiPrice.created_by.in_(("test", "cli"))))


@pytest.fixture
def clean_ai(tenants: dict[str, object]) -> Iterator[None]:
    _clean()
    yield
    _clean()


GatewayFactory = Callable[..., Gateway]


@pytest.fixture
def gateway_for(standin: StandIn, clock: Clock) -> Iterator[GatewayFactory]:
    made: list[Gateway] = []

    def make(provider: str = "gemini", **overrides: object) -> Gateway:
        update: dict[str, object] = {"ai_provider": provider, "ai_timeout_seconds": 2.0, "ai_breaker_failures": 3,
                                     "ai_breaker_cooldown_seconds": 300}
        if provider == "gemini":
            update |= {"google_api_key": SecretStr("test-key"), "gemini_base_url": standin.url}
        elif provider == "openai":
            update |= {"openai_api_key": SecretStr("test-key"), "openai_base_url": standin.url + "/v1"}
        update |= overrides
        gateway = Gateway(get_settings().model_copy(update=update), clock=clock)
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.close()
