"""Several trainings one after another in one background thread ("Train all", and
the Draw page's training in place), holding one place of their learner in the queue."""
from __future__ import annotations

import logging
import threading

from core.data.loading import Dataset
from core.jobs.run_keeper import stored_job
from core.jobs.snapshot import JobSnapshot
from core.store.runs import RunStore
from core.training.config import TrainConfig
from core.training.status import CANCELLED_BEFORE_START

log = logging.getLogger(__name__)


class JobSequence:
    """Several trainings one after another in one background thread ("Train all").

    Started by core.jobs.queue.TrainingQueue.submit_sequence, each job waits its turn in that
    queue, one at a time, and the whole sequence counts as one training of `learner`."""

    def __init__(self, configs: list[TrainConfig], data: Dataset, store: RunStore | None = None,
                 nickname: str = "", learner: str = "", class_code: str = "") -> None:
        self.learner = learner
        self.address = ""  # the client address it was asked from, as TrainingJob.address
        self.jobs = [stored_job(config, data, store, nickname, learner=learner, class_code=class_code)
                     for config in configs]
        for job in self.jobs:
            job.in_sequence = True
        self._queue = None
        self._stop = threading.Event()
        self._cancelled_message = CANCELLED_BEFORE_START  # what the models not yet trained end with
        self._thread: threading.Thread | None = None

    def start(self, queue=None) -> "JobSequence":
        """Train the jobs in turn: through `queue` (see TrainingQueue.submit_sequence), else directly."""
        self._queue = queue
        self._thread = threading.Thread(target=self._run, name="job-sequence", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        for job in self.jobs:
            if self._stop.is_set():
                job.stop(self._cancelled_message)  # still queued: marked cancelled, never trains
                continue
            if self._queue is None:
                job.start().wait()
                continue
            try:
                self._queue.submit_part(job).wait()
            except Exception:  # the queue refused it: this and the rest end as cancelled
                log.exception("job sequence could not queue %s", job.job_id)
                self.stop()

    def stop(self, cancelled_message: str = CANCELLED_BEFORE_START) -> None:
        self._cancelled_message = cancelled_message
        self._stop.set()
        for job in self.jobs:
            if self._queue is not None:
                self._queue.cancel(job, cancelled_message)
            else:
                job.stop(cancelled_message)

    def wait(self, timeout: float | None = None) -> list[JobSnapshot]:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.snapshots()

    def snapshots(self) -> list[JobSnapshot]:
        return [job.snapshot() for job in self.jobs]

    @property
    def done(self) -> bool:
        return all(snap.done for snap in self.snapshots())
