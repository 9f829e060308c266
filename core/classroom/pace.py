"""The teacher's pace for a class: which lessons are open to it, and one line shown on every
learner's page ("Stop here and look at the projector"). A class nobody paced has every
lesson open and no message."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from core.config.fields import ConfigError
from core.store.runs import RunStore
from core.store.schema import class_pace as pace_table

MESSAGE_MAX = 200  # characters: one line on a phone's screen, two at most


@dataclass(frozen=True)
class Pace:
    open_lessons: frozenset[str] | None  # lesson ids open to the class; None: all of them
    message: str                         # '' for none
    updated_at: float


NO_PACE = Pace(None, "", 0.0)


class ClassPace:
    """The classes' paces in `store`'s database (one table beside the classes)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        store.ensure_table(pace_table)

    def of(self, code: str) -> Pace:
        rows = self.store.execute("SELECT open_json, message, updated_at FROM class_pace WHERE code=:code",
                                  {"code": code}) if code else []
        if not rows:
            return NO_PACE
        row = rows[0]
        try:
            opened = frozenset(json.loads(row["open_json"])) if row["open_json"] else None
        except (ValueError, TypeError):  # damaged by hand: everything stays open rather than nothing
            opened = None
        return Pace(opened, row["message"], row["updated_at"])

    def _save(self, code: str, pace: Pace) -> None:
        opened = "" if pace.open_lessons is None else json.dumps(sorted(pace.open_lessons))
        self.store.execute("DELETE FROM class_pace WHERE code=:code", {"code": code})
        self.store.execute("INSERT INTO class_pace (code, open_json, message, updated_at) "
                           "VALUES (:code, :opened, :message, :at)",
                           {"code": code, "opened": opened, "message": pace.message, "at": time.time()})

    def open_lessons(self, code: str, lesson_ids: list[str] | None) -> None:
        """Open these lessons to the class and close the others (None: open all)."""
        current = self.of(code)
        self._save(code, Pace(None if lesson_ids is None else frozenset(lesson_ids), current.message, 0.0))

    def post(self, code: str, message: str) -> None:
        """Show `message` (one line; '' takes it down) on every learner's page of the class."""
        line = " ".join(str(message).split())
        if len(line) > MESSAGE_MAX:
            raise ConfigError(f"A message to the class is at most {MESSAGE_MAX} characters; this one has {len(line)}.")
        self._save(code, Pace(self.of(code).open_lessons, line, 0.0))
