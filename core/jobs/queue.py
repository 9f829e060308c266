"""One training queue per server process, for workshops and hosted demos.

Streamlit runs every browser session as a thread of one process, so thirty learners
pressing Start at once would otherwise start thirty trainings on a few cores. All jobs go
through `TrainingQueue`: at most `slots` train at once, each with its share of the
cores as torch threads, the others wait their turn, which goes round the networks they
came from (core.jobs.turns). Limits come from the environment (core.training.limits), so a
host sets them without touching code.

Each slot trains on one long-lived thread, job after job: a thread per training left
glibc a heap per thread, and a server's peak memory stepped up over many trainings
(docs/benchmarks.md, "Memory over many trainings").

The queue also remembers each learner's latest training and sequence, so a page opened
again (a reload, a new tab, a link) finds the learner's job from their identity alone.

With $DIGITS_RAY_ADDRESS a core.jobs.cluster_queue.ClusterQueue takes turns, places and
waits from the store every replica shares and hands its jobs to a Ray cluster
(core.jobs.ray_executor); with a shared database ($DIGITS_DATABASE_URL) the queue-wide and
per-learner limits also count the live runs other app replicas queued
(core.jobs.server.server_queue builds whichever the settings ask for).
"""
from __future__ import annotations

import bisect
import logging
import queue
import threading
import time
from collections import OrderedDict

from core.jobs.job import LOCAL, Executor, TrainingJob
from core.jobs.run_keeper import RunKeeper
from core.jobs.sequence import JobSequence
from core.jobs.threads import return_freed_memory_to_the_os
from core.jobs.turns import Turns
from core.jobs.waits import Durations, Place, finish_times, turn_comes_in
from core.training.config import TrainConfig
from core.training.limits import LimitError, QueueLimits, check_size, queue_limits
from core.training.status import CANCELLED_BEFORE_START, Status

log = logging.getLogger(__name__)
LATEST_KEPT = 64  # learners whose ended job the queue still shows (evaluations only); live ones are always kept


class TrainingQueue:
    def __init__(self, limits: QueueLimits | None = None, executor: Executor = LOCAL,
                 shared_store=None) -> None:
        self.limits = limits or queue_limits()
        self.executor = executor          # LOCAL: the slots train in this process
        self.shared_store = shared_store  # a core.store.runs.RunStore other replicas share, or None
        self._lock = threading.Lock()
        self._waiting: list[TrainingJob] = []   # in the order they start; each job's learner is `job.learner`
        self._turns, self._turn_of = Turns(), {}  # and each waiting job's sort key
        self._running: list[TrainingJob] = []
        self._sequences: list[JobSequence] = []  # started and not yet known to be done
        self._latest: OrderedDict[tuple[str, str], TrainingJob | JobSequence] = OrderedDict()
        self.durations = Durations()  # how long trainings take here, learnt as they end
        self._paused: set[str] = set()  # classes whose waiting jobs a teacher holds back
        self._to_train: queue.SimpleQueue[TrainingJob | None] = queue.SimpleQueue()  # dispatched, for the slots' threads
        self._slot_threads: list[threading.Thread] = []

    def submit(self, job: TrainingJob) -> TrainingJob:
        """Queue `job` for its learner (`job.learner`); it starts when a slot is free."""
        self._check_size(job.config)
        # told before it can be seen queued, outside the lock: a job that has ended already calls back at once
        job.add_done_callback(self._finished)
        with self._lock:
            # under the same lock as the append: two quick clicks queue one job
            self._check_share(job.learner, job.address)
            job.record_queued()
            self._remember(job.learner, "job", job)
            self._add(job)
        self._dispatch()
        return job

    def submit_sequence(self, sequence: JobSequence) -> JobSequence:
        """Start `sequence`: its jobs queue one after another and hold one place of its learner."""
        for job in sequence.jobs:
            self._check_size(job.config)
        with self._lock:
            self._check_share(sequence.learner, sequence.address)
            for job in sequence.jobs:
                job.record_queued()
            self._remember(sequence.learner, "sequence", sequence)
            self._sequences.append(sequence)
        return sequence.start(queue=self)

    def submit_part(self, job: TrainingJob) -> TrainingJob:
        """Queue the next job of a sequence started with submit_sequence (its place is already held)."""
        job.add_done_callback(self._finished)  # as in submit: before the lock
        with self._lock:
            self._add(job)
        self._dispatch()
        return job

    def latest_job(self, learner: str) -> TrainingJob | None:
        """The learner's latest single training (queued, running or ended), if this process has
        it; on a cluster, else the one they train there from another replica (which may have died)."""
        with self._lock:
            found = self._latest.get((learner, "job")) if learner else None
        if found is None and learner and self.shared_store is not None and self.executor.remote:
            found = self._adopt(learner)
        return found

    def _adopt(self, learner: str) -> TrainingJob | None:
        with self._lock:
            here = self._run_ids_here()
        for run in self.shared_store.list_runs(learner=learner, live_only=True, with_history=False):
            if run.status != Status.RUNNING or run.run_id in here or not self.executor.is_training(run.run_id):
                continue
            job = TrainingJob(TrainConfig.from_dict(run.config), None, (RunKeeper(self.shared_store,
                              claimed_run=run.run_id),), threads=self.limits.threads_per_job, learner=learner,
                              class_code=run.class_code)
            job.attach_run(run.run_id)
            job.executor = self.executor
            with self._lock:
                if (learner, "job") in self._latest:  # another page of the learner got there first
                    return self._latest[(learner, "job")]
                self._remember(learner, "job", job)
            return job.follow()
        return None

    def latest_sequence(self, learner: str) -> JobSequence | None:
        """The learner's latest sequence ("Train all three", Draw's in-place training)."""
        with self._lock:
            return self._latest.get((learner, "sequence")) if learner else None

    def _add(self, job: TrainingJob) -> None:  # with self._lock held
        if job.snapshot().done:  # cancelled on its way in (a stopped sequence's next model)
            return
        job.threads, job.executor = self.limits.threads_per_job, self.executor
        # estimated before Start, enforced while it trains
        job.time_limit, job.memory_limit = self.limits.max_seconds, self.limits.max_mb
        self._turn_of[job] = self._turns.take(job.address or job.learner or job.job_id)
        bisect.insort(self._waiting, job, key=self._turn_of.__getitem__)

    def _remember(self, learner: str, kind: str, work: TrainingJob | JobSequence) -> None:  # lock held
        if not learner:
            return
        self._latest[(learner, kind)] = work
        self._latest.move_to_end((learner, kind))
        ended = [key for key, old in self._latest.items() if _ended(old)]
        for key in ended[:max(0, len(self._latest) - LATEST_KEPT)]:  # the oldest ended ones go first
            del self._latest[key]

    def _check_size(self, config: TrainConfig) -> None:
        check_size(config, self.limits)

    def _run_ids_here(self) -> set[str | None]:  # with self._lock held
        """The stored runs of the jobs this queue holds, its sequences' included."""
        jobs = self._waiting + self._running + [job for sequence in self._sequences for job in sequence.jobs]
        return {job.snapshot().run_id for job in jobs}

    def _elsewhere(self) -> list:  # with self._lock held
        """Live runs in the shared store that this queue does not hold (other replicas')."""
        if self.shared_store is None:
            return []
        here = self._run_ids_here()
        return [row for row in self.shared_store.live_runs() if row["run_id"] not in here]

    def _check_share(self, learner: str, address: str) -> None:  # with self._lock held
        paused = self._held_classes()
        held = sum(1 for job in self._waiting if job.class_code in paused)  # a held class blocks nobody else
        elsewhere = self._elsewhere()
        if len(self._waiting) - held + len(self._running) + len(elsewhere) >= self.limits.max_queued:
            raise LimitError(f"The training queue is full ({self.limits.max_queued} trainings): "
                             "try again in a few minutes.")
        if not learner:  # the CLI and tests without a learner: only the slots limit them
            return
        self._sequences = [s for s in self._sequences if not s.done]
        mine = self._held_by("learner", learner) + sum(1 for row in elsewhere if row["learner"] == learner)
        if mine >= self.limits.per_learner:
            raise LimitError("You already have a training queued or running: wait for it, or stop it first.")
        # one visitor clearing cookies is still one address
        if address and self.limits.per_address is not None and \
                self._held_by("address", address) >= self.limits.per_address:
            raise LimitError(f"Your network already has {self.limits.per_address} trainings queued or running "
                             "on this server: wait for one of them to end.")

    def _held_by(self, who: str, value: str) -> int:  # with self._lock held
        """Places in this queue whose `who` ("learner" or "address") is `value`: its single
        trainings, and each of its sequences as one."""
        singles = sum(1 for job in self._waiting + self._running if getattr(job, who) == value and not job.in_sequence)
        return singles + sum(1 for sequence in self._sequences if getattr(sequence, who) == value)

    def cancel(self, job: TrainingJob, cancelled_message: str = CANCELLED_BEFORE_START) -> None:
        """Stop a running job, or take a waiting one out of the queue (ended with `cancelled_message`)."""
        with self._lock:
            if job in self._waiting:
                self._waiting.remove(job)
                del self._turn_of[job]
        job.stop(cancelled_message)

    def jobs(self) -> list[TrainingJob]:
        """Every job in the queue now: the running ones, then the waiting ones in order."""
        with self._lock:
            return self._running + self._waiting

    def pause(self, class_code: str, paused: bool = True) -> None:
        """Hold back (or let go) the waiting jobs of a class; its running ones train on."""
        with self._lock:
            (self._paused.add if paused else self._paused.discard)(class_code)
        self._dispatch()

    def _held_classes(self) -> set[str]:  # with self._lock held
        return self._paused

    def is_paused(self, class_code: str) -> bool:
        with self._lock:
            return class_code in self._paused

    def place(self, job: TrainingJob) -> Place | None:
        """None once the job has left the queue (finished, stopped, or never queued here)."""
        with self._lock:
            if job in self._running:
                return Place(True, 0, 0.0)
            if job not in self._waiting:
                return None
            ahead = [j for j in self._waiting[:self._waiting.index(job)] if j.class_code not in self._paused]
            running = list(self._running)
        return self._place_behind(running, ahead, job.config)

    def place_if_started(self, config: TrainConfig, learner: str = "", address: str = "") -> Place:
        """Where a training of `config` would stand if its learner pressed Start now."""
        with self._lock:
            turn = self._turns.round_for(address or learner)
            ahead = [j for j in self._waiting if j.class_code not in self._paused and self._turn_of[j][0] <= turn]
            running = list(self._running)
        return self._place_behind(running, ahead, config)

    def _place_behind(self, running: list[TrainingJob], ahead: list[TrainingJob], config: TrainConfig) -> Place:
        turn = turn_comes_in([self._remaining_seconds(j) for j in running],
                             [self._remaining_seconds(j) for j in ahead], self.limits.slots)
        return Place(False, len(ahead) + len(running), turn, self._capped(self.durations.total(config)))

    def class_clears_in(self, class_code: str) -> float | None:
        """Seconds until every queued and running training of a class has ended; None when it
        has none, or while its teacher holds its waiting ones."""
        with self._lock:
            running, waiting = list(self._running), [j for j in self._waiting if j.class_code not in self._paused]
            held = any(j.class_code == class_code for j in self._waiting) and class_code in self._paused
        if held:
            return None
        left = [self._remaining_seconds(j) for j in running]
        ends = [s for j, s in zip(running, left) if j.class_code == class_code]
        ends += [end for j, end in zip(waiting, finish_times(left, [self._remaining_seconds(j) for j in waiting],
                                                              self.limits.slots)) if j.class_code == class_code]
        return max(ends) if ends else None

    def _dispatch(self) -> None:
        started = []
        with self._lock:
            while len(self._running) < self.limits.slots:
                job = next((j for j in self._waiting if j.class_code not in self._paused), None)
                if job is None:
                    break
                self._waiting.remove(job)
                self._turns.started(self._turn_of.pop(job))
                if job.snapshot().done:  # cancelled while waiting
                    continue
                self._running.append(job)
                started.append(job)
            if started:
                self._start_slot_threads()
        for job in started:
            self._to_train.put(job)

    def _start_slot_threads(self) -> None:  # with self._lock held
        while len(self._slot_threads) < self.limits.slots:
            thread = threading.Thread(target=self._train_in_turn, daemon=True,
                                      name=f"training-slot-{len(self._slot_threads) + 1}")
            self._slot_threads.append(thread)
            thread.start()

    def close(self, timeout: float = 60) -> None:
        """End the slots' threads once the trainings they hold have ended (a process that
        exits with one still waiting aborts in torch's thread pools)."""
        with self._lock:
            threads, self._slot_threads = self._slot_threads, []
        for _ in threads:
            self._to_train.put(None)
        for thread in threads:
            thread.join(timeout)

    def _train_in_turn(self) -> None:
        while True:
            job = self._to_train.get()
            if job is None:  # closed
                return
            try:
                job.run()  # its done callback dispatches the next one
            except BaseException:  # run() ends every job with a status; this slot must outlive anything else
                log.exception("training slot: %s ended abnormally", job.job_id)

    def _finished(self, job: TrainingJob) -> None:
        job.release_model()  # the queue remembers ended jobs for their learners: not their weights
        return_freed_memory_to_the_os()  # many trainings in turn in one long-lived process
        snap = job.snapshot()
        if job.started_at is not None and snap.total_examples:
            self.durations.learn(job.config, time.time() - job.started_at, snap.progress)
        with self._lock:
            self._running = [j for j in self._running if j is not job]
        self._dispatch()

    def _remaining_seconds(self, job: TrainingJob) -> float:
        """How long `job` will still train, never past the time limit, which stops it there."""
        snap = job.snapshot()
        seconds = self.durations.remaining(job.config, job.started_at, snap.eta_seconds)
        if self.limits.max_seconds is None:
            return seconds
        trained = time.time() - job.started_at if job.started_at is not None else 0.0
        return max(0.0, min(seconds, self.limits.max_seconds - trained))

    def _capped(self, seconds: float) -> float:
        return seconds if self.limits.max_seconds is None else min(seconds, self.limits.max_seconds)


def _ended(work: TrainingJob | JobSequence) -> bool:
    return work.done if isinstance(work, JobSequence) else work.snapshot().done
