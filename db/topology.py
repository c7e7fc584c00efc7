"""Where the servers are: the control database and one data plane per region.

Either the embedded servers (one per region under `data_dir/pg/<region>`, the control
database on the first region's server) or the URLs configured in the environment.
Every URL handed out here uses the psycopg 3 driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy.engine import URL, make_url

from core.config import Settings, get_settings
from db.embedded import EmbeddedServer

CONTROL_DB = "bos_control"
SHARED_DB = "bos_shared"
REGION_NAMES = {"global": "Global", "id": "Indonesia (Jakarta)"}
EMBEDDED_REGIONS = ("global", "id")


def normalise(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def with_database(url: str, database: str) -> str:
    return normalise(url).set(database=database).render_as_string(hide_password=False)


def hide_password(url: str) -> str:
    try:
        return normalise(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"


@lru_cache(maxsize=4096)
def _as_user(url: str, user: str, password: str) -> str:
    # Called for every request's tenant context: parse each URL once.
    return normalise(url).set(username=user, password=password).render_as_string(hide_password=False)


@dataclass(frozen=True)
class Topology:
    control_admin_url: str
    region_admin_urls: dict[str, str]
    app_user: str
    app_password: str
    servers: dict[str, EmbeddedServer] = field(default_factory=dict, compare=False, hash=False)

    @property
    def regions(self) -> list[str]:
        return list(self.region_admin_urls)

    def as_app(self, admin_url: str) -> str:
        """The same database, reached as the runtime role (not superuser, owns nothing)."""
        return _as_user(admin_url, self.app_user, self.app_password)

    def control_url(self, *, admin: bool = False) -> str:
        return self.control_admin_url if admin else self.as_app(self.control_admin_url)

    def region_url(self, region: str, database: str, *, admin: bool = False) -> str:
        if region not in self.region_admin_urls:
            raise KeyError(region)
        url = with_database(self.region_admin_urls[region], database)
        return url if admin else self.as_app(url)

    def shared_url(self, region: str, *, admin: bool = False) -> str:
        return self.region_url(region, SHARED_DB, admin=admin)

    def server_label(self, region: str) -> str:
        """Host and port of a region's server, for the residency report."""
        url = normalise(self.region_admin_urls[region])
        return f"{url.host}:{url.port or 5432}"


def embedded_servers(settings: Settings) -> dict[str, EmbeddedServer]:
    return {
        region: EmbeddedServer(
            name=region,
            pgdata=settings.data_dir / "pg" / region,
            port=settings.embedded_port_base + offset,
            password=settings.local_secret("postgres_password"),
            fast=settings.embedded_fast,
        )
        for offset, region in enumerate(EMBEDDED_REGIONS)
    }


def build_topology(settings: Settings) -> Topology:
    if settings.embedded:
        servers = embedded_servers(settings)
        region_urls = {region: server.url() for region, server in servers.items()}
        control = servers[EMBEDDED_REGIONS[0]].url(CONTROL_DB)
        return Topology(control, region_urls, settings.app_db_user, settings.resolved_app_password(), servers)
    region_urls = {
        code: normalise(url).render_as_string(hide_password=False)
        for code, url in settings.configured_region_urls().items()
    }
    if not region_urls:
        raise RuntimeError("DATABASE_URL is set but no REGION_<CODE>_URL is configured")
    assert settings.database_url is not None
    control = normalise(settings.database_url).render_as_string(hide_password=False)
    return Topology(control, region_urls, settings.app_db_user, settings.resolved_app_password())


@lru_cache(maxsize=1)
def get_topology() -> Topology:
    return build_topology(get_settings())


def reset_topology_cache() -> None:
    get_topology.cache_clear()
