"""Getting the databases ready for a process: embedded servers, roles, migrations."""

from __future__ import annotations

import atexit
import logging

from db.bootstrap import prepare_servers, start_embedded
from db.embedded import EmbeddedServer
from db.topology import Topology, get_topology

log = logging.getLogger(__name__)


def ensure_servers(*, stop_at_exit: bool = True) -> list[EmbeddedServer]:
    """Start the embedded servers if they are not running (no-op for configured URLs)."""
    topology = get_topology()
    started = start_embedded(topology)
    if started and stop_at_exit:
        atexit.register(stop_servers, started)
    return started


def stop_servers(servers: list[EmbeddedServer]) -> None:
    from db.engines import dispose_all

    dispose_all()
    for server in servers:
        server.stop()


def bootstrap(*, stop_at_exit: bool = True, sync_workers: int = 4) -> Topology:
    """Servers up, roles and databases made, control and tenant schemas at head."""
    from core.tenancy.schema_sync import sync

    ensure_servers(stop_at_exit=stop_at_exit)
    topology = get_topology()
    prepare_servers(topology)
    report = sync(workers=sync_workers)
    for result in report.failed:
        log.error("schema sync failed for %s: %s", result.target.key, result.error)
    return topology
