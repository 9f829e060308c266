"""How long a learner waits for the Train page: a browser's first visit, which waits for
the browser to make its identity secret (one round trip), against a reload that sends
the cookie at once.

    DIGITS_DATA_DIR=../shared/data python -m bench.first_visit --visits 7
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from bench.browser import launch_chromium, serve_app


def seconds_to_title(page, url: str, reload: bool = False) -> float:
    started = time.perf_counter()
    page.reload() if reload else page.goto(url)
    page.get_by_role("heading", name="Train").first.wait_for(timeout=60_000)
    return time.perf_counter() - started


def main() -> None:
    from playwright.sync_api import sync_playwright
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=7)
    args = parser.parse_args()
    first, again = [], []
    with tempfile.TemporaryDirectory() as store, serve_app(store) as url, sync_playwright() as p:
        browser = launch_chromium(p)
        seconds_to_title(browser.new_context().new_page(), f"{url}/train")  # the process's cold start
        for _ in range(args.visits):
            context = browser.new_context()  # a browser that never saw the app
            page = context.new_page()
            first.append(seconds_to_title(page, f"{url}/train"))
            again.append(seconds_to_title(page, f"{url}/train", reload=True))
            context.close()
        browser.close()
    for name, values in (("first visit", first), ("reload", again)):
        print(f"{name}: median {statistics.median(values):.2f} s, range {min(values):.2f}-{max(values):.2f} s "
              f"({len(values)} visits)")


if __name__ == "__main__":
    main()
