"""Webhook tests: a real HTTP receiver on loopback that verifies every request with the
`standardwebhooks` library, and the operator allowlist opened for loopback explicitly."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.config import reset_settings_cache
from core.context import TenantContext
from core.webhooks import endpoints
from core.webhooks.ssrf import Guard


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool = False
    verify_error: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def type(self) -> str:
        return str(self.payload.get("type"))


Reply = tuple[int, dict[str, str], bytes]


class Receiver:
    """A threaded http.server on 127.0.0.1: records, verifies, answers as told."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.requests: list[Received] = []
        self.secrets: list[str] = []  # verify with each; a request is verified if one matches
        self.reply: Callable[[Received], Reply] = lambda _r: (204, {}, b"")
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                got.verified, got.verify_error, got.payload = receiver._verify(got)
                with receiver._lock:
                    receiver.requests.append(got)
                status, headers, reply = receiver.reply(got)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                # The dispatcher may have given up waiting (timeout tests): nothing left to tell it.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply)

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _verify(self, got: Received) -> tuple[bool, str | None, dict[str, Any]]:
        error = "no secret to verify with"
        for secret in self.secrets:
            try:
                return True, None, Webhook(secret).verify(got.body, got.headers)
            except WebhookVerificationError as exc:
                error = str(exc)
        return False, error, json.loads(got.body or b"{}")

    def verify_with(self, secret: str, got: Received) -> bool:
        try:
            Webhook(secret).verify(got.body, got.headers)
        except WebhookVerificationError:
            return False
        return True


def closed_port() -> int:
    """A loopback port with nothing listening (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[Guard]:
    """The operator allowlist opened for loopback (the tests' receivers live there)."""
    monkeypatch.setenv("WEBHOOK_ALLOWLIST", "127.0.0.0/8")
    reset_settings_cache()
    yield Guard.from_settings()
    monkeypatch.delenv("WEBHOOK_ALLOWLIST")
    reset_settings_cache()


@pytest.fixture
def clean_endpoints(tenants: dict[str, object]) -> Iterator[Callable[[TenantContext], None]]:
    """Remembers the tenants a test touched and deletes their endpoints afterwards."""
    touched: list[TenantContext] = []
    yield touched.append
    for ctx in touched:
        for e in endpoints.list_endpoints(ctx):
            endpoints.delete_endpoint(ctx, e.id)


@pytest.fixture(scope="session")
def wh_slug(tenants: dict[str, object]) -> str:
    """A shared-tier tenant of the webhook tests alone, so event counts are exact."""
    from core.tenancy.provisioning import NewTenant, create_tenant

    create_tenant(NewTenant(name="Webhook Co", slug="wh-main", region="global", tier="shared"))
    return "wh-main"
