"""Shared by the browser tests: Debian Chromium, patience limits, waiting for a server."""

from __future__ import annotations

import time
import urllib.request
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-background-networking", "--disable-gpu"]
WAIT = 60_000  # ms a step may take before the test gives up (not an assertion on speed)


def wait_until(check: Any, what: str, limit: float = 60) -> Any:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback test server
            return bool(response.status == 200)
    except OSError:
        return False
