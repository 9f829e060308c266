"""A class of learners on one server: `python -m bench.server class-load`."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time

from bench.common import Report, header, in_fresh_process, peak_rss_mb
from bench.server.live_view import thread_cpu_spent
from bench.server.sessions import Tab, learner_id, quiet_streamlit

CLASS_LOAD_DOC = """\
--learners learners, each an AppTest session of one process (browser sessions are threads
of one server process), open /train with an architecture's `fast` preset and press Start
one after another, at once; the server's queue trains them --slots at a time (default:
its own, one per 2 cores). Then either every learner watches: their tab re-runs the live
view's fragment whenever its st.fragment(run_every=...) asks (every
$DIGITS_LIVE_REFRESH_SECONDS while it trains, every 3-12 s while it waits, by how near its
turn is), as a browser's timer does, following the timers as the page resets them, until
their run ends; or nobody does. Each case runs in a fresh process; --pairs pairs of cases per architecture, the first
unwatched then watched, the next the other way round.

Reported per case: runs finished; the last run's end, from the first Start, against the
ideal (the runs' training seconds, as they record them, summed and shared out over the
slots), and against the turns' ideal (each run's turn from its start to its end, its
test-set evaluations included, which its training clock leaves out); examples/s (all
examples over all training seconds); the fragment reruns; the process's peak RSS. The
watchers' cost is 1 - examples/s watched / examples/s unwatched, per pair; the target holds
their median. Examples/s moves with whatever else the machine runs; the process's CPU
besides the training (the pages, Streamlit, the queue), as a share of the training's
threads' CPU, hardly does. The queue's size and the per-learner and per-address shares are set out of the way
(DIGITS_QUEUE_MAX, DIGITS_JOBS_PER_LEARNER, DIGITS_JOBS_PER_ADDRESS in the case's process).

Exits 1 when a run does not finish, a learner sees another's run or a page raises and,
without --quick, when the last end passes --max-finish-ratio x the turns' ideal or the
watchers cost more than --max-watch-cost.
"""


def ideal_finish(train_seconds: list[float], slots: int) -> float:
    """Seconds for `slots` trainings at once to train them all without a gap: the queue's best
    (and never less than the longest training, which one slot trains alone)."""
    return max(sum(train_seconds) / slots, max(train_seconds, default=0.0))


def watch_cost(watched_rate: float, unwatched_rate: float) -> float:
    """The share of training speed the watchers took (negative: the watched case ran faster)."""
    return 1 - watched_rate / unwatched_rate


def measure_class(arch: str, learners: int, watch: bool, slots: int | None, deadline: float) -> dict:
    """One case, in this process: `learners` Train pages start the `fast` preset of `arch`."""
    os.environ.update({"DIGITS_QUEUE_MAX": str(max(learners, 64)), "DIGITS_JOBS_PER_LEARNER": "1",
                       "DIGITS_JOBS_PER_ADDRESS": str(max(learners, 1)),
                       "DIGITS_STORE_DIR": tempfile.mkdtemp(prefix="bench-class-load-")})
    if slots:
        os.environ["DIGITS_QUEUE_SLOTS"] = str(slots)
    quiet_streamlit()
    from core.training.status import Status
    from ui.resources import training_queue

    tabs = [Tab(learner_id(i), "pages/train.py", {"arch": arch, "preset": "fast"}).run() for i in range(learners)]
    ended: dict[int, float] = {}
    all_ended, lock = threading.Event(), threading.Lock()

    turns: dict[int, float] = {}  # each run's turn: from its start to its end, its evaluations included

    def note_end(i: int, job) -> None:
        with lock:
            ended[i] = time.perf_counter()
            turns[i] = time.time() - job.started_at if job.started_at is not None else 0.0
            if len(ended) == learners:
                all_ended.set()

    jobs, pressed = [], []
    first_start, cpu_before = time.perf_counter(), time.process_time()
    with thread_cpu_spent(os.getpid()) as spent:
        for i, tab in enumerate(tabs):
            tab.press("Start")
            pressed.append(time.perf_counter())
            jobs.append(training_queue().latest_job(tab.learner))
            jobs[-1].add_done_callback(lambda job, i=i: note_end(i, job))
        if watch:
            follow_live_views(tabs, pressed, ended, all_ended, first_start + deadline)
        else:
            all_ended.wait(max(0.0, first_start + deadline - time.perf_counter()))
    # the slots' threads and their torch workers live all along and work hardest; the pages'
    # script threads are short-lived, so the rest is the process's CPU less the training's
    limits = training_queue().limits
    training_cpu = sum(sorted(spent.values(), reverse=True)[:limits.slots * limits.threads_per_job])
    cpu_s = time.process_time() - cpu_before
    problems = [] if all_ended.is_set() else [f"deadline of {deadline:.0f} s passed with {len(ended)} runs ended"]
    for job in jobs:
        if not job.snapshot().done:
            training_queue().cancel(job)  # past the deadline: the report, not the rest of the trainings
    snaps = [job.wait(timeout=60) for job in jobs]
    for i, tab in enumerate(tabs):
        problems += tab.run().problems(i, snaps[i])
    trained = [s.train_seconds or 0.0 for s in snaps]
    watched_s = sum(ended.get(i, time.perf_counter()) - pressed[i] for i in range(learners))
    return {"arch": arch, "learners": learners, "watch": watch, "slots": limits.slots,
            "finished": sum(s.status == Status.FINISHED for s in snaps),
            "last_end_s": max(ended.values(), default=time.perf_counter()) - first_start,
            "ideal_s": ideal_finish(trained, limits.slots), "train_seconds": trained,
            "ideal_turns_s": ideal_finish(list(turns.values()), limits.slots),
            "examples_per_s": sum(s.examples_seen for s in snaps) / max(sum(trained), 1e-9),
            "fragment_reruns": sum(t.fragment_reruns for t in tabs),
            "reruns_per_learner_s": sum(t.fragment_reruns for t in tabs) / max(watched_s, 1e-9),
            "ms_per_rerun": 1000 * sum(t.fragment_seconds for t in tabs) / max(sum(t.fragment_reruns for t in tabs), 1),
            "cpu_s": cpu_s, "cpu_besides_training": (cpu_s - training_cpu) / max(training_cpu, 1e-9),
            "peak_rss_mb": peak_rss_mb(), "problems": problems}


def follow_live_views(tabs: list[Tab], pressed: list[float], ended: dict[int, float], all_ended: threading.Event,
                      deadline: float) -> None:
    """Each tab re-runs its timed fragments when its timer is due, until its run ends. One
    thread runs them all, one after another, where a server's session threads would take
    turns at the GIL."""
    due = [at + (tab.timed and min(tab.timed.values()) or 1.0) for tab, at in zip(tabs, pressed)]
    while not all_ended.is_set() and time.perf_counter() < deadline:
        watching = [i for i in range(len(tabs)) if i not in ended]
        if not watching:
            break
        i = min(watching, key=due.__getitem__)
        wait = due[i] - time.perf_counter()
        if wait > 0:
            all_ended.wait(min(wait, deadline - time.perf_counter()))
            continue
        tabs[i].rerun_timed_fragments()
        every = min(tabs[i].timed.values(), default=1.0)
        due[i] = max(due[i] + every, time.perf_counter())  # a late timer fires once, not in a burst


def run_class_load(args: argparse.Namespace, out: Report) -> int:
    header(out, args)
    learners, archs = (3 if args.quick else args.learners), (args.arch or ["logistic", "mlp"])
    pairs = 1 if args.quick else args.pairs
    cases, costs, each_cost = out.put("cases", []), out.put("watch_cost", {}), out.put("watch_costs", {})
    for arch in archs:
        each_cost[arch] = []
        for number in range(pairs):
            pair = {}
            # the order alternates, so a machine that speeds up or slows down meanwhile favours neither
            for watch in (False, True) if number % 2 == 0 else (True, False):
                out.note(f"{arch}, pair {number + 1}/{pairs}: {learners} learners, "
                         f"{'every one watching' if watch else 'nobody watching'}")
                pair[watch] = in_fresh_process("bench.server.class_load:measure_class", arch=arch, learners=learners,
                                               watch=watch, slots=args.slots, deadline=args.deadline)
                cases.append(pair[watch])
            each_cost[arch].append(watch_cost(pair[True]["examples_per_s"], pair[False]["examples_per_s"]))
            if not args.quick:
                check_finish(pair, args)
        costs[arch] = statistics.median(each_cost[arch])
        if not args.quick and costs[arch] > args.max_watch_cost:
            pair[True]["problems"].append(f"the watchers cost {costs[arch]:.0%} of the training speed (median of "
                                          f"{pairs} pairs), over {args.max_watch_cost:.0%}")
    out.table("arch (fast preset)", "learners watching", "runs finished", "last end s", "ideal s (training s / slots)",
              "last / ideal", "last / the turns' ideal", "examples/s", "fragment reruns (per learner-s, ms each)",
              "CPU besides the training", "peak RSS MB", "problems")
    for found in cases:
        reruns = (f"{found['fragment_reruns']:,} ({found['reruns_per_learner_s']:.2f}, {found['ms_per_rerun']:.0f})"
                  if found["watch"] else "none")
        out.row(found["arch"], found["learners"] if found["watch"] else 0, f"{found['finished']} / {found['learners']}",
                f"{found['last_end_s']:.1f}", f"{found['ideal_s']:.1f} ({sum(found['train_seconds']):.1f} / "
                f"{found['slots']})", f"{found['last_end_s'] / found['ideal_s']:.2f}",
                f"{found['last_end_s'] / found['ideal_turns_s']:.2f}", f"{found['examples_per_s']:,.0f}",
                reruns, f"{found['cpu_besides_training']:.1%}", f"{found['peak_rss_mb']:,.0f}", len(found["problems"]))
    out.say()
    for arch, cost in costs.items():
        out.say(f"- {arch}: the watchers cost {cost:.1%} of the training speed (examples/s), the median of "
                f"{len(each_cost[arch])} pairs ({', '.join(f'{c:.1%}' for c in each_cost[arch])})")
    for found in cases:
        for problem in found["problems"]:
            out.say(f"- {found['arch']}, {'watched' if found['watch'] else 'unwatched'}: {problem}")
    return 1 if any(found["problems"] for found in cases) else 0


def check_finish(pair: dict[bool, dict], args: argparse.Namespace) -> None:
    """Add a last end past its target to the case's problems."""
    for found in pair.values():
        if found["last_end_s"] > args.max_finish_ratio * found["ideal_turns_s"]:
            found["problems"].append(f"the last run ended {found['last_end_s']:.1f} s after the first Start, over "
                                     f"{args.max_finish_ratio} x the turns' ideal {found['ideal_turns_s']:.1f} s")


def class_load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--arch", action="append", choices=("logistic", "mlp", "cnn"),
                        help="repeat for several (default: logistic, then mlp)")
    parser.add_argument("--slots", type=int, default=None, help="trainings at once (default: the server's)")
    parser.add_argument("--pairs", type=int, default=3,
                        help="unwatched and watched cases per architecture, in alternating order (--quick: 1)")
    parser.add_argument("--deadline", type=float, default=900, help="seconds a case may take before it gives up")
    parser.add_argument("--max-finish-ratio", type=float, default=1.25,
                        help="the last run's end may be this many times the ideal")
    parser.add_argument("--max-watch-cost", type=float, default=0.10,
                        help="the share of training speed the watchers may cost")
