"""Running a move in the foreground with a live progress line (`bos tenants move`, and
`python -m core.tenancy.migration.worker MOVE_ID` to resume one by id)."""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from core.tenancy.migration.engine import run_move
from core.tenancy.migration.models import TenantMove
from core.tenancy.migration.service import progress_of


def progress_line(move: TenantMove) -> str:
    p = progress_of(move)
    parts = [f"[{p.step_number}/{p.steps}] {p.step:<9}", f"{p.fraction * 100:5.1f}%",
             f"tables {p.tables_done}/{p.tables_total}", f"rows {p.rows_copied:,}/{p.rows_total:,}"]
    if p.rate:
        parts.append(f"{p.rate:,.0f} rows/s")
    if p.eta_seconds is not None:
        parts.append(f"ETA {p.eta_seconds:,.0f}s")
    return "  ".join(parts)


def printer(stream: TextIO) -> object:
    live = stream.isatty()

    def show(move: TenantMove) -> None:
        line = progress_line(move)
        if live:
            stream.write("\r\033[K" + line)
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


def run_with_progress(move_id: uuid.UUID, stream: TextIO = sys.stderr) -> TenantMove:
    show = printer(stream)
    move = run_move(move_id, progress=show)  # type: ignore[arg-type]
    if stream.isatty():
        stream.write("\n")
    return move


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    move = run_with_progress(uuid.UUID(args[0]))
    print(f"move {move.id}: {move.status}{f' ({move.reason})' if move.reason else ''}")
    return 0 if move.status == "succeeded" else 1


if __name__ == "__main__":
    raise SystemExit(main())
