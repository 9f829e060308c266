"""A training run in a background thread, observed through a thread-safe job.

The training thread writes through the `Recorder` methods; any other thread
(a Streamlit fragment, the CLI) reads an immutable `JobSnapshot`. One lock
guards every field, so a reader never sees a half-written update. The job keeps
nothing itself: observers (core.jobs.run_keeper.RunKeeper saves runs to the store)
hear when it queues, starts and ends, and may turn its outcome into a failure.

A job trains through its `executor`: LocalExecutor on the calling thread, or on a Ray worker
(core.jobs.ray_executor) whose snapshots it mirrors and whose training its stop reaches.
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import threading
import time
from typing import Callable, Protocol

import torch

from core.config.settings import settings, usable_cores
from core.data.loading import Dataset
from core.jobs.snapshot import JobSnapshot, Outcome, stopped_outcome
from core.jobs.threads import MemoryGrowth, count_training, trainings_now
from core.training.budget import BASE_MB
from core.training.config import TrainConfig
from core.training.engine import FitResult, fit
from core.training.history import EpochMetrics, History
from core.training.limits import memory_limit_message, time_limit_message
from core.training.status import CANCELLED_BEFORE_START, Status

log = logging.getLogger(__name__)
_job_numbers = itertools.count(1)


class Executor(Protocol):
    """Where a job trains: this process (LocalExecutor) or a Ray cluster (core.jobs.ray_executor)."""

    failure: str   # how a training that raised is reported, before the exception's own words
    remote: bool   # its trainings outlive this process, and other app processes can follow them

    def train(self, job: "TrainingJob", started: float) -> Outcome:
        """Train `job` to its end, feeding its Recorder methods (or job.mirror()), honouring its should_stop()."""

    def is_training(self, run_id: str) -> bool:
        """Whether this executor trains the stored run `run_id` now, for any app process."""

    def adopt(self, job: "TrainingJob", started: float) -> Outcome:
        """Follow, as train() does, a training is_training() found (another replica started it)."""


class LocalExecutor:
    """Trains on the calling thread of this process, with the job's torch threads."""

    failure = "Training failed"
    remote = False

    def train(self, job: "TrainingJob", started: float) -> Outcome:
        torch.set_num_threads(job.threads)  # this thread's pool; see core.jobs.threads.use_one_torch_thread
        job.tell_started()
        count_training(+1)
        try:
            result = fit(job.config, job.data, job)
        finally:
            count_training(-1)
        return Outcome(result.status, result.message, result, started)

    def is_training(self, run_id: str) -> bool:
        return False  # a run another process trains locally cannot be followed from here

    def adopt(self, job: "TrainingJob", started: float) -> Outcome:
        raise RuntimeError("trainings of another process cannot be followed without a cluster")


LOCAL = LocalExecutor()


class JobObserver(Protocol):
    def job_queued(self, job: "TrainingJob") -> None: ...
    def job_started(self, job: "TrainingJob") -> None: ...
    def job_ending(self, job: "TrainingJob", outcome: Outcome) -> Outcome:
        """Called on the ending thread before the outcome is published; returns it, or a failure."""
    # optional: job_progress(job), on the training thread at each loss point


class TrainingJob:
    """Train `config` on `data` in a daemon thread, telling `observers` as it goes."""

    def __init__(self, config: TrainConfig, data: Dataset, observers: tuple[JobObserver, ...] = (),
                 threads: int | None = None, learner: str = "", class_code: str = "") -> None:
        self.config = config
        self.learner = learner  # core.store.learners.learner_id of who asked for it; '' for the CLI
        self.class_code = class_code  # the class (core.classroom.classes) it trains in; '' for none
        self.address = ""  # the client address it was asked from (core.store.learners.visitor_address); '' unknown
        self.queued_at: float | None = None   # time.time() when it joined a queue
        self.started_at: float | None = None  # and when it began to train
        self.in_sequence = False  # one part of a core.jobs.sequence.JobSequence, which holds the learner's place
        self.executor: Executor = LOCAL  # where it trains (a queue sets its own)
        self.time_limit: float | None = None  # wall-clock seconds it may train, then it stops as at a Stop
        self.memory_limit: float | None = None  # MB it may reach, the process's base (BASE_MB) included; likewise
        self._limit_reached: Callable[[int], str] | None = None  # which it reached: words it from examples seen
        self._memory = MemoryGrowth()  # the process's, since it began to train
        self.threads = threads or settings().torch_threads or usable_cores()   # torch CPU threads of this training
        self.job_id = f"job-{next(_job_numbers)}"
        self.data, self._observers = data, tuple(observers)
        self._queued_told = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.cancelled_message = CANCELLED_BEFORE_START  # what it ends with if stopped before it trains
        self._done, self._settled = threading.Event(), threading.Event()  # ended; and every done callback ran
        self._done_callbacks: list[Callable[["TrainingJob"], None]] = []
        self._thread: threading.Thread | None = None
        self._status, self._message = Status.QUEUED, "Waiting to start."
        self._run_id: str | None = None
        self._param_count: int | None = None
        self._points: list[tuple[int, float]] = []
        self._epochs: list[EpochMetrics] = []
        self._probes: list[tuple[int, float]] = []
        self._checks: list[tuple[int, float, float]] = []
        self._load: list[int] = []  # trainings_now() at each loss point: the speed's context
        self._seen, self._total, self._train_seconds = 0, 0, 0.0
        self.result: FitResult | None = None

    # -- control, from any thread ------------------------------------------------
    def start(self) -> "TrainingJob":
        """Train in a thread of its own (the CLI, tests); a queue runs `run` on its slots' threads."""
        self._thread = threading.Thread(target=self.run, name=self.job_id, daemon=True)
        self._thread.start()
        return self

    def stop(self, cancelled_message: str = CANCELLED_BEFORE_START) -> None:
        """Ask the training to stop; it does so before its next batch. A job still queued
        ends at once, cancelled, with `cancelled_message`."""
        self.cancelled_message = cancelled_message
        self._stop.set()
        with self._lock:
            cancelled = self._status == Status.QUEUED
            if cancelled:  # claimed under the lock: the thread, if it starts, sees it and returns
                self._status, self._message = Status.CANCELLED, cancelled_message
        if cancelled:
            self._finish(Outcome(Status.CANCELLED, cancelled_message, None, time.time()))

    @property
    def stop_requested(self) -> bool:
        """Stop was asked for: a running job is finishing its batch, testing and saving."""
        return self._stop.is_set()

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        """Block until the job has ended (or `timeout` passed); a queued job waits for its turn too."""
        self._settled.wait(timeout)  # after the done callbacks too: the queue has let the job go
        return self.snapshot()

    def release_model(self) -> None:
        """Drop the trained weights from memory (the store keeps them); the evaluation stays.
        A server that remembers many learners' ended jobs must not keep every model."""
        with self._lock:
            if self.result is not None and self.result.model is not None:
                self.result = dataclasses.replace(self.result, model=None)

    def add_done_callback(self, callback: Callable[["TrainingJob"], None]) -> None:
        """Call `callback(job)` once the job has ended (at once if it has), on the ending thread."""
        with self._lock:
            if not self._done.is_set():
                self._done_callbacks.append(callback)
                return
        callback(self)

    def _settle(self) -> None:
        with self._lock:
            self._done.set()
            callbacks, self._done_callbacks = self._done_callbacks, []
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # a broken observer must not take the job's thread down with it
                log.exception("done callback of %s failed", self.job_id)
        self._settled.set()

    def attach_run(self, run_id: str) -> None:
        """The id of the stored run that records this job (an observer's)."""
        with self._lock:
            self._run_id = run_id

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            final = self.result.evaluation if self.result and self._status.done else None
            return JobSnapshot(
                self.job_id, self._status, self._message, self.config, self._run_id, self._param_count,
                History(tuple(self._points), tuple(self._epochs), tuple(self._probes), tuple(self._checks)),
                self._seen, self._total, self._train_seconds,
                final.accuracy if final else None, final.loss if final else None,
                sum(self._load) / len(self._load) if self._load else None)

    # -- Recorder, called by the training thread -----------------------------------
    def should_stop(self) -> bool:
        """A Stop was asked for, or the training ran past its time or memory limit (asked before every batch)."""
        if not self._stop.is_set() and self.started_at is not None:
            if self.time_limit is not None and time.time() - self.started_at > self.time_limit:
                self._reach_limit(functools.partial(time_limit_message, self.time_limit))
            # measured as the estimate counts it: the process's base and what the training added
            elif self.memory_limit is not None and BASE_MB + self._memory.megabytes() > self.memory_limit:
                self._reach_limit(functools.partial(memory_limit_message, self.memory_limit))
        return self._stop.is_set()

    def _reach_limit(self, words: Callable[[int], str]) -> None:
        self._limit_reached = words
        self._stop.set()

    def on_start(self, total_examples: int, param_count: int) -> None:
        with self._lock:
            self._total, self._param_count = total_examples, param_count

    def on_train_point(self, examples_seen: int, loss: float, train_seconds: float) -> None:
        with self._lock:
            self._points.append((examples_seen, loss))
            self._load.append(trainings_now())
            self._seen, self._train_seconds = examples_seen, train_seconds
        for observer in self._observers:
            try:
                getattr(observer, "job_progress", lambda job: None)(self)
            except Exception:  # progress is for other viewers: never a reason to stop training
                log.exception("progress observer of %s failed", self.job_id)

    def on_probe(self, examples_seen: int, accuracy: float) -> None:
        with self._lock:
            self._probes.append((examples_seen, accuracy))

    def on_check(self, examples_seen: int, train_seconds: float, accuracy: float) -> None:
        with self._lock:
            self._checks.append((examples_seen, train_seconds, accuracy))

    def on_epoch(self, metrics: EpochMetrics) -> None:
        with self._lock:
            self._epochs.append(metrics)
            self._seen, self._train_seconds = metrics.examples_seen, metrics.train_seconds

    def mirror(self, snap: JobSnapshot) -> None:
        """Take the progress of the same training elsewhere (an executor's worker) as this job's."""
        history = snap.history
        with self._lock:
            if self._status.done:
                return
            self._points, self._epochs = list(history.train_points), list(history.epochs)
            self._probes, self._checks = list(history.probes), list(history.checks)
            self._seen, self._total, self._train_seconds = snap.examples_seen, snap.total_examples, snap.train_seconds
            self._param_count = snap.param_count
            if snap.trainings_at_once is not None:
                self._load = [snap.trainings_at_once]

    # -- the thread ------------------------------------------------------------------
    def record_queued(self) -> None:
        """Tell the observers the job joined a queue, once (the store gives it a row now, so
        a server that stops before its turn leaves a trace)."""
        with self._lock:
            told, self._queued_told = self._queued_told or self._status.done, True  # an ended job leaves no row
            self.queued_at = self.queued_at or time.time()
        if not told:
            for observer in self._observers:
                observer.job_queued(self)

    def tell_started(self) -> None:
        """Tell the observers the job is about to train here (an executor's, before fit)."""
        for observer in self._observers:
            observer.job_started(self)

    def run(self) -> None:
        """Train through the executor on the calling thread until the job ends (at once if it
        was cancelled)."""
        with self._lock:
            if self._status != Status.QUEUED:  # cancelled while queued
                return
            self._status, self._message = Status.RUNNING, "Training…"
            started = self.started_at = time.time()
        self._memory.begin()
        self._train(started)

    def follow(self) -> "TrainingJob":
        """Follow, on a thread of its own, a training its executor already runs for the
        attached run (one another app replica started): as `start`, without training anew."""
        with self._lock:
            self._status, self._message = Status.RUNNING, "Training…"
            started = self.started_at = time.time()
        self._thread = threading.Thread(target=self._train, args=(started, True), name=self.job_id, daemon=True)
        self._thread.start()
        return self

    def _train(self, started: float, adopted: bool = False) -> None:
        try:
            if not adopted:
                self.record_queued()  # a job started without a queue (the CLI) gets its row here
            outcome = (self.executor.adopt if adopted else self.executor.train)(self, started)
        except Exception as exc:  # the thread must end with a status, never silently
            log.exception("training job %s failed", self.job_id)
            kind = "" if getattr(exc, "one_sentence", False) else f"{type(exc).__name__}: "
            outcome = Outcome(Status.FAILED, f"{self.executor.failure}: {kind}{exc}", None, started)
        self._finish(outcome)

    def _finish(self, outcome: Outcome) -> None:
        outcome = stopped_outcome(outcome, self._seen, self._limit_reached)
        for observer in self._observers:
            try:
                outcome = observer.job_ending(self, outcome)
            except Exception:  # an observer must not leave the job unfinished
                log.exception("observer %r of %s failed", observer, self.job_id)
        with self._lock:
            self.result = outcome.result
            if outcome.result is not None:
                self._train_seconds = outcome.result.train_seconds
            self._status, self._message = outcome.status, outcome.message
        self._settle()
