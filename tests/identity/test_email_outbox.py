"""Email goes through the outbox: nothing for a rolled-back change, retried when SMTP is down."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from core.cli import app as cli
from core.config import reset_settings_cache
from core.notify import outbox
from core.notify.catcher import Catcher
from core.notify.emails import render
from core.notify.models import OutboxEmail
from db.embedded import free_port
from db.session import control_session
from tests.identity.conftest import unique_email

T0 = dt.datetime(2030, 5, 1, 0, 0, tzinfo=dt.UTC)


def test_a_rolled_back_change_sends_nothing(mail: Catcher) -> None:
    to = unique_email("rollback")
    with pytest.raises(RuntimeError), control_session() as s:
        outbox.enqueue(s, to=to, kind="test", language="en", email=render("test", "en"), now=T0)
        raise RuntimeError("the change fails after queueing its email")
    outbox.deliver_due(now=T0 + dt.timedelta(days=1))
    with control_session() as s:
        assert s.scalars(select(OutboxEmail).where(OutboxEmail.to_address == to)).all() == []
    assert mail.store.to(to) == []


def test_smtp_outage_leaves_the_message_pending_for_the_scheduler(mail: Catcher) -> None:
    to = unique_email("outage")
    with control_session() as s:
        message_id = outbox.enqueue(s, to=to, kind="test", language="id", email=render("test", "id"), now=T0)
    os.environ["SMTP_PORT"] = str(free_port())  # nothing listens there
    reset_settings_cache()
    try:
        assert outbox.send_now([message_id]).retrying == 1
    finally:
        os.environ["SMTP_PORT"] = str(mail.port)
        reset_settings_cache()
    with control_session() as s:
        row = s.get(OutboxEmail, message_id)
        assert row is not None and row.status == "pending" and row.attempts == 1 and row.last_error
        retry_at = row.next_attempt_at
    assert mail.store.to(to) == []
    # The scheduler's pass before the retry time leaves it alone; the pass after sends it.
    outbox.deliver_due(now=retry_at - dt.timedelta(seconds=1))
    assert mail.store.to(to) == []
    assert outbox.deliver_due(now=retry_at).sent >= 1
    [received] = mail.store.to(to)
    assert received.subject == "Email uji dari Business OS"
    assert outbox.outbox_status([message_id]) == {message_id: "sent"}
    assert outbox.deliver([message_id]).sent == 0  # delivered once only


def test_bos_mail_cli_reads_the_catcher(mail: Catcher) -> None:
    to = unique_email("cli")
    with control_session() as s:
        message_id = outbox.enqueue(s, to=to, kind="test", language="en", email=render("test", "en"), now=T0)
    outbox.send_now([message_id])
    runner = CliRunner()
    listed = runner.invoke(cli, ["mail", "list", "--to", to, "--dir", str(mail.store.directory)])
    assert listed.exit_code == 0 and "Test email from Business OS" in listed.output
    shown = runner.invoke(cli, ["mail", "show", "latest", "--dir", str(mail.store.directory)])
    assert shown.exit_code == 0 and "Email delivery from Business OS works." in shown.output
