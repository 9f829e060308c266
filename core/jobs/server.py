"""The server's one training queue, as its settings ask (the app's, the CLI's, the benches')."""
from __future__ import annotations

from core.config.settings import Settings
from core.jobs.cluster_queue import cluster_queue
from core.jobs.queue import TrainingQueue
from core.training.calibration import calibrate_in_background
from core.training.limits import queue_limits


def server_queue(config: Settings, store) -> "TrainingQueue":
    """The server's queue as its settings ask: on a Ray cluster, each job reserving its
    torch threads (DIGITS_TORCH_THREADS, else 2) as CPUs and as many slots as the cluster
    has room for (DIGITS_QUEUE_SLOTS overrides), recording into `store`; with a shared
    database, limits that count every replica's live runs in `store`. A local queue's machine
    measures its training speeds in the background (core.training.calibration)."""
    limits = queue_limits(config)
    if config.ray_address:
        return cluster_queue(config, limits, store)
    # this machine's speeds, for the waits the queue shows (its trainings run here)
    calibrate_in_background(config.speeds_path, limits.threads_per_job)
    return TrainingQueue(limits, shared_store=store if config.database_url else None)
