"""A training run in a background thread, observed through a thread-safe job.

The training thread writes through the `Recorder` methods; any other thread
(a Streamlit fragment, the CLI) reads an immutable `JobSnapshot`. One lock
guards every field, so a reader never sees a half-written update.
"""
from __future__ import annotations

import dataclasses
import errno
import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable

import torch

from core.compare import best_per_arch
from core.config import TrainConfig
from core.data import Mnist
from core.engine import EpochMetrics, FitResult, fit
from core.settings import STORE_MAX_MB_ENV, bounded_setting, store_max_runs, torch_threads
from core.store import RunStore

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, DIVERGED, FAILED = (
    "queued", "running", "finished", "stopped", "diverged", "failed")
TERMINAL = frozenset({FINISHED, STOPPED, DIVERGED, FAILED})
_job_numbers = itertools.count(1)


def save_failure(exc: BaseException) -> str:
    """Why a model file could not be written, in words (torch's own text names C++ files)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "enforce fail" in str(exc) or "No space" in str(exc):
        return "the disk is full"
    if isinstance(exc, PermissionError) or "Read-only" in str(exc) or "readonly" in str(exc):
        return "the store folder is read-only"
    return type(exc).__name__


def return_freed_memory_to_the_os() -> bool:
    """Hand the pages glibc holds free back to the OS (malloc_trim), once a training ends.

    Each training runs on a thread of its own, and glibc keeps what such threads freed in
    heaps of their own, so a server that trained many models in turn kept growing: in
    bench.soak its RSS grew by 1,030-1,070 MB over trainings estimated at 690 MB (figures
    with and without this in docs/benchmarks.md). Trimming between trainings costs them
    nothing; true where it applied (Linux with glibc), elsewhere a no-op."""
    try:
        import ctypes
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):  # not glibc
        return False


def use_one_torch_thread() -> None:
    """For a long-lived thread that starts jobs but does no heavy tensor work (the CLI's
    main thread, a benchmark driver): call it before its first tensor operation.

    libgomp, PyTorch's OpenMP, keeps a pool of worker threads for every thread that
    ever ran a parallel operation. Once the pools hold more threads than there are
    cores, every pool sleeps between operations instead of spin-waiting: a training
    thread started by a main thread that had loaded the data ran 1.6-1.9x slower here
    (22,000 context switches in half an MLP epoch, against 1; docs/benchmarks.md).
    With one torch thread this thread never makes a pool. Short-lived threads, such
    as Streamlit's script runs, take their pool with them when they end."""
    torch.set_num_threads(1)
    # Reading it settles this thread's count now; otherwise the thread would take the
    # process-wide count (set by the next job) on its first operation.
    torch.get_num_threads()


@dataclass(frozen=True)
class JobSnapshot:
    job_id: str
    status: str
    message: str
    config: TrainConfig
    run_id: str | None                          # set once the store has a row for it
    param_count: int | None
    train_points: tuple[tuple[int, float], ...]  # (examples seen, mean train loss since last point)
    epochs: tuple[EpochMetrics, ...]             # epoch 0 is the untrained model
    examples_seen: int
    total_examples: int
    train_seconds: float
    test_accuracy: float | None                  # of the final weights, once done
    test_loss: float | None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def progress(self) -> float:
        return min(self.examples_seen / self.total_examples, 1.0) if self.total_examples else 0.0

    @property
    def examples_per_second(self) -> float:
        return self.examples_seen / self.train_seconds if self.train_seconds > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        rate = self.examples_per_second
        return (self.total_examples - self.examples_seen) / rate if rate and not self.done else None

    @property
    def current_epoch(self) -> int:
        per_epoch = self.total_examples // self.config.epochs if self.total_examples else 0
        return min(self.examples_seen // per_epoch + 1, self.config.epochs) if per_epoch else 0

    def history(self) -> dict:
        """Plain lists, as stored in checkpoints and the run database."""
        return {"train_points": [list(p) for p in self.train_points],
                "epochs": [vars(e).copy() for e in self.epochs]}


class TrainingJob:
    """Train `config` on `data` in a daemon thread; save the outcome to `store` if given."""

    def __init__(self, config: TrainConfig, data: Mnist, store: RunStore | None = None,
                 nickname: str = "", threads: int | None = None, learner: str = "") -> None:
        self.config = config.validate()
        self.learner = learner  # core.identity.learner_id of who asked for it; '' for the CLI
        self.in_sequence = False  # one part of a core.sequence.JobSequence, which holds the learner's place
        self.threads = threads or torch_threads()   # torch CPU threads of this training
        self.job_id = f"job-{next(_job_numbers)}"
        self._data, self._store, self._nickname = data, store, nickname
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._done_callbacks: list[Callable[["TrainingJob"], None]] = []
        self._thread: threading.Thread | None = None
        self._status, self._message = QUEUED, "Waiting to start."
        self._run_id: str | None = None
        self._param_count: int | None = None
        self._points: list[tuple[int, float]] = []
        self._epochs: list[EpochMetrics] = []
        self._seen = self._total = 0
        self._train_seconds = 0.0
        self.result: FitResult | None = None

    # -- control, from any thread ------------------------------------------------
    def start(self) -> "TrainingJob":
        self._thread = threading.Thread(target=self._run, name=self.job_id, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the training to stop; it does so before its next batch."""
        self._stop.set()
        with self._lock:
            cancelled = self._status == QUEUED
            if cancelled:
                self._status, self._message = STOPPED, "Cancelled before it started."
        if cancelled:
            if self._store is not None and self._run_id is not None:
                try:
                    self._store.finish_run(self._run_id, STOPPED, "Cancelled before it started.", {}, model=None,
                                           evaluation=None, train_seconds=0.0, examples_seen=0, started=time.time())
                except Exception:
                    log.exception("could not record the cancelled run %s", self._run_id)
            self._settle()

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        """Block until the job has ended (or `timeout` passed); a queued job waits for its turn too."""
        self._done.wait(timeout)
        if self._thread is not None and self._done.is_set():
            self._thread.join(timeout)  # the thread's last step (saving) is behind the status
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

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            final = self.result.evaluation if self.result and self._status in TERMINAL else None
            return JobSnapshot(
                self.job_id, self._status, self._message, self.config, self._run_id,
                self._param_count, tuple(self._points), tuple(self._epochs), self._seen,
                self._total, self._train_seconds,
                final.accuracy if final else None, final.loss if final else None)

    # -- Recorder, called by the training thread -----------------------------------
    def should_stop(self) -> bool:
        return self._stop.is_set()

    def on_start(self, total_examples: int, param_count: int) -> None:
        with self._lock:
            self._total, self._param_count = total_examples, param_count

    def on_train_point(self, examples_seen: int, loss: float, train_seconds: float) -> None:
        with self._lock:
            self._points.append((examples_seen, loss))
            self._seen, self._train_seconds = examples_seen, train_seconds

    def on_epoch(self, metrics: EpochMetrics) -> None:
        with self._lock:
            self._epochs.append(metrics)
            self._seen, self._train_seconds = metrics.examples_seen, metrics.train_seconds

    # -- the thread ------------------------------------------------------------------
    def record_queued(self) -> None:
        """Give the job its row in the store now, as `queued`: a server that stops before the
        job starts leaves a trace (core.store.RunStore.mark_interrupted calls it cancelled)."""
        if self._store is not None and self._run_id is None:
            run_id = self._store.begin_run(self.config, nickname=self._nickname, learner=self.learner,
                                           status=QUEUED)
            with self._lock:
                self._run_id = run_id

    def _run(self) -> None:
        with self._lock:
            if self._status != QUEUED:  # cancelled while queued
                return
            self._status, self._message = RUNNING, "Training…"
        started = time.time()
        try:
            torch.set_num_threads(self.threads)  # this thread's pool; see use_one_torch_thread
            if self._store is not None:
                self.record_queued()  # a job started without the queue (the CLI) gets its row here
                self._store.mark_running(self._run_id)
            result = fit(self.config, self._data, self)
        except Exception as exc:  # the thread must end with a status, never silently
            log.exception("training job %s failed", self.job_id)
            self._finish(FAILED, f"Training failed: {type(exc).__name__}: {exc}", None, started)
            return
        self._finish(result.status, result.message, result, started)

    def _prune_store(self) -> None:
        """Keep the store within $DIGITS_STORE_MAX_RUNS runs and $DIGITS_STORE_MAX_MB of model
        files: never this run, a live one, or the best of an architecture (Draw and Compare
        show those)."""
        try:
            keep = {self._run_id, *best_per_arch(self._store.list_runs(with_history=False)).values()}
            self._store.prune(store_max_runs(), keep=keep, max_bytes=bounded_setting(STORE_MAX_MB_ENV) * 2**20)
        except Exception:  # pruning is housekeeping: it must never fail a training
            log.exception("could not prune the run store")

    def _finish(self, status: str, message: str, result: FitResult | None, started: float) -> None:
        if self._store is not None and self._run_id is not None:
            snapshot = self.snapshot()
            try:
                self._store.finish_run(self._run_id, status, message, snapshot.history(),
                                       model=result.model if result else None,
                                       evaluation=result.evaluation if result else None,
                                       train_seconds=result.train_seconds if result else snapshot.train_seconds,
                                       examples_seen=snapshot.examples_seen, started=started)
            except Exception as exc:  # a full or read-only disk: the run fails, saying why
                log.exception("could not save run %s", self._run_id)
                status, message = FAILED, f"Trained, but the model could not be saved ({save_failure(exc)})."
                try:
                    self._store.finish_run(self._run_id, status, message, snapshot.history(), model=None,
                                           evaluation=None, train_seconds=snapshot.train_seconds,
                                           examples_seen=snapshot.examples_seen, started=started)
                except Exception:  # the database cannot be written either: the next start marks it
                    log.exception("could not mark run %s failed", self._run_id)
            self._prune_store()
        with self._lock:
            self.result = result
            if result is not None:
                self._train_seconds = result.train_seconds
            self._status, self._message = status, message
        self._settle()
