"""Tier and region moves in the scheduler: run the moves started from the UI (and take
over any whose worker died), then purge kept source copies whose keeping time is over."""

from __future__ import annotations

import datetime as dt
import logging

from core.errors import Conflict
from core.tenancy.migration.engine import purge_due, resumable, run_move

log = logging.getLogger(__name__)


def tenant_moves_job(now: dt.datetime | None = None) -> dict[str, int]:
    """Each move is claimed by an advisory lock, so replicas never run the same one twice."""
    ran = 0
    for move_id in resumable():
        try:
            move = run_move(move_id)
        except Conflict:
            continue  # another worker holds it
        except Exception:
            log.exception("move %s: the worker stopped with an error; it will be taken over", move_id)
            continue
        ran += 1
        log.info("move %s of tenant %s: %s%s", move.id, move.tenant_id, move.status,
                 f" ({move.reason})" if move.reason else "")
    purged = purge_due(now)
    if purged:
        log.info("purged %s kept source copies of finished moves", purged)
    return {"ran": ran, "purged": purged}
