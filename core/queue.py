"""One training queue per server process, for workshops and hosted demos.

Streamlit runs every browser session as a thread of one process, so thirty learners
pressing Start at once would otherwise start thirty trainings on a few cores. All jobs go
through `TrainingQueue`: at most `slots` train at once, each with its share of the
cores as torch threads, the others wait in order. Limits come from the environment
(`queue_limits`), so a host sets them without touching code.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from core.config import TrainConfig
from core.jobs import TrainingJob
from core.ranges import ConfigError
from core.settings import TORCH_THREADS_ENV, usable_cores, whole_number

SLOTS_ENV = "DIGITS_QUEUE_SLOTS"              # trainings at once; default: one per 2 cores
PER_SESSION_ENV = "DIGITS_JOBS_PER_SESSION"   # queued + running per session; default 1
MAX_EPOCHS_ENV = "DIGITS_MAX_EPOCHS"          # hosted-demo caps; default: none
MAX_CNN_CHANNELS_ENV = "DIGITS_MAX_CNN_CHANNELS"
# Examples/s of each architecture's default preset on 2 cores (docs/benchmarks.md),
# for waiting-time estimates until this process has timed its own trainings.
MEASURED_RATES = {"logistic": 170_000.0, "mlp": 30_000.0, "cnn": 4_600.0}
FULL_TRAIN_SET = 60_000


class LimitError(ConfigError):
    """A training this server's limits do not allow; the message says which limit."""


@dataclass(frozen=True)
class QueueLimits:
    slots: int = 1                        # trainings at once
    threads_per_job: int = 2              # torch threads of each
    per_session: int = 1                  # queued + running trainings one session may have
    max_epochs: int | None = None         # None: the config's own range
    max_cnn_channels: int | None = None   # widest conv layer allowed; None: no cap


def queue_limits() -> QueueLimits:
    """The limits set in the environment (see the README's settings table)."""
    cores = usable_cores()
    slots = whole_number(SLOTS_ENV, max(1, cores // 2), 1, 64)
    return QueueLimits(slots=slots,
                       # $DIGITS_TORCH_THREADS wins; else the cores shared out between the slots
                       threads_per_job=whole_number(TORCH_THREADS_ENV, max(1, cores // slots), 1, 256),
                       per_session=whole_number(PER_SESSION_ENV, 1, 1, 100),
                       max_epochs=whole_number(MAX_EPOCHS_ENV, None, 1, 1000),
                       max_cnn_channels=whole_number(MAX_CNN_CHANNELS_ENV, None, 1, 1024))


@dataclass(frozen=True)
class Place:
    """Where a job stands: `ahead` jobs before it (0 when it trains), and a rough wait."""
    running: bool
    ahead: int
    wait_seconds: float | None


class TrainingQueue:
    def __init__(self, limits: QueueLimits | None = None) -> None:
        self.limits = limits or queue_limits()
        self._lock = threading.Lock()
        self._waiting: list[TrainingJob] = []   # in order; each job's session is `job.session`
        self._running: list[TrainingJob] = []
        self._rates: dict[str, float] = {}  # examples/s seen here, per architecture

    def check(self, config: TrainConfig, session: str) -> None:
        """Raise LimitError if `session` may not start `config` now."""
        self._check_size(config)
        with self._lock:
            self._check_share(session)

    def submit(self, job: TrainingJob) -> TrainingJob:
        """Queue `job` for its session (`job.session`); it starts when a slot is free."""
        self._check_size(job.config)
        job.threads = self.limits.threads_per_job
        with self._lock:
            self._check_share(job.session)  # under the same lock as the append: two quick clicks queue one job
            self._waiting.append(job)
        self._dispatch()
        return job

    def _check_size(self, config: TrainConfig) -> None:
        caps = self.limits
        if caps.max_epochs is not None and config.epochs > caps.max_epochs:
            raise LimitError(f"This server allows at most {caps.max_epochs} epochs per training.")
        channels = getattr(config.model, "channels", None)
        if caps.max_cnn_channels is not None and channels and max(channels) > caps.max_cnn_channels:
            raise LimitError(f"This server allows CNN layers of at most {caps.max_cnn_channels} channels.")

    def _check_share(self, session: str) -> None:  # with self._lock held
        mine = sum(1 for job in self._waiting + self._running if job.session == session)
        if mine >= self.limits.per_session:
            raise LimitError("You already have a training queued or running: wait for it, or stop it first.")

    def cancel(self, job: TrainingJob) -> None:
        """Stop a running job, or take a waiting one out of the queue."""
        with self._lock:
            self._waiting = [j for j in self._waiting if j is not job]
        job.stop()

    def place(self, job: TrainingJob) -> Place | None:
        """None once the job has left the queue (finished, stopped, or never queued here)."""
        with self._lock:
            if job in self._running:
                return Place(True, 0, 0.0)
            if job not in self._waiting:
                return None
            ahead = self._waiting[:self._waiting.index(job)] + self._running
        seconds = [self._remaining_seconds(j) for j in ahead]
        wait = None if None in seconds else sum(seconds) / self.limits.slots
        return Place(False, len(ahead), wait)

    def jobs_of(self, session: str) -> list[TrainingJob]:
        with self._lock:
            return [job for job in self._running + self._waiting if job.session == session]

    def counts(self) -> tuple[int, int]:
        """(running, waiting)."""
        with self._lock:
            return len(self._running), len(self._waiting)

    def _dispatch(self) -> None:
        started = []
        with self._lock:
            while self._waiting and len(self._running) < self.limits.slots:
                job = self._waiting.pop(0)
                if job.snapshot().done:  # cancelled while waiting
                    continue
                self._running.append(job)
                started.append(job)
        for job in started:
            job.add_done_callback(self._finished)
            job.start()

    def _finished(self, job: TrainingJob) -> None:
        snap = job.snapshot()
        with self._lock:
            self._running = [j for j in self._running if j is not job]
            if snap.examples_per_second > 0:
                self._rates[job.config.arch] = snap.examples_per_second
        self._dispatch()

    def _remaining_seconds(self, job: TrainingJob) -> float | None:
        snap = job.snapshot()
        if snap.eta_seconds is not None:
            return snap.eta_seconds
        rate = self._rates.get(job.config.arch, MEASURED_RATES.get(job.config.arch))
        examples = job.config.epochs * (job.config.train_examples or FULL_TRAIN_SET)
        return examples / rate if rate else None
