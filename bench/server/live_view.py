"""Training with the Train page open against the CLI: `python -m bench.server live-view`."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Iterator

from bench.common import ROOT, Report, header, spread

LIVE_VIEW_DOC = """\
Each repeat trains once through the page (headless chromium on /train, the live view
redrawing every $DIGITS_LIVE_REFRESH_SECONDS) and once through `python -m core.cli`,
alternating so that machine noise hits both. Examples/s = examples seen / training seconds,
from the run store. Each page run also reports the live view's cost inside the server: the
CPU seconds of the server's threads other than the training thread (Streamlit's event loop,
the fragment reruns that build the charts), as a share of the training thread's, read
from /proc. Unlike examples/s it hardly moves when the machine is busy.

Where the browser runs changes the answer on a small machine, so it is a choice:
  (default)            chromium shares every core with the training; started by root, it
                       raises its own UI threads to nice -8
  --desktop-priority   the same, but chromium cannot raise its priority (CAP_SYS_NICE
                       dropped), as a browser started by a desktop user
  --browser-cpu N      chromium on CPU N alone, the server and the CLI on the other CPUs:
                       the browser on another machine, as for a hosted demo or a workshop
"""
PR_CAPBSET_DROP, CAP_SYS_NICE = 24, 23  # <linux/prctl.h>, <linux/capability.h>
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    page_rates: list[float] = field(default_factory=list)     # examples/s, one per repeat
    cli_rates: list[float] = field(default_factory=list)
    server_shares: list[float] = field(default_factory=list)  # see through_page

    @property
    def ratio(self) -> float:
        """Page / CLI, medians of the repeats."""
        return statistics.median(self.page_rates) / statistics.median(self.cli_rates)


def through_page(url: str, query: dict, playwright, server_pid: int, torch_threads: int) -> float:
    """Train once through /train; returns the server's CPU outside the training's threads
    (the job's thread and its torch workers) as a share of theirs."""
    from tests.support.browser import launch_chromium

    browser = launch_chromium(playwright)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/train?{urllib.parse.urlencode(query)}")
    start = page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Start")
    start.wait_for(timeout=60_000)
    with thread_cpu_spent(server_pid) as spent:
        start.click()
        page.get_by_text("Finished.").wait_for(timeout=600_000)
    browser.close()
    busiest = sorted(spent.values(), reverse=True)  # the training's threads work hardest
    return sum(busiest[torch_threads:]) / sum(busiest[:torch_threads])


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU seconds of each live thread of `pid` (proc(5): fields 14 and 15)."""
    seconds = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):  # the thread ended while we read it
            continue
        seconds[int(tid)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return seconds


@contextlib.contextmanager
def thread_cpu_spent(pid: int, every: float = 0.2) -> Iterator[dict[int, float]]:
    """CPU seconds each thread of `pid` spent inside the block. Sampled while the block runs
    because a job's thread leaves /proc when the job ends (its last `every` s go unseen)."""
    before = thread_cpu_seconds(pid)
    latest, spent, done = dict(before), {}, threading.Event()

    def sample() -> None:
        while not done.wait(every):
            latest.update(thread_cpu_seconds(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield spent
    finally:
        done.set()
        sampler.join()
        latest.update(thread_cpu_seconds(pid))
        spent.update({tid: cpu - before.get(tid, 0.0) for tid, cpu in latest.items()})


def through_cli(config, store_dir: str) -> None:
    from core.training.config import SETTINGS

    values = config.to_dict()
    args = [sys.executable, "-m", "core.cli", "--arch", config.arch, "--store-dir", store_dir,
            "--model", json.dumps(values.pop("model"))]
    for name in SETTINGS:
        args += [f"--{name.replace('_', '-')}", str(values[name])]
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True)


def rate(store_dir: str) -> float:
    from core.store.runs import RunStore

    run = RunStore(store_dir).list_runs()[0]
    return run.examples_seen / run.train_seconds


def drop_sys_nice() -> None:
    """Programs this process starts from now on (playwright's driver, chromium) cannot raise
    their priority. Only root's can: a desktop user's browser never could."""
    if os.geteuid() != 0:
        return
    if ctypes.CDLL(None, use_errno=True).prctl(PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP, CAP_SYS_NICE) failed")


@contextlib.contextmanager
def affinity(cpus: set[int]):
    """Processes started inside the block run on `cpus` (children inherit the affinity)."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def measure_live_view(arch: str, epochs: int, repeat: int, browser_cpu: int | None = None,
                      desktop_priority: bool = False, note=print) -> Measurement:
    """`repeat` page runs and `repeat` CLI runs of the arch's default preset, alternating."""
    from playwright.sync_api import sync_playwright

    from core.training.config import preset, to_query
    from core.training.limits import queue_limits
    from tests.support.browser import start_server, stop_server

    all_cpus = os.sched_getaffinity(0)
    browser_cpus = {browser_cpu} if browser_cpu is not None else all_cpus
    train_cpus = all_cpus - browser_cpus or all_cpus
    config = preset(arch, epochs=epochs)
    result = Measurement()
    with contextlib.ExitStack() as stack:
        page_store = stack.enter_context(tempfile.TemporaryDirectory())
        cli_store = stack.enter_context(tempfile.TemporaryDirectory())
        with affinity(train_cpus):
            server, url = start_server(page_store)
            torch_threads = queue_limits().threads_per_job  # as the server counts them
        stack.callback(stop_server, server)
        if desktop_priority:
            drop_sys_nice()  # after the server started: only playwright and chromium lose it
        with affinity(browser_cpus), sync_playwright() as playwright:
            for i in range(repeat):
                result.server_shares.append(through_page(url, to_query(config), playwright, server.pid, torch_threads))
                result.page_rates.append(rate(page_store))
                with affinity(train_cpus):
                    through_cli(config, cli_store)
                result.cli_rates.append(rate(cli_store))
                note(f"repeat {i + 1}: page {result.page_rates[-1]:,.0f} ex/s "
                     f"(server CPU besides the training: {result.server_shares[-1]:.1%} of its), "
                     f"cli {result.cli_rates[-1]:,.0f} ex/s")
    return result


def run_live_view(args: argparse.Namespace, out: Report) -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    header(out, args)
    epochs, repeat = (1, 1) if args.quick else (args.epochs, args.repeat)
    result = measure_live_view(args.arch, epochs, repeat, args.browser_cpu, args.desktop_priority, note=out.note)
    if args.browser_cpu is not None:
        where = f"chromium on CPU {args.browser_cpu} alone"
    else:
        where = "chromium on the training's cores, " + ("desktop" if args.desktop_priority else "root") + " priority"
    out.put("live_view", {"arch": args.arch, "epochs": epochs, "where": where, "page_rates": result.page_rates,
                          "cli_rates": result.cli_rates, "server_shares": result.server_shares, "ratio": result.ratio})
    out.table("arch, epochs", "where chromium runs", "page examples/s", "CLI examples/s", "page / CLI",
              "server CPU besides the training")
    out.row(f"{args.arch} default, {epochs} epochs", where, f"{statistics.median(result.page_rates):,.0f}",
            f"{statistics.median(result.cli_rates):,.0f}", f"{result.ratio:.2f}", spread(result.server_shares, ".1%"))


def live_view_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--arch", default="mlp")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--desktop-priority", action="store_true",
                        help="chromium without CAP_SYS_NICE, as a browser a desktop user starts")
    parser.add_argument("--browser-cpu", type=int, default=None,
                        help="chromium on this CPU alone, the training on the others")
