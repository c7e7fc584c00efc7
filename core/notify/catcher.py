"""A local SMTP catcher (aiosmtpd) for development and tests: it keeps every message.

Messages are stored as `.eml` files in a directory (by default `<data_dir>/mail`), one
file per message, written atomically; `bos mail list` / `bos mail show` read them.
Run on its own with `python -m core.notify.catcher [--host H] [--port P] [--dir D]`.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import re
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller

_LINK_RE = re.compile(r"https?://[^\s\"'<>]+")


@dataclass(frozen=True)
class StoredMail:
    id: str
    path: Path

    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def received_at(self) -> float:
        return int(self.id.split("-", 1)[0]) / 1e9

    def header(self, name: str) -> str:
        return str(self.message().get(name, ""))

    @property
    def subject(self) -> str:
        return self.header("Subject")

    @property
    def to(self) -> str:
        return self.header("To")

    def text(self) -> str:
        part = self.message().get_body(preferencelist=("plain",))
        return str(part.get_content()) if part is not None else ""

    def html(self) -> str:
        part = self.message().get_body(preferencelist=("html",))
        return str(part.get_content()) if part is not None else ""

    def links(self) -> list[str]:
        return [html.unescape(link) for link in _LINK_RE.findall(self.text())]


class MailStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, raw: bytes, mail_from: str, rcpt_tos: list[str]) -> StoredMail:
        self.directory.mkdir(parents=True, exist_ok=True)
        mail_id = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        envelope = f"X-Envelope-From: {mail_from}\r\nX-Envelope-To: {', '.join(rcpt_tos)}\r\n".encode()
        tmp = self.directory / f".{mail_id}.tmp"
        tmp.write_bytes(envelope + raw)
        path = self.directory / f"{mail_id}.eml"
        tmp.replace(path)
        return StoredMail(mail_id, path)

    def all(self) -> list[StoredMail]:
        """Oldest first."""
        if not self.directory.exists():
            return []
        return [StoredMail(p.stem, p) for p in sorted(self.directory.glob("*.eml"))]

    def to(self, address: str) -> list[StoredMail]:
        wanted = address.strip().lower()
        return [m for m in self.all() if wanted in m.header("X-Envelope-To").lower()]

    def get(self, ref: str) -> StoredMail | None:
        """By number (1 = oldest, as `bos mail list` shows), 'latest', or id."""
        mails = self.all()
        if not mails:
            return None
        if ref == "latest":
            return mails[-1]
        if ref.isdigit() and 1 <= int(ref) <= len(mails):
            return mails[int(ref) - 1]
        return next((m for m in mails if m.id == ref), None)


class _Handler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        self.store.save(raw, str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos])
        return "250 Message accepted for delivery"


class Catcher:
    """A running catcher; `stop()` ends it."""

    def __init__(self, host: str, port: int, directory: Path) -> None:
        self.store = MailStore(directory)
        self.host, self.port = host, port
        self._controller = Controller(_Handler(self.store), hostname=host, port=port)

    def start(self) -> Catcher:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def start_catcher(host: str, port: int, directory: Path) -> Catcher:
    return Catcher(host, port, directory).start()


def main(argv: list[str] | None = None) -> None:
    from core.config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(description="Local SMTP catcher: stores every message it receives.")
    parser.add_argument("--host", default=settings.smtp_host)
    parser.add_argument("--port", type=int, default=settings.smtp_port)
    parser.add_argument("--dir", type=Path, default=settings.mail_dir)
    args = parser.parse_args(argv)
    catcher = start_catcher(args.host, args.port, args.dir)
    print(f"SMTP catcher listening on {catcher.address}, storing mail in {args.dir}", flush=True)
    done = threading.Event()

    def stop(_sig: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    done.wait()
    catcher.stop()


if __name__ == "__main__":
    main()
