"""A fresh server's first page and first Compare: `python -m bench.server first-views`."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Report, header

FIRST_VIEWS_DOC = """\
Three runs (logistic, MLP and CNN, their `fast` presets) are trained through core into one
store before anything is timed. Each repeat copies that store, starts a fresh server on the
copy and opens it in a new headless chromium context whose cookie is the runs' learner:
seconds from the server's process spawn to Home's heading, then to Home drawn whole (its
"Trained models"), then from navigating to /compare to its accuracy chart with the bent-digit
bars drawn. The `stored` servers read each run's bent-digit accuracy from its row; the `lazy`
ones run on a copy whose rows lack it (as runs saved before it was kept), so Compare bends the
test set and evaluates each model on it. The two alternate, a fresh server each. Then a third
fresh server is opened straight at /train, as a shared link does: seconds from its spawn to
the Train heading (Streamlit runs that page's file first, which sends the request through
app.py before its imports).
"""
SECRET = "f1e2" * 8  # the browser's cookie: the runs are trained under its learner id
TIMEOUT_MS = 180_000
# The accuracy chart with both series drawn: its legend names the bent digits and every bar has its path.
_BENT_BARS_DRAWN = """(models) => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].some((chart) =>
  [...chart.querySelectorAll('.legendtext')].some((t) => t.textContent === 'bent test digits')
  && chart.querySelectorAll('g.trace.bars g.point path').length >= 2 * models)"""


@dataclass
class Views:
    heading: list[float] = field(default_factory=list)   # spawn -> Home's heading drawn
    home: list[float] = field(default_factory=list)      # spawn -> Home drawn whole
    compare: list[float] = field(default_factory=list)   # navigating to /compare -> bent bars drawn
    linked: list[float] = field(default_factory=list)    # spawn -> Train's heading, opened at /train


def train_three(root: Path, learner: str, quick: bool) -> list[str]:
    """Each architecture's `fast` preset trained into the store at `root` for `learner`; the run ids."""
    from bench.common import load_mnist
    from core.jobs.run_keeper import stored_job
    from core.models.architectures import ARCHITECTURES
    from core.store.runs import RunStore
    from core.training.config import preset
    # SQLite in the store folder, whatever the environment names: each server gets a copy of it
    store, mnist = RunStore(root, database_url=f"sqlite:///{(root / 'runs.sqlite').resolve()}"), load_mnist()
    configs = [preset(arch, "fast", **({"train_examples": 5_000} if quick else {})) for arch in ARCHITECTURES]
    return [stored_job(config, mnist, store, learner=learner).start().wait().run_id for config in configs]


def fresh_copy(template: Path, into: Path, lazy: bool) -> Path:
    """A copy of the trained store (without its process locks); `lazy`: its rows lack the bent accuracy."""
    shutil.copytree(template, into, ignore=shutil.ignore_patterns("locks"))
    if lazy:
        with sqlite3.connect(into / "runs.sqlite") as con:
            con.execute("UPDATE runs SET bent_accuracy = NULL")
    return into


def first_views(browser, store: Path, models: int, views: Views) -> None:
    """One fresh server on `store`: its first page, then its first Compare, into `views`."""
    from core.config.settings import DATABASE_URL_ENV
    from core.store.learners import COOKIE_NAME
    from tests.support.browser import start_server, stop_server

    spawned = time.perf_counter()
    proc, url = start_server(store, env={DATABASE_URL_ENV: ""}, poll_seconds=0.05)
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_cookies([{"name": COOKIE_NAME, "value": SECRET, "url": url}])
        page = context.new_page()
        page.goto(f"{url}/")
        page.get_by_role("heading", name="Digits dashboard").first.wait_for(timeout=TIMEOUT_MS)
        views.heading.append(time.perf_counter() - spawned)
        page.get_by_role("heading", name="Trained models").first.wait_for(timeout=TIMEOUT_MS)
        views.home.append(time.perf_counter() - spawned)
        started = time.perf_counter()
        page.goto(f"{url}/compare")
        page.wait_for_function(_BENT_BARS_DRAWN, arg=models, timeout=TIMEOUT_MS, polling=50)
        views.compare.append(time.perf_counter() - started)
        context.close()
    finally:
        stop_server(proc)


def first_linked_view(browser, store: Path, views: Views) -> None:
    """One fresh server whose first visitor follows a link to /train: its heading, into `views`."""
    from core.config.settings import DATABASE_URL_ENV
    from tests.support.browser import start_server, stop_server

    spawned = time.perf_counter()
    proc, url = start_server(store, env={DATABASE_URL_ENV: ""}, poll_seconds=0.05)
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.new_page().goto(f"{url}/train")
        context.pages[0].get_by_role("heading", name="Train").first.wait_for(timeout=TIMEOUT_MS)
        views.linked.append(time.perf_counter() - spawned)
        context.close()
    finally:
        stop_server(proc)


def measure_first_views(repeat: int, lazy: bool = True, quick: bool = False,
                        out: Report | None = None) -> dict[str, Views]:
    """`repeat` fresh servers reading the stored bent accuracies (and, with `lazy`, as many
    working them out), alternating; the views of each kind."""
    from playwright.sync_api import sync_playwright

    from core.store.learners import learner_id
    from tests.support.browser import launch_chromium

    found = {"stored": Views(), "lazy": Views()} if lazy else {"stored": Views()}
    with tempfile.TemporaryDirectory() as work, sync_playwright() as p:
        template = Path(work) / "trained"
        began = time.perf_counter()
        runs = train_three(template, learner_id(SECRET), quick)
        if out is not None:
            out.note(f"trained {len(runs)} runs through core in {time.perf_counter() - began:.0f} s (not timed)")
        browser = launch_chromium(p)
        try:
            for i in range(repeat):
                for variant, views in found.items():
                    store = fresh_copy(template, Path(work) / f"{variant}-{i}", lazy=variant == "lazy")
                    first_views(browser, store, len(runs), views)
                first_linked_view(browser, fresh_copy(template, Path(work) / f"linked-{i}", lazy=False),
                                  found["stored"])
        finally:
            browser.close()
    return found


def run_first_views(args: argparse.Namespace, out: Report) -> None:
    header(out, args)
    began = time.perf_counter()
    found = measure_first_views(1 if args.quick else args.repeat, args.lazy, args.quick, out)
    out.table("view", "bent accuracy", "median s", "range s", "servers")
    for variant, views in found.items():
        for key, name, values in (("heading", "first page: heading, from spawn", views.heading),
                                  ("home", "first page: drawn whole, from spawn", views.home),
                                  ("compare", "first Compare: bent bars, from navigating", views.compare),
                                  ("linked", "first page opened at /train: heading, from spawn", views.linked)):
            if not values:
                continue
            out.row(name, variant, f"{statistics.median(values):.2f}", f"{min(values):.2f}-{max(values):.2f}",
                    len(values))
            out.put(f"{variant}_{key}_s", values)
    out.note(f"took {time.perf_counter() - began:.0f} s in all")


def first_views_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeat", type=int, default=3, help="fresh servers of each kind")
    parser.add_argument("--no-lazy", dest="lazy", action="store_false",
                        help="leave out the servers whose runs lack the stored bent accuracy")
