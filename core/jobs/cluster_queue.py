"""The training queue of an app replica whose trainings run on a Ray cluster.

Every replica of a cluster keeps its learners' jobs as a TrainingQueue does, but turns,
places and waits come from the shared store (core.store.shared_queue): one queue for the
whole cluster, first come first served whichever replica a browser reached, with as many
trainings at once as the cluster's live CPUs hold. Another replica's training ending
calls nothing here, so a thread looks for a turn every TURN_POLL_SECONDS while jobs wait,
and the slots are re-read from the cluster every SLOTS_SECONDS (workers join and leave).
"""
from __future__ import annotations

import dataclasses
import logging
import statistics
import threading
import time

from core.config.settings import Settings
from core.jobs.job import TrainingJob
from core.jobs.queue import TrainingQueue
from core.jobs.waits import MIN_LEFT_SECONDS, Place, turn_comes_in
from core.models.architectures import architecture
from core.store.checkpoints import StoreError
from core.store.shared_queue import QueuedRun, SharedQueue
from core.training.budget import examples_per_epoch
from core.training.config import TrainConfig
from core.training.limits import QueueLimits

log = logging.getLogger(__name__)
TURN_POLL_SECONDS = 0.5   # how often a replica with waiting jobs asks the store for a turn
SLOTS_SECONDS = 30.0      # how often it re-reads the cluster's CPUs
HELD_SECONDS = 1.0        # how long it trusts its copy of the held classes
START_SECONDS = 4.0       # a turn's seconds beyond training (worker, data, test, save) before any run has
                          # finished: measured 3.9 s for the fast logistic on the 2-core test machine
RATE_RUNS = 5             # recent finished runs whose speeds and overheads the estimates use
SPEEDS_SECONDS = 10.0     # how often those are read again


def cluster_queue(config: Settings, limits: QueueLimits, store) -> "ClusterQueue":
    """The replica's queue on the Ray cluster at config.ray_address, after checking that a
    training's threads fit on a node and removing actors of runs that have ended."""
    from core.jobs.ray_connection import cluster_resources
    from core.jobs.ray_executor import RayExecutor, check_threads_fit, end_actors_of_ended_runs
    threads = config.cluster_job_threads
    check_threads_fit(config.ray_address, threads)
    executor = RayExecutor(config.ray_address, store, config.data_dir)
    end_actors_of_ended_runs(config.ray_address, store)

    def live_slots() -> int:
        return config.queue_slots or max(1, int(cluster_resources(config.ray_address).get("CPU", 1)) // threads)

    return ClusterQueue(dataclasses.replace(limits, threads_per_job=threads, slots=live_slots()), executor, store,
                        live_slots)


class ClusterQueue(TrainingQueue):
    def __init__(self, limits: QueueLimits, executor, store, live_slots=None) -> None:
        super().__init__(limits, executor=executor, shared_store=store)
        self.shared = SharedQueue(store)
        self._live_slots, self._slots_at = live_slots, time.monotonic()
        self._held, self._held_at = set(), 0.0
        self._speeds_at, self._run_rates, self._overhead = 0.0, {}, START_SECONDS
        self._poller: threading.Thread | None = None
        self._offered: set[str] = set()  # runs this replica has put in line in the store

    # -- turns --------------------------------------------------------------------------
    def _dispatch(self) -> None:
        while True:
            with self._lock:
                waiting = {job.snapshot().run_id: job for job in self._waiting if not job.snapshot().done}
                if waiting and self._poller is None:
                    self._poller = threading.Thread(target=self._poll, name="cluster-turns", daemon=True)
                    self._poller.start()
            if not waiting:
                return
            try:
                self._offered &= waiting.keys()  # the others have had their turn, or left
                if waiting.keys() - self._offered:
                    self.shared.offer(waiting.keys() - self._offered)
                    self._offered |= waiting.keys()
                run_id = self.shared.claim_next(set(waiting), self.limits.slots)
            except StoreError:  # the database is down: the poller asks again
                log.warning("could not ask the store for a turn", exc_info=True)
                return
            if run_id is None:
                return
            job = waiting[run_id]
            with self._lock:
                if job not in self._waiting:  # cancelled meanwhile: its row ended, its turn with it
                    continue
                self._waiting.remove(job)
                self._turns.started(self._turn_of.pop(job))
                self._running.append(job)
                self._start_slot_threads()
            self._to_train.put(job)

    def _poll(self) -> None:
        """While jobs wait here: ask for a turn, and now and then re-read the slots; then end."""
        while True:
            time.sleep(TURN_POLL_SECONDS)
            with self._lock:
                if not self._waiting:
                    self._poller = None
                    return
            if time.monotonic() - self._slots_at > SLOTS_SECONDS:
                self.refresh_slots()
            self._dispatch()

    def refresh_slots(self) -> int:
        """Trainings at once from the cluster's live CPUs now (workers join and leave)."""
        self._slots_at = time.monotonic()
        if self._live_slots is not None:
            try:
                self.limits = dataclasses.replace(self.limits, slots=self._live_slots())
            except Exception:  # the head is away: keep the last count
                log.warning("could not re-read the cluster's CPUs", exc_info=True)
        return self.limits.slots

    # -- holds, on every replica ----------------------------------------------------------
    def pause(self, class_code: str, paused: bool = True) -> None:
        self.shared.hold(class_code, paused)
        self._held_at = 0.0
        self._dispatch()

    def is_paused(self, class_code: str) -> bool:
        return class_code in self._held_classes()

    def _held_classes(self) -> set[str]:
        if time.monotonic() - self._held_at > HELD_SECONDS:
            try:
                self._held, self._held_at = self.shared.held(), time.monotonic()
            except StoreError:  # keep the last copy while the database is away
                log.warning("could not read the held classes", exc_info=True)
        return self._held

    # -- places and waits, the same on every replica -------------------------------------
    def place(self, job: TrainingJob) -> Place | None:
        with self._lock:
            if job in self._running:
                return Place(True, 0, 0.0)
            if job not in self._waiting:
                return None
        place = self.place_of_run(job.snapshot().run_id)
        if place is None or place.running:
            return place
        return dataclasses.replace(place, own_seconds=self._seconds_of(job.config))

    def place_of_run(self, run_id: str) -> Place | None:
        """Where a stored run stands in the cluster's queue, whichever replica holds it."""
        found = self.shared.ahead_of(run_id)
        if found is None:
            return None
        ahead, has_turn = found
        return Place(True, 0, 0.0) if has_turn else self._behind(ahead)

    def place_if_started(self, config: TrainConfig, learner: str = "", address: str = "") -> Place:
        ahead, _ = self.shared.ahead_of(None)
        return dataclasses.replace(self._behind(ahead), own_seconds=self._seconds_of(config))

    def _behind(self, ahead: list[QueuedRun]) -> Place:
        """The place of a run with `ahead` before it, and when its turn comes."""
        self._read_speeds()
        running = [self._remaining(run) for run in ahead if run.has_turn]
        waiting = [self._remaining(run) for run in ahead if not run.has_turn]
        return Place(False, len(ahead), turn_comes_in(running, waiting, self.limits.slots))

    def _seconds_of(self, config: TrainConfig) -> float:
        """A training of `config` from its turn to its end, at the cluster's recent speeds."""
        return self._remaining(QueuedRun("", False, None, config.to_dict(), 0, None, None))

    def _read_speeds(self) -> None:
        """Speeds and turn overheads of recent finished runs, as every replica reads them."""
        if time.monotonic() - self._speeds_at > SPEEDS_SECONDS:
            self._speeds_at = time.monotonic()
            rates, overheads = self.shared.recent_speeds(RATE_RUNS)
            self._run_rates = {arch: statistics.median(found) for arch, found in rates.items()}
            self._overhead = statistics.median(overheads) if overheads else START_SECONDS

    def _remaining(self, run: QueuedRun) -> float:
        """Seconds until `run` ends: its turn's overhead and its training, less what it has had."""
        config = TrainConfig.from_dict(run.config)
        total = run.total_examples or config.epochs * examples_per_epoch(config)
        if run.examples_seen and run.train_seconds:
            rate = run.examples_seen / run.train_seconds
        else:
            rate = self._run_rates.get(config.arch) or architecture(config.arch).examples_per_second
        seconds = self._overhead + total / rate
        if run.has_turn and run.dispatched_at:
            seconds = max(MIN_LEFT_SECONDS, seconds - (time.time() - run.dispatched_at))
        return seconds if self.limits.max_seconds is None else min(seconds, self.limits.max_seconds)
