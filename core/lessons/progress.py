"""Each learner's ticks: a task is ticked the first time the learner's runs and actions meet
it (core.lessons.tasks), and stays ticked whatever happens to the run that earned it. The
ticks hang off the learner's id (core.store.learners), so they survive reloads and days."""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from core.lessons.content import Catalogue, Lesson, Task
from core.lessons.tasks import Evidence, is_done
from core.store.actions import LearnerActions
from core.store.runs import RunRecord, RunStore
from core.store.schema import lesson_ticks as ticks_table


@dataclass(frozen=True)
class LessonState:
    lesson: Lesson
    number: int                    # 1 for the first lesson of the path
    done: frozenset[int]           # its ticked tasks' numbers
    is_open: bool                  # open to the learner (a teacher may close lessons for the class)

    @property
    def complete(self) -> bool:
        return len(self.done) == len(self.lesson.tasks)


class LessonProgress:
    """The ticks in `store`'s database (one table beside the runs)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.actions = LearnerActions(store)
        store.ensure_table(ticks_table)

    def ticks(self, learners: Iterable[str]) -> dict[str, dict[str, frozenset[int]]]:
        """learner → lesson id → ticked task numbers."""
        learners = list(learners)
        found: dict[str, dict[str, set[int]]] = {who: {} for who in learners}
        if learners:
            rows = self.store.execute(select(ticks_table).where(ticks_table.c.learner.in_(learners)))
            for row in rows:
                found[row["learner"]].setdefault(row["lesson"], set()).add(row["task"])
        return {who: {lesson: frozenset(done) for lesson, done in lessons.items()} for who, lessons in found.items()}

    def evidence(self, learner: str) -> Evidence:
        """The learner's runs as listed (their curves read only for the runs a check needs them
        of: a learner's hundred runs with their curves take a second to read) and actions."""
        read: dict[str, RunRecord] = {}

        def with_history(run: RunRecord) -> RunRecord:
            if run.run_id not in read:
                read[run.run_id] = self.store.get_run(run.run_id)
            return read[run.run_id]
        return Evidence(tuple(self.store.list_runs(learner=learner, with_history=False)), self.actions.of(learner),
                        with_history)

    def update(self, learner: str, lessons: Iterable[Lesson]) -> list[tuple[Lesson, Task]]:
        """Tick what `learner` has newly done in `lessons`; returns the tasks ticked now."""
        if not learner:
            return []
        done = self.ticks([learner])[learner]
        waiting = [(lesson, task) for lesson in lessons for task in lesson.tasks
                   if task.number not in done.get(lesson.lesson_id, ())]
        if not waiting:
            return []
        evidence = self.evidence(learner)
        ticked = [(lesson, task) for lesson, task in waiting if is_done(task.kind, task.params, evidence)]
        for lesson, task in ticked:
            self.store.execute(
                "INSERT INTO lesson_ticks (learner, lesson, task, ticked_at) VALUES (:learner, :lesson, :task, :at) "
                "ON CONFLICT DO NOTHING",
                {"learner": learner, "lesson": lesson.lesson_id, "task": task.number, "at": time.time()})
        return ticked


def path_of(catalogue: Catalogue, done: Mapping[str, frozenset[int]],
            open_ids: frozenset[str] | None = None) -> list[LessonState]:
    """The path as one learner walks it: every lesson with its ticks, open or closed
    (`open_ids` None: all open)."""
    return [LessonState(lesson, number, done.get(lesson.lesson_id, frozenset()),
                        open_ids is None or lesson.lesson_id in open_ids)
            for number, lesson in enumerate(catalogue.lessons, 1)]


def next_lesson(path: list[LessonState]) -> LessonState | None:
    """Where the learner is: the first open lesson with a task to do (None: all done)."""
    return next((state for state in path if state.is_open and not state.complete), None)


def class_progress(catalogue: Catalogue, ticks: Mapping[str, Mapping[str, frozenset[int]]],
                   names: Mapping[str, str], open_ids: frozenset[str] | None = None) -> list[dict[str, object]]:
    """One row per learner for the teacher: tasks done per lesson ("2/3") and the open lesson
    they are at, the first with a task left ("done" when none is)."""
    rows = []
    for learner, name in names.items():
        path = path_of(catalogue, ticks.get(learner, {}), open_ids)
        at = next_lesson(path)
        row: dict[str, object] = {"learner": name, "at lesson": f"{at.number}. {at.lesson.title}" if at else "done",
                                  "tasks done": sum(len(s.done) for s in path)}
        row.update({f"{s.number}": f"{len(s.done)}/{len(s.lesson.tasks)}" for s in path})
        rows.append(row)
    return rows


def learners_done(catalogue: Catalogue, ticks: Mapping[str, Mapping[str, frozenset[int]]]) -> list[int]:
    """For each lesson, how many of these learners ticked every one of its tasks (the projector's chart)."""
    return [sum(len(lessons.get(lesson.lesson_id, ())) == len(lesson.tasks) for lessons in ticks.values())
            for lesson in catalogue.lessons]
