"""`bos run` (and `make run`): databases, migrations, demo, then UI, API and scheduler.

Ctrl-C (or SIGTERM) stops every child process and the embedded servers started here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from core.config import PROJECT_ROOT, get_settings
from db.embedded import port_is_free


def _free(port: int) -> int:
    while not port_is_free(port):
        port += 1
    return port


def _children(ui_port: int, api_port: int, api_host: str) -> dict[str, list[str]]:
    py = sys.executable
    return {
        "ui": [py, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"), "--server.port", str(ui_port),
               "--server.address", "127.0.0.1"],
        "api": [py, "-m", "uvicorn", "api.main:app", "--host", api_host, "--port", str(api_port),
                "--log-level", "warning"],
        "scheduler": [py, "-m", "scheduler.main"],
    }


def _stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def launch() -> int:
    from core.demo import seed_demo
    from core.runtime import bootstrap, ensure_servers, stop_servers

    settings = get_settings()
    print("Starting Business OS ...", flush=True)
    started = ensure_servers(stop_at_exit=False)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        bootstrap(stop_at_exit=False)
        demo = seed_demo()
        ui_port, api_port = _free(settings.ui_port), _free(settings.api_port)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if "BOS_PUBLIC_URL" not in os.environ:  # links in emails lead to this UI
            env["BOS_PUBLIC_URL"] = f"http://127.0.0.1:{ui_port}"
        mail_line = f"  Mail: SMTP server {settings.smtp_host}:{settings.smtp_port}\n"
        if settings.smtp_is_local and settings.env != "production":
            smtp_port = _free(settings.smtp_port)
            env["SMTP_PORT"] = str(smtp_port)
            procs["mail"] = subprocess.Popen(
                [sys.executable, "-m", "core.notify.catcher", "--host", settings.smtp_host, "--port", str(smtp_port),
                 "--dir", str(settings.mail_dir)], cwd=PROJECT_ROOT, env=env)
            mail_line = (f"  Mail: local SMTP catcher on {settings.smtp_host}:{smtp_port}, messages in "
                         f"{settings.mail_dir}\n        read them: .venv/bin/bos mail list | bos mail show latest\n")
        for name, cmd in _children(ui_port, api_port, settings.api_host).items():
            procs[name] = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env)
        print(
            "\nBusiness OS is running\n"
            f"  UI:  http://127.0.0.1:{ui_port}\n"
            f"  API: http://{settings.api_host}:{api_port}  (docs: /api/docs, health: /api/health)\n"
            + ("  Database: embedded PostgreSQL, one server per region, data in "
               f"{settings.data_dir}\n" if settings.embedded else "  Database: configured URLs\n")
            + mail_line
            + "\nDemo logins:\n" + "\n".join("  " + line for line in demo)
            + "\n\nPress Ctrl-C to stop everything.\n",
            flush=True,
        )
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping.", flush=True)
                    stopping = True
            time.sleep(0.5)
        return 0
    finally:
        print("Stopping ...", flush=True)
        _stop(procs)
        stop_servers(started)
        print("Stopped.", flush=True)
