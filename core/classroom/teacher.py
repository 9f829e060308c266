"""What a teacher sees of a class and what they can do to it: each learner's state, the
queue, caps, a race, the export. Plain functions over core.classroom.classes, the training queue
and the run store, so the teacher's page only lays them out."""
from __future__ import annotations

import csv
import dataclasses
import io
import time
from dataclasses import dataclass

from core.classroom.classes import Classes
from core.config.fields import ConfigError
from core.data.loading import Dataset
from core.jobs.job import TrainingJob
from core.jobs.queue import TrainingQueue
from core.jobs.run_keeper import stored_job
from core.models.architectures import label
from core.store.checkpoints import StoreError
from core.store.runs import RunRecord, RunStore
from core.training.config import TrainConfig, in_brief
from core.training.limits import LimitError, limit_stopped_at
from core.training.status import IDLE, LIVE, Status

TOP_RUNS = 10  # learners the projector ranks and draws
CANCELLED_BY_TEACHER = "Cancelled by your teacher before it started."
NEVER_TRAINED = (Status.CANCELLED, Status.LOST)  # their time is blank in the export, not "0.0"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so


@dataclass(frozen=True)
class LearnerState:
    learner: str
    name: str
    state: str                    # the status of their training now or latest run; IDLE without one
    detail: str                   # "2nd in the queue", "epoch 1 of 3", the latest run's accuracy
    progress: float | None        # of the training now, 0-1
    best_accuracy: float | None   # their best test accuracy this round
    best_arch: str                # its architecture's label ('' without one)
    runs: int                     # their runs this round
    cap: int | None               # trainings per round the teacher allows them; None: no cap


@dataclass(frozen=True)
class QueuedJob:
    job: TrainingJob
    name: str
    what: str                     # "CNN, 3 epochs"
    running: bool
    place: int                    # 0 while it trains, else its place among the waiting ones
    wait_seconds: float           # from queueing to starting (or to now)
    run_seconds: float            # of training so far
    progress: float


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def class_jobs(queue: TrainingQueue, code: str, names: dict[str, str], now: float | None = None) -> list[QueuedJob]:
    """The class's jobs in the queue: running first, then waiting in order."""
    now, rows, waiting = now or time.time(), [], 0
    for job in queue.jobs():
        snap = job.snapshot()
        running = snap.status == Status.RUNNING
        if job.class_code != code or snap.done:
            continue
        waiting += 0 if running else 1
        queued = job.queued_at or now
        wait = (job.started_at or now) - queued if running else now - queued
        rows.append(QueuedJob(job, names.get(job.learner, job.learner[:6]), in_brief(job.config), running,
                              0 if running else waiting, max(wait, 0.0), snap.train_seconds if running else 0.0,
                              snap.progress))
    return rows


def learner_states(classes: Classes, queue: TrainingQueue, code: str, names: dict[str, str]) -> list[LearnerState]:
    """Every member of the class, in the order they joined: what they are doing now and how far they got."""
    runs = classes.runs_this_round(code, with_history=False)
    live = {row.job.learner: row for row in class_jobs(queue, code, names)}
    states = []
    for learner, cap in classes.members(code).items():
        mine = [run for run in runs if run.learner == learner]
        scored = [run for run in mine if run.test_accuracy is not None]
        best = max(scored, key=lambda run: run.test_accuracy, default=None)
        job = live.get(learner)
        if job is not None and job.running:
            snap = job.job.snapshot()
            state, detail, progress = Status.RUNNING, f"{job.what}: epoch {snap.current_epoch} of {job.job.config.epochs}", snap.progress
        elif job is not None:
            state, detail, progress = Status.QUEUED, f"{ordinal(job.place)} in the queue", 0.0
        elif mine:
            latest = mine[0]
            accuracy = f", {latest.test_accuracy:.2%}" if latest.test_accuracy is not None else ""
            limit = limit_stopped_at(latest.message)
            limit = f", stopped at the server's {limit}" if limit else ""
            state, detail, progress = str(latest.status), f"{label(latest.arch)}{accuracy}{limit}", None
        else:
            state, detail, progress = IDLE, "no training yet", None
        states.append(LearnerState(learner, names.get(learner, learner[:6]), state, detail, progress,
                                   best.test_accuracy if best else None, label(best.arch) if best else "",
                                   len(mine), cap))
    return states


def wall_names(classes: Classes, code: str, names: dict[str, str]) -> dict[str, str]:
    """What the projector shows for each member: the teacher's name for them, "Learner N" (their
    place in joining) where the teacher hid the nickname, else their nickname."""
    chosen, shown = classes.wall_names(code), {}
    for n, learner in enumerate(classes.members(code), 1):
        given = chosen.get(learner)
        shown[learner] = names.get(learner, learner[:6]) if given is None else given or f"Learner {n}"
    return shown


def check_cap(classes: Classes, learner: str, adding: int = 1) -> None:
    """LimitError when the teacher's cap leaves the learner fewer than `adding` trainings this round."""
    code, cap = classes.class_of(learner), classes.cap_of(learner)
    if not code or cap is None:
        return
    # queued, running, or trained at least a batch: a run cancelled before it started is not one
    used = sum(1 for run in classes.runs_this_round(code, learner, with_history=False)
               if run.status in LIVE or (run.examples_seen or 0) > 0)
    if used + adding > cap:
        raise LimitError(f"Your teacher allows you {cap} training{'s' if cap != 1 else ''} in this round of the "
                         "class, and you have had them: ask them for more.")


def check_setup(classes: Classes, learner: str, config: TrainConfig) -> None:
    """LimitError when the learner's class has a locked setup and `config` is not it (the form
    draws no widget for a locked setting; this holds for every other way to start one too)."""
    code = classes.class_of(learner)
    info = classes.info(code) if code else None
    if info is not None and info.setup_mode == "lock" and config.to_dict() != info.setup.to_dict():
        raise LimitError("Your teacher has fixed one setup for the class: train it on the Train page.")


def start_race(classes: Classes, queue: TrainingQueue, code: str, config: TrainConfig, data: Dataset,
               store: RunStore, names: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Queue `config` for every member at once, each with a seed of their own (so the curves show
    how much the random start matters). Returns who was queued, and why the others were not."""
    queued, skipped = [], {}
    for n, learner in enumerate(classes.members(code)):
        try:
            check_cap(classes, learner)
            job = stored_job(dataclasses.replace(config, seed=config.seed + n), data, store,
                             names.get(learner, ""), learner=learner, class_code=code)
            queue.submit(job)
        except (ConfigError, StoreError) as exc:  # already training, capped, the queue full, a store fault
            skipped[learner] = str(exc)
        else:
            queued.append(learner)
    return queued, skipped


def cancel(queue: TrainingQueue, job: TrainingJob) -> None:
    """The teacher's cancel: a waiting job leaves the queue, a running one stops and keeps its
    model; one model of a "Train all" ends the whole sequence, so its next one does not queue."""
    sequence = queue.latest_sequence(job.learner) if job.in_sequence else None
    if sequence is not None and job in sequence.jobs:
        sequence.stop(CANCELLED_BY_TEACHER)
    else:
        queue.cancel(job, CANCELLED_BY_TEACHER)


EXPORT_COLUMNS = ("run", "learner", "architecture", "status", "test accuracy", "epochs", "batch size",
                  "learning rate", "optimizer", "training seconds", "trained at")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def runs_csv(runs: list[RunRecord], names: dict[str, str]) -> str:
    """The runs as CSV, one row each in EXPORT_COLUMNS; a nickname cannot become a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for run in runs:
        config = run.config
        writer.writerow([_cell(v) for v in (
            run.run_id, names.get(run.learner, run.nickname), label(run.arch), run.status,
            f"{run.test_accuracy:.4f}" if run.test_accuracy is not None else "", config.get("epochs"),
            config.get("batch_size"), config.get("lr"), config.get("optimizer"),
            "" if run.train_seconds is None or run.status in NEVER_TRAINED else f"{run.train_seconds:.1f}",
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(run.created_at)))])
    return out.getvalue()


def counts(states: list[LearnerState]) -> dict[str, int]:
    """How many learners are in each state, in the one vocabulary of the table and the CSV:
    running, queued, then each ended status that someone is in (finished, cancelled, ...), then idle."""
    always = (Status.RUNNING, Status.QUEUED, IDLE)
    order = (Status.RUNNING, Status.QUEUED, *(status for status in Status if status not in LIVE), IDLE)
    found = {str(state): sum(1 for s in states if s.state == state) for state in order}
    return {state: n for state, n in found.items() if n or state in always}


def counts_text(states: list[LearnerState]) -> str:
    """'4 learners · 1 running · 2 queued · 1 cancelled · 0 idle', the header of the teacher's views."""
    found = counts(states)
    parts = [f"{n} {state}" for state, n in found.items() if state != IDLE] + [f"{found[IDLE]} {IDLE}"]
    return " · ".join([f"{len(states)} learner{'s' if len(states) != 1 else ''}", *parts])


def top_runs(classes: Classes, code: str, names: dict[str, str]) -> list[tuple[str, RunRecord]]:
    """The best scored run of each learner this round, with its curves: the TOP_RUNS best, best first."""
    best: dict[str, RunRecord] = {}
    for run in classes.runs_this_round(code, with_history=False):
        if run.test_accuracy is not None and (run.learner not in best
                                              or run.test_accuracy > best[run.learner].test_accuracy):
            best[run.learner] = run
    ranked, found = sorted(best.values(), key=lambda run: -run.test_accuracy)[:TOP_RUNS], []
    for run in ranked:
        try:
            found.append((names.get(run.learner, run.nickname), classes.store.get_run(run.run_id)))
        except StoreError:  # pruned since it was listed: the wall shows the others
            continue
    return found
