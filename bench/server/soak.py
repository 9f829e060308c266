"""A hostile soak on a hosted server: `python -m bench.server soak`."""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time

from bench.common import Report, header, load_mnist, rss_mb

SOAK_DOC = """\
The server is this process, as in a hosted demo: one TrainingQueue with DIGITS_HOSTED=1's
limits and a run store capped at --store-mb. Each visitor (its own learner) submits the
largest training of an architecture the limits allow (every stopped run keeps its model
file, 56 MB for a 4x2048 MLP), stops it after 1-5 s and starts the next; refusals
(queue full, one training per learner) are counted. A sampler reads the process's RSS,
the store's model bytes and the queue every 0.25 s. Checks: RSS grows by no more than
the training memory limit (with a margin), the store stays under its cap plus one model
file, and no queue wait is longer than every other visitor's hold. Exits 1 when a check fails.
"""
HOLD_SECONDS = (1.0, 5.0)   # how long a visitor lets a training run before stopping it
# RSS may grow above the process's size at the start by the training memory limit (less
# the base core.training.budget counts in it), times this margin for the estimate and the allocator
RSS_MARGIN = 1.5   # measured: 1.03-1.19 times the limit above the base (docs/benchmarks.md)


def largest_allowed(arch: str, limits):
    """The biggest training of `arch` the limits let through: widest layers, then the
    largest batch and the most epochs that fit."""
    from core.config.fields import ConfigError
    from core.training.config import preset
    from core.training.limits import LimitError, check_size

    model = {"cnn": {"channels": [limits.max_cnn_channels or 128] * 2, "kernel_size": 3, "fc_hidden": 1024},
             "mlp": {"hidden": [2048] * 4}}.get(arch, {})
    for batch in (2048, 1024, 512, 256, 128, 64):
        for epochs in range(limits.max_epochs or 50, 0, -1):
            config = preset(arch, epochs=epochs, batch_size=batch, **({"model": model} if model else {}))
            try:
                check_size(config, limits)
                return config
            except LimitError:
                continue
    raise ConfigError(f"no {arch} training fits these limits")


def run_soak(visitors: int, seconds: float, store_mb: int) -> dict:
    from core.jobs.queue import TrainingQueue
    from core.jobs.run_keeper import stored_job
    from core.jobs.threads import use_one_torch_thread
    from core.store.runs import RunStore
    from core.training.budget import BASE_MB, estimate
    from core.training.limits import LimitError, queue_limits
    from core.training.status import Status

    use_one_torch_thread()
    os.environ.update({"DIGITS_HOSTED": "1", "DIGITS_STORE_MAX_MB": str(store_mb)})
    limits = queue_limits()
    queue = TrainingQueue(limits)
    data = load_mnist()
    store = RunStore(tempfile.mkdtemp(prefix="soak-"))
    configs = [largest_allowed(arch, limits) for arch in ("cnn", "mlp", "logistic")]
    start_rss = rss_mb()  # torch, MNIST and whatever the calling process holds already
    rss_bound = start_rss + (limits.max_mb - BASE_MB) * RSS_MARGIN
    biggest_file_mb = max(estimate(c).peak_mb for c in configs)  # generous: a model file is far smaller
    stats = {"submitted": 0, "refused": 0, "waits": [], "peak_rss_mb": 0.0, "peak_store_mb": 0.0, "peak_queued": 0}
    lock, deadline = threading.Lock(), time.monotonic() + seconds

    def visitor(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            job = stored_job(configs[n % len(configs)], data, store, nickname=f"visitor-{n}", learner=f"{n:032x}")
            try:
                queue.submit(job)
            except LimitError:
                with lock:
                    stats["refused"] += 1
                time.sleep(0.5)
                continue
            submitted = time.monotonic()
            with lock:
                stats["submitted"] += 1
            while job.snapshot().status == Status.QUEUED and time.monotonic() < deadline:
                time.sleep(0.05)
            with lock:
                stats["waits"].append(time.monotonic() - submitted)
            time.sleep(rng.uniform(*HOLD_SECONDS))
            queue.cancel(job)
            job.wait(120)

    def sampler() -> None:
        while time.monotonic() < deadline + 5:
            with lock:
                stats["peak_rss_mb"] = max(stats["peak_rss_mb"], rss_mb())
                stats["peak_store_mb"] = max(stats["peak_store_mb"], store.model_bytes() / 2**20)
                stats["peak_queued"] = max(stats["peak_queued"], len(queue._waiting) + len(queue._running))
            time.sleep(0.25)

    threads = [threading.Thread(target=visitor, args=(n,), daemon=True) for n in range(visitors)]
    threads.append(threading.Thread(target=sampler, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 180)
    problems = []
    if stats["peak_rss_mb"] > rss_bound:
        problems.append(f"RSS {stats['peak_rss_mb']:.0f} MB over {rss_bound:.0f} MB ({start_rss:.0f} MB at the "
                        f"start and the {limits.max_mb:.0f} MB training limit)")
    if stats["peak_store_mb"] > store_mb + biggest_file_mb:
        problems.append(f"store {stats['peak_store_mb']:.0f} MB over its {store_mb} MB cap")
    if stats["peak_queued"] > limits.max_queued:
        problems.append(f"{stats['peak_queued']} trainings queued, over the {limits.max_queued} allowed")
    longest_wait = max(stats["waits"], default=0.0)
    if longest_wait > (visitors - 1) * (HOLD_SECONDS[1] + 5) + 10:
        problems.append(f"a visitor waited {longest_wait:.0f} s")
    return {**stats, "visitors": visitors, "seconds": seconds, "store_cap_mb": store_mb,
            "rss_start_mb": start_rss, "rss_bound_mb": rss_bound, "max_wait_s": longest_wait,
            "configs": [f"{c.arch} batch {c.batch_size} x {c.epochs} epochs" for c in configs], "problems": problems}


def run_soak_part(args: argparse.Namespace, out: Report) -> int:
    header(out, args)
    visitors, seconds = (2, 10.0) if args.quick else (args.visitors, args.seconds)
    result = out.put("soak", run_soak(visitors, seconds, args.store_mb))
    out.say(f"largest allowed: {'; '.join(result['configs'])}")
    out.table("visitors", "s", "trainings started / refused", "longest queue wait s",
              "RSS MB at start / peak (bound)", "peak store MB (cap)", "most queued", "problems", blank=False)
    out.row(result["visitors"], f"{result['seconds']:.0f}", f"{result['submitted']} / {result['refused']}",
            f"{result['max_wait_s']:.1f}",
            f"{result['rss_start_mb']:,.0f} / {result['peak_rss_mb']:,.0f} ({result['rss_bound_mb']:,.0f})",
            f"{result['peak_store_mb']:,.0f} ({result['store_cap_mb']})", result["peak_queued"],
            len(result["problems"]))
    for problem in result["problems"]:
        out.say(f"- {problem}")
    return 1 if result["problems"] else 0


def soak_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--store-mb", type=int, default=200)
