"""The worst links a hosted server allows, from many fresh cookies on one network, and a
learner elsewhere: `python -m bench.server worst-links`."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
import uuid

from bench.common import Report, header, load_mnist

WORST_LINKS_DOC = """\
The server is this process with DIGITS_HOSTED=1's limits and a --limit-seconds time limit
(10 s in CI; hosted servers allow 300). Each of --visitors threads is one visitor with a
fresh cookie (a new learner) on one network: it opens the worst links the estimate lets
through (the ones the estimate most underrates, each at the most examples the limit
allows: a whole-test-set check after every CNN batch, a 4 x 2048 MLP under AdamW at batch
8, the widest CNN at batch 8), waits for the training's end and opens the next; refusals
are counted. After the visitors hold their network's share of the queue, a learner on
another network queues the default MLP. Checks: every training ends within the time limit
and its last batch and test-set check (--end-margin s), the learner's training starts
within one time limit of queueing (one training of the visitors' network), and the
visitors' network never holds more places than DIGITS_JOBS_PER_ADDRESS. Exits 1 when a
check fails.
"""
VISITORS_NETWORK, LEARNERS_NETWORK = "203.0.113.9", "198.51.100.1"
WORST_LINKS = {
    "CNN, a test-set check after every batch": {"arch": "cnn", "test_every": "1"},
    "MLP 4 x 2048, AdamW, batch 8": {"arch": "mlp", "m.hidden": "2048,2048,2048,2048", "batch_size": "8",
                                      "optimizer": "adamw"},
    "widest CNN, batch 8": {"arch": "cnn", "m.channels": "64,64", "m.fc_hidden": "1024", "batch_size": "8"},
}


def longest_allowed(link: dict[str, str], limits):
    """`link` with the most epochs, then training examples, the limits let through: its config."""
    from core.training.config import from_query

    for epochs in range(limits.max_epochs or 50, 0, -1):
        examples = 60_000
        while examples >= 100:
            config = from_query({**link, "epochs": str(epochs), "train_examples": str(examples)})
            if fits(config, limits):
                return config
            examples = examples * 3 // 4
    raise ValueError(f"no training of {link} fits these limits")


def fits(config, limits) -> bool:
    from core.training.limits import LimitError, check_size
    try:
        check_size(config, limits)
        return True
    except LimitError:
        return False


def run_worst_links(visitors: int, seconds: float, limit_seconds: int, end_margin: float) -> dict:
    from core.jobs.queue import TrainingQueue
    from core.jobs.run_keeper import stored_job
    from core.jobs.threads import use_one_torch_thread
    from core.store.runs import RunStore
    from core.training.config import preset
    from core.training.limits import LimitError, queue_limits

    use_one_torch_thread()
    os.environ.update({"DIGITS_HOSTED": "1", "DIGITS_MAX_TRAINING_SECONDS": str(limit_seconds)})
    limits = queue_limits()
    queue, data = TrainingQueue(limits), load_mnist()
    store = RunStore(tempfile.mkdtemp(prefix="worst-links-"))
    configs = [longest_allowed(link, limits) for link in WORST_LINKS.values()]
    learners_choice = next(config for config in (preset(arch) for arch in ("cnn", "mlp", "logistic"))
                           if fits(config, limits))  # the largest default preset the time limit allows
    stats = {"submitted": 0, "refused": 0, "trainings": [], "most_held": 0, "learner_wait_s": None}
    lock, deadline = threading.Lock(), time.monotonic() + seconds

    def queue_one(config, network: str):
        job = stored_job(config, data, store, nickname="visitor", learner=uuid.uuid4().hex)
        job.address = network
        return queue.submit(job)

    def visitor(n: int) -> None:
        while time.monotonic() < deadline:
            try:
                job = queue_one(configs[n % len(configs)], VISITORS_NETWORK)
            except LimitError:
                with lock:
                    stats["refused"] += 1
                time.sleep(0.25)
                continue
            with lock:
                stats["submitted"] += 1
                stats["most_held"] = max(stats["most_held"], queue._held_by("address", VISITORS_NETWORK))
            while not job.snapshot().done and time.monotonic() < deadline:
                time.sleep(0.1)
            queue.cancel(job)  # at the deadline: a waiting one leaves, a running one ends as at a Stop
            snap = job.wait(limit_seconds + 120)
            if job.started_at is not None:
                with lock:
                    stats["trainings"].append({"config": str(n % len(configs)), "status": str(snap.status),
                                               "seconds": time.time() - job.started_at, "message": snap.message})

    def learner() -> None:
        while queue._held_by("address", VISITORS_NETWORK) < (limits.per_address or 1):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        job = queue_one(learners_choice, LEARNERS_NETWORK)
        wait_from = time.time()
        while job.started_at is None and not job.snapshot().done:
            time.sleep(0.05)
        stats["learner_wait_s"] = (job.started_at or time.time()) - wait_from
        job.wait(limit_seconds + 120)

    threads = [threading.Thread(target=visitor, args=(n,), daemon=True) for n in range(visitors)]
    threads.append(threading.Thread(target=learner, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + limit_seconds + 180)
    queue.close()
    return {**stats, **judge(stats, limits, limit_seconds, end_margin), "visitors": visitors, "seconds": seconds,
            "limit_seconds": limit_seconds, "learner": f"{learners_choice.arch} default", "links": [f"{name}: {c.epochs} x {c.train_examples or 60_000:,} examples"
                                                      for name, c in zip(WORST_LINKS, configs)]}


def judge(stats: dict, limits, limit_seconds: int, end_margin: float) -> dict:
    problems = []
    longest = max((t["seconds"] for t in stats["trainings"]), default=0.0)
    if longest > limit_seconds + end_margin:
        problems.append(f"a training ran {longest:.1f} s against a {limit_seconds} s limit")
    wait = stats["learner_wait_s"]
    if wait is None or wait > limit_seconds + end_margin:
        problems.append(f"the learner elsewhere waited {wait if wait is None else round(wait, 1)} s")
    if stats["most_held"] > (limits.per_address or 10**9):
        problems.append(f"one network held {stats['most_held']} places")
    return {"longest_training_s": longest, "problems": problems,
            "stopped_at_limit": sum("time limit" in t["message"] for t in stats["trainings"])}


def run_worst_links_part(args: argparse.Namespace, out: Report) -> int:
    header(out, args)
    visitors, seconds = (4, 20.0) if args.quick else (args.visitors, args.seconds)
    result = out.put("worst-links", run_worst_links(visitors, seconds, args.limit_seconds, args.end_margin))
    out.say("links: " + "; ".join(result["links"]))
    out.table("visitors", "s", "time limit s", "trainings started / refused", "stopped at the limit",
              "longest training s", "learner's wait s", "most places held", "problems", blank=False)
    wait = result["learner_wait_s"]
    out.row(result["visitors"], f"{result['seconds']:.0f}", result["limit_seconds"],
            f"{len(result['trainings'])} / {result['refused']}", result["stopped_at_limit"],
            f"{result['longest_training_s']:.1f}", "-" if wait is None else f"{wait:.1f}", result["most_held"],
            len(result["problems"]))
    for problem in result["problems"]:
        out.say(f"- {problem}")
    return 1 if result["problems"] else 0


def worst_links_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--visitors", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--limit-seconds", type=int, default=20)
    parser.add_argument("--end-margin", type=float, default=5.0)
