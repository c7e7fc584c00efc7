"""A real SMTP server on loopback (aiosmtpd) for the tests, wired into the settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.config import reset_settings_cache
from core.notify.catcher import Catcher, start_catcher
from db.embedded import free_port

_VARS = ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_USER", "BOS_PUBLIC_URL")


@contextmanager
def smtp_catcher(directory: Path, public_url: str = "http://127.0.0.1:8501") -> Iterator[Catcher]:
    catcher = start_catcher("127.0.0.1", free_port(), directory)
    saved = {k: os.environ.get(k) for k in _VARS}
    os.environ.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(catcher.port), "SMTP_TLS": "none",
                       "BOS_PUBLIC_URL": public_url})
    os.environ.pop("SMTP_USER", None)
    reset_settings_cache()
    try:
        yield catcher
    finally:
        catcher.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()
