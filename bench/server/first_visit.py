"""A browser's first visit against a reload: `python -m bench.server first-visit`."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.common import Report, header

FIRST_VISIT_DOC = """\
A browser's first visit waits for the browser to make its identity secret (one round trip)
before the Train page draws; a reload sends the cookie at once. A fresh server and store;
each visit is a new browser context, timed from navigation to the Train page's title, after
one warm-up visit that pays the process's cold start.
"""


def seconds_to_title(page, url: str, reload: bool = False) -> float:
    started = time.perf_counter()
    page.reload() if reload else page.goto(url)
    page.get_by_role("heading", name="Train").first.wait_for(timeout=60_000)
    return time.perf_counter() - started


def run_first_visit(args: argparse.Namespace, out: Report) -> None:
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium, serve_app

    header(out, args)
    visits = 1 if args.quick else args.visits
    first, again = [], []
    with tempfile.TemporaryDirectory() as store, serve_app(store) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        seconds_to_title(browser.new_context().new_page(), f"{url}/train")  # the process's cold start
        for _ in range(visits):
            context = browser.new_context()  # a browser that never saw the app
            page = context.new_page()
            first.append(seconds_to_title(page, f"{url}/train"))
            again.append(seconds_to_title(page, f"{url}/train", reload=True))
            context.close()
        browser.close()
    out.table("visit", "median s", "range s", "visits")
    for name, values in (("first visit", first), ("reload", again)):
        out.row(name, f"{statistics.median(values):.2f}", f"{min(values):.2f}-{max(values):.2f}", len(values))
        out.put(name.replace(" ", "_"), values)


def first_visit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--visits", type=int, default=7)
