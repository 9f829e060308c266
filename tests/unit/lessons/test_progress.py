import pytest
from helpers import tiny_config

from core.jobs.run_keeper import stored_job
from core.lessons.content import Catalogue, Lesson, Task
from core.lessons.progress import LessonProgress, class_progress, learners_done, next_lesson, path_of
from core.store.actions import LearnerActions
from core.store.runs import RunStore

pytestmark = pytest.mark.usefixtures("each_database")  # every test on SQLite, then on PostgreSQL

DATA = Lesson("01-data", "The data", "", "card", tasks=(Task(1, "action", "Look", {"action": "home.sample"}),))
TRAIN = Lesson("02-train", "Train", "", "card", tasks=(
    Task(1, "train", "Reach 50% in 2 epochs", {"arch": "logistic", "min_accuracy": 0.5, "min_epochs": 2}),
    Task(2, "action", "Look inside", {"action": "inside.looks", "arch": "logistic"})))
CATALOGUE = Catalogue((DATA, TRAIN), (), {})


def test_tasks_are_ticked_from_the_learners_own_runs_and_actions_once_and_for_good(store, store_root, tiny_mnist):
    progress = LessonProgress(store)
    assert progress.update("ada", CATALOGUE.lessons) == []
    stored_job(tiny_config(), tiny_mnist, store, learner="grace").start().wait(timeout=60)  # someone else's run
    assert progress.update("ada", CATALOGUE.lessons) == []
    stored_job(tiny_config(epochs=1), tiny_mnist, store, learner="ada").start().wait(timeout=60)  # one epoch short
    assert progress.update("ada", CATALOGUE.lessons) == []
    [listed] = progress.evidence("ada").runs
    assert listed.history.epochs == () and progress.evidence("ada").with_history(listed).history.trained_epochs == 1
    job = stored_job(tiny_config(), tiny_mnist, store, learner="ada").start()
    job.wait(timeout=60)
    assert progress.update("ada", CATALOGUE.lessons) == [(TRAIN, TRAIN.tasks[0])]
    assert progress.update("ada", CATALOGUE.lessons) == []  # ticked once
    LearnerActions(store).record("ada", "inside.looks", "logistic")
    LearnerActions(store).record("ada", "home.sample")
    assert progress.update("ada", [TRAIN]) == [(TRAIN, TRAIN.tasks[1])]  # only the lessons asked about
    store.delete_run(store.list_runs(learner="ada")[0].run_id)  # the run that earned the tick is gone: it stays
    again = LessonProgress(RunStore(store_root))  # and a new process reads it
    assert again.ticks(["ada", "grace"]) == {"ada": {"02-train": {1, 2}}, "grace": {}}
    assert again.update("ada", CATALOGUE.lessons) == [(DATA, DATA.tasks[0])]


def test_the_path_the_next_lesson_and_the_class_table_follow_the_ticks_and_the_open_lessons():
    ticks = {"ada": {"01-data": frozenset({1}), "02-train": frozenset({1})}, "grace": {}}
    path = path_of(CATALOGUE, ticks["ada"])
    assert [s.complete for s in path] == [True, False] and next_lesson(path).lesson is TRAIN
    closed = path_of(CATALOGUE, ticks["ada"], open_ids=frozenset({"01-data"}))
    assert [s.is_open for s in closed] == [True, False] and next_lesson(closed) is None
    rows = class_progress(CATALOGUE, ticks, {"ada": "ada", "grace": "grace"})
    assert rows == [{"learner": "ada", "at lesson": "2. Train", "1": "1/1", "2": "1/2", "tasks done": 2},
                    {"learner": "grace", "at lesson": "1. The data", "1": "0/1", "2": "0/2", "tasks done": 0}]
    assert learners_done(CATALOGUE, ticks) == [1, 0]
