"""How many learners a cluster serves: `python -m bench.server capacity`."""

from __future__ import annotations

import argparse
import heapq
import random
import tempfile

from bench.common import Report, header, load_mnist, summary

CAPACITY_DOC = """\
First it measures, on the Ray cluster at --address, one training of each preset at a time
(--repeat each): the turn's wall seconds from the moment it got its turn to its row
finished (the worker starting, loading MNIST, training, testing, saving), and the training
alone. A turn holds --threads CPUs, so one CPU gives 60 / (turn s x threads) trainings a
minute. Then, on paper and in simulation, a lesson: --learners learners on a cluster of
--cpus CPUs each start a training of the preset about every --every seconds (exponential
gaps, the first within one gap), first come first served with cpus / threads at once; it
reports the median and 90th percentile wait for a turn over --minutes of lesson, and the
most learners for which that 90th percentile stays under --max-wait seconds.
Needs a Ray head (`ray start --head`) and PostgreSQL.
"""
PRESETS = (("logistic", "fast"), ("mlp", "fast"), ("cnn", "fast"), ("logistic", None), ("mlp", None), ("cnn", None))


def measure_turns(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Turn and training seconds per preset on the cluster, one training at a time."""
    from core.config.settings import settings
    from core.jobs.run_keeper import stored_job
    from core.jobs.server import server_queue
    from core.store.runs import RunStore
    from core.training.config import preset
    data = load_mnist()
    store = RunStore(tempfile.mkdtemp(prefix="bench-capacity-"), database_url=args.database_url)
    queue = server_queue(settings({"DIGITS_RAY_ADDRESS": args.address, "DIGITS_TORCH_THREADS": str(args.threads),
                                   "DIGITS_DATA_DIR": str(data.root)}), store)
    found = {}
    for arch, name in PRESETS[:3] if args.quick else PRESETS:
        turns, trains = [], []
        for _ in range(1 if args.quick else args.repeat):
            snap = queue.submit(stored_job(preset(arch, name), None, store)).wait(timeout=1800)
            [row] = store.execute("SELECT dispatched_at, finished_at FROM runs WHERE run_id = :id", {"id": snap.run_id})
            turns.append(row["finished_at"] - row["dispatched_at"])
            trains.append(snap.train_seconds)
        found[f"{arch} {name or 'default'}"] = {"turn": summary(turns, 1), "train": summary(trains, 1)}
    return found


def simulate(learners: int, every: float, slots: int, turn: float, minutes: float, seed: int = 0) -> list[float]:
    """Waits for a turn, in seconds, of every training started in `minutes` of lesson."""
    rng = random.Random(seed)
    starts = sorted(t for _ in range(learners) for t in _arrivals(rng, every, minutes * 60))
    free = [0.0] * slots  # when each slot is next free
    waits = []
    for start in starts:  # first come, first served
        slot_free = heapq.heappop(free)
        begins = max(start, slot_free)
        waits.append(begins - start)
        heapq.heappush(free, begins + turn)
    return waits


def _arrivals(rng: random.Random, every: float, horizon: float) -> list[float]:
    t, found = rng.uniform(0, every), []
    while t < horizon:
        found.append(t)
        t += rng.expovariate(1 / every)
    return found


def most_learners(every: float, slots: int, turn: float, minutes: float, max_wait: float) -> int:
    """The most learners whose 90th-percentile wait stays under max_wait (three lessons' seeds)."""
    served = 0
    for learners in range(1, 2000):
        if max(_p90(simulate(learners, every, slots, turn, minutes, seed)) for seed in range(3)) > max_wait:
            return served
        served = learners
    return served


def _p90(waits: list[float]) -> float:
    return sorted(waits)[int(0.9 * (len(waits) - 1))] if waits else 0.0


def run_capacity(args: argparse.Namespace, out: Report) -> None:
    header(out, args, f"cluster {args.address}, {args.threads} CPUs a training")
    measured = measure_turns(args)
    out.put("turns", measured)
    slots = max(1, args.cpus // args.threads)
    out.table(f"One training at a time, median of {args.repeat} (min-max); a lesson on {args.cpus} CPUs "
              f"({slots} at once), each learner starting one every {args.every:.0f} s",
              "training s", "turn s", "trainings/min per CPU", f"learners (p90 wait < {args.max_wait:.0f} s)")
    sizing = {}
    for name, found in measured.items():
        turn = found["turn"]["median"]
        per_cpu = 60 / (turn * args.threads)
        learners = most_learners(args.every, slots, turn, args.minutes, args.max_wait)
        sizing[name] = {"per_cpu_per_minute": round(per_cpu, 2), "learners": learners}
        out.row(name, f"{found['train']['median']} ({found['train']['min']}-{found['train']['max']})",
                f"{turn} ({found['turn']['min']}-{found['turn']['max']})", f"{per_cpu:.2f}", str(learners))
    out.put("sizing", sizing)


def capacity_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", required=True, help="a Ray head (host:port, or ray://host:port)")
    parser.add_argument("--database-url", required=True, help="the shared PostgreSQL store")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (cluster CPUs) per training")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=32, help="the cluster to size, in CPUs")
    parser.add_argument("--every", type=float, default=180.0, help="seconds between a learner's trainings")
    parser.add_argument("--minutes", type=float, default=45.0, help="the lesson simulated")
    parser.add_argument("--max-wait", type=float, default=30.0, help="the 90th-percentile wait to stay under")
