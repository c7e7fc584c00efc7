"""Crash safety: one move, its worker killed with SIGKILL inside every step in turn; each
new worker takes the move over where the last one died, and the move ends with the same
rows, matching checksums and a verifying audit chain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.audit.verify import verify_data_plane
from core.tenancy.migration import engine
from core.tenancy.migration.service import MoveRequest, request_move
from core.tenancy.registry import context, get_tenant
from tests.tenancy.migration.seed import seed_every_table, snapshot

CHECKPOINTS = ["precheck", "provision", "copy:table", "lock", "catchup", "catchup:applied", "verify", "switch"]
ROOT = Path(__file__).resolve().parents[3]


def _kill_at(move_id: object, checkpoint: str, tmp_path: Path) -> None:
    marker = tmp_path / f"halted-{checkpoint.replace(':', '-')}"
    env = {**os.environ, engine.HALT_ENV: checkpoint, engine.HALT_FILE_ENV: str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "core.tenancy.migration.worker", str(move_id)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the worker ended before {checkpoint}: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"the worker never reached {checkpoint}"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert engine.load(move_id).status == "running"  # type: ignore[arg-type]


def test_killed_in_every_step_the_move_still_ends_whole(fresh, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tenant = fresh("shared")
    seed_every_table(tenant.slug, rows=4)
    before = snapshot(context(tenant.slug))
    move = request_move(MoveRequest(tenant.slug, "dedicated", "id"), actor="user:test")

    for checkpoint in CHECKPOINTS:
        _kill_at(move.id, checkpoint, tmp_path)
        step = engine.load(move.id).step
        assert step == checkpoint.split(":")[0], (checkpoint, step)
        if step in ("catchup", "verify", "switch"):
            assert get_tenant(tenant.slug).status == "migrating"  # still read-only while nobody runs it

    done = engine.run_move(move.id)
    assert done.status == "succeeded", done.reason
    moved = get_tenant(tenant.slug)
    assert (moved.tier, moved.region, moved.status) == ("dedicated", "id", "active")
    ctx = context(tenant.slug)
    assert snapshot(ctx) == before
    assert verify_data_plane(ctx).ok
    assert done.checksums and done.checksums["mode"] == "full"  # the catch-up ran twice: everything compared
    assert {t: v["rows"] for t, v in done.checksums["tables"].items()} == {t: len(r) for t, r in before.items()}
