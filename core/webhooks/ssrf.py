"""SSRF guard for outgoing webhooks.

A webhook URL is chosen by a tenant, so the dispatcher must never be turned into a tool
for reaching the inside of our network (loopback services, the database, cloud metadata
endpoints, private ranges). Two layers:

1. `Guard.validate(url)` when an endpoint is saved: only http/https, no credentials, no
   numeric host spellings other than canonical IP literals (`127.1`, `2130706433`,
   `0x7f000001`, `017700000001` are refused outright), no `localhost` or metadata names,
   and a host that resolves now must resolve to public addresses only. This gives a
   clear message early; it is not the real guard (DNS can change later).
2. `Guard.transport()` at connect time, the real guard: an httpx transport whose network
   backend resolves the host itself, checks every address, and connects to the checked
   address, so a name cannot resolve to a public address for the check and to a private
   one for the connection (DNS rebinding). TLS still verifies the certificate against the
   URL's host name. Proxies from the environment are ignored, redirects are never
   followed (the dispatcher's client), and each connection has a hard total deadline.

Refused addresses: unspecified, loopback, private (RFC 1918, unique local), link-local,
shared/CGNAT (100.64/10), multicast, reserved and documentation ranges, anything not
globally routable, cloud metadata addresses, and IPv6 forms that embed a refused IPv4
address (IPv4-mapped, IPv4-compatible, NAT64, 6to4; Teredo is refused as a whole).

An operator allowlist (setting `WEBHOOK_ALLOWLIST`, comma-separated) may permit some of
them: a CIDR or IP (`10.20.0.0/16`, `::1`), a host name (`erp.internal`), each optionally
with a port (`127.0.0.1:8081`, `[::1]:8081`, `erp.internal:8443`). Tests use it to allow
their loopback receiver; with the allowlist empty nothing internal is reachable.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from core.config import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

MAX_URL_LENGTH = 2048
TOTAL_TIMEOUT_SECONDS = 15.0
SCHEMES = {"http": 80, "https": 443}

METADATA_HOSTS = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.com", "instance-data",
    "instance-data.ec2.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
})
# Cloud metadata services (most also fall in a refused range; named here so the reason is clear).
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.123", "100.100.100.200", "192.0.0.192",
    "fd00:ec2::254", "fd00:ec2::23",
))
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_BENCHMARK = ipaddress.ip_network("198.18.0.0/15")

_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# Numeric host spellings that resolvers accept as IPv4 (inet_aton): 127.1, 2130706433,
# 0x7f000001, 017700000001, 0177.0.0.1, ... Only the canonical dotted quad is allowed.
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?$")
_BAD_CHARS = re.compile(r"[\s\\\x00-\x1f\x7f]")


class BlockedDestination(Exception):
    """The destination is not allowed (or not a valid webhook URL)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unresolvable(BlockedDestination):
    """The host name does not resolve (from here, now)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lowercase ASCII (IDNA), IPv6 without brackets
    port: int
    ip: IPAddress | None  # set when the host is an IP literal


@dataclass(frozen=True)
class AllowEntry:
    network: IPNetwork | None = None
    host: str | None = None
    port: int | None = None

    def permits(self, host: str, ip: IPAddress | None, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host is not None:
            return self.host == host
        if self.network is None or ip is None:
            return False
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            candidates.append(ip.ipv4_mapped)
        return any(c.version == self.network.version and c in self.network for c in candidates)


def _parse_port(text: str, entry: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"WEBHOOK_ALLOWLIST: bad port in '{entry}'")
    return int(text)


def parse_allowlist(text: str | Iterable[str] | None) -> tuple[AllowEntry, ...]:
    """`10.0.0.0/8, 127.0.0.1:8081, [::1]:9000, erp.internal, erp.internal:8443`."""
    if text is None:
        return ()
    items = re.split(r"[,\s]+", text) if isinstance(text, str) else list(text)
    entries: list[AllowEntry] = []
    for raw in items:
        item = raw.strip().lower()
        if not item:
            continue
        host, port = item, None
        if item.startswith("["):
            inner, _, rest = item[1:].partition("]")
            host = inner
            if rest:
                if not rest.startswith(":"):
                    raise ValueError(f"WEBHOOK_ALLOWLIST: cannot read '{raw}'")
                port = _parse_port(rest[1:], raw)
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
            port = _parse_port(port_text, raw)
        try:
            entries.append(AllowEntry(network=ipaddress.ip_network(host, strict=False), port=port))
            continue
        except ValueError:
            pass
        name = host.rstrip(".")
        if not name or not all(_LABEL.match(label) for label in name.split(".")):
            raise ValueError(f"WEBHOOK_ALLOWLIST: '{raw}' is neither a CIDR, an IP address nor a host name")
        entries.append(AllowEntry(host=name, port=port))
    return tuple(entries)


def refusal_reason(ip: IPAddress) -> str | None:
    """Why `ip` may not be reached, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            inner = refusal_reason(ip.ipv4_mapped)
            return f"an IPv4-mapped IPv6 address of {ip.ipv4_mapped} ({inner})" if inner else None
        if ip.teredo is not None:
            return "a Teredo tunnel address"
        if ip.sixtofour is not None:
            inner = refusal_reason(ip.sixtofour)
            return f"a 6to4 address of {ip.sixtofour} ({inner})" if inner else None
        if any(ip in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            inner = refusal_reason(embedded)
            return f"a NAT64 address of {embedded} ({inner})" if inner else None
        if ip in _IPV4_COMPATIBLE and not (ip.is_unspecified or ip.is_loopback):
            return "an IPv4-compatible IPv6 address (deprecated)"
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    checks: list[tuple[bool, str]] = [
        (ip.is_unspecified, "the unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED, "a shared (CGNAT) address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK, "a 'this network' address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _BENCHMARK, "a benchmarking address"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "a site-local address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public address"),
    ]
    for refused, reason in checks:
        if refused:
            return reason
    return None


def _is_literal(host: str, ip: IPAddress) -> bool:
    try:
        return ipaddress.ip_address(host) == ip
    except ValueError:
        return False


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6), in resolver order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


class Guard:
    def __init__(self, allowlist: Sequence[AllowEntry] | str | None = None,
                 resolver: Resolver | None = None) -> None:
        self.allowlist = parse_allowlist(allowlist) if allowlist is None or isinstance(allowlist, str) \
            else tuple(allowlist)
        self.resolver: Resolver = resolver or system_resolver

    @classmethod
    def from_settings(cls, resolver: Resolver | None = None) -> Guard:
        return cls(get_settings().webhook_allowlist, resolver)

    # --- checks ---------------------------------------------------------------------

    def _allowed(self, host: str, ip: IPAddress | None, port: int) -> bool:
        return any(entry.permits(host, ip, port) for entry in self.allowlist)

    def parse(self, url: str) -> Target:
        """Static checks of the URL; raises BlockedDestination with a clear reason."""
        if not isinstance(url, str) or not url.strip():
            raise BlockedDestination("a URL is required")
        if len(url) > MAX_URL_LENGTH:
            raise BlockedDestination(f"the URL is longer than {MAX_URL_LENGTH} characters")
        if _BAD_CHARS.search(url):
            raise BlockedDestination("the URL contains spaces, backslashes or control characters")
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise BlockedDestination(f"the URL cannot be read: {exc}") from exc
        if parsed.scheme not in SCHEMES:
            raise BlockedDestination(f"only http and https URLs are allowed, not '{parsed.scheme or url}'")
        if parsed.userinfo:
            raise BlockedDestination("the URL may not contain a user name or password")
        host = parsed.raw_host.decode("ascii", "replace").lower()
        if not host:
            raise BlockedDestination("the URL has no host")
        port = parsed.port if parsed.port is not None else SCHEMES[parsed.scheme]
        if not 0 < port < 65536:
            raise BlockedDestination(f"the port {port} is not valid")
        try:
            ip: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is None:
            if "%" in host or ":" in host:
                raise BlockedDestination(f"the host '{host}' is not valid")
            name = host[:-1] if host.endswith(".") else host
            if _NUMERIC_HOST.match(name):
                raise BlockedDestination(f"'{host}' is a non-standard way of writing an IP address; "
                                         "write the address as four decimal numbers")
            if len(name) > 253 or not all(_LABEL.match(label) for label in name.split(".")):
                raise BlockedDestination(f"the host '{host}' is not a valid host name")
            host = name
            if not self._allowed(host, None, port):
                if host == "localhost" or host.endswith(".localhost"):
                    raise BlockedDestination(f"'{host}' points at this machine")
                if host in METADATA_HOSTS:
                    raise BlockedDestination(f"'{host}' is a cloud metadata service")
        return Target(parsed.scheme, host, port, ip)

    def check_address(self, host: str, ip: IPAddress, port: int) -> None:
        if self._allowed(host, ip, port):
            return
        reason = refusal_reason(ip)
        if reason:
            shown = host if _is_literal(host, ip) else f"{host} ({ip})"
            raise BlockedDestination(f"{shown} is {reason}; webhooks may only go to public addresses")

    def resolve_checked(self, host: str, port: int) -> list[IPAddress]:
        """Resolve `host` once and check every address; the caller connects to these."""
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            if _NUMERIC_HOST.match(host.lower().rstrip(".")):
                raise BlockedDestination(f"'{host}' is a non-standard way of writing an IP address")
            try:
                resolved = self.resolver(host, port)
            except OSError as exc:
                raise Unresolvable(f"the host '{host}' cannot be resolved: {exc}") from exc
            addresses = []
            for text in resolved:
                try:
                    addresses.append(ipaddress.ip_address(str(text).split("%", 1)[0]))
                except ValueError as exc:
                    raise BlockedDestination(f"the host '{host}' resolved to '{text}'") from exc
            if not addresses:
                raise Unresolvable(f"the host '{host}' has no addresses")
        # Every address must pass: a name that mixes public and internal addresses is refused.
        for ip in addresses:
            self.check_address(host.lower(), ip, port)
        return addresses

    def validate(self, url: str) -> Target:
        """When an endpoint is saved: static checks, and the addresses the host has now."""
        target = self.parse(url)
        if target.ip is not None:
            self.check_address(target.host, target.ip, target.port)
        else:
            with contextlib.suppress(Unresolvable):  # not resolvable from here (yet): checked at connect time
                self.resolve_checked(target.host, target.port)
        return target

    # --- connect-time enforcement ------------------------------------------------------

    def transport(self, total_timeout: float = TOTAL_TIMEOUT_SECONDS) -> httpx.HTTPTransport:
        return GuardedTransport(self, total_timeout)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection that may not outlive its deadline (slow-drip responses included)."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _remaining(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise error("the request took longer than the total time limit")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._remaining(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, guard: Guard, total_timeout: float) -> None:
        self._guard = guard
        self._total = total_timeout
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        deadline = time.monotonic() + self._total
        addresses = self._guard.resolve_checked(host, port)
        error: Exception | None = None
        for ip in addresses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                stream = self._inner.connect_tcp(str(ip), port, min(timeout or left, left), local_address,
                                                 socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, deadline)
        raise error or httpcore.ConnectTimeout("the connection took longer than the total time limit")

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        raise BlockedDestination("unix sockets are not webhook destinations")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx transport that connects only to addresses the guard has checked."""

    def __init__(self, guard: Guard, total_timeout: float = TOTAL_TIMEOUT_SECONDS) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=32,
            # One request per connection, so the connection's deadline is the request's.
            max_keepalive_connections=0,
            network_backend=_GuardedBackend(guard, total_timeout),
        )
