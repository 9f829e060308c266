"""One training queue for every app replica of a cluster, kept in the shared database.

The live rows of `runs` that a replica has put in line (`offer`) are the queue: first come
(`created_at`), first served, whichever replica a learner's browser reached (the later
models of a "Train all" have rows from the start but are in line only once the one before
them ends, so they hold nobody up). A replica gives a waiting run its turn with
`claim_next`, which, under one lock for the whole database, stamps `dispatched_at` only
when fewer than `slots` runs hold a turn and no earlier run still waits; so two replicas
never promise the same free CPUs, and order does not depend on the replica. Places and
waits are computed from the same rows on every replica (`ahead_of`). Classes a teacher
holds back are kept here too (`held_classes`), so a hold reaches every replica.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from core.store.schema import held_classes
from core.store.schema import runs as runs_table
from core.training.status import Status

QUEUE_LOCK = 7_310_001  # the PostgreSQL advisory lock every replica takes to give a turn
_c = runs_table.c
_LIVE = (str(Status.QUEUED), str(Status.RUNNING))


@dataclass(frozen=True)
class QueuedRun:
    """A live run as the queue sees it, on any replica."""
    run_id: str
    has_turn: bool              # dispatched (its actor is starting or training) or running
    dispatched_at: float | None  # when it got its turn (time.time())
    config: dict[str, Any]
    examples_seen: int
    total_examples: int | None
    train_seconds: float | None


class SharedQueue:
    """The queue's rows in `store` (a core.store.runs.RunStore)."""

    def __init__(self, store) -> None:
        self.store = store
        store.ensure_table(held_classes)

    def held(self) -> set[str]:
        return {row["class_code"] for row in self.store.execute(select(held_classes.c.class_code))}

    def hold(self, class_code: str, held: bool) -> None:
        self.store.execute(delete(held_classes).where(held_classes.c.class_code == class_code))
        if held:
            self.store.execute(held_classes.insert().values(class_code=class_code, held_at=time.time()))

    def offer(self, run_ids: set[str]) -> None:
        """Put these runs in line for a turn (a replica holds their jobs, ready to train)."""
        self.store.execute(update(runs_table).where(_c.run_id.in_(sorted(run_ids)), _c.waiting_since.is_(None))
                           .values(waiting_since=time.time()))

    def claim_next(self, run_ids: set[str], slots: int) -> str | None:
        """Give a turn to the first waiting run of a class not held, if it is one of `run_ids`
        (this replica's) and fewer than `slots` runs hold one; returns it, or None."""
        with self.store.exclusive(QUEUE_LOCK) as con:
            held = {row[0] for row in con.execute(select(held_classes.c.class_code))}
            live = con.execute(select(_c.run_id, _c.status, _c.dispatched_at, _c.waiting_since, _c.class_code)
                               .where(_c.status.in_(_LIVE)).order_by(_c.created_at, _c.run_id)).mappings().all()
            busy = sum(1 for row in live if _has_turn(row))
            first = next((row["run_id"] for row in live if _in_line(row, held)), None)
            if busy >= slots or first not in run_ids:
                return None
            claimed = con.execute(update(runs_table).where(_c.run_id == first, _c.dispatched_at.is_(None))
                                  .values(dispatched_at=time.time())).rowcount
            return first if claimed == 1 else None

    def recent_speeds(self, runs: int) -> tuple[dict[str, list[float]], list[float]]:
        """Of the last finished runs: examples per second per architecture (`runs` each), and
        the seconds each turn took beyond training (its worker starting, loading the data,
        testing and saving: `runs` of them, on the cluster as it is loaded now)."""
        rows = self.store.execute(
            select(_c.arch, _c.examples_seen, _c.train_seconds, _c.dispatched_at, _c.finished_at)
            .where(_c.status == str(Status.FINISHED), _c.train_seconds > 0, _c.examples_seen > 0)
            .order_by(_c.finished_at.desc()).limit(runs * 10))
        rates: dict[str, list[float]] = {}
        for row in rows:
            found = rates.setdefault(row["arch"], [])
            if len(found) < runs:
                found.append(row["examples_seen"] / row["train_seconds"])
        overheads = [row["finished_at"] - row["dispatched_at"] - row["train_seconds"] for row in rows
                     if row["dispatched_at"] is not None][:runs]
        return rates, overheads

    def ahead_of(self, run_id: str | None) -> tuple[list[QueuedRun], bool] | None:
        """The runs ahead of `run_id` (those with a turn, then earlier waiting ones of classes not
        held) and whether it has its turn; None once it is no longer live. For None: the runs
        ahead of one queued now."""
        held = self.held()
        rows = self.store.execute(
            select(_c.run_id, _c.status, _c.dispatched_at, _c.waiting_since, _c.class_code, _c.config_json,
                   _c.examples_seen, _c.total_examples, _c.train_seconds)
            .where(_c.status.in_(_LIVE)).order_by(_c.created_at, _c.run_id))
        mine = next((row for row in rows if row["run_id"] == run_id), None)
        if mine is None and run_id is not None:
            return None
        if mine is not None and _has_turn(mine):
            return [], True
        ahead, before_mine = [], True
        for row in rows:
            before_mine = before_mine and row["run_id"] != run_id
            if _has_turn(row) or (before_mine and _in_line(row, held)):
                ahead.append(QueuedRun(row["run_id"], _has_turn(row), row["dispatched_at"],
                                       json.loads(row["config_json"]), row["examples_seen"] or 0,
                                       row["total_examples"], row["train_seconds"]))
        return ahead, False

    def with_turn(self) -> int:
        """Runs holding a turn now, on every replica."""
        rows = self.store.execute(select(_c.status, _c.dispatched_at)
                                  .where(_c.status.in_(_LIVE)))
        return sum(1 for row in rows if _has_turn(row))


def _has_turn(row) -> bool:
    return row["status"] == str(Status.RUNNING) or row["dispatched_at"] is not None


def _in_line(row, held: set[str]) -> bool:
    """Waiting for a turn, offered by its replica, of a class not held back."""
    return not _has_turn(row) and row["waiting_since"] is not None and row["class_code"] not in held
