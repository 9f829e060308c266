import csv
import io

import pytest
from helpers import GatedJob, tiny_config, wait_until

from core.classroom.classes import Classes
from core.classroom.teacher import (
    CANCELLED_BY_TEACHER,
    EXPORT_COLUMNS,
    cancel,
    check_cap,
    class_jobs,
    counts,
    counts_text,
    learner_states,
    runs_csv,
    start_race,
    top_runs,
)
from core.jobs.queue import TrainingQueue
from core.jobs.run_keeper import RunKeeper, stored_job
from core.training.limits import LimitError, QueueLimits
from core.training.status import IDLE, Status


@pytest.fixture
def room(store):
    classes = Classes(store)
    code = classes.start_class("Tuesday")
    for learner in ("ada", "bob", "cy"):
        classes.join(learner, code)
    return classes, code


def job_of(classes, code, learner, data, **changes):
    return stored_job(tiny_config(epochs=1, **changes), data, classes.store, learner, learner=learner,
                      class_code=code)


def test_the_teacher_sees_who_trains_who_waits_and_who_is_idle(room, tiny_mnist):
    GatedJob.starts = []
    classes, code = room
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    running = GatedJob("ada", tiny_config(epochs=1), tiny_mnist, (RunKeeper(classes.store, "ada"),),
                       learner="ada", class_code=code)
    queue.submit(running)
    assert running.entered.wait(10)
    queue.submit(job_of(classes, code, "bob", tiny_mnist))
    names = {"ada": "Ada", "bob": "Bob", "cy": "Cy"}
    states = {s.name: s for s in learner_states(classes, queue, code, names)}
    assert (states["Ada"].state, states["Bob"].state, states["Cy"].state) == (Status.RUNNING, Status.QUEUED, IDLE)
    assert states["Bob"].detail == "1st in the queue" and states["Cy"].runs == 0
    rows = class_jobs(queue, code, names)
    assert [(r.name, r.running, r.place) for r in rows] == [("Ada", True, 0), ("Bob", False, 1)]
    assert counts(list(states.values())) == {"running": 1, "queued": 1, "idle": 1}
    assert counts_text(list(states.values())) == "3 learners · 1 running · 1 queued · 1 idle"
    running.gate.set()
    wait_until(lambda: all(s.state == str(Status.FINISHED) for s in learner_states(classes, queue, code, names)
                           if s.name != "Cy"), what="both trainings end")
    done = {s.name: s for s in learner_states(classes, queue, code, names)}
    assert done["Bob"].runs == 1 and done["Bob"].best_accuracy is not None and done["Bob"].best_arch


def test_the_teacher_sees_which_training_the_servers_time_limit_stopped(room, tiny_mnist):
    classes, code = room
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    job = stored_job(tiny_config(epochs=50, batch_size=8), tiny_mnist, classes.store, "ada", learner="ada",
                     class_code=code)
    job.time_limit = 1.0
    assert job.start().wait(30).status == Status.STOPPED
    ada = next(s for s in learner_states(classes, queue, code, {"ada": "Ada"}) if s.name == "Ada")
    assert ada.state == "stopped" and ada.detail.endswith(", stopped at the server's time limit")
    assert ada.best_accuracy is not None  # its model was kept, as at a Stop


def test_a_teachers_cancel_tells_the_learner_and_holding_the_class_holds_only_it(room, tiny_mnist, store_root):
    classes, code = room
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    queue.pause(code)
    held = queue.submit(job_of(classes, code, "ada", tiny_mnist))
    outsider = queue.submit(stored_job(tiny_config(epochs=1), tiny_mnist, classes.store, learner="zed"))
    assert outsider.wait(30).status == Status.FINISHED  # another class's (or no class's) training goes on
    assert held.snapshot().status == Status.QUEUED and queue.is_paused(code)
    cancel(queue, held)
    snap = held.wait(5)
    assert snap.status == Status.CANCELLED and snap.message == CANCELLED_BY_TEACHER
    assert classes.store.get_run(snap.run_id).message == CANCELLED_BY_TEACHER  # the learner's page reads this
    # the table, the header and the CSV name it in one word: cancelled, never finished or stopped
    names = {"ada": "Ada"}
    ada = next(s for s in learner_states(classes, queue, code, names) if s.name == "Ada")
    assert ada.state == "cancelled" and counts([ada]) == {"running": 0, "queued": 0, "cancelled": 1, "idle": 0}
    assert counts_text([ada]) == "1 learner · 0 running · 0 queued · 1 cancelled · 0 idle"
    row = next(csv.DictReader(io.StringIO(runs_csv(classes.store.list_runs(class_code=code), names))))
    assert (row["status"], row["training seconds"], row["test accuracy"]) == ("cancelled", "", "")
    later = queue.submit(job_of(classes, code, "bob", tiny_mnist))
    queue.pause(code, False)
    assert later.wait(30).status == Status.FINISHED


def test_a_cap_stops_a_learner_at_their_allowance_for_the_round(room, tiny_mnist):
    classes, code = room
    classes.set_cap(code, "ada", 1)
    check_cap(classes, "ada")  # none trained yet
    job_of(classes, code, "ada", tiny_mnist).start().wait(30)
    with pytest.raises(LimitError, match="allows you 1 training in this round"):
        check_cap(classes, "ada")
    check_cap(classes, "bob")  # others are not capped
    classes.archive(code)
    check_cap(classes, "ada")  # a new round, a new allowance


def test_a_race_queues_the_same_setup_for_everyone_with_their_own_seed(room, tiny_mnist):
    classes, code = room
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    queue.pause(code)
    busy = queue.submit(job_of(classes, code, "cy", tiny_mnist))  # already has a training
    setup = tiny_config(epochs=1, seed=7)
    queued, skipped = start_race(classes, queue, code, setup, tiny_mnist, classes.store, {})
    assert queued == ["ada", "bob"] and list(skipped) == ["cy"]
    jobs = {job.learner: job for job in queue.jobs() if job is not busy}
    assert {job.config.seed for job in jobs.values()} == {7, 8}
    assert all(job.config.arch == setup.arch and job.config.lr == setup.lr for job in jobs.values())
    assert queue.latest_job("ada") is jobs["ada"]  # the learner's Train page finds it
    queue.pause(code, False)
    assert all(job.wait(30).status == Status.FINISHED for job in jobs.values())


def test_the_export_has_a_row_per_run_and_no_nickname_becomes_a_formula(room, tiny_mnist):
    classes, code = room
    for learner in ("ada", "bob"):
        job_of(classes, code, learner, tiny_mnist).start().wait(30)
    runs = classes.store.list_runs(class_code=code)
    names = {"ada": "=HYPERLINK(\"http://x\")", "bob": "Bob"}
    rows = list(csv.reader(io.StringIO(runs_csv(runs, names))))
    assert tuple(rows[0]) == EXPORT_COLUMNS and len(rows) == 1 + len(runs)
    by_run = {row[0]: dict(zip(EXPORT_COLUMNS, row)) for row in rows[1:]}
    for run in runs:
        row = by_run[run.run_id]
        assert float(row["test accuracy"]) == pytest.approx(run.test_accuracy, abs=1e-4)
        assert row["status"] == run.status and int(row["epochs"]) == run.config["epochs"]
    assert {row["learner"] for row in by_run.values()} == {"'=HYPERLINK(\"http://x\")", "Bob"}


def test_the_projector_ranks_each_learners_best_run_with_its_curves(room, tiny_mnist):
    classes, code = room
    for learner, lr in (("ada", 0.01), ("ada", 0.0001), ("bob", 0.01)):
        job_of(classes, code, learner, tiny_mnist, lr=lr).start().wait(30)
    top = top_runs(classes, code, {"ada": "Ada", "bob": "Bob"})
    assert sorted(name for name, _ in top) == ["Ada", "Bob"]  # one entry per learner: their best
    assert [run.test_accuracy for _, run in top] == sorted((run.test_accuracy for _, run in top), reverse=True)
    assert all(run.history.epochs for _, run in top)


def test_a_locked_setup_refuses_any_other_training_and_a_cap_counts_every_model_of_a_sequence(room):
    from core.classroom.teacher import check_setup
    classes, code = room
    setup = tiny_config(arch="mlp", epochs=1)
    classes.set_setup(code, setup, "lock")
    check_setup(classes, "ada", setup)
    with pytest.raises(LimitError, match="fixed one setup"):
        check_setup(classes, "ada", tiny_config(epochs=1))
    check_setup(classes, "outsider", tiny_config(epochs=1))  # in no class: free
    classes.set_setup(code, setup, "suggest")
    check_setup(classes, "ada", tiny_config(epochs=1))  # a suggestion binds nobody
    classes.set_cap(code, "bob", 2)
    check_cap(classes, "bob", adding=2)
    with pytest.raises(LimitError):
        check_cap(classes, "bob", adding=3)  # "Train all three" is three trainings


def test_a_held_class_blocks_nobody_else_and_a_cancel_ends_a_whole_train_all(room, tiny_mnist):
    from core.jobs.sequence import JobSequence
    classes, code = room
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1, max_queued=2, per_learner=5))
    queue.pause(code)
    held = [queue.submit(job_of(classes, code, learner, tiny_mnist)) for learner in ("ada", "bob")]
    # two held jobs and max_queued=2: the outsider is still let in, and trains at once
    outsider = queue.submit(stored_job(tiny_config(epochs=1), tiny_mnist, classes.store, learner="zed"))
    assert outsider.wait(30).status == Status.FINISHED
    sequence = JobSequence([tiny_config(epochs=1)] * 3, tiny_mnist, classes.store, learner="cy", class_code=code)
    for job in held:
        queue.cancel(job)
    queue.submit_sequence(sequence)
    wait_until(lambda: any(job in queue.jobs() for job in sequence.jobs), what="the first model queues")
    cancel(queue, sequence.jobs[0])
    snaps = sequence.wait(30)
    assert [s.status for s in snaps] == [Status.CANCELLED] * 3, [s.message for s in snaps]
    assert all(s.message == CANCELLED_BY_TEACHER for s in snaps), [s.message for s in snaps]


def test_a_run_cancelled_before_it_started_does_not_use_up_a_cap(room, tiny_mnist):
    classes, code = room
    classes.set_cap(code, "ada", 1)
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    queue.pause(code)
    cancel(queue, queue.submit(job_of(classes, code, "ada", tiny_mnist)))
    check_cap(classes, "ada")  # the teacher's cancel gave the training back


def test_a_held_job_is_not_counted_ahead_of_others_in_the_queue(room, tiny_mnist):
    classes, code = room
    queue = TrainingQueue(QueueLimits(slots=1, threads_per_job=1))
    queue.pause(code)
    queue.submit(job_of(classes, code, "ada", tiny_mnist))
    first = GatedJob("a", tiny_config(epochs=1), tiny_mnist, learner="a")
    queue.submit(first)
    assert first.entered.wait(10)
    second = queue.submit(stored_job(tiny_config(epochs=1), tiny_mnist, learner="b"))
    assert queue.place(second).ahead == 1  # the running one; not ada's held job
    first.gate.set()
    assert second.wait(30).status == Status.FINISHED
