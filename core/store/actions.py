"""What a learner did on a page that a run does not record: looked at a view, found a digit a
model misreads. Lesson tasks (core.lessons.tasks) are checked from these and from the runs.

One row per learner, action and detail, whenever first done: doing it again changes nothing,
so a page may record an action on every rerun.
"""
from __future__ import annotations

import time

from sqlalchemy import select

from core.store.runs import RunStore
from core.store.schema import learner_actions as actions_table

# Every action a page records, and what it means: a lesson names them, the pages record them.
ACTIONS = {
    "home.sample": "drew another sample of training digits on Home",
    "inside.looks": "opened Inside's view of what a model looks for",
    "inside.layers": "opened Inside's view of a model's layers",
    "inside.network": "opened Inside's view of the whole network",
    "inside.map": "opened Inside's map of the test digits",
    "inside.bend": "bent a digit in Inside's bend lab",
    "compare.open": "opened Compare with trained models",
    "draw.read": "had a digit read by a model on Draw",
    "misread.test": "found a test digit a model misreads",
    "misread.drawing": "drew a digit a model misreads",
}


class LearnerActions:
    """The actions in `store`'s database (one table beside the runs)."""

    def __init__(self, store: RunStore) -> None:
        self._store = store
        store.ensure_table(actions_table)

    def record(self, learner: str, action: str, detail: str = "") -> bool:
        """Note that `learner` did `action` (to `detail`: an architecture's name, say); True the
        first time. Anonymous visitors (no learner id) are not recorded."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if not learner:
            return False
        rows = self._store.execute(
            "INSERT INTO learner_actions (learner, action, detail, at) VALUES (:learner, :action, :detail, :at) "
            "ON CONFLICT DO NOTHING RETURNING action",
            {"learner": learner, "action": action, "detail": detail, "at": time.time()})
        return bool(rows)

    def of(self, learner: str) -> frozenset[tuple[str, str]]:
        """Every (action, detail) the learner has done."""
        rows = self._store.execute(select(actions_table.c.action, actions_table.c.detail)
                                   .where(actions_table.c.learner == learner))
        return frozenset((row["action"], row["detail"]) for row in rows)
