"""The store listens to a job: a row when it queues, the model when it ends, pruning after.

`RunKeeper` is a core.jobs.job.JobObserver. The job trains and knows nothing of the store;
the keeper records it, and turns an outcome whose model cannot be written (a full or
read-only disk) into a failure that says why. As the job ends, after its training time was
taken, the keeper tests the model on the bent digits once, so that Compare reads the figure
from the run instead of bending the test set and evaluating every model it opens.
"""
from __future__ import annotations

import errno
import logging
import time

from core.analysis.compare import best_on_every_dataset
from core.config.settings import settings
from core.data.loading import Dataset
from core.jobs.job import TrainingJob
from core.jobs.snapshot import Outcome
from core.models.architectures import architecture
from core.models.robustness import bent_accuracy
from core.store.runs import RowUnwritten, RunStore
from core.training.config import TrainConfig
from core.training.status import Status

log = logging.getLogger(__name__)
ROW_LATER = ("The model is saved; the database did not answer, so this run appears in the lists once it "
             "does.")
PROGRESS_SECONDS = 2.0  # how often a training's progress reaches its row, for pages of other replicas


def save_failure(exc: BaseException) -> str:
    """Why a model file could not be written, in words (torch's own text names C++ files)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "enforce fail" in str(exc) or "No space" in str(exc):
        return "the disk is full"
    if isinstance(exc, PermissionError) or "Read-only" in str(exc) or "readonly" in str(exc):
        return "the store folder is read-only"
    return type(exc).__name__


class RunKeeper:
    """Records one job in `store` under `nickname` and the job's learner; with `claimed_run`,
    records it in a row another process queued and this one has claimed (a cluster worker's)."""

    def __init__(self, store: RunStore, nickname: str = "", claimed_run: str | None = None) -> None:
        self.store, self.nickname = store, nickname
        self.run_id: str | None = claimed_run
        self._claimed = claimed_run is not None
        self._progress_at = time.monotonic()

    def job_queued(self, job: TrainingJob) -> None:
        if not self._claimed:
            self.run_id = self.store.begin_run(job.config, nickname=self.nickname, learner=job.learner,
                                               status=Status.QUEUED, class_code=job.class_code)
        job.attach_run(self.run_id)

    def job_started(self, job: TrainingJob) -> None:
        if not self._claimed and not self.store.mark_running(self.run_id):
            job.stop()  # its row was ended meanwhile (another replica cancelled it): train no further

    def job_progress(self, job: TrainingJob) -> None:
        if self.run_id is None or time.monotonic() - self._progress_at < PROGRESS_SECONDS:
            return
        self._progress_at = time.monotonic()
        snap = job.snapshot()
        self.store.record_progress(self.run_id, snap.examples_seen, snap.total_examples, snap.train_seconds)

    def job_ending(self, job: TrainingJob, outcome: Outcome) -> Outcome:
        if self.run_id is None or outcome.recorded:  # never queued, or a cluster worker recorded it
            return outcome
        snap, result = job.snapshot(), outcome.result
        try:
            self.store.finish_run(self.run_id, outcome.status, outcome.message, snap.history,
                                  model=result.model if result else None,
                                  evaluation=result.evaluation if result else None,
                                  train_seconds=result.train_seconds if result else snap.train_seconds,
                                  examples_seen=snap.examples_seen, started=outcome.started,
                                  trainings_at_once=snap.trainings_at_once, config=job.config.to_dict(),
                                  bent_accuracy=self.bent_accuracy(job, outcome))
        except RowUnwritten:  # the model file is saved: the store writes the row when the database is back
            log.warning("run %s: model saved, its row waits for the database", self.run_id)
            return Outcome(outcome.status, f"{outcome.message} {ROW_LATER}".strip(), result, outcome.started)
        except Exception as exc:  # a full or read-only disk: the run fails, saying why
            log.exception("could not save run %s", self.run_id)
            outcome = Outcome(Status.FAILED, f"Trained, but the model could not be saved ({save_failure(exc)}).",
                              result, outcome.started)
            try:
                self.store.finish_run(self.run_id, outcome.status, outcome.message, snap.history, model=None,
                                      evaluation=None, train_seconds=snap.train_seconds,
                                      examples_seen=snap.examples_seen, started=outcome.started)
            except Exception:  # the database cannot be written either: the next start marks it
                log.exception("could not mark run %s failed", self.run_id)
        self.prune()
        return outcome

    def bent_accuracy(self, job: TrainingJob, outcome: Outcome) -> float | None:
        """The kept model's accuracy on the bent test digits; None without a model, or when it
        cannot be measured (a figure Compare can still work out must never fail the run)."""
        model = outcome.result.model if outcome.result else None
        if model is None:
            return None
        try:
            return bent_accuracy(model, job.data.test, architecture(job.config.arch).eval_batch_size)
        except Exception:
            log.exception("run %s: could not test the model on bent digits", self.run_id)
            return None

    def prune(self) -> None:
        """Keep the store within $DIGITS_STORE_MAX_RUNS runs and $DIGITS_STORE_MAX_MB of model
        files: never this run, a live one, or the best of an architecture on a dataset (Draw
        and Compare show those)."""
        try:
            limits = settings()
            keep = {self.run_id, *best_on_every_dataset(self.store.list_runs(with_history=False))}
            self.store.prune(limits.store_max_runs, keep=keep, max_bytes=limits.store_max_mb * 2**20)
        except Exception:  # pruning is housekeeping: it must never fail a training
            log.exception("could not prune the run store")


def stored_job(config: TrainConfig, data: Dataset, store: RunStore | None = None, nickname: str = "",
               learner: str = "", threads: int | None = None, class_code: str = "") -> TrainingJob:
    """A job whose run is kept in `store` (None: a job that keeps nothing)."""
    observers = (RunKeeper(store, nickname),) if store is not None else ()
    return TrainingJob(config, data, observers, threads=threads, learner=learner, class_code=class_code)
