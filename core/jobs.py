"""A training run in a background thread, observed through a thread-safe job.

The training thread writes through the `Recorder` methods; any other thread
(a Streamlit fragment, the CLI) reads an immutable `JobSnapshot`. One lock
guards every field, so a reader never sees a half-written update. The job keeps
nothing itself: observers (core.run_keeper.RunKeeper saves runs to the store)
hear when it queues, starts and ends, and may turn its outcome into a failure.

A job trains in its own process unless it has an `executor` (core.cluster's, which
trains it on a Ray worker): then the job mirrors the worker's snapshots, and its stop
reaches the worker, so every page reads and stops it the same way.
"""
from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
import time
from typing import Callable, Protocol

import torch

from core.config import TrainConfig
from core.data import Dataset
from core.engine import FitResult, fit
from core.history import EpochMetrics, History
from core.job_snapshot import JobSnapshot, Outcome
from core.settings import settings, usable_cores
from core.status import Status

log = logging.getLogger(__name__)
_job_numbers = itertools.count(1)
_training_lock = threading.Lock()
_trainings = 0  # jobs of this process in fit() now: they share its CPU


def trainings_now() -> int:
    """How many jobs of this process are training at this moment."""
    return _trainings


def _count_training(change: int) -> None:
    global _trainings
    with _training_lock:
        _trainings += change


class Executor(Protocol):
    def train(self, job: "TrainingJob", started: float) -> Outcome:
        """Train `job` elsewhere until it ends, calling job.mirror() with its progress and
        passing job.should_stop() on; return how it ended."""


class JobObserver(Protocol):
    def job_queued(self, job: "TrainingJob") -> None: ...
    def job_started(self, job: "TrainingJob") -> None: ...
    def job_ending(self, job: "TrainingJob", outcome: Outcome) -> Outcome:
        """Called on the ending thread before the outcome is published; returns it, or a failure."""
    # optional: job_progress(job), on the training thread at each loss point


def return_freed_memory_to_the_os() -> bool:
    """Hand the pages glibc holds free back to the OS (malloc_trim), once a training ends.

    glibc keeps what each training's thread freed in heaps of its own: without this a
    server's RSS grew by 1,030-1,070 MB in bench.soak (docs/benchmarks.md). Trimming
    between trainings costs them nothing; true where it applied (glibc), else a no-op."""
    try:
        import ctypes
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):  # not glibc
        return False


def use_one_torch_thread() -> None:
    """For a long-lived thread that starts jobs but does no heavy tensor work (the CLI's
    main thread, a benchmark driver): call it before its first tensor operation.

    libgomp keeps a pool of worker threads for every thread that ever ran a parallel
    operation; once the pools outnumber the cores, every pool sleeps between operations:
    a training started by a main thread that had loaded the data ran 1.6-1.9x slower
    (docs/benchmarks.md). With one torch thread this thread never makes a pool; Streamlit's
    short-lived script threads take theirs with them when they end."""
    torch.set_num_threads(1)
    # Reading it settles this thread's count now; otherwise the thread would take the
    # process-wide count (set by the next job) on its first operation.
    torch.get_num_threads()


class TrainingJob:
    """Train `config` on `data` in a daemon thread, telling `observers` as it goes."""

    def __init__(self, config: TrainConfig, data: Dataset, observers: tuple[JobObserver, ...] = (),
                 threads: int | None = None, learner: str = "", class_code: str = "") -> None:
        self.config = config
        self.learner = learner  # core.identity.learner_id of who asked for it; '' for the CLI
        self.class_code = class_code  # the class (core.classes) it trains in; '' for none
        self.queued_at: float | None = None   # time.time() when it joined a queue
        self.started_at: float | None = None  # and when it began to train
        self.in_sequence = False  # one part of a core.sequence.JobSequence, which holds the learner's place
        self.executor: Executor | None = None  # None: trains in this process (a queue sets its own)
        self.threads = threads or settings().torch_threads or usable_cores()   # torch CPU threads of this training
        self.job_id = f"job-{next(_job_numbers)}"
        self._data, self._observers = data, tuple(observers)
        self._queued_told = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.cancelled_message = "Cancelled before it started."  # what it ends with if stopped before it trains
        self._done = threading.Event()
        self._settled = threading.Event()  # ended, and every done callback has run
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
        self._seen = self._total = 0
        self._train_seconds = 0.0
        self.result: FitResult | None = None

    # -- control, from any thread ------------------------------------------------
    def start(self) -> "TrainingJob":
        """Train in a thread of its own (the CLI, tests); a queue runs `run` on its slots' threads."""
        self._thread = threading.Thread(target=self.run, name=self.job_id, daemon=True)
        self._thread.start()
        return self

    def stop(self, cancelled_message: str = "Cancelled before it started.") -> None:
        """Ask the training to stop; it does so before its next batch. A job still queued
        ends at once, as stopped, with `cancelled_message`."""
        self.cancelled_message = cancelled_message
        self._stop.set()
        with self._lock:
            cancelled = self._status == Status.QUEUED
            if cancelled:  # claimed under the lock: the thread, if it starts, sees it and returns
                self._status, self._message = Status.STOPPED, cancelled_message
        if cancelled:
            self._finish(Outcome(Status.STOPPED, cancelled_message, None, time.time()))

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
        return self._stop.is_set()

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

    def run(self) -> None:
        """Train on the calling thread until the job ends (at once if it was cancelled)."""
        with self._lock:
            if self._status != Status.QUEUED:  # cancelled while queued
                return
            self._status, self._message = Status.RUNNING, "Training…"
            started = self.started_at = time.time()
        if self.executor is not None:
            self.record_queued()  # a job started without a queue (the CLI) gets its row here
            self._train_elsewhere(started)
            return
        try:
            torch.set_num_threads(self.threads)  # this thread's pool; see use_one_torch_thread
            self.record_queued()  # a job started without a queue (the CLI) is told here
            for observer in self._observers:
                observer.job_started(self)
            _count_training(+1)
            try:
                result = fit(self.config, self._data, self)
            finally:
                _count_training(-1)
        except Exception as exc:  # the thread must end with a status, never silently
            log.exception("training job %s failed", self.job_id)
            self._finish(Outcome(Status.FAILED, f"Training failed: {type(exc).__name__}: {exc}", None, started))
            return
        self._finish(Outcome(result.status, result.message, result, started))

    def follow(self) -> "TrainingJob":
        """Follow, on a thread of its own, a training its executor already runs for the
        attached run (one another app replica started): as `start`, without training anew."""
        with self._lock:
            self._status, self._message = Status.RUNNING, "Training…"
            started = self.started_at = time.time()
        self._thread = threading.Thread(target=self._train_elsewhere, args=(started, True), name=self.job_id,
                                        daemon=True)
        self._thread.start()
        return self

    def _train_elsewhere(self, started: float, adopted: bool = False) -> None:
        try:
            outcome = (self.executor.adopt if adopted else self.executor.train)(self, started)
        except Exception as exc:  # the executor could not even hand it over: the job fails, saying why
            log.exception("executor of %s failed", self.job_id)
            outcome = Outcome(Status.FAILED, f"Training could not start on the cluster: {type(exc).__name__}: {exc}",
                              None, started)
        self._finish(outcome)

    def _finish(self, outcome: Outcome) -> None:
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
