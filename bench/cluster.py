"""N trainings at once: this process's queue against a Ray cluster, and the Ray head's memory.

    python -m bench.cluster --address 127.0.0.1:6379 --database-url postgresql+psycopg://... [--jobs 4]

Both sides get the same slots and torch threads (one slot per 2 cluster CPUs' worth of
`--threads`) and the same N jobs, submitted together; each side's time is from the first
submit to the last job's end, median of `--rounds`. The head's memory is the resident
set of its processes (gcs_server, raylet and the rest that `ray start --head` runs, the
workers left out), idle and at the peak of the cluster rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time

from core.config.settings import settings
from core.data.loading import load_dataset
from core.jobs.queue import TrainingQueue, server_queue
from core.jobs.run_keeper import stored_job
from core.jobs.threads import use_one_torch_thread
from core.store.runs import RunStore
from core.training.config import preset
from core.training.limits import QueueLimits
from core.training.status import Status

HEAD_PROCESSES = ("gcs_server", "raylet", "dashboard", "log_monitor", "monitor", "ray_client_server",
                  "runtime_env_agent", "dashboard_agent")


def head_mb() -> float:
    """Resident MB of the Ray head's own processes on this machine (not its workers), from /proc."""
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                text = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/statm") as f:
                resident = int(f.read().split()[1]) * page
        except OSError:  # it ended while we looked
            continue
        if "ray::" in text or "default_worker.py" in text:
            continue  # a worker: it trains, it is not the head
        if any(name in text for name in HEAD_PROCESSES):
            total += resident
    return total / 2**20


def one_round(queue: TrainingQueue, store: RunStore, data, config, jobs: int) -> float:
    start = time.perf_counter()
    submitted = [queue.submit(stored_job(config, data, store, learner=f"bench-{i:02d}" * 4)) for i in range(jobs)]
    ends = [job.wait(timeout=900) for job in submitted]
    assert all(s.status == Status.FINISHED for s in ends), [(s.status, s.message) for s in ends]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True, help="a Ray head (host:port, or ray://host:port)")
    parser.add_argument("--database-url", required=True, help="the shared PostgreSQL store")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (cluster CPUs) per training")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-examples", type=int, default=20_000)
    args = parser.parse_args()
    use_one_torch_thread()
    config = preset("cnn", "fast", train_examples=args.train_examples)
    data = load_dataset(None, download=False)
    store = RunStore(tempfile.mkdtemp(prefix="bench-cluster-"), database_url=args.database_url)
    idle = head_mb()
    cluster = server_queue(settings({"DIGITS_RAY_ADDRESS": args.address, "DIGITS_TORCH_THREADS": str(args.threads),
                                     "DIGITS_DATA_DIR": str(data.root)}), store)
    local = TrainingQueue(QueueLimits(slots=cluster.limits.slots, threads_per_job=args.threads, max_queued=1000))
    peak, stop = [idle], threading.Event()

    def watch_head() -> None:
        while not stop.wait(0.5):
            peak.append(head_mb())

    times = {"in-process queue": [], "Ray cluster": []}
    for _ in range(args.rounds):  # alternated, so drift on the machine touches both alike
        times["in-process queue"].append(one_round(local, store, data, config, args.jobs))
        watcher = threading.Thread(target=watch_head, daemon=True)
        stop.clear()
        watcher.start()
        times["Ray cluster"].append(one_round(cluster, store, data, config, args.jobs))
        stop.set()
        watcher.join()
    print(json.dumps({"jobs": args.jobs, "slots": cluster.limits.slots, "threads": args.threads,
                      "train_examples": args.train_examples,
                      "seconds": {k: {"median": round(statistics.median(v), 1), "min": round(min(v), 1),
                                      "max": round(max(v), 1)} for k, v in times.items()},
                      "head_mb": {"idle": round(idle), "peak": round(max(peak))}}))


if __name__ == "__main__":
    main()
