"""A private, temporary embedded cluster for one benchmark run.

`environment()` must run before any project module is imported: it points the settings
at a fresh data directory and free ports.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def environment(data: Path, *, fast: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    from db.embedded import free_port, port_is_free

    for _ in range(50):
        base = free_port()
        if base < 65000 and port_is_free(base + 1):
            break
    else:
        raise SystemExit("no two consecutive free ports on 127.0.0.1")
    os.environ.update({"BOS_ENV": "test", "BOS_DATA_DIR": str(data), "BOS_EMBEDDED_PORT_BASE": str(base)})
    if fast:
        os.environ["BOS_EMBEDDED_FAST"] = "1"
    else:
        os.environ.pop("BOS_EMBEDDED_FAST", None)
    for var in ("DATABASE_URL", "REGION_GLOBAL_URL", "REGION_ID_URL", "BOS_TENANT_EXTRA_VERSIONS"):
        os.environ.pop(var, None)


@contextmanager
def private_cluster(*, fast: bool = True, keep: bool = False) -> Iterator[object]:
    """Yields the bootstrapped topology; stops the servers and removes the data after."""
    data = Path(tempfile.mkdtemp(prefix="bos-bench-"))
    environment(data, fast=fast)
    from core.runtime import bootstrap, stop_servers

    topology = bootstrap(stop_at_exit=False)
    try:
        yield topology
    finally:
        stop_servers(list(topology.servers.values()))
        if not keep:
            shutil.rmtree(data, ignore_errors=True)
