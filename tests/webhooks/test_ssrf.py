"""The SSRF guard: hostile destinations are refused when the allowlist is off, both when an
endpoint is saved and (the real guard) when the dispatcher connects.

A "canary" receiver on loopback stands for an internal service: every test that aims at
it asserts that it received nothing. DNS answers are injected through the guard's
resolver, the one part that is outside this machine's reach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

import httpx
import pytest

from core.config import reset_settings_cache
from core.context import TenantContext
from core.errors import ValidationFailed
from core.webhooks import delivery, endpoints
from core.webhooks.delivery import send
from core.webhooks.ssrf import BlockedDestination, Guard, parse_allowlist, refusal_reason
from tests.webhooks.conftest import Receiver

HOSTILE = [
    "http://127.1",
    "http://2130706433",
    "http://[::1]",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0",
    "http://[::ffff:127.0.0.1]",
    "http://10.0.0.1",
    "http://192.168.1.1",
    "http://172.16.0.1",
    "http://100.64.0.1",
    "http://0x7f000001",
    "http://017700000001",
    "http://localhost",
    "http://api.localhost:8080/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "ftp://example.com/",
    "http://user:pass@example.com/",
    "https://token@93.184.216.34/",
    "http://[fe80::1]",
    "http://[fd00::1]",
    "http://[::]",
    "http://224.0.0.1",
    "http://255.255.255.255",
    "http://127.0.0.1.",
    "http://0177.0.0.1",
    "http://0x7f.1",
    "http://[::ffff:a9fe:a9fe]",  # IPv4-mapped metadata address
    "http://[64:ff9b::a9fe:a9fe]",  # NAT64 of the metadata address
    "http://[2002:a00:1::]",  # 6to4 of 10.0.0.1
    "http://[fd00:ec2::254]",  # AWS IPv6 metadata
    "http://100.100.100.200",  # Alibaba metadata
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://169.254.170.2/v2/credentials",  # ECS task credentials
    "http://198.18.0.1",
    "http://240.0.0.1",
    "http://evil.example\\@127.0.0.1/",
    "http://127.0.0.1:0/",
    "javascript:alert(1)",
    "//127.0.0.1/",
]


def resolver_of(table: dict[str, Sequence[str]]) -> Callable[[str, int], Sequence[str]]:
    def resolve(host: str, _port: int) -> Sequence[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


@pytest.fixture
def canary() -> Iterator[Receiver]:
    """Stands for an internal service on this machine; nothing may reach it."""
    r = Receiver().start()
    yield r
    r.stop()


@pytest.fixture
def no_allowlist(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("WEBHOOK_ALLOWLIST", raising=False)
    reset_settings_cache()
    yield
    reset_settings_cache()


def test_at_least_twenty_hostile_urls_are_refused(no_allowlist: None) -> None:
    guard = Guard.from_settings()
    assert guard.allowlist == ()
    refused = []
    for url in HOSTILE:
        with pytest.raises(BlockedDestination) as caught:
            guard.validate(url)
        refused.append((url, caught.value.message))
    assert len(refused) >= 20
    assert all(message for _, message in refused)


def test_endpoint_creation_refuses_them_with_a_clear_message(as_role: Callable[..., TenantContext],
                                                              no_allowlist: None) -> None:
    admin = as_role("admin", "a-shared")
    for url in HOSTILE[:24]:
        with pytest.raises(ValidationFailed, match="this webhook URL cannot be used") as caught:
            endpoints.create_endpoint(admin, url, ["invoice.paid"])
        assert caught.value.details["url"]
    assert endpoints.list_endpoints(admin) == []


def test_connect_time_guard_refuses_every_spelling_of_an_internal_address(canary: Receiver,
                                                                          no_allowlist: None) -> None:
    """Past the static checks, straight at the transport: the resolved address decides."""
    port = canary.port
    names = {"intranet.example": ["10.1.2.3"], "sneaky.example": ["127.0.0.1"],
             "mixed.example": ["93.184.216.34", "127.0.0.1"], "v6.example": ["::1"],
             "mapped.example": ["::ffff:127.0.0.1"], "localhost": ["127.0.0.1"]}
    guard = Guard(resolver=resolver_of(names))
    urls = [f"http://{host}:{port}/" for host in names] + [
        f"http://127.0.0.1:{port}/", f"http://[::ffff:127.0.0.1]:{port}/", f"http://127.1:{port}/",
        f"http://2130706433:{port}/", f"http://0x7f000001:{port}/",
    ]
    with httpx.Client(transport=guard.transport(), follow_redirects=False, trust_env=False) as client:
        for url in urls:
            with pytest.raises(BlockedDestination):
                client.post(url, content=b"{}")
    assert canary.requests == []


def test_dns_rebinding_between_check_and_connect_is_caught(canary: Receiver, no_allowlist: None) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when saved, loopback when sending
    guard = Guard(resolver=lambda _h, _p: next(answers))
    url = f"http://rebind.example:{canary.port}/hooks"
    guard.validate(url)  # saving the endpoint: looks public
    with httpx.Client(transport=guard.transport(), follow_redirects=False, trust_env=False) as client:
        result = send(client, guard, url, ["whsec_" + "A" * 43], "msg_rebind", b"{}")
    assert not result.succeeded and result.error and "SSRF guard" in result.error and "loopback" in result.error
    assert canary.requests == []


def test_a_name_resolving_to_a_private_address_is_refused_when_saved() -> None:
    guard = Guard(resolver=resolver_of({"erp.corp.example": ["192.168.10.20"]}))
    with pytest.raises(BlockedDestination, match=r"erp.corp.example \(192.168.10.20\) is a private address"):
        guard.validate("https://erp.corp.example/hooks")


def test_a_302_to_loopback_is_not_followed(as_role: Callable[..., TenantContext], canary: Receiver,
                                            monkeypatch: pytest.MonkeyPatch,
                                            clean_endpoints: Callable[[TenantContext], None]) -> None:
    """The operator allows exactly one receiver (host and port); it answers with a redirect
    to another loopback service. The redirect is not followed, and the guard would refuse
    the target anyway."""
    redirector = Receiver().start()
    try:
        redirector.reply = lambda _r: (302, {"location": f"http://127.0.0.1:{canary.port}/admin"}, b"")
        monkeypatch.setenv("WEBHOOK_ALLOWLIST", f"127.0.0.1:{redirector.port}")
        reset_settings_cache()
        guard = Guard.from_settings()
        with pytest.raises(BlockedDestination, match="loopback"):
            guard.validate(canary.url)  # the redirect's target is not allowed
        admin = as_role("admin", "a-shared")
        clean_endpoints(admin)
        made = endpoints.create_endpoint(admin, redirector.url, ["invoice.paid"])
        redirector.secrets = [made.secret]
        result = delivery.send_test_event(admin, made.endpoint.id, guard=guard)
        assert not result.succeeded and result.status_code == 302
        assert result.error and "redirects are not followed" in result.error
        assert len(redirector.requests) == 1 and redirector.requests[0].verified
        assert canary.requests == []
        (row,) = delivery.list_deliveries(admin, made.endpoint.id)
        assert row.status == "pending" and row.next_attempt_at is not None  # a failure: retried later
    finally:
        redirector.stop()
        reset_settings_cache()


def test_allowlist_entries(canary: Receiver) -> None:
    entries = parse_allowlist(f"10.20.0.0/16, 127.0.0.1:{canary.port}, [::1]:9000, erp.internal, hooks.corp:8443")
    assert len(entries) == 5
    guard = Guard(entries, resolver=resolver_of({"erp.internal": ["10.9.9.9"], "hooks.corp": ["10.8.8.8"]}))
    guard.validate("http://10.20.3.4/")
    guard.validate(f"http://127.0.0.1:{canary.port}/")
    guard.validate("http://[::1]:9000/")
    guard.validate("https://erp.internal/hooks")
    guard.validate("https://hooks.corp:8443/")
    for url in ("http://10.21.0.1/", "http://127.0.0.1:1/", "http://[::1]:9001/", "https://hooks.corp/",
                "http://169.254.169.254/"):
        with pytest.raises(BlockedDestination):
            guard.validate(url)
    for bad in ("10.0.0.0/33", "host:port", "[::1]x", "bad host!"):
        with pytest.raises(ValueError, match="WEBHOOK_ALLOWLIST"):
            parse_allowlist(bad)


def test_public_addresses_pass_and_reasons_are_named() -> None:
    import ipaddress

    for public in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert refusal_reason(ipaddress.ip_address(public)) is None
    assert refusal_reason(ipaddress.ip_address("169.254.169.254")) == "a cloud metadata address"
    assert refusal_reason(ipaddress.ip_address("100.64.0.1")) == "a shared (CGNAT) address"


def test_the_total_time_limit_cuts_a_slow_receiver(no_allowlist: None) -> None:
    import threading

    release = threading.Event()

    def stall(_got: object) -> tuple[int, dict[str, str], bytes]:
        release.wait(10)
        return 200, {}, b"late"

    slow = Receiver().start()
    slow.reply = stall
    try:
        guard = Guard(f"127.0.0.1:{slow.port}")
        with httpx.Client(transport=guard.transport(total_timeout=0.5), follow_redirects=False,
                          trust_env=False) as client:
            result = send(client, guard, slow.url, ["whsec_" + "A" * 43], "msg_slow", b"{}")
        assert not result.succeeded and result.error and "timed out" in result.error
    finally:
        release.set()
        slow.stop()


def test_the_dispatcher_refuses_at_connect_time_too(as_role: Callable[..., TenantContext], canary: Receiver,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    clean_endpoints: Callable[[TenantContext], None]) -> None:
    """An endpoint saved while its name looked public is refused when the dispatcher sends."""
    answers = {"hooks.partner.example": ["93.184.216.34"]}
    guard = Guard(resolver=resolver_of(answers))
    monkeypatch.delenv("WEBHOOK_ALLOWLIST", raising=False)
    reset_settings_cache()
    admin = as_role("admin", "a-shared")
    clean_endpoints(admin)
    made = endpoints.create_endpoint(admin, f"http://hooks.partner.example:{canary.port}/hooks", ["invoice.paid"],
                                     guard=guard)
    answers["hooks.partner.example"] = ["127.0.0.1"]  # the name now points inside
    result = delivery.send_test_event(admin, made.endpoint.id, guard=guard, now=dt.datetime.now(dt.UTC))
    assert not result.succeeded and result.error and "refused by the SSRF guard" in result.error
    assert canary.requests == []
    (attempt,) = delivery.list_attempts(admin, made.endpoint.id)
    assert attempt.error == result.error and attempt.status_code is None
