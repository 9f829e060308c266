"""The in-process queue against a Ray cluster: `python -m bench.server cluster`."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time

from bench.common import QUICK_EXAMPLES, Report, header, load_mnist, summary

CLUSTER_DOC = """\
Both sides get the same slots and torch threads (one slot per 2 cluster CPUs' worth of
`--threads`) and the same N jobs, submitted together; each side's time is from the first
submit to the last job's end, median of `--rounds`, the two sides alternated. The head's
memory is the resident set of its processes (gcs_server, raylet and the rest that
`ray start --head` runs, the workers left out), idle and at the peak of the cluster rounds.
Needs a Ray head (`ray start --head --num-cpus 2 ...`) and PostgreSQL.
"""
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


def one_round(queue, store, data, config, jobs: int) -> float:
    from core.jobs.run_keeper import stored_job
    from core.training.status import Status

    start = time.perf_counter()
    submitted = [queue.submit(stored_job(config, data, store, learner=f"bench-{i:02d}" * 4)) for i in range(jobs)]
    ends = [job.wait(timeout=900) for job in submitted]
    assert all(s.status == Status.FINISHED for s in ends), [(s.status, s.message) for s in ends]
    return time.perf_counter() - start


def run_cluster(args: argparse.Namespace, out: Report) -> None:
    from core.config.settings import settings
    from core.jobs.queue import TrainingQueue
    from core.jobs.server import server_queue
    from core.jobs.threads import use_one_torch_thread
    from core.store.runs import RunStore
    from core.training.config import preset
    from core.training.limits import QueueLimits

    header(out, args)
    jobs, rounds, examples = (2, 1, QUICK_EXAMPLES) if args.quick else (args.jobs, args.rounds, args.train_examples)
    use_one_torch_thread()
    config = preset("cnn", "fast", train_examples=examples)
    data = load_mnist()
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
    for _ in range(rounds):  # alternated, so drift on the machine touches both alike
        times["in-process queue"].append(one_round(local, store, data, config, jobs))
        watcher = threading.Thread(target=watch_head, daemon=True)
        stop.clear()
        watcher.start()
        times["Ray cluster"].append(one_round(cluster, store, data, config, jobs))
        stop.set()
        watcher.join()
    seconds = {k: summary(v, 1) for k, v in times.items()}
    for key, value in {"jobs": jobs, "slots": cluster.limits.slots, "threads": args.threads, "train_examples": examples,
                       "seconds": seconds, "head_mb": {"idle": round(idle), "peak": round(max(peak))}}.items():
        out.put(key, value)
    out.table(f"{jobs} trainings, {cluster.limits.slots} at a time, median of {rounds} (min-max)", *seconds)
    out.row(f"{examples:,} images each", *(f"{s['median']} s ({s['min']}-{s['max']})" for s in seconds.values()))
    out.say(f"\nThe Ray head's own processes: {round(idle)} MB idle, {round(max(peak))} MB at the peak of the rounds")


def cluster_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", required=True, help="a Ray head (host:port, or ray://host:port)")
    parser.add_argument("--database-url", required=True, help="the shared PostgreSQL store")
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (cluster CPUs) per training")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-examples", type=int, default=20_000)
